"""Building the demo university: a realistic, deterministic data set for trying Gradepath.

Three academic faculties and two professional services divisions, about 25 departments and
institutes with sections below some of them, about 600 professional services and technical
staff (plus the academics who head departments), posts, appointments, pay histories over
several years, equality-monitoring data, one login per demo role (see
:mod:`gradepath.demo.logins`), an active delegation and a few notifications.

The same ``seed`` and ``today`` always give the same university: every random choice comes
from one seeded :class:`random.Random`, and every date is computed from ``today``. Rows are
written with ``bulk_create`` (this is seed data, like a test factory, not a change someone
made), so the only history rows of the people themselves are one "imported" row per person and
the history the delegation service writes when the FM/HPS delegates their role.

Everything is dated on the university's own timeline (:mod:`gradepath.demo.clock`), never at the
time the demo was built: Gradepath went live three years before ``today`` (the HR extract was
imported then, or on a person's first day if they joined later), the agreed JD library was built
up from then until about six months ago, the delegation was granted on its first day, and each
grading case took each of its steps on its own dates.
"""

from __future__ import annotations

import datetime as dt
import random
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from gradepath.core.dates import add_months
from gradepath.core.models import HistoryEntry
from gradepath.demo import catalogue as cat
from gradepath.demo.cases import DEFAULT_CASES, build_demo_cases
from gradepath.demo.clock import DemoClock, demo_clock
from gradepath.demo.jds import LibraryDates, build_demo_jds
from gradepath.demo.logins import DEMO_LOGINS, DEMO_PASSWORD
from gradepath.demo.names import KNOWN_AS, NAME_GROUPS, NameGroup
from gradepath.demo.processes import DEMO_STEPS
from gradepath.grades.models import Grade, PayRecord
from gradepath.grades.services import increment_date
from gradepath.grades.structure import build_default_structure
from gradepath.grading.models import GradingCase
from gradepath.jobs.models import AgreedJD, JobDescription
from gradepath.notifications.models import Notification
from gradepath.people import roles
from gradepath.people.models import (
    Appointment,
    Delegation,
    EqualityData,
    OrgUnit,
    Person,
    Post,
    PostGrade,
    UnitRoleAssignment,
    User,
)
from gradepath.people.services import grant_delegation

DEFAULT_SEED = 2026
DEFAULT_STAFF = 600  # professional services and technical staff; academics come on top
DEFAULT_JDS = 150  # agreed job descriptions in the library
EMAIL_DOMAIN = "example.ac.uk"
HISTORY_SUMMARY = "Imported from the demo HR extract."
HISTORY_YEARS = 15  # the grade structure and salaries go back this many pay years
LONGEST_TENURE_DAYS = 14 * 365
GO_LIVE_DAYS = 3 * 365  # Gradepath went live this long before the demo's today (the HR extract was imported)
LIBRARY_UNTIL_DAYS = 190  # the agreed JD library was built up until this long ago (every demo case is younger)
DRAFTS_DAYS = (45, 3)  # JD drafts in progress were started between these many days ago
SPAN_OF_CONTROL = 10  # a team leader takes at most this many reports from their own job family

# The organisational group each demo login belongs to (relationship roles need no group).
LOGIN_GROUPS: dict[str, tuple[str, ...]] = {
    "hrbp": (roles.HR_BUSINESS_PARTNER,),
    "hrservices": (roles.HR_SERVICES,),
    "admin": (roles.ADMINISTRATOR,),
    "tclead": (roles.TC_LEAD,),
    "equality": (roles.EQUALITY_DATA_VIEWER,),
}


class DemoDataError(Exception):
    """The demo university cannot be built (for example, the database already holds people)."""


@dataclass
class DemoSummary:
    """What the builder made, for the command's report and the tests."""

    seed: int
    today: dt.date
    seconds: float
    counts: dict[str, int]
    logins: dict[str, int]  # demo username -> person id
    # Demo cases whose steps differed from their planned timeline (demo.cases.planned_steps).
    schedule_misses: list[str] = field(default_factory=list)


@dataclass(eq=False)
class _Unit:
    spec: cat.UnitSpec
    parent: _Unit | None
    unit: OrgUnit
    members: list[_Person] = field(default_factory=list)
    leads: list[_Person] = field(default_factory=list)
    caps: dict[str, int] = field(default_factory=dict)
    fm_hps: _Person | None = None
    head: _Person | None = None
    hrbp: _Person | None = None

    @property
    def top(self) -> _Unit:
        node = self
        while node.parent is not None:
            node = node.parent
        return node


@dataclass(eq=False)
class _Post:
    node: _Unit
    title: str
    grade: int
    category: str
    fte: Decimal = Decimal("1.00")
    funding_source: str = ""
    grant_funded: bool = False
    obj: Post | None = None
    pk: int | None = None  # the id the generator gives it (gradepath.demo.generate)


@dataclass(eq=False)
class _Person:
    idx: int
    node: _Unit
    category: str
    title: str
    grade: int
    family: str
    manages: bool = False
    lead: bool = False
    role: str = ""  # the demo login this person holds, if any
    manager: _Person | None = None
    manager_fixed: bool = False
    tenure_days: int | None = None
    # Filled in by _describe():
    first_name: str = ""
    last_name: str = ""
    known_as: str = ""
    honorific: str = ""
    sex: str = ""
    group: NameGroup | None = None
    email: str = ""
    employee_number: str = ""
    start: dt.date | None = None
    probation_end: dt.date | None = None
    post: _Post | None = None
    old_post: _Post | None = None
    move_date: dt.date | None = None
    regrade_date: dt.date | None = None
    award_date: dt.date | None = None
    temporary: tuple[str, _Post, dt.date, dt.date] | None = None  # (kind, post, start, end)
    pay_rows: list[tuple[dt.date, int, int, str, _Post, str]] = field(default_factory=list)
    obj: Person | None = None
    pk: int | None = None  # the id the generator gives it (gradepath.demo.generate)


def pay_year_of(day: dt.date) -> int:
    """The pay year a day falls in (pay years start on the increment date, normally 1 August)."""
    return day.year if day >= increment_date(day.year) else day.year - 1


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in ascii_text.lower() if ch.isalnum() or ch == "-")


def _head_title(unit_name: str) -> str:
    if unit_name.startswith(("Institute", "Queen Square Institute", "Ear Institute")) or "Institute" in unit_name:
        return "Professor and Director of the Institute"
    if unit_name.startswith("Division"):
        return "Professor and Head of Division"
    if unit_name.startswith("School"):
        return "Professor and Head of School"
    if unit_name.startswith("Department"):
        return "Professor and Head of Department"
    return "Professor and Director"


class DemoBuilder:
    """Plans the whole university in memory, then writes it in one transaction."""

    def __init__(self, *, seed: int = DEFAULT_SEED, staff: int = DEFAULT_STAFF, today: dt.date | None = None,
                 jds: int = DEFAULT_JDS, cases: int = DEFAULT_CASES, catalogue: cat.Catalogue = cat.DEMO):
        self.cat = catalogue
        self.jds = jds
        self.cases = cases if jds else 0  # grading cases need the JDs the posts hold
        self.seed = seed
        self.staff = staff
        self.today = today or timezone.localdate()
        self.now = timezone.now()  # the demo's now (set when the build starts): nothing is dated later
        self.clock: DemoClock | None = None
        self.rng = random.Random(seed)
        self.pay_year = pay_year_of(self.today)
        self.nodes: list[_Unit] = []
        self.by_code: dict[str, _Unit] = {}
        self.people: list[_Person] = []
        self.posts: list[_Post] = []
        self.hrbps: dict[str, _Person] = {}
        self.grades: dict[int, Grade] = {}
        self.reports: Counter[int] = Counter()
        self._emails: set[str] = set()
        self._employee_number = 10_004_000

    def _moment(self, day: dt.date, at: dt.time) -> dt.datetime:
        """``at`` o'clock on ``day``, never later than the demo's now."""
        return min(timezone.make_aware(dt.datetime.combine(day, at)), self.now)

    def _imported_at(self, person: _Person) -> dt.datetime:
        """When the person's record came into Gradepath: at go-live, or on their first day if later."""
        assert person.start is not None
        go_live = self.today - dt.timedelta(days=GO_LIVE_DAYS)
        return self._moment(max(go_live, person.start), dt.time(8, 0))

    # --- planning -----------------------------------------------------------------------

    def _plan(self, node: _Unit, title: str, category: str, grade: int, family: str, *, manages: bool = False,
              lead: bool = False, role: str = "", manager: _Person | None = None, manager_fixed: bool = False,
              tenure_days: int | None = None) -> _Person:
        person = _Person(idx=len(self.people), node=node, category=category, title=title, grade=grade,
                         family=family, manages=manages, lead=lead, role=role, manager=manager,
                         manager_fixed=manager_fixed or manager is not None, tenure_days=tenure_days)
        self.people.append(person)
        node.members.append(person)
        if lead:
            node.leads.append(person)
        return person

    def _plan_units(self) -> None:
        def walk(spec: cat.UnitSpec, parent: _Unit | None) -> None:
            unit = OrgUnit.objects.create(code=spec.code, name=spec.name, kind=spec.kind,
                                          parent=parent.unit if parent else None)
            unit.path = f"{parent.unit.path if parent else '/'}{unit.pk}/"
            unit.save(update_fields=["path"])
            node = _Unit(spec=spec, parent=parent, unit=unit)
            self.nodes.append(node)
            self.by_code[spec.code] = node
            for child in spec.children:
                walk(child, node)

        for spec in self.cat.units:
            walk(spec, None)

    def _plan_fixed_roles(self) -> None:
        years = 365
        for node in self.nodes:
            spec, parent = node.spec, node.parent
            if spec.kind == "faculty":
                life = spec.code == "LIFE"
                dean = self._plan(node, f"Dean of the {spec.name}", cat.ACADEMIC, 10, "academic", manages=True,
                                  manager_fixed=True, tenure_days=self.rng.randint(6 * years, 14 * years))
                fm_grade = 10 if life else self.rng.choice((9, 10))
                fm = self._plan(node, "Faculty Manager", cat.PSS, fm_grade, "admin", manages=True, lead=True,
                                role="fmhps" if life else "", manager=dean, tenure_days=10 * years if life else None)
                deputy = self._plan(node, "Deputy Faculty Manager", cat.PSS, fm_grade - 1, "admin", manages=True,
                                    lead=True, role="delegate" if life else "", manager=fm,
                                    tenure_days=6 * years if life else None)
                node.head, node.fm_hps = dean, fm
                node.caps = {cat.PSS: deputy.grade, cat.TECHNICAL: deputy.grade}
            elif spec.kind == "ps_division":
                director = self._plan(node, self.cat.ps_directors[spec.code], cat.PSS, 10, "admin", manages=True,
                                      lead=True, manager_fixed=True)
                manager = self._plan(node, "Divisional Business Manager", cat.PSS, 8, "admin", manages=True,
                                     lead=True, manager=director)
                node.fm_hps, node.head = director, manager
                node.caps = {cat.PSS: 8, cat.TECHNICAL: 8}
            elif spec.kind == "department" and parent is not None and parent.spec.kind == "faculty":
                hod = self._plan(node, _head_title(spec.name), cat.ACADEMIC, 10, "academic", manages=True,
                                 role="hod" if spec.code == "BIOSC" else "", manager=parent.head,
                                 tenure_days=12 * years if spec.code == "BIOSC" else None)
                size = spec.weight + sum(child.weight for child in spec.children)
                dm_grade = 9 if size >= 30 else 8
                dm = self._plan(node, "Departmental Manager", cat.PSS, dm_grade, "admin", manages=True, lead=True,
                                manager=hod)
                lead_title, lead_family = self.cat.tech_lead_titles[spec.profile][dm_grade - 1]
                tech_lead = self._plan(node, lead_title, cat.TECHNICAL, dm_grade - 1, lead_family, manages=True,
                                       lead=True)
                node.head = hod
                node.caps = {cat.PSS: dm.grade, cat.TECHNICAL: tech_lead.grade}
                if spec.code == "BIOSC":
                    self._plan_demo_team(node)
            elif spec.kind == "department":
                title, grade, family = self.cat.ps_department_heads[spec.profile]
                head = self._plan(node, title, cat.PSS, grade, family, manages=True, lead=True,
                                  role="host" if spec.code == "EST-CAP" else "")  # hosts a demo secondment
                node.head = head
                node.caps = {cat.PSS: grade, cat.TECHNICAL: grade}
                self._plan_hr_roles(node)
            else:  # a section
                assert parent is not None
                if spec.code in self.cat.ps_section_leads:
                    title, grade, family = self.cat.ps_section_leads[spec.code]
                    self._plan(node, title, cat.PSS, grade, family, manages=True, lead=True)
                    node.caps = {cat.PSS: grade, cat.TECHNICAL: grade}
                else:
                    title, family = self.cat.tech_lead_titles[spec.profile][7]
                    self._plan(node, title, cat.TECHNICAL, 7, family, manages=True, lead=True)
                    node.caps = {cat.PSS: parent.caps[cat.PSS], cat.TECHNICAL: 7}
        for node in self.nodes:
            if node.parent is None:
                node.hrbp = self.hrbps[node.spec.code]

    def _plan_demo_team(self, node: _Unit) -> None:
        """The staff member and line manager logins: a laboratory team in the Division of Biosciences."""
        years = 365
        manager = self._plan(node, "Laboratory Manager", cat.TECHNICAL, 7, "lab", manages=True, role="manager",
                             tenure_days=9 * years)
        for i, tenure in enumerate((4 * years + 40, 6 * years + 100, 2 * years + 200, 60)):
            self._plan(node, "Research Technician", cat.TECHNICAL, 5, "lab", role="staff" if i == 0 else "",
                       manager=manager, tenure_days=tenure)

    def _plan_hr_roles(self, node: _Unit) -> None:
        """The HR roles that the demo logins and the faculties' HR Business Partners need."""
        profile = node.spec.profile
        if profile == "hrbp":
            for spec in self.cat.units:
                self.hrbps[spec.code] = self._plan(
                    node, "HR Business Partner", cat.PSS, 8, "hr", manages=True,
                    role="hrbp" if spec.code == "LIFE" else "", tenure_days=5 * 365 if spec.code == "LIFE" else None)
        elif profile == "hr_services":
            self._plan(node, "HR Services Team Leader", cat.PSS, 7, "hr", manages=True, role="hrservices",
                       tenure_days=7 * 365)
            self._plan(node, "HR Systems Manager", cat.PSS, 8, "hr_systems", manages=True, role="admin",
                       tenure_days=8 * 365)
            self._plan(node, "Payroll Manager", cat.PSS, 8, "payroll", manages=True)
        elif profile == "od":
            self._plan(node, "Technician Commitment Programme Manager", cat.PSS, 8, "technician_commitment",
                       manages=True, role="tclead", tenure_days=4 * 365)
        elif profile == "edi":
            self._plan(node, "Equality Data and Reporting Analyst", cat.PSS, 7, "edi", role="equality",
                       tenure_days=3 * 365)

    def _plan_fill(self) -> None:
        """Share the rest of the headcount between units by weight (largest remainder), then pick jobs."""
        fixed = sum(1 for p in self.people if p.category != cat.ACADEMIC)
        budget = max(self.staff - fixed, 0)
        room = [max(node.spec.weight - sum(1 for p in node.members if p.category != cat.ACADEMIC), 0)
                for node in self.nodes]
        total = sum(room) or 1
        exact = [budget * r / total for r in room]
        counts = [int(x) for x in exact]
        order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - counts[i]), i))
        for i in order[: budget - sum(counts)]:
            counts[i] += 1
        for node, n in zip(self.nodes, counts, strict=True):
            jobs = [job for job in self.cat.profiles[node.spec.profile] if job.grade < node.caps[job.category]]
            weights = [job.weight for job in jobs]
            for _ in range(n):
                job = self.rng.choices(jobs, weights)[0]
                self._plan(node, job.title, job.category, job.grade, job.family, manages=job.manages)

    def _pick_name(self, person: _Person) -> None:
        rng = self.rng
        group = rng.choices(NAME_GROUPS, [g.weight for g in NAME_GROUPS])[0]
        female = rng.random() < (0.56 if person.category == cat.PSS else 0.44)
        first_source = group if rng.random() < 0.78 else NAME_GROUPS[0]
        person.first_name = rng.choice(first_source.female if female else first_source.male)
        person.last_name = rng.choice(group.surnames)
        person.group = group
        person.sex = "Female" if female else "Male"
        if person.first_name in KNOWN_AS and rng.random() < 0.4:
            person.known_as = KNOWN_AS[person.first_name]
        if person.category == cat.ACADEMIC:
            person.honorific = "Prof"
        elif person.grade >= 6 and person.family in {"lab", "research_admin", "edi", "od"} and rng.random() < 0.15:
            person.honorific = "Dr"
        base = f"{_slug(person.first_name)}.{_slug(person.last_name)}"
        email, n = f"{base}@{EMAIL_DOMAIN}", 1
        while email in self._emails:
            n += 1
            email = f"{base}{n}@{EMAIL_DOMAIN}"
        self._emails.add(email)
        person.email = email
        self._employee_number += rng.randint(3, 41)
        person.employee_number = f"{self._employee_number:08d}"

    def _first_of_month_between(self, earliest: dt.date, latest: dt.date) -> dt.date | None:
        """A random 1st of a month in [earliest, latest], never the annual increment date."""
        candidates = []
        day = dt.date(earliest.year, earliest.month, 1)
        if day < earliest:
            day = add_months(day, 1)
        while day <= latest:
            if day != increment_date(day.year):
                candidates.append(day)
            day = add_months(day, 1)
        return self.rng.choice(candidates) if candidates else None

    def _describe(self, person: _Person) -> None:
        """Name, dates, post and the career events (regrade, move, award) of one person."""
        rng, today = self.rng, self.today
        self._pick_name(person)
        if person.tenure_days is not None:
            tenure = person.tenure_days
        elif person.lead or person.category == cat.ACADEMIC:
            tenure = rng.randint(3 * 365, LONGEST_TENURE_DAYS)
        elif rng.random() < 0.07:
            tenure = rng.randint(20, 150)  # new starters, still in probation
        else:
            tenure = int(rng.triangular(200, LONGEST_TENURE_DAYS, 3 * 365))
        raw = today - dt.timedelta(days=tenure)
        start = raw.replace(day=1) if rng.random() < 0.6 else raw - dt.timedelta(days=raw.weekday())
        if person.tenure_days is not None and person.tenure_days < 365:
            start = raw  # keep a fixed new starter's probation exactly where it was planned
        person.start = start
        if person.category != cat.ACADEMIC:
            person.probation_end = add_months(start, 9 if person.grade >= 7 else 6) - dt.timedelta(days=1)
        person.post = self._new_post(person.node, person.title, person.grade, person.category,
                                     full_time=person.lead or bool(person.role))

        long_enough = (today - start).days >= 2 * 365
        if person.category == cat.ACADEMIC or not long_enough:
            return
        earliest_change = add_months(start, 12)
        latest_change = today - dt.timedelta(days=30)
        if person.role == "manager":
            person.regrade_date = self._first_of_month_between(today - dt.timedelta(days=3 * 365 + 60),
                                                               today - dt.timedelta(days=3 * 365 - 60))
        elif not person.role and 4 <= person.grade <= 9:
            roll = rng.random()
            if roll < 0.07:
                person.regrade_date = self._first_of_month_between(earliest_change, latest_change)
            elif roll < 0.13:
                lower = [job for job in self.cat.profiles[person.node.spec.profile]
                         if job.family == person.family and job.grade == person.grade - 1]
                if lower:
                    job = rng.choice(lower)
                    person.move_date = self._first_of_month_between(earliest_change, latest_change)
                    if person.move_date:
                        person.old_post = self._new_post(person.node, job.title, job.grade, job.category)
        if person.role == "staff":
            person.award_date = self._first_of_month_between(today - dt.timedelta(days=430),
                                                             today - dt.timedelta(days=380))
        elif not person.role and person.grade <= 9 and not person.lead:
            chance = 0.06 + (0.08 if (today - start).days >= 6 * 365 else 0)
            if rng.random() < chance:
                award = self._first_of_month_between(max(earliest_change, today - dt.timedelta(days=3 * 365)),
                                                     latest_change)
                if award not in (person.regrade_date, person.move_date):
                    person.award_date = award

    def _new_post(self, node: _Unit, title: str, grade: int, category: str, *, full_time: bool = False) -> _Post:
        rng = self.rng
        fte = Decimal("1.00")
        if not full_time and rng.random() < 0.14:
            fte = rng.choice((Decimal("0.80"), Decimal("0.60"), Decimal("0.50"), Decimal("0.40")))
        research = node.spec.profile in {"wetlab", "engineering", "computing", "psych"}
        grant_chance = 0.35 if category == cat.TECHNICAL else 0.08
        post = _Post(node=node, title=title, grade=grade, category=category, fte=fte)
        if research and not full_time and rng.random() < grant_chance:
            funder, pattern = rng.choice(cat.FUNDERS)
            ref = pattern.format(n=rng.randint(10000, 999999), y=rng.randint(19, self.today.year % 100),
                                 l=rng.choice("PRSTVWXY"))
            post.funding_source = f"{funder} grant {ref}"
            post.grant_funded = True
        elif node.top.spec.kind == "faculty":
            post.funding_source = "Core: faculty budget" if node.parent is None else "Core: departmental budget"
        else:
            post.funding_source = f"Core: {node.top.spec.name} budget"
        self.posts.append(post)
        return post

    def _plan_temporary_moves(self) -> None:
        """A few people acting up in a vacant higher-grade post, and a few on secondment elsewhere."""
        rng, today = self.rng, self.today
        eligible = [p for p in self.people
                    if not p.role and not p.lead and p.category != cat.ACADEMIC and 4 <= p.grade <= 6
                    and p.start is not None and (today - p.start).days >= 2 * 365
                    and not (p.regrade_date or p.move_date or p.award_date)]
        wanted = max(2, round(len(self.people) / 150))
        chosen = rng.sample(eligible, min(len(eligible), 2 * wanted))
        secondment_hosts = [("Technician Commitment Project Officer", "HR-OD"),
                            ("Project Officer (Laboratory Refurbishment)", "EST-CAP"),
                            ("Education Project Officer", "ENG"),
                            ("Research Culture Project Officer", "LIFE"),
                            ("Digital Skills Project Officer", "HR-OD")]
        secondment_hosts = [(title, code) for title, code in secondment_hosts if code in self.by_code]
        for i, person in enumerate(chosen):
            start = self._first_of_month_between(today - dt.timedelta(days=200), today - dt.timedelta(days=14))
            if start is None:
                continue
            end = add_months(start, rng.choice((9, 12))) - dt.timedelta(days=1)
            if i % 2 == 0:
                higher = [job for job in self.cat.profiles[person.node.spec.profile]
                          if job.family == person.family and job.grade == person.grade + 1]
                if not higher:
                    continue
                post = self._new_post(person.node, higher[0].title, person.grade + 1, person.category)
                person.temporary = (Appointment.Kind.ACTING_UP, post, start, end)
            else:
                title, code = secondment_hosts[(i // 2) % len(secondment_hosts)]
                post = self._new_post(self.by_code[code], title, person.grade + 1, cat.PSS, full_time=True)
                person.temporary = (Appointment.Kind.SECONDMENT, post, start, end)

    people_per_vacancy = 45  # one vacant post for this many people (the generator's universities have more)

    def _plan_vacancies(self) -> None:
        for _ in range(max(3, len(self.people) // self.people_per_vacancy)):
            node = self.rng.choice([n for n in self.nodes if n.members])
            jobs = [job for job in self.cat.profiles[node.spec.profile] if job.grade < node.caps[job.category]]
            job = self.rng.choice(jobs)
            self._new_post(node, job.title, job.grade, job.category)

    def _choose_manager(self, person: _Person) -> _Person | None:
        same_family = [c for c in person.node.members
                       if c is not person and c.manages and c.category != cat.ACADEMIC
                       and c.family == person.family and c.grade > person.grade
                       and self.reports[c.idx] < SPAN_OF_CONTROL]
        if same_family:
            return min(same_family, key=lambda c: (c.grade, self.reports[c.idx], c.idx))
        for same_category in (True, False):
            node: _Unit | None = person.node
            while node is not None:
                leads = [lead for lead in node.leads if lead is not person and lead.grade > person.grade
                         and (not same_category or lead.category == person.category)]
                if leads:
                    return min(leads, key=lambda c: (c.grade, self.reports[c.idx], c.idx))
                node = node.parent
        return None

    def _assign_managers(self) -> None:
        for person in self.people:
            if person.manager is not None:
                self.reports[person.manager.idx] += 1
        for node in self.nodes:
            for person in sorted(node.members, key=lambda p: (-p.grade, p.idx)):
                if person.manager_fixed:
                    continue
                person.manager = self._choose_manager(person)
                if person.manager is not None:
                    self.reports[person.manager.idx] += 1

    def _simulate_pay(self, person: _Person) -> None:
        """The pay history, as HR Services would have recorded it, from appointment to today."""
        rng, grades = self.rng, self.grades
        assert person.start is not None and person.post is not None
        first_post = person.old_post or person.post
        grade = grades[first_post.grade - 1 if person.regrade_date else first_post.grade]
        if person.category == cat.ACADEMIC:
            point = rng.randint(grade.bottom_point, min(grade.bottom_point + 4, grade.top_point))
        else:
            point = min(grade.bottom_point + rng.choices((0, 1, 2), (75, 20, 5))[0], grade.top_automatic_point)
        rows = [(person.start, grade.number, point, PayRecord.Reason.APPOINTMENT, first_post,
                 f"Appointed as {first_post.title}.")]
        events: list[tuple[dt.date, int, str]] = []
        for year in range(person.start.year, self.pay_year + 1):
            day = increment_date(year)
            if person.start < day <= self.today:
                events.append((day, 0, "increment"))
        if person.regrade_date:
            events.append((person.regrade_date, 1, "regrade"))
        if person.move_date:
            events.append((person.move_date, 1, "move"))
        if person.award_date:
            events.append((person.award_date, 2, "award"))
        if person.temporary:
            events.append((person.temporary[2], 3, "temporary"))
        approver = "the Dean" if person.node.top.spec.kind == "faculty" else "the Vice-Provost (Operations)"
        for day, _, kind in sorted(events):
            if kind == "increment":
                in_probation = person.probation_end is not None and day <= person.probation_end
                if grade.has_increments and not in_probation and point < grade.top_automatic_point:
                    point += 1
                    post = person.post if not person.move_date or day >= person.move_date else first_post
                    rows.append((day, grade.number, point, PayRecord.Reason.ANNUAL_INCREMENT, post, ""))
            elif kind in ("regrade", "move"):
                old = grade
                grade = grades[person.grade]
                point = min(max(grade.bottom_point, point + 1), grade.top_automatic_point)
                if kind == "regrade":
                    rows.append((day, grade.number, point, PayRecord.Reason.REGRADE, person.post,
                                 f"Regraded from {old} to {grade}: the job description was reviewed on the "
                                 "Agreed Route."))
                else:
                    rows.append((day, grade.number, point, PayRecord.Reason.APPOINTMENT, person.post,
                                 f"Appointed to a new post as {person.post.title}."))
            elif kind == "award":
                if not grade.has_increments:
                    continue
                if point < grade.top_automatic_point:
                    reason, note = PayRecord.Reason.ACCELERATED_INCREMENT, "Accelerated increment"
                elif point < grade.top_point:
                    reason, note = PayRecord.Reason.CONTRIBUTION_POINT, "Contribution point"
                else:
                    continue
                point += 1
                rows.append((day, grade.number, point, reason, person.post,
                             f"{note} for sustained outstanding performance, approved by {approver}."))
            else:
                kind_name, post, start, end = person.temporary  # type: ignore[misc]
                grade = grades[post.grade]
                point = min(max(grade.bottom_point, point + 1), grade.top_automatic_point)
                reason = (PayRecord.Reason.ACTING_UP if kind_name == Appointment.Kind.ACTING_UP
                          else PayRecord.Reason.SECONDMENT)
                verb = "Acting up" if reason == PayRecord.Reason.ACTING_UP else "Seconded"
                rows.append((day, grade.number, point, reason, post,
                             f"{verb} as {post.title} until {end:%d %B %Y}."))
        person.pay_rows = rows

    # --- writing ------------------------------------------------------------------------------

    def _write(self) -> None:
        tz = timezone.get_current_timezone()
        password = make_password(DEMO_PASSWORD)  # hashed once: every demo login shares it
        login_people = {p.role: p for p in self.people if p.role}
        account_holders = list(login_people.values()) + [p for p in self.hrbps.values() if not p.role]
        users = []
        for person in account_holders:
            username = person.role or person.email.split("@")[0]
            users.append(User(username=username, first_name=person.known_as or person.first_name,
                              last_name=person.last_name, email=person.email,
                              password=password if person.role else make_password(None),
                              is_staff=person.role == "admin"))
        User.objects.bulk_create(users)
        users = list(User.objects.filter(username__in=[u.username for u in users]))
        user_by_name = {u.username: u for u in users}
        groups = {g.name: g for g in Group.objects.filter(name__in=roles.ALL_GROUPS)}
        memberships = []
        for person in account_holders:
            username = person.role or person.email.split("@")[0]
            person_groups = LOGIN_GROUPS.get(person.role, ())
            if person in self.hrbps.values():
                person_groups = (roles.HR_BUSINESS_PARTNER,)
            for name in person_groups:
                memberships.append(User.groups.through(user_id=user_by_name[username].pk,
                                                       group_id=groups[name].pk))
        User.groups.through.objects.bulk_create(memberships)

        account_of = {id(p): user_by_name[p.role or p.email.split("@")[0]] for p in account_holders}
        for person in self.people:
            person.obj = Person(
                user=account_of.get(id(person)), employee_number=person.employee_number,
                title=person.honorific, first_name=person.first_name, last_name=person.last_name,
                known_as=person.known_as, work_email=person.email, staff_category=person.category,
                probation_end=person.probation_end, created_at=self._imported_at(person),
            )
        Person.objects.bulk_create([p.obj for p in self.people], batch_size=500)
        for person in self.people:
            person.obj.line_manager_id = person.manager.obj.pk if person.manager else None
        Person.objects.bulk_update([p.obj for p in self.people], ["line_manager"], batch_size=500)

        counters: Counter[str] = Counter()
        for post in self.posts:
            counters[post.node.spec.code] += 1
            post.obj = Post(post_number=f"{post.node.spec.code}-{counters[post.node.spec.code]:04d}",
                            org_unit=post.node.unit, title=post.title, grade=self.grades[post.grade], fte=post.fte,
                            funding_source=post.funding_source, grant_funded=post.grant_funded)
        Post.objects.bulk_create([p.obj for p in self.posts], batch_size=500)

        appointments = []
        for person in self.people:
            assert person.start is not None and person.post is not None
            if person.old_post is not None and person.move_date is not None:
                appointments.append(Appointment(person=person.obj, post=person.old_post.obj, start_date=person.start,
                                                end_date=person.move_date - dt.timedelta(days=1)))
                appointments.append(Appointment(person=person.obj, post=person.post.obj,
                                                start_date=person.move_date))
            else:
                appointments.append(Appointment(person=person.obj, post=person.post.obj, start_date=person.start))
            if person.temporary:
                kind, post, start, end = person.temporary
                appointments.append(Appointment(person=person.obj, post=post.obj, kind=kind, start_date=start,
                                                end_date=end))
        Appointment.objects.bulk_create(appointments, batch_size=500)
        PostGrade.objects.bulk_create(self._post_grade_lines(appointments), batch_size=1000)

        pay = [
            PayRecord(person=person.obj, grade=self.grades[grade], spine_point=point, effective_from=day,
                      reason=reason, post=post.obj, note=note,
                      recorded_at=dt.datetime.combine(day, dt.time(9, 0), tzinfo=tz))
            for person in self.people
            for day, grade, point, reason, post, note in person.pay_rows
        ]
        PayRecord.objects.bulk_create(pay, batch_size=1000)

        EqualityData.objects.bulk_create(
            [row for row in (self._equality(person) for person in self.people) if row is not None], batch_size=500
        )

        UnitRoleAssignment.objects.bulk_create(self._role_assignments(), batch_size=500)

        HistoryEntry.objects.bulk_create(
            [HistoryEntry(actor=None, actor_label="System", action="person.imported",
                          object_type=Person._meta.label_lower, object_id=str(p.obj.pk),
                          object_repr=str(p.obj)[:300], person_id=p.obj.pk, summary=HISTORY_SUMMARY,
                          created_at=self._imported_at(p))
             for p in sorted(self.people, key=lambda p: (self._imported_at(p), p.idx))],
            batch_size=500,
        )

    def role_holders(self) -> list[tuple[_Unit, str, _Person, dt.date]]:
        """Each unit's FM/HPS, HoD or departmental contact and HRBP, and each faculty's Dean, held
        from the day the holder took up their post or from go-live, whichever is earlier (the HR
        extract imported at go-live named them), until further notice: (unit, role, holder, from)."""
        go_live = self.today - dt.timedelta(days=GO_LIVE_DAYS)
        found = []
        for node in self.nodes:
            holders = {"fm_hps": node.fm_hps, "head": node.head, "hrbp": node.hrbp}
            if node.spec.kind == "faculty":
                holders["dean"] = node.head
            for role, holder in holders.items():
                if holder is not None:
                    assert holder.start is not None
                    found.append((node, role, holder, min(holder.start, go_live)))
        return found

    def _role_assignments(self) -> list[UnitRoleAssignment]:
        return [UnitRoleAssignment(unit=node.unit, role=role, person=holder.obj, start_date=start)
                for node, role, holder, start in self.role_holders()]

    def _post_grade_lines(self, appointments: list[Appointment]) -> list[PostGrade]:
        """Each post's grade history (policy §3.4): its grade from its first appointment (a vacancy:
        from the start of this pay year), and for a regraded post the grade below until the day
        before the regrade. ``Post.grade`` already holds
        the grade in force today (every demo regrade took effect at least a month ago)."""
        first: dict[int, dt.date] = {}
        for appointment in appointments:
            day = first.get(appointment.post_id)
            first[appointment.post_id] = appointment.start_date if day is None else min(day, appointment.start_date)
        by_post = {id(post): first[post.obj.pk] for post in self.posts
                   if post.obj is not None and post.obj.pk in first}
        return [PostGrade(post=post.obj, grade=self.grades[grade], effective_from=start, reason=reason, note=note,
                          recorded_at=recorded)
                for post, grade, start, reason, note, recorded in self.post_grade_plan(by_post)]

    def post_grade_plan(self, first_appointed: dict[int, dt.date]
                        ) -> list[tuple[_Post, int, dt.date, str, str, dt.datetime]]:
        """The grade history of every post as (post, grade number, from, reason, note, recorded at);
        ``first_appointed`` gives, by ``id()`` of a post, the day its first appointment started."""
        tz = timezone.get_current_timezone()
        regraded = {id(p.post): p.regrade_date for p in self.people if p.regrade_date and p.post is not None}
        vacancy_start = min(increment_date(self.pay_year), self.today)  # vacancies: established this pay year
        lines: list[tuple[_Post, int, dt.date, str, str, dt.datetime]] = []
        for post in self.posts:
            start = first_appointed.get(id(post), vacancy_start)
            regrade = regraded.get(id(post))
            if regrade is not None and start < regrade:
                lines.append((post, post.grade - 1, start, PostGrade.Reason.ESTABLISHED, "",
                              dt.datetime.combine(start, dt.time(9, 0), tzinfo=tz)))
                lines.append((post, post.grade, regrade, PostGrade.Reason.REGRADE,
                              "Regraded: the job description was reviewed on the Agreed Route.",
                              dt.datetime.combine(regrade, dt.time(9, 0), tzinfo=tz)))
            else:
                lines.append((post, post.grade, start, PostGrade.Reason.ESTABLISHED, "",
                              dt.datetime.combine(start, dt.time(9, 0), tzinfo=tz)))
        return lines

    def _equality(self, person: _Person) -> EqualityData | None:
        """Equality-monitoring answers for most people; some answer "prefer not to say"."""
        answers = self.equality_answers(person)
        return None if answers is None else EqualityData(person=person.obj, **answers)

    def equality_answers(self, person: _Person) -> dict[str, str] | None:
        """A person's equality-monitoring answers (None: they never returned the form)."""
        rng = self.rng
        if rng.random() < 0.12:
            return None  # never returned the form
        group = person.group
        assert group is not None
        prefer = EqualityData.PREFER_NOT

        def pick(options: tuple[tuple[str, int], ...], prefer_weight: int) -> str:
            values = [v for v, _ in options] + [prefer]
            return rng.choices(values, [w for _, w in options] + [prefer_weight])[0]

        return dict(
            sex=person.sex if rng.random() > 0.03 else prefer,
            gender_identity_same_as_birth=pick((("Yes", 95), ("No", 1)), 4),
            ethnicity=pick(group.ethnicities, 6),
            disability=pick((("No known disability", 84), ("Long-term health condition", 4),
                             ("Specific learning difficulty", 3), ("Mental health condition", 2),
                             ("Physical impairment", 1), ("Other disability", 1)), 5),
            sexual_orientation=pick((("Heterosexual", 82), ("Gay or lesbian", 4), ("Bisexual", 3),
                                     ("Other sexual orientation", 1)), 10),
            religion=pick(group.religions, 8),
        )

    def _delegate_and_notify(self) -> None:
        """The FM/HPS of Life Sciences delegates to their deputy; a few notifications are waiting."""
        people = {p.role: p for p in self.people if p.role}
        fm, deputy = people["fmhps"], people["delegate"]
        faculty = self.by_code["LIFE"]
        if self.clock is not None:  # granted on its first day
            self.clock.set(self._moment(self.today - dt.timedelta(days=10), dt.time(9, 15)))
        grant_delegation(
            actor=fm.obj.user, delegator=fm.obj, delegate=deputy.obj, role="fm_hps", org_unit=faculty.unit,
            start_date=self.today - dt.timedelta(days=10), end_date=self.today + dt.timedelta(days=45),
            reason="Cover while the Faculty Manager leads the faculty's restructuring review.",
        )
        now = self.now
        staff, manager = people["staff"], people["manager"]
        newcomer = next(p for p in faculty.members + self.by_code["BIOSC"].members
                        if p.manager is manager and p.probation_end and p.probation_end >= self.today)
        last_pay = staff.pay_rows[-1]
        biosc = self.by_code["BIOSC"]
        in_probation = [p for node in self.nodes if node is biosc or node.parent is biosc for p in node.members
                        if p.probation_end and self.today <= p.probation_end <= self.today + dt.timedelta(days=90)]
        filled = self._filled_posts()
        vacant = sum(1 for post in self.posts if post.node.top is faculty and id(post) not in filled)
        starters = [p for p in self.people if p.node.top is faculty and p.start
                    and (self.today - p.start).days <= 120]
        appraisal_end = dt.date(self.today.year + (1 if self.today.month > 4 else 0), 4, 30)
        notes = [
            (staff, "Review your job description before your appraisal",
             f"Your appraisal with {manager.obj} is due by {appraisal_end:%d %B %Y}. Before it, read your job "
             "description and note any responsibilities you have taken on or given up in the past year.",
             f"/people/{staff.obj.pk}/", 2, False),
            (staff, "Your pay record has been updated",
             f"HR Services recorded a change to your pay: {self.grades[last_pay[1]]}, spine point {last_pay[2]} "
             f"from {last_pay[0]:%d %B %Y} ({PayRecord.Reason(last_pay[3]).label.lower()}).",
             f"/people/{staff.obj.pk}/", 30, False),
            (staff, "Welcome to Gradepath",
             "Gradepath holds your job, grade, spine point and pay history. Tell HR Services if anything "
             "on My home looks wrong.", "/", 60, True),
            (manager, f"Probation review due for {newcomer.obj}",
             f"{newcomer.obj}'s probation ends on {newcomer.probation_end:%d %B %Y}. Hold the probation "
             "review and tell HR Services the outcome before then.", f"/people/{newcomer.obj.pk}/", 1, False),
            (manager, f"{staff.obj}'s appraisal is due",
             f"Agree a date for {staff.obj}'s appraisal before {appraisal_end:%d %B %Y} and review their job "
             "description with them.", f"/people/{staff.obj.pk}/", 3, False),
            (manager, f"{newcomer.obj} has joined your team",
             f"{newcomer.obj} started as {newcomer.title} on {newcomer.start:%d %B %Y} and reports to you.",
             f"/people/{newcomer.obj.pk}/", 55, True),
            (deputy, "Vacant posts in the Faculty of Life Sciences",
             f"The faculty has {vacant} vacant posts. Check with the departmental managers that each one is "
             "still needed before the next budget round.", f"/units/{faculty.unit.pk}/", 4, False),
            (fm, "Your delegation is in place",
             f"{deputy.obj} acts as FM/HPS of the Faculty of Life Sciences for you until "
             f"{self.today + dt.timedelta(days=45):%d %B %Y}.", "/people/delegations/", 9, True),
            (people["hod"], "Probation reviews due in your department",
             f"{len(in_probation)} people in the Division of Biosciences finish their probation in the next "
             "three months.", f"/units/{biosc.unit.pk}/", 5, False),
            (people["hrbp"], "New starters in the Faculty of Life Sciences",
             f"{len(starters)} people joined the faculty in the last four months.",
             f"/units/{faculty.unit.pk}/", 6, False),
            (people["hrservices"], "The annual increment is coming up",
             f"Annual increments for the {self.pay_year + 1}–{(self.pay_year + 2) % 100:02d} pay year take effect "
             f"on {increment_date(self.pay_year + 1):%d %B %Y}. Check the pay records of new starters first.",
             "/", 7, False),
        ]
        Notification.objects.bulk_create([
            Notification(recipient=person.obj, subject=subject, body=body, link=link,
                         created_at=now - dt.timedelta(days=days, hours=person.idx % 7),
                         read_at=(now - dt.timedelta(days=days - 1)) if read else None)
            for person, subject, body, link, days, read in notes
        ])

    def _filled_posts(self) -> set[int]:
        """The posts (by ``id()``) someone holds today: a substantive post, or one acted up in or seconded to."""
        return {id(p.post) for p in self.people} | {id(p.temporary[1]) for p in self.people if p.temporary}

    # --- the whole build ------------------------------------------------------------------------

    def prepare(self) -> None:
        """The groups and the grade structure (with its salaries back to the first pay year); the clock
        (when there is one) at go-live."""
        if self.clock is not None:
            self.clock.set(self._moment(self.today - dt.timedelta(days=GO_LIVE_DAYS), dt.time(8, 0)))  # go-live
        for name in roles.ALL_GROUPS:
            Group.objects.get_or_create(name=name)
        first_year = self.pay_year - HISTORY_YEARS
        structure = build_default_structure(effective_from=increment_date(first_year),
                                            pay_years=list(range(first_year, self.pay_year + 1)))
        self.grades = {g.number: g for g in Grade.objects.filter(structure=structure)}

    def plan(self) -> None:
        """Plan the whole university in memory (only the org units are written, to give them ids and
        paths): people, posts, careers, temporary moves, vacancies, managers and pay histories."""
        self._plan_units()
        self._plan_fixed_roles()
        self._plan_fill()
        for person in self.people:
            self._describe(person)
        # The Dean of the Faculty of Life Sciences signs in as "dean" (named after describing, so the planning's
        # random draws stay as they were).
        self.by_code["LIFE"].head.role = "dean"
        self._plan_temporary_moves()
        self._plan_vacancies()
        self._assign_managers()
        for person in self.people:
            self._simulate_pay(person)

    def build(self) -> DemoSummary:
        """Plan and write the demo university in one transaction."""
        started = time.perf_counter()
        if Person.objects.exists():
            raise DemoDataError("The database already holds people. Build the demo university into an empty "
                                "database (use --reset on SQLite).")
        with demo_clock() as clock, transaction.atomic():
            self.clock = clock
            self.now = clock.real_now if timezone.localdate(clock.real_now) <= self.today else \
                timezone.make_aware(dt.datetime.combine(self.today, dt.time(18, 0)))
            self.prepare()
            self.plan()
            self._write()
            self._delegate_and_notify()
            if self.jds:
                # The agreed JD library and the JD each post holds (gradepath.demo.jds), built up
                # between go-live and about six months ago; the drafts in progress are recent.
                go_live = self._moment(self.today - dt.timedelta(days=GO_LIVE_DAYS), dt.time(10, 0))
                dates = LibraryDates(
                    first=go_live + dt.timedelta(days=30),
                    last=self._moment(self.today - dt.timedelta(days=LIBRARY_UNTIL_DAYS), dt.time(11, 0)),
                    drafts_from=self._moment(self.today - dt.timedelta(days=DRAFTS_DAYS[0]), dt.time(10, 30)),
                    drafts_to=self._moment(self.today - dt.timedelta(days=DRAFTS_DAYS[1]), dt.time(14, 30)),
                    set_clock=clock.set)
                build_demo_jds(rng=random.Random(self.seed + 3), org_units=OrgUnit.objects.all(), count=self.jds,
                               dates=dates)
            misses: list[str] = []
            process_counts: dict[str, int] = {}
            if self.cases:
                # Grading cases on every route and in every state (gradepath.demo.cases).
                misses = build_demo_cases(rng=random.Random(self.seed + 5), count=self.cases,
                                          today=self.today).schedule_misses
                # Appraisals, accelerated increments, secondments, acting up (gradepath.demo.processes).
                for offset, (_name, step) in enumerate(DEMO_STEPS):
                    process_counts.update(step(rng=random.Random(self.seed + 11 + offset), today=self.today,
                                               clock=clock))
        counts = {
            "org units": OrgUnit.objects.count(),
            "faculties and divisions": OrgUnit.objects.filter(parent__isnull=True).count(),
            "departments": OrgUnit.objects.filter(kind=OrgUnit.Kind.DEPARTMENT).count(),
            "sections": OrgUnit.objects.filter(kind=OrgUnit.Kind.SECTION).count(),
            "people": Person.objects.count(),
            "professional services and technical staff": Person.objects.exclude(
                staff_category=Person.StaffCategory.ACADEMIC).count(),
            "posts": Post.objects.count(),
            "appointments": Appointment.objects.count(),
            "pay records": PayRecord.objects.count(),
            "equality records": EqualityData.objects.count(),
            "delegations": Delegation.objects.count(),
            "notifications": Notification.objects.count(),
            "job descriptions": JobDescription.objects.count(),
            "agreed JDs in the library": AgreedJD.objects.filter(is_current=True).count(),
            "grading cases": GradingCase.objects.count(),
            **process_counts,
            "history entries": HistoryEntry.objects.count(),
            "logins": User.objects.count(),
        }
        logins = {p.role: p.obj.pk for p in self.people if p.role and p.obj is not None}
        missing = {d.username for d in DEMO_LOGINS} - set(logins)
        if missing:  # pragma: no cover - a catalogue change that drops a role would be a bug
            raise DemoDataError(f"No demo person holds these logins: {', '.join(sorted(missing))}.")
        return DemoSummary(seed=self.seed, today=self.today, seconds=time.perf_counter() - started,
                           counts=counts, logins=logins, schedule_misses=misses)


def build_demo_university(*, seed: int = DEFAULT_SEED, staff: int = DEFAULT_STAFF,
                          today: dt.date | None = None, jds: int = DEFAULT_JDS,
                          cases: int = DEFAULT_CASES) -> DemoSummary:
    """Build the demo university into an empty database and say what was made.

    ``staff`` is the number of professional services and technical staff (at least the
    ~80 role holders are always made); ``today`` anchors every date (default: today); ``jds`` is
    the number of agreed JDs in the library (0 for none); ``cases`` is the number of grading
    cases (0 for none; none without the JD library).
    """
    return DemoBuilder(seed=seed, staff=staff, today=today, jds=jds, cases=cases).build()
