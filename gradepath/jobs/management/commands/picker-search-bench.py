"""``gradepath picker-search-bench [--people 50000] [--agreed 5000] [--json]``: time the search pickers.

Adds ``--people`` synthetic people and ``--agreed`` synthetic current agreed JDs (fixed seed) inside a
transaction that is rolled back at the end, so nothing is kept, then times the two search endpoints
the pickers call (``people:person-search`` as a member of HR Services, who may see everyone, and
``jobs:agreed-search``) for typical words, counting their queries, and checks the people query's
plan reads the name indexes only (no scan of the people table). Targets: every search under
100 ms, a fixed number of queries, at most 21 rows read for the answer. Refused in production.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import statistics
import time

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from gradepath.grades.models import Grade, GradeStructure
from gradepath.grades.structure import build_default_structure
from gradepath.jobs.models import AgreedJD, JDVersion, JobDescription, JobFamily
from gradepath.jobs.views import agreed_search_view
from gradepath.people import roles
from gradepath.people.models import OrgUnit, Person, User
from gradepath.people.permissions import visible_people
from gradepath.people.search import people_matching
from gradepath.people.views import person_search

SURNAMES = ["Patel", "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson",
            "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson",
            "Clarke", "McDonald", "O'Brien", "Okafor", "Nguyen", "Khan", "Ali", "Singh", "Kowalski", "Murphy"]
ENDINGS = ["", "", "", "son", "ley", "ford", "well", "ton"]
FIRST_NAMES = ["Sam", "Alex", "Priya", "Mohammed", "Olivia", "Jack", "Amelia", "Noah", "Isla", "Leo", "Ava"]
LEVELS = ["", "", "Senior ", "Assistant ", "Principal ", "Deputy "]
JOBS = ["Research Technician", "Laboratory Technician", "Finance Officer", "Research Grants Administrator",
        "Departmental Administrator", "Teaching and Learning Officer", "IT Support Analyst", "Workshop Technician",
        "Communications Officer", "HR Administrator", "Student Records Assistant", "Facilities Assistant",
        "Electronics Technician", "Executive Assistant", "Data Analyst", "Library Assistant"]
PEOPLE_QUERIES = ["patel", "sam patel", "mcdonald", "okaf", "Q0012345", "q00123", "zzzz"]
AGREED_QUERIES = ["technician", "senior research technician", "finance", "BAJ-00012", "zzzz"]


class Command(BaseCommand):
    help = "Time the search pickers' endpoints at scale (nothing is kept)."

    def add_arguments(self, parser):
        parser.add_argument("--people", type=int, default=50_000, help="Synthetic people to add (default 50,000).")
        parser.add_argument("--agreed", type=int, default=5_000, help="Synthetic agreed JDs to add (default 5,000).")
        parser.add_argument("--repeat", type=int, default=5, help="Timings per query (the median is reported).")
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("The benchmark adds and removes people and JDs: it does not run in production.")
        if options["people"] < 1 or options["agreed"] < 1 or options["repeat"] < 1:
            raise CommandError("--people, --agreed and --repeat must be at least 1.")
        rng = random.Random(20261206)  # noqa: S311 - synthetic names, not security
        with transaction.atomic():
            user = self._add_people(options["people"], rng)
            self._add_agreed(options["agreed"], rng)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            people = [self._time(person_search, user, q, options["repeat"]) | self._people_plan(user, q)
                      for q in PEOPLE_QUERIES]
            agreed = [self._time(agreed_search_view, user, q, options["repeat"]) for q in AGREED_QUERIES]
            transaction.set_rollback(True)  # nothing is kept
        result = {"people": options["people"], "agreed": options["agreed"], "vendor": connection.vendor,
                  "people_searches": people, "agreed_searches": agreed}
        if options["json"]:
            self.stdout.write(json.dumps(result))
            return
        self.stdout.write(f"{options['people']:,} synthetic people and {options['agreed']:,} agreed JDs added on "
                          f"{connection.vendor} (rolled back).")
        for title, rows in (("people:person-search", people), ("jobs:agreed-search", agreed)):
            self.stdout.write(title)
            for row in rows:
                extra = f"; index ranges only: {'yes' if row['indexed'] else 'NO'}" if "indexed" in row else ""
                self.stdout.write(f"  {row['query']!r:>28}: {row['shown']:>2} shown{'+' if row['more'] else ' '}, "
                                  f"median {row['median_ms']:.1f} ms, max {row['max_ms']:.1f} ms, "
                                  f"{row['queries']} queries{extra}")

    def _add_people(self, count: int, rng: random.Random) -> User:
        batch = []
        for i in range(count):
            batch.append(Person(
                employee_number=f"Q{i:07d}", first_name=rng.choice(FIRST_NAMES),
                last_name=rng.choice(SURNAMES) + rng.choice(ENDINGS), work_email=f"picker{i}@bench.invalid",
                staff_category=Person.StaffCategory.PROFESSIONAL_SERVICES))
            if len(batch) == 5000:
                Person.objects.bulk_create(batch)
                batch = []
        Person.objects.bulk_create(batch)
        user = User.objects.create(username="picker-bench-hr")
        user.groups.add(Group.objects.get_or_create(name=roles.HR_SERVICES)[0])
        return user

    def _add_agreed(self, count: int, rng: random.Random) -> None:
        unit = OrgUnit.objects.create(code="PICKBENCH", name="Picker benchmark unit", kind=OrgUnit.Kind.FACULTY,
                                      path="/")
        family = JobFamily.objects.create(code="pick-bench", name="Picker benchmark family")
        structure = GradeStructure.objects.in_force() or build_default_structure(  # an empty database
            effective_from=dt.date(2000, 8, 1), pay_years=[dt.date.today().year])
        grades = list(Grade.objects.filter(structure=structure))
        jds = JobDescription.objects.bulk_create([
            JobDescription(reference=f"BJD-{i:06d}", org_unit=unit, job_family=family, staff_category="pss")
            for i in range(count)])
        versions = JDVersion.objects.bulk_create([
            JDVersion(jd=jd, number=1, status=JDVersion.Status.AGREED, job_family=family,
                      job_title=rng.choice(LEVELS) + rng.choice(JOBS), purpose="A synthetic job for the benchmark.",
                      duties=["Do the work."]) for jd in jds])
        AgreedJD.objects.bulk_create([
            AgreedJD(version=v, reference=f"BAJ-{i:06d}", grade=rng.choice(grades), job_family=family,
                     staff_category="pss", is_current=True) for i, v in enumerate(versions)])

    @staticmethod
    def _time(view, user, query: str, repeat: int) -> dict:
        factory = RequestFactory()
        times, answer, queries = [], {}, 0
        for _ in range(repeat):
            request = factory.get("/", {"q": query})
            request.user = User.objects.get(pk=user.pk)  # a new request: nothing cached on the user yet
            with CaptureQueriesContext(connection) as ctx:
                start = time.perf_counter()
                response = view(request)
                times.append((time.perf_counter() - start) * 1000)
            answer, queries = json.loads(response.content), len(ctx.captured_queries)
        return {"query": query, "shown": len(answer["results"]), "more": answer["more"], "queries": queries,
                "median_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1)}

    @staticmethod
    def _people_plan(user, query: str) -> dict:
        found = people_matching(visible_people(user).filter(is_active=True), query)[:21]
        sql, params = found.query.sql_with_params()
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
                plan = " | ".join(str(row[-1]) for row in cursor.fetchall())
                indexed = "SCAN people_person" not in plan and "USING INDEX" in plan
            else:
                cursor.execute(f"EXPLAIN {sql}", params)
                plan = " | ".join(row[0].strip() for row in cursor.fetchall())
                indexed = "Seq Scan on people_person" not in plan and "Index" in plan
        return {"indexed": indexed, "plan": plan}
