"""``gradepath equality-search-bench [--people 50000] [--json]``: time the equality viewer's search.

Adds ``--people`` synthetic people (fixed seed) inside a transaction that is rolled back at the
end, so nothing is kept, then times the search page's work for typical queries (a surname, a
first name and surname, a surname with a prefix, a full and a partial staff number, a miss): the
count and the first page of 25 with the job facts, as ``people.views.equality_search`` does, and
prints the database's query plan. Target: every query under 100 ms at 50,000 people, answered
from index ranges (no scan of the people table). Refused in production.
"""

from __future__ import annotations

import json
import random
import statistics
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.core.paginator import Paginator
from django.db import connection, transaction

from gradepath.people.lookup import find_people
from gradepath.people.models import Person
from gradepath.people.selectors import with_job_facts

SURNAMES = ["Patel", "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson",
            "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson",
            "Clarke", "McDonald", "O'Brien", "Okafor", "Nguyen", "Khan", "Ali", "Singh", "Kowalski", "Murphy"]
ENDINGS = ["", "", "", "son", "ley", "ford", "well", "ton"]
FIRST_NAMES = ["Sam", "Alex", "Priya", "Mohammed", "Olivia", "Jack", "Amelia", "Noah", "Isla", "Leo", "Ava",
               "Oscar", "Mia", "Arjun", "Chen"]
PREFIX = "Q"  # synthetic staff numbers: Q0000000 …
QUERIES = ["patel", "sam patel", "mcdonald", "Okaf", f"{PREFIX}0012345", f"{PREFIX.lower()}00123", "zzzz"]


class Command(BaseCommand):
    help = "Time the equality data viewer's person search at scale (nothing is kept)."

    def add_arguments(self, parser):
        parser.add_argument("--people", type=int, default=50_000, help="Synthetic people to add (default 50,000).")
        parser.add_argument("--repeat", type=int, default=5, help="Timings per query (the median is reported).")
        parser.add_argument("--json", action="store_true", help="Print one JSON object: people, queries.")

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("The benchmark adds and removes people: it does not run in production.")
        if options["people"] < 1 or options["repeat"] < 1:
            raise CommandError("--people and --repeat must be at least 1.")
        results = []
        with transaction.atomic():
            self._add_people(options["people"])
            for query in QUERIES:
                results.append(self._time(query, options["repeat"]))
            transaction.set_rollback(True)  # nothing is kept
        total = Person.objects.count()
        if options["json"]:
            self.stdout.write(json.dumps({"people": options["people"], "vendor": connection.vendor,
                                          "queries": results}))
            return
        self.stdout.write(f"{options['people']:,} synthetic people added on {connection.vendor} "
                          f"(rolled back: {total:,} people remain).")
        for row in results:
            self.stdout.write(f"{row['query']!r:>14}: {row['found']:>6,} found, count + first page "
                              f"median {row['median_ms']:.1f} ms, max {row['max_ms']:.1f} ms; "
                              f"index ranges only: {'yes' if row['indexed'] else 'NO'}")

    def _add_people(self, count: int) -> None:
        rng = random.Random(20260801)  # noqa: S311 - synthetic names, not security
        batch = []
        for i in range(count):
            batch.append(Person(
                employee_number=f"{PREFIX}{i:07d}", first_name=rng.choice(FIRST_NAMES),
                last_name=rng.choice(SURNAMES) + rng.choice(ENDINGS), work_email=f"bench{i}@bench.invalid",
                staff_category=Person.StaffCategory.PROFESSIONAL_SERVICES))
            if len(batch) == 5000:
                Person.objects.bulk_create(batch)
                batch = []
        Person.objects.bulk_create(batch)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    def _time(self, query: str, repeat: int) -> dict:
        people = find_people(query)
        times, found = [], 0
        for _ in range(repeat):
            start = time.perf_counter()
            page = Paginator(with_job_facts(people), 25).get_page(1)
            found = page.paginator.count
            list(page.object_list)
            times.append((time.perf_counter() - start) * 1000)
        return {"query": query, "found": found, "median_ms": round(statistics.median(times), 1),
                "max_ms": round(max(times), 1), "indexed": self._indexed(people), "plan": self._plan(people)}

    @staticmethod
    def _plan(people) -> list[str]:
        sql, params = people.query.sql_with_params()
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
                return [str(row[-1]) for row in cursor.fetchall()]
            cursor.execute(f"EXPLAIN {sql}", params)
            return [row[0].strip() for row in cursor.fetchall()]

    def _indexed(self, people) -> bool:
        plan = " | ".join(self._plan(people))
        if connection.vendor == "sqlite":
            return "SCAN people_person" not in plan and "SEARCH people_person USING INDEX" in plan
        return "Seq Scan on people_person" not in plan and "Index" in plan
