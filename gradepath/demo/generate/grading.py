"""Step "grading": grading cases on every route and in every state, with their events, tasks, JD
versions, library entries, pay and post grade changes, history rows and messages.

Each case is walked through the grading process's own table (:data:`gradepath.grading.workflow.GRADING`)
the way the demo's cases are (:mod:`gradepath.demo.cases`: the same kinds of walk, wording and
timeline), but in memory:

* every move is one the table allows from the state the case is in, taken in the role the table names,
  by the person the engine's own resolvers name for that role on that day (nobody approving their own
  submission: ``engine.open_roles``; the FM/HPS and HRBP through ``people.relations.eligible_holders``,
  with the delegation while it is active);
* after each move the open tasks are what ``engine.refresh_tasks`` would leave: completed tasks for the
  states left behind, the kept ones of an agreement still being given, new ones for whoever must act
  now (a team's queue for HR Services), each due ten working days after it was made, and its
  "waiting for you" message while it is open;
* what each move's effect does is done too: a JD draft for the case (the JD's own next draft, or a copy
  for the post when its JD is shared), edits and submissions as versions, returned rounds as new
  drafts, the recommended, checked and decided grades, HERA scores, the fairness assessment, the
  effective date, the pay record at the new spine point (and the annual increments since), the post's
  dated grade line and its new JD version, the approved JD logged in the library, the appeal window,
  panels of people not involved; the history row of every move and JD change; the outcome told to the
  people involved, and the Head of Department copied.

Cases start in the year before today (after the library was built), oldest first, so their references
(``GC-2026-0001``) follow the order they started and the reference counters end where the services
carry on. A case is about a member of staff in post since before it started whose pay has not changed
since, one case per post; new jobs are started by line managers.

The demo logins get their work at every size: ``staff`` has a Direct Route case waiting for ``manager``,
who also has agreements, a discussion and a submission waiting and new jobs of their own; the delegate
of the Life Sciences FM/HPS, its HRBP, HR Services (a team queue) and the Technician Commitment lead
(on appeal panels) have theirs from the cases in their units.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from gradepath.demo import cases as demo_cases
from gradepath.demo import catalogue as cat
from gradepath.demo import jds as content
from gradepath.demo.builder import DemoBuilder, _Person, _Post
from gradepath.demo.generate.base import (
    Generation,
    GenerationError,
    Holders,
    Step,
    TaskRow,
    headline,
    write_counters,
)
from gradepath.demo.generate.base import person_name as _full_name
from gradepath.demo.generate.base import write_logins as write_login_rows
from gradepath.demo.generate.jds import (
    JD,
    JD_TYPE,
    POST_TYPE,
    Entry,
    Library,
    Version,
    changed_labels,
    jd_label,
    version_label,
    write_entries,
    write_versions,
)
from gradepath.demo.generate.writer import HistoryRow
from gradepath.grades.models import PayRecord
from gradepath.grades.services import increment_date
from gradepath.grading.effects import TELLS_THE_OUTCOME, hera_grade, outcome_stays, outcome_words
from gradepath.grading.models import AppealPanelMember, CaseEvent, GradingCase, Outcome, Route
from gradepath.grading.policy import policy
from gradepath.grading.processing import effective_date_for, new_spine_point
from gradepath.grading.workflow import GRADING, HERA_ELEMENTS
from gradepath.jobs.models import AgreedJD, JDVersion, JobDescription
from gradepath.notifications.models import Notification, OutboxEmail
from gradepath.people import roles
from gradepath.people.models import (
    Delegation,
    Post,
    PostGrade,
    UnitRoleAssignment,
    User,
)
from gradepath.workflow import engine
from gradepath.workflow.calendar import add_working_days
from gradepath.workflow.models import BankHoliday, Task

NAME = "grading"
CASES_PER_PERSON = 0.4  # ~20,000 cases for 50,000 people
CASE_WINDOW_DAYS = 360  # cases started in the year before today (the library was built before that)
ROUTES = {Route.NEW_JOB: 25, Route.AGREED: 30, Route.DIRECT: 45}
COMPLETE = 0.45  # share of cases walked to their end (closed, withdrawn, not agreed, or an appeal's state)
HR_SERVICES_PER_PERSON = 1 / 5_000  # HR Services members besides the demo login, who process the cases
CASE_TYPE = GradingCase._meta.label_lower
NJ, AR, DR = Route.NEW_JOB.value, Route.AGREED.value, Route.DIRECT.value
MOVES = GRADING.moves_by_action
CLOSED = set(GRADING.closed_states)
STATES = GRADING.states


@dataclass(frozen=True)
class Plan:
    """How one case goes: its route, the choices on the way, and how far it has gone."""

    route: str
    loops: int = 0
    withdraw: bool = False
    decline: bool = False
    no_agreement: bool = False
    hrbp_returns: bool = False
    hera: bool = False
    fairness: str = ""  # "", "resolved" (issue resolved at once), "open" (issue left open, resolved later)
    outcome: str = Outcome.HIGHER_GRADE
    appeal: str = ""  # "", "lodge", "convene", "dismiss", "uphold"
    cut: int | None = None  # the number of steps taken (None: every step of the walk)
    part: float | None = None  # or the share of the walk's steps taken (a case still open)
    waiting: int = 3  # days since the last step (or since it started)
    age: int = 20  # days since it started
    subject: _Person | None = None  # a chosen subject (the demo logins' cases)
    initiator: _Person | None = None
    panel_first: bool = False  # the Technician Commitment lead sits on the appeal panel


def random_plan(rng: random.Random, route: str) -> Plan:
    loops = rng.choices((0, 1, 2), (75, 20, 5))[0]
    appeal = rng.choices(("", "lodge", "convene", "dismiss", "uphold"), (92, 2, 1.5, 3, 1.5))[0]
    complete = rng.random() < COMPLETE
    outcome = rng.choices((Outcome.HIGHER_GRADE, Outcome.NO_CHANGE, Outcome.REALLOCATION), (60, 22, 18))[0]
    hrbp_returns = rng.random() < 0.04
    recent = rng.choices((rng.randint(0, 9), rng.randint(10, 25), rng.randint(26, 80)), (65, 27, 8))[0]
    # A case walked to its end closed some time ago, unless its end leaves it waiting (an appeal, a return).
    waiting = rng.randint(1, 300) if complete and not (appeal or hrbp_returns) else recent
    return Plan(route=route, loops=loops, withdraw=rng.random() < 0.06, decline=route == AR and rng.random() < 0.1,
                no_agreement=route == DR and rng.random() < 0.15, hrbp_returns=hrbp_returns,
                hera=rng.random() < 0.15, fairness=rng.choices(("", "resolved", "open"), (80, 12, 8))[0],
                outcome=outcome, appeal=appeal, part=None if complete else rng.random(), waiting=waiting, age=0)


# --- The walk: the steps a case takes, in order -------------------------------------------------------


@dataclass
class WalkStep:
    kind: str  # "event" or "edit"
    action: str  # the move, or the kind of edit
    role: str
    data: dict[str, Any] = field(default_factory=dict)


def walk(plan: Plan, current: int | None, rng: random.Random) -> list[WalkStep]:
    """Every step of the case's walk (before any cut), as the demo's walks take them
    (gradepath.demo.cases): the grade asked for is one above the current one (a new job: its own)."""
    steps: list[WalkStep] = []

    def event(action: str, role: str, **data: Any) -> None:
        steps.append(WalkStep("event", action, role, data))

    def edit(role: str, kind: str, **data: Any) -> None:
        steps.append(WalkStep("edit", kind, role, data))

    grade = min((current or 5) + 1, 10) if plan.route != NJ else 0  # a new job: its grade comes with the match
    if plan.route == NJ:
        event("submit_for_approval", "line_manager", recommended_grade=grade, match=True)
        for _ in range(plan.loops):
            event("return_to_manager", "fm_hps", reason=rng.choice(demo_cases.RETURNS))
            edit("initiator", "revise")
            event("submit_for_approval", "line_manager", recommended_grade=grade)
        if plan.withdraw:
            event("withdraw", "initiator", reason="The post is no longer needed: the work moves to the faculty's "
                                                  "shared service from next term.")
            return steps
        event("approve", "fm_hps")
    elif plan.route == DR:
        event("record_discussion", "line_manager", reason=rng.choice(demo_cases.DISCUSSIONS))
        edit("staff_member", "propose", budget=True)
        event("submit_proposal", "staff_member", recommended_grade=grade, match=rng.random() < 0.7)
        for _ in range(plan.loops):
            event("return_to_staff", "line_manager", reason=rng.choice(demo_cases.RETURNS))
            edit("staff_member", "revise")
            event("submit_proposal", "staff_member", recommended_grade=grade)
        if plan.withdraw:
            event("withdraw", "initiator", reason="I have been offered a new post in another department and will "
                                                  "not pursue the regrade.")
            return steps
        event("confirm_jd", "line_manager")
        event("submit_to_fm", "line_manager")
        if plan.no_agreement:
            event("record_no_agreement", "fm_hps", reason=rng.choice(demo_cases.NO_AGREEMENT))
            event("submit_to_hrbp", "staff_member", match=True)
        else:
            event("record_grade_agreement", "fm_hps", match=rng.random() < 0.7)
    else:
        event("agree_duties_changed", "staff_member")
        if plan.decline:
            event("decline_agreed_route", "line_manager",
                  reason="The new duties are temporary cover for a colleague on leave, so I do not agree they have "
                         "changed significantly. The Direct Route is open to the staff member.")
            return steps
        event("agree_duties_changed", "line_manager")
        event("agree_duties_changed", "fm_hps")
        edit("line_manager", "amend", budget=True)
        event("submit_amended_jd", "line_manager", recommended_grade=grade, match=rng.random() < 0.7)
        for _ in range(plan.loops):
            event("return_for_amendment", "fm_hps", reason=rng.choice(demo_cases.RETURNS))
            edit("line_manager", "reamend")
            event("submit_amended_jd", "line_manager", recommended_grade=grade)
        if plan.withdraw:
            event("withdraw", "initiator", reason="We have agreed to restructure the team instead; the request is "
                                                  "no longer needed.")
            return steps
        event("agree_amended_jd", "staff_member")
        event("agree_amended_jd", "line_manager")
        event("agree_amended_jd", "fm_hps")
    if plan.hrbp_returns:
        event("return_to_submitter", "hrbp", reason="The JD does not say who the post reports to or what budget it "
                                                    "holds: add both and resubmit.")
        return steps
    _hrbp_to_end(plan, current, grade, rng, event, edit)
    return steps


def _scores(rng: random.Random, grade: int) -> dict[str, int]:
    """HERA element scores whose total falls in the middle of the grade's band (as the demo's)."""
    bands = {g: (low, high) for g, low, high in policy("HERA_BANDS")}
    low, high = bands[grade]
    total = (low + min(high, low + 120)) // 2
    weights = [rng.randint(2, 6) for _ in HERA_ELEMENTS]
    raw = [total * w // sum(weights) for w in weights]
    raw[0] += total - sum(raw)
    return dict(zip(HERA_ELEMENTS, raw, strict=True))


def _hrbp_to_end(plan: Plan, current: int | None, grade: int, rng: random.Random, event, edit) -> None:
    new_job = plan.route == NJ
    outcome = Outcome.GRADE_CONFIRMED if new_job else plan.outcome
    stays = outcome in (Outcome.NO_CHANGE, Outcome.REALLOCATION)
    checked = current if stays and current else grade  # 0 for a new job: the grade of the match
    if plan.hera:
        event("refer_to_evaluation", "hrbp")
        event("record_evaluation", "hrbp", scores=checked)  # scored when the grade is known
    else:
        event("confirm_by_match", "hrbp", checked=checked)
    if plan.fairness == "open":
        event("record_fairness", "hrbp", fairness_issue=True, assessment=rng.choice(demo_cases.FAIRNESS_ISSUE))
        event("resolve_fairness_issue", "hrbp", resolution=rng.choice(demo_cases.FAIRNESS_RESOLUTION))
    elif plan.fairness == "resolved":
        event("record_fairness", "hrbp", fairness_issue=True, assessment=rng.choice(demo_cases.FAIRNESS_ISSUE),
              resolution=rng.choice(demo_cases.FAIRNESS_RESOLUTION))
    else:
        event("record_fairness", "hrbp", fairness_issue=False, assessment=rng.choice(demo_cases.FAIRNESS_CLEAR))
    if plan.route == DR and not stays:  # a new grade is discussed with the line manager first
        event("record_manager_discussion", "hrbp", reason=rng.choice(demo_cases.MANAGER_DISCUSSIONS))
    event("decide", "hrbp", outcome=outcome)
    if not stays:
        event("record_finance_approval", "hr_services")  # dropped unless the post is grant-funded
        event("process", "hr_services", allowances_stopped="" if rng.random() < 0.7 else
              "The additional responsibility allowance stops on the effective date.")
    if outcome == Outcome.REALLOCATION:
        edit("hrbp", "reallocate")
    event("log_and_send", "hrbp")
    if not plan.appeal:
        return
    event("lodge_appeal", "line_manager" if new_job else "staff_member", reason=rng.choice(demo_cases.APPEAL_GROUNDS))
    if plan.appeal == "lodge":
        return
    event("convene_panel", "hr_services")
    if plan.appeal == "convene":
        return
    if plan.appeal == "dismiss":
        event("dismiss_appeal", "panel", reason=demo_cases.PANEL_REASONS["dismiss"])
        return
    event("uphold_appeal", "panel", reason=demo_cases.PANEL_REASONS["uphold"])


# --- One case ----------------------------------------------------------------------------------------


@dataclass(eq=False)
class Message:
    recipient: int
    subject: str
    body: str
    link: str
    created_at: dt.datetime
    task: TaskRow | None = None  # a "waiting for you" message goes when its task does


class Stop(Exception):
    """The case has reached the point where its plan stops."""


@dataclass(eq=False)
class Case:
    """A grading case as the engine and the effects would leave it (the fields ``GradingCase`` stores)."""

    pk: int
    reference: str
    route: str
    unit_id: int
    unit_name: str
    post: _Post | None
    subject: _Person | None
    line_manager: _Person | None
    initiator: _Person
    title: str
    jd: JD
    baseline: Version | None
    proposed: Version
    current_grade: int | None
    current_point: int | None
    created_at: dt.datetime
    grant_funded: bool = False
    funding_source: str = ""
    state: str = ""
    step: int = 0
    updated_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    recommended_grade: int | None = None
    matched: tuple[JD, Version] | None = None
    checked_grade: int | None = None
    evaluation: dict[str, Any] = field(default_factory=dict)
    fairness_issue: bool | None = None
    fairness_assessment: str = ""
    fairness_resolution: str = ""
    decided_grade: int | None = None
    outcome: str = ""
    grade_difference_reason: str = ""
    decided_at: dt.datetime | None = None
    finance_approved_at: dt.datetime | None = None
    finance_approval_note: str = ""
    complete_submission_on: dt.date | None = None
    effective_date: dt.date | None = None
    new_spine_point: int | None = None
    pay_protected: bool = False
    allowances_stopped: str = ""
    appeal_deadline: dt.date | None = None
    panel: list[int] = field(default_factory=list)
    # What the walk needs besides the stored fields:
    planned_grade: int | None = None  # a new job: the grade it is recommended at (its match's)
    first_match: tuple[JD, Version] | None = None  # a new job: the agreed JD its manager matched it to
    library_jd: JD | None = None  # an existing job: the library JD the post held when the case started
    post_version: tuple[Version, JD] | None = None  # the version the post holds since the case gave it one
    forced_panel: bool = False  # the Technician Commitment lead sits on the appeal panel
    events: list[tuple] = field(default_factory=list)  # (step, action, actor, capacity, from, to, reason, data, at)
    tasks: list[TaskRow] = field(default_factory=list)

    @property
    def subject_id(self) -> int | None:
        return self.subject.pk if self.subject else None

    def acts(self) -> engine.Acts:
        entered = max((e[0] for e in self.events if e[5] == self.state and e[4] != self.state), default=None)
        return engine.Acts(events=tuple((e[0], e[1], e[2], e[7].get("role", "")) for e in self.events),
                           entered_step=entered)


class _Cases:
    """The whole step: plans, subjects, the walk of each case, and the rows they leave."""

    def __init__(self, generation: Generation):
        self.gen = generation
        self.u: DemoBuilder = generation.shared["university"]
        self.lib: Library = generation.shared["library"]
        self.logins: dict[int, int] = generation.shared["logins"]
        self.w = generation.writer
        self.rng = generation.rng(5)
        self.today, self.now = generation.today, generation.now
        self.zone = timezone.get_current_timezone()
        self.grades = self.u.grades
        self.grade_ids = {n: g.pk for n, g in self.grades.items()}
        self.people = {p.pk: p for p in self.u.people}
        self.units = {n.unit.pk: n.unit for n in self.u.nodes}
        self.nodes = {n.unit.pk: n for n in self.u.nodes}
        self.holders = Holders(self.units)
        holidays = set(BankHoliday.objects.values_list("date", flat=True))
        self.clock = demo_cases._Context(rng=self.rng, today=self.today, now=self.now, password="", grades={},
                                         hr_services=None, panel_pool=[], clock=generation.clock,  # type: ignore[arg-type]
                                         holidays=holidays)
        self.new_logins: dict[int, dt.datetime] = {}  # person id -> when their login was made
        self.cases: list[Case] = []
        self.messages: list[Message] = []
        self.emails = 0
        self.history = generation.history
        self.new_jds: list[JD] = []
        self.new_versions: list[tuple[JD, Version]] = []
        self.new_version_ids: set[int] = set()
        self.status_changes: list[tuple[int, str]] = []  # (version id, status) of library versions superseded
        self.entry_changes: list[int] = []  # library entries no longer current
        self.post_jd: list[tuple[int, int]] = []  # (post id, version id)
        self.post_grades: list[tuple[int, int]] = []  # (post id, grade id) in force today
        self.grade_lines: list[tuple] = []
        self.pay: list[tuple] = []
        self.panels: list[tuple[int, int, dt.datetime]] = []
        self.left: dict[int, dt.datetime] = {}  # post id -> when it stopped holding its library JD's version
        self.retired: dict[int, dt.datetime] = {}  # library entry id -> when it left the current library
        self.counters: Counter[int] = Counter()
        self.skipped = 0
        self.persona = {p.role: p for p in self.u.people if p.role}
        self.hr_team: list[_Person] = []
        self.pay_rows = {p.pk: p.pay_rows for p in self.u.people}
        lines: dict[int, list[tuple[dt.date, int]]] = defaultdict(list)
        for post, grade, start, _, _, _ in self.u.post_grade_lines:
            lines[post.pk].append((start, grade))
        self.lines = lines
        self._index_library()

    # --- the library as the cases find it --------------------------------------------------------------

    def _index_library(self) -> None:
        self.by_area: dict[tuple[str, int], list[tuple[JD, Version]]] = defaultdict(list)
        self.by_grade: dict[int, list[tuple[JD, Version]]] = defaultdict(list)
        for jd, version in self.lib.current_entries():
            assert version.entry is not None
            self.by_area[(jd.area.key, version.entry.grade)].append((jd, version))
            self.by_grade[version.entry.grade].append((jd, version))

    def pick_match(self, area: content.Area, grade: int, when: dt.datetime, own: JD | None
                   ) -> tuple[JD, Version] | None:
        """A current agreed JD at ``grade`` (of the same area of work if the library has one), logged before
        ``when`` and still current then; never the case's own JD."""
        for pool in (self.by_area.get((area.key, grade), []), self.by_grade.get(grade, [])):
            for _ in range(6):
                if not pool:
                    break
                jd, version = pool[self.rng.randrange(len(pool))]
                entry = version.entry
                assert entry is not None
                if jd is own or entry.logged_at >= when or self.retired.get(entry.pk, when) < when:
                    continue
                return jd, version
        return None

    # --- logins ----------------------------------------------------------------------------------------

    def login(self, person: _Person, when: dt.datetime) -> int:
        """The person's login (the demo password, their e-mail's local part) made the first time they act."""
        if person.pk in self.logins:
            return self.logins[person.pk]
        user_id = self.w.new_id(User)
        self.logins[person.pk] = user_id
        self.new_logins[person.pk] = when
        return user_id

    # --- subjects ----------------------------------------------------------------------------------------

    def eligible(self) -> tuple[list[tuple[dt.date, _Person]], list[_Person]]:
        """Staff a case can be about (with the day since which their job and pay are unchanged), and line
        managers who start new jobs (demo.cases._Subjects: nobody who would act in another role)."""
        held = set(UnitRoleAssignment.objects.values_list("person_id", flat=True))
        held |= set(Delegation.objects.values_list("delegate_id", flat=True))
        logins = {p.pk for p in self.persona.values()}
        manager = self.persona["manager"].pk
        not_managers = held | (logins - {manager})
        hr_top = {n.unit.pk for n in self.u.nodes if n.top.spec.code == "HR"}
        reports: Counter[int] = Counter(p.manager.pk for p in self.u.people if p.manager is not None)
        subjects, initiators = [], []
        for p in self.u.people:
            post = p.post
            assert post is not None and p.start is not None
            if p.role == "manager":
                initiators.append(p)
                continue
            if p.category == cat.ACADEMIC or post.node.unit.pk in hr_top or p.pk in held or p.pk in logins:
                continue
            if reports[p.pk] and p.pk not in not_managers:
                initiators.append(p)
            if p.manager is None or p.manager.pk in not_managers or p.temporary is not None:
                continue
            jd = self.lib.by_post.get(id(post))
            if jd is None or jd.draft is not None or jd.current is None or post.grade >= 9:
                continue
            manager_post = p.manager.post
            if manager_post is None or manager_post.grade <= post.grade + 1:
                continue  # a regrade would bring them level with their line manager
            since = max(p.move_date or p.start, p.pay_rows[-1][0] if p.pay_rows else p.start)
            subjects.append((since, p))
        return subjects, initiators

    # --- dates -------------------------------------------------------------------------------------------

    @lru_cache(maxsize=4096)  # noqa: B019 - one generation's cache
    def due(self, day: dt.date, days: int) -> dt.date:
        return add_working_days(day, days)

    def local(self, when: dt.datetime) -> dt.date:
        """The day of ``when`` where the university is (timezone.localdate, without its lookups)."""
        return when.astimezone(self.zone).date()

    # --- the run -----------------------------------------------------------------------------------------

    def run(self) -> dict[str, int]:
        rng = self.rng
        target = round(self.gen.people * CASES_PER_PERSON)
        subjects, initiators = self.eligible()
        self._hr_team()
        plans = self._persona_plans()
        routes, weights = list(ROUTES), list(ROUTES.values())
        while len(plans) < target:
            plans.append(random_plan(rng, rng.choices(routes, weights)[0]))
        # When each case started: a spread over the window, the demo logins' cases recent.
        dated = []
        for plan in plans:
            if plan.age:
                age = plan.age
            else:  # a walk takes three weeks to four months; an open case has gone part of the way
                duration = rng.randint(20, 120)
                age = min(CASE_WINDOW_DAYS, plan.waiting + round(duration * (1 if plan.part is None else plan.part)))
            start, end = demo_cases._start_and_end(self.clock, demo_cases.Scenario(  # type: ignore[arg-type]
                plan.route, waiting=min(plan.waiting, age), age=age), salt=len(dated))
            dated.append((start, end, plan))
        dated.sort(key=lambda item: (item[0], item[2].route))
        reserved = {plan.subject.pk for plan in plans if plan.subject is not None}
        subjects = sorted((item for item in subjects if item[1].pk not in reserved), key=lambda item: item[0])
        pool: list[_Person] = []
        position = 0
        used: set[int] = set()
        by_year: Counter[int] = Counter()
        for start, end, plan in dated:
            day = self.local(start)
            while position < len(subjects) and subjects[position][0] < day:
                pool.append(subjects[position][1])
                position += 1
            if plan.route == NJ:
                initiator = plan.initiator or (initiators[rng.randrange(len(initiators))] if initiators else None)
                if initiator is None:
                    self.skipped += 1
                    continue
                subject = None
            else:
                subject = plan.subject
                if subject is None:
                    while pool:
                        i = rng.randrange(len(pool))
                        candidate = pool[i]
                        pool[i] = pool[-1]
                        pool.pop()
                        if candidate.pk not in used:
                            subject = candidate
                            break
                if subject is None or subject.pk in used:
                    self.skipped += 1
                    continue
                used.add(subject.pk)
                initiator = subject if plan.route == DR else (subject.manager if rng.random() < 0.5 else subject)
            year = day.year
            by_year[year] += 1
            self._case(plan, start, end, subject, initiator, f"GC-{year}-{by_year[year]:04d}")
        self.counters = by_year
        return self.write()

    def _hr_team(self) -> None:
        """HR Services members who process cases besides the demo login (their logins and group)."""
        persona = self.persona["hrservices"]
        node = persona.node
        want = max(0, round(self.gen.people * HR_SERVICES_PER_PERSON))
        others = [p for p in node.members if not p.role and p.category != cat.ACADEMIC][:want]
        self.hr_team = [persona, *others]

    def _persona_plans(self) -> list[Plan]:
        """The demo logins' own cases (as the demo's): the staff member's Direct Route case waiting for their
        line manager, and more of the team's cases and new jobs waiting for the line manager."""
        staff, manager = self.persona["staff"], self.persona["manager"]
        team = sorted((p for p in self.u.people if p.manager is manager and p is not staff and not p.role
                       and p.category != cat.ACADEMIC), key=lambda p: p.idx)
        plans = [Plan(DR, loops=1, cut=6, waiting=2, age=26, subject=staff)]  # waiting for confirm_jd
        wanted = [(AR, 1, 3, 12), (DR, 0, 1, 5), (DR, 4, 4, 30)]  # (route, steps taken, waiting, age)
        for person, (route, cut, waiting, age) in zip(team, wanted, strict=False):
            plans.append(Plan(route, cut=cut, waiting=waiting, age=age, subject=person))
        plans.append(Plan(NJ, cut=0, waiting=2, age=2, initiator=manager))
        plans.append(Plan(NJ, cut=1, waiting=3, age=8, initiator=manager))
        # Two appeals the Technician Commitment lead sits on: one being heard, one dismissed.
        plans.append(Plan(DR, outcome=Outcome.NO_CHANGE, appeal="convene", waiting=3, age=95, panel_first=True))
        plans.append(Plan(DR, outcome=Outcome.REALLOCATION, appeal="dismiss", waiting=12, age=110, panel_first=True))
        return plans

    # --- walking one case --------------------------------------------------------------------------------

    def _case(self, plan: Plan, start: dt.datetime, end: dt.datetime, subject: _Person | None, initiator: _Person,
              reference: str) -> None:
        rng = self.rng
        if plan.route == NJ:
            case = self._new_job(plan, start, initiator, reference)
        else:
            assert subject is not None
            case = self._existing(plan, start, subject, initiator, reference)
        case.forced_panel = plan.panel_first
        steps = walk(plan, case.current_grade, rng)
        if not case.grant_funded:
            steps = [s for s in steps if s.action != "record_finance_approval"]
        if plan.cut is not None:
            steps = steps[:plan.cut]
        elif plan.part is not None:
            steps = steps[:int(plan.part * len(steps))]
        moments = demo_cases._schedule(self.clock, start, end, len(steps)) if steps else []  # type: ignore[arg-type]
        self._appeal_in_time(steps, moments)
        self.cases.append(case)
        self.refresh(case, start, actor=case.initiator, stayed=False)
        area = case.jd.area
        for step, when in zip(steps, moments, strict=True):
            if step.kind == "edit":
                self._edit(case, step, when, area)
            else:
                self._move(case, step, when, area)

    def _appeal_in_time(self, steps: list[WalkStep], moments: list[dt.datetime]) -> None:
        """An appeal is lodged within the appeal window after the case closed (moved earlier if needed)."""
        actions = [s.action for s in steps]
        if "lodge_appeal" not in actions:
            return
        logged = actions.index("log_and_send")
        lodge = actions.index("lodge_appeal")
        window = self.due(self.local(moments[logged]), policy("APPEAL_WORKING_DAYS"))
        if self.local(moments[lodge]) > window:
            moments[lodge] = self.clock.moment(self.local(moments[logged]) + dt.timedelta(days=3), 200)
            moments[lodge] = max(moments[lodge], moments[logged] + dt.timedelta(minutes=30))

    def _new_job(self, plan: Plan, start: dt.datetime, manager: _Person, reference: str) -> Case:
        rng = self.rng
        post = manager.post
        assert post is not None
        node = post.node
        area = content.area_for_title(post.title, node.unit)
        top = max(2, min(post.grade - 1, 7))
        grade = rng.randint(max(2, top - 2), top)
        titles = area.titles.get(grade) or next(iter(area.titles.values()))
        title = rng.choice(titles)
        text = content.compose_jd(rng, area, title, grade, scope="the division" if node.top.spec.kind ==
                                  "ps_division" else "the faculty")
        drafted = self.clock.snap(start - dt.timedelta(days=2))
        user = self.login(manager, drafted)
        jd = self._new_jd(node, area, drafted, created_by=user)
        version = Version(pk=self.w.new_id(JDVersion), number=1, status=JDVersion.Status.DRAFT, grade=grade,
                          text={k: text[k] for k in ("job_title", "purpose", "duties", "line_management",
                                                     "working_relationships", "person_spec",
                                                     "additional_information")},
                          created_at=drafted, updated_at=drafted, created_by=user)
        jd.versions.append(version)
        self.new_versions.append((jd, version))
        self.new_version_ids.add(version.pk)
        self.history.append(HistoryRow(created_at=drafted, action="jd.created", object_type=JD_TYPE, object_id=jd.pk,
                                       object_repr=jd_label(jd, version), actor_id=user, actor_label=_full_name(manager),
                                       summary=f"Started job description {jd.reference} “{title}”."))
        match = self.pick_match(area, grade, start, None)
        case = Case(pk=self.w.new_id(GradingCase), reference=reference, route=NJ, unit_id=node.unit.pk,
                    unit_name=node.unit.name, post=None, subject=None, line_manager=manager, initiator=manager,
                    title=title, jd=jd, baseline=None, proposed=version, current_grade=None, current_point=None,
                    created_at=start, state=GRADING.start_states[NJ], updated_at=start)
        case.planned_grade = match[1].entry.grade if match and match[1].entry else grade
        case.first_match = match
        self._started(case, start)
        return case

    def _new_jd(self, node, area: content.Area, when: dt.datetime, *, created_by: int | None = None,
                for_post: int | None = None) -> JD:
        number = self.lib.next_number
        self.lib.next_number += 1
        jd = JD(pk=self.w.new_id(JobDescription), reference=f"JD-{number:06d}", node=node, area=area,
                family=self.lib.families[area.family], category=area.category, created_at=when, for_post=for_post,
                created_by=created_by)
        self.new_jds.append(jd)
        return jd

    def _existing(self, plan: Plan, start: dt.datetime, subject: _Person, initiator: _Person, reference: str) -> Case:
        post = subject.post
        assert post is not None
        library_jd = self.lib.by_post[id(post)]
        baseline = library_jd.current
        assert baseline is not None
        day = self.local(start)
        others = [p for p in library_jd.posts if p is not post and self.left.get(p.pk, start) >= start]
        number = self.u.post_numbers[id(post)]
        if others:  # the JD is shared: the case amends a copy of it, drafted for this post
            jd = self._new_jd(post.node, library_jd.area, start, for_post=post.pk)
            version = Version(pk=self.w.new_id(JDVersion), number=1, status=JDVersion.Status.DRAFT,
                              grade=baseline.grade, text=dict(baseline.text), created_at=start, updated_at=start,
                              based_on=baseline)
            self.history.append(HistoryRow(
                created_at=start, action="jd.copied", object_type=JD_TYPE, object_id=jd.pk,
                object_repr=jd_label(jd, version),
                summary=f"Started {jd.reference} by copying {library_jd.reference} v{baseline.number} for the "
                        f"regrading of post {number}."))
        else:  # the post holds its JD alone: the case amends the JD's own next draft
            jd = library_jd
            version = Version(pk=self.w.new_id(JDVersion), number=jd.versions[-1].number + 1,
                              status=JDVersion.Status.DRAFT, grade=baseline.grade, text=dict(baseline.text),
                              created_at=start, updated_at=start, based_on=baseline)
            self.history.append(HistoryRow(
                created_at=start, action="jd.draft_started", object_type=JD_TYPE, object_id=jd.pk,
                object_repr=jd_label(jd, version), summary=f"Started draft v{version.number} from v{baseline.number}."))
        jd.versions.append(version)
        self.new_versions.append((jd, version))
        self.new_version_ids.add(version.pk)
        rows = self.pay_rows[subject.pk]
        in_force = [row for row in rows if row[0] <= day]
        current = in_force[-1] if in_force else rows[0]
        case = Case(pk=self.w.new_id(GradingCase), reference=reference, route=plan.route, unit_id=post.node.unit.pk,
                    unit_name=post.node.unit.name, post=post, subject=subject, line_manager=subject.manager,
                    initiator=initiator, title=post.title, jd=jd, baseline=baseline, proposed=version,
                    current_grade=current[1], current_point=current[2], created_at=start,
                    grant_funded=post.grant_funded, funding_source=post.funding_source,
                    state=GRADING.start_states[plan.route], updated_at=start)
        case.library_jd = library_jd
        self._started(case, start)
        return case

    def _started(self, case: Case, start: dt.datetime) -> None:
        user = self.login(case.initiator, start)
        route = dict(Route.choices)[case.route]
        self.history.append(HistoryRow(
            created_at=start, action="grading.case_started", object_type=CASE_TYPE, object_id=case.pk,
            object_repr=self.repr(case), actor_id=user, actor_label=_full_name(case.initiator),
            person_id=case.subject_id, summary=f"Started {case.reference}: {route} for “{case.title}”."))

    @staticmethod
    def repr(case: Case) -> str:
        return f"{case.reference} {case.title} ({dict(Route.choices)[case.route]})"

    # --- JD edits --------------------------------------------------------------------------------------

    def _draft(self, case: Case, when: dt.datetime) -> Version:
        """The case's draft: the proposed version while it is one, else a new draft from it
        (jobs.services.start_new_draft, as a returned JD gets)."""
        version = case.proposed
        if version.status == JDVersion.Status.DRAFT:
            return version
        draft = Version(pk=self.w.new_id(JDVersion), number=case.jd.versions[-1].number + 1,
                        status=JDVersion.Status.DRAFT, grade=version.grade, text=dict(version.text),
                        created_at=when, updated_at=when, based_on=version)
        case.jd.versions.append(draft)
        self.new_versions.append((case.jd, draft))
        self.new_version_ids.add(draft.pk)
        self.history.append(HistoryRow(created_at=when, action="jd.draft_started", object_type=JD_TYPE,
                                       object_id=case.jd.pk, object_repr=jd_label(case.jd, draft),
                                       summary=f"Started draft v{draft.number} from v{version.number}."))
        case.proposed = draft
        return draft

    def _edit(self, case: Case, step: WalkStep, when: dt.datetime, area: content.Area) -> None:
        rng = self.rng
        person = self.person_for(case, step.role, when)
        user = self.login(person, when)
        version = case.proposed
        assert version.status == JDVersion.Status.DRAFT, (case.reference, step)
        before = version.text
        text = dict(before)
        grade = case.current_grade or version.grade or 5
        if step.action == "reallocate":
            baseline = case.baseline.text if case.baseline else before
            added = [d for d in before["duties"] if d not in baseline["duties"]]
            text["duties"] = [d for d in before["duties"] if d in baseline["duties"] or d in added[:1]]
            text["line_management"] = baseline["line_management"]
        else:
            duties = list(before["duties"])
            last = duties.pop() if duties and duties[-1] == content.LAST_DUTY else None
            bank = [demo_cases._fill(d, area) for d in (*area.lead, *area.manage)]
            bank = [d for d in dict.fromkeys(bank) if d not in duties]
            added = rng.sample(bank, min(len(bank), 2))
            added.append(rng.choice(demo_cases.SUPERVISION).format(n=rng.choice(("two", "three", "four"))))
            if step.data.get("budget"):
                added.append(rng.choice(demo_cases.BUDGETS).format(amount=rng.choice(demo_cases.AMOUNTS),
                                                                  what=area.tasks))
            new = list(dict.fromkeys([*added[:1], *duties, *added[1:]]))
            if last:
                new.append(last)
            text["duties"] = new
            if step.action in ("propose", "amend"):
                text["line_management"] = content.line_management_text(area, min(grade + 1, 10), rng)
        labels = changed_labels(before, text)
        if not labels:
            return
        version.text = text
        version.revision += 1
        version.updated_at = when
        self.history.append(HistoryRow(created_at=when, action="jd.draft_saved", object_type=JD_TYPE,
                                       object_id=case.jd.pk, object_repr=jd_label(case.jd, version), actor_id=user,
                                       actor_label=_full_name(person),
                                       summary=f"Saved draft v{version.number}: {labels}."))

    def _submit(self, case: Case, when: dt.datetime, grade: int | None = None) -> None:
        version = case.proposed
        if version.status != JDVersion.Status.DRAFT:
            return
        version.status = JDVersion.Status.SUBMITTED
        version.submitted_at = when
        if grade is not None:
            version.grade = grade
        self.history.append(HistoryRow(created_at=when, action="jd.submitted", object_type=JD_TYPE,
                                       object_id=case.jd.pk, object_repr=jd_label(case.jd, version),
                                       summary=f"Submitted v{version.number} “{version.text['job_title']}”."))

    # --- who acts --------------------------------------------------------------------------------------

    def person_for(self, case: Case, role: str, when: dt.datetime, barred: set[int] | frozenset[int] = frozenset()
                   ) -> _Person:
        if role == "initiator":
            return case.initiator
        found = self.holders_of(case, role, when, barred)
        if not found:
            raise AssertionError(f"{case.reference}: nobody holds {role} in {case.state}")
        return self.people[found[0][0]] if found[0][0] is not None else self.hr_member(case, barred)

    def hr_member(self, case: Case, barred: set[int] | frozenset[int]) -> _Person:
        team = [p for p in self.hr_team if p.pk not in barred]
        return team[case.pk % len(team)]

    def holders_of(self, case: Case, role: str, when: dt.datetime, barred: set[int] | frozenset[int]
                   ) -> list[tuple[int | None, str]]:
        """``engine.holders`` for the case: (person id or None for a team's queue, capacity) of everyone
        given the role's task."""
        subject = case.subject_id
        if role == "staff_member":
            found = [(subject, "staff member")] if subject is not None and subject not in barred else []
        elif role == "line_manager":
            lm = case.line_manager.pk if case.line_manager else None
            found = [(lm, "line manager")] if lm is not None and lm not in barred else []
        elif role == "initiator":
            found = []  # may act (withdraw) but is given no task
        elif role == "hr_services":
            found = [(None, "HR Services")]
        elif role == "panel":
            found = [(pk, "appeal panel member") for pk in sorted(case.panel, key=self._name_order)
                     if pk not in barred]
        else:
            held = self.holders.task_holder(case.unit_id, role, self.local(when), subject, barred)
            found = [held] if held is not None else []
        if subject is not None and role not in ("staff_member", "initiator"):
            found = [(p, c) for p, c in found if p is None or p != subject]
        return found

    def _name_order(self, pk: int) -> tuple[str, str]:
        p = self.people[pk]
        return (p.last_name, p.first_name)

    def actor(self, case: Case, role: str, when: dt.datetime, barred: set[int]) -> tuple[_Person, str]:
        """Who takes a move in ``role`` and the capacity the event records (``engine.role_capacity``)."""
        if role == "staff_member":
            assert case.subject is not None and case.subject.pk not in barred
            return case.subject, "staff member"
        if role == "line_manager":
            assert case.line_manager is not None and case.line_manager.pk not in barred
            return case.line_manager, "line manager"
        if role == "initiator":
            return case.initiator, "initiator"
        if role == "hr_services":
            return self.hr_member(case, barred), "HR Services"
        if role == "panel":
            pk = next(pk for pk in sorted(case.panel, key=self._name_order) if pk not in barred)
            return self.people[pk], "appeal panel member"
        found = self.holders.candidates(case.unit_id, role, self.local(when), case.subject_id, barred)
        assert found, (case.reference, role)
        pk, words, _, _ = next((c for c in found if c[3]), found[0])
        return self.people[pk], words

    # --- one move --------------------------------------------------------------------------------------

    def _move(self, case: Case, step: WalkStep, when: dt.datetime, area: content.Area) -> None:
        action, role, data = step.action, step.role, dict(step.data)
        move = MOVES[action]
        assert case.route in move.variants and case.state in move.sources, (case.reference, action, case.state)
        acts = case.acts()
        roles_open, barred = engine.open_roles(move, acts)
        assert role in roles_open, (case.reference, action, role, roles_open)
        person, capacity = self.actor(case, role, when, barred)
        user = self.login(person, when)
        from_state = case.state
        reason = data.pop("reason", "")
        if "{day}" in reason:  # "Met on {day} …": the day of the step
            reason = reason.format(day=f"{when.day} {when:%B}")
        if action == "record_finance_approval":
            reason = f"The funder agreed the cost of the regrade on {when.day} {when:%B} ({case.funding_source})."
            data["note"] = reason
        summary, target, record = self._effect(case, action, data, when, area, person, user)
        target = target or move.target
        if move.once_per_role:
            agreed = {r for _, r in acts.this_round(action)} | {role}
            target = move.then if agreed >= set(move.roles) else case.state
        assert target is not None and target in GRADING.move_targets(move, case.route), (case.reference, action, target)
        if target != from_state and target == "hrbp_review" and case.complete_submission_on is None:
            case.complete_submission_on = self.local(when)  # effects.enter_hrbp_review
        case.state = target
        case.step += 1
        case.updated_at = when
        if target in CLOSED and case.closed_at is None:
            case.closed_at = when
        record["role"] = role
        case.events.append((case.step - 1, action, person.pk, capacity, from_state, target, reason, record, when))
        resolver = GRADING.roles[role]
        self.history.append(HistoryRow(
            created_at=when, action=f"grading.{action}", object_type=CASE_TYPE, object_id=case.pk,
            object_repr=self.repr(case), actor_id=user, actor_label=_full_name(person),
            capacity="" if resolver.is_subject or resolver.subject_may_hold else capacity, person_id=case.subject_id,
            summary=f"{case.reference}: {summary or move.label}." + (f" Reason: {reason}" if reason else "")))
        involved = ({p.pk for p in (case.subject, case.line_manager, case.initiator) if p is not None} - {person.pk}
                    if move.tells_involved else set())
        said = GRADING.sentences[action][1].format(actor=_full_name(person), title=case.title)
        news = said + (f" The reason given: “{reason}”." if reason else "")
        told = self.refresh(case, when, actor=person, stayed=target == from_state, news=news, news_to=involved)
        if move.tells_involved:
            headline = said.split(". ")[0]
            body = f"{news} {self.what_next(case)}".rstrip()
            for pk in sorted(involved - told):
                self.notify(pk, f"{case.reference}: {headline}", body, f"/grading/{case.pk}/", when)
        self._after_move(case, action, person, from_state, when)

    def _effect(self, case: Case, action: str, data: dict[str, Any], when: dt.datetime, area: content.Area,
                person: _Person, user: int) -> tuple[str, str | None, dict[str, Any]]:
        """What the move's effect does (grading.effects), the target it chooses, and the event's data."""
        record: dict[str, Any] = {}
        label = MOVES[action].label
        if action in ("submit_for_approval", "submit_amended_jd", "submit_proposal"):
            grade = case.planned_grade if case.route == NJ else data.get("recommended_grade")
            grade = grade or case.proposed.grade or 5
            case.recommended_grade = grade
            record["recommended_grade"] = grade
            if data.get("match"):
                match = (case.first_match if case.route == NJ and case.step == 0
                         else self.pick_match(area, grade, when, case.jd))
                if match is not None and match[1].entry and match[1].entry.grade == grade:
                    case.matched = match
                    record["matched_agreed"] = match[1].entry.pk
            self._submit(case, when, grade)
            return f"{label} (recommended Grade {grade})", None, record
        if action in ("return_to_manager", "return_for_amendment", "return_to_staff"):
            self._draft(case, when)
            return label, None, record
        if action == "return_to_submitter":
            self._draft(case, when)
            case.complete_submission_on = None
            return label, {NJ: "draft", AR: "jd_amendment", DR: "staff_proposal"}[case.route], record
        if action in ("approve", "record_grade_agreement", "submit_to_hrbp"):
            if data.get("match") and case.recommended_grade:
                match = self.pick_match(area, case.recommended_grade, when, case.jd)
                if match is not None and match[1].entry and match[1].entry.grade == case.recommended_grade:
                    case.matched = match
                    record["matched_agreed"] = match[1].entry.pk
            return label, None, record
        if action == "confirm_by_match":
            wanted = data["checked"] or case.recommended_grade or 5
            current = case.matched
            ok = (current is not None and current[1].entry is not None and current[1].entry.grade == wanted
                  and self.retired.get(current[1].entry.pk, when) >= when)
            match = current if ok else self.pick_match(area, wanted, when, case.jd)
            if match is None:
                match = next((m for g in sorted(range(1, 11), key=lambda g: abs(g - wanted))
                              if (m := self.pick_match(area, g, when, case.jd)) is not None), None)
            assert match is not None and match[1].entry is not None, case.reference
            case.matched = match
            case.checked_grade = match[1].entry.grade
            record["matched_agreed"] = match[1].entry.pk
            return f"Grade checked against {match[1].entry.reference} (Grade {case.checked_grade})", None, record
        if action == "record_evaluation":
            wanted = data["scores"] or case.recommended_grade or 5
            scores = _scores(self.rng, wanted)
            total = sum(scores.values())
            grade = hera_grade(total)
            case.evaluation = {"scores": scores, "levels": {}, "total": total, "grade": grade}
            case.checked_grade = grade
            record["scores"] = scores
            return f"HERA evaluation recorded: total {total}, grade {grade}", None, record
        if action == "record_fairness":
            issue = data["fairness_issue"]
            case.fairness_issue, case.fairness_assessment = issue, data["assessment"]
            case.fairness_resolution = data.get("resolution", "")
            record.update({k: v for k, v in data.items() if v not in (None, "")})
            if issue and not case.fairness_resolution:
                return "Fairness assessment recorded: a knock-on issue is open", "fairness_issue_open", record
            return ("Fairness assessment recorded" + (" (issue resolved)" if issue else " (no knock-on issue)"),
                    self._after_fairness(case), record)
        if action == "resolve_fairness_issue":
            case.fairness_resolution = data["resolution"]
            record["resolution"] = data["resolution"]
            return "Knock-on fairness issue resolved", self._after_fairness(case), record
        if action == "decide":
            return self._decide(case, data, when, record)
        if action == "record_finance_approval":
            case.finance_approved_at = when
            case.finance_approval_note = data["note"][:300]
            return "Finance approval recorded", "hr_processing", record
        if action == "process":
            if data.get("allowances_stopped"):
                record["allowances_stopped"] = data["allowances_stopped"]
            return self._process(case, data, when, user, record), None, record
        if action == "log_and_send":
            self._log(case, when)
            case.appeal_deadline = self.due(self.local(when), policy("APPEAL_WORKING_DAYS"))
            return "Approved JD logged in the agreed JD library and sent to the job evaluation mailbox", None, record
        if action == "lodge_appeal":
            return "Appeal lodged", None, record
        if action == "convene_panel":
            panel = self._panel(case, person)
            case.panel = [p.pk for p in panel]
            record["panel"] = case.panel
            for member in panel:
                self.login(member, when)
                self.panels.append((case.pk, member.pk, when))
            names = ", ".join(_full_name(p) for p in sorted(panel, key=lambda p: (p.last_name, p.first_name)))
            return f"Appeal panel convened: {names}", None, record
        if action == "uphold_appeal":
            base = case.current_grade or case.decided_grade or 5
            grade = min(base + 1, 10)
            record["grade"] = grade
            case.decided_grade = grade
            case.outcome = (Outcome.HIGHER_GRADE if case.current_grade and grade > case.current_grade
                            else Outcome.GRADE_CONFIRMED)
            case.decided_at = when
            case.effective_date = None
            return f"Appeal upheld: Grade {grade}", None, record
        return "", None, record  # the moves with no effect of their own

    def _after_fairness(self, case: Case) -> str:
        checked = case.checked_grade or case.recommended_grade
        new_grade = checked is not None and case.current_grade is not None and checked != case.current_grade
        return "manager_discussion" if case.route == DR and new_grade else "decision"

    def _decide(self, case: Case, data: dict[str, Any], when: dt.datetime, record: dict[str, Any]
                ) -> tuple[str, str, dict[str, Any]]:
        outcome = data["outcome"]
        record["outcome"] = outcome
        if outcome in (Outcome.REALLOCATION, Outcome.NO_CHANGE):
            case.decided_grade = case.current_grade
        else:
            decided = case.checked_grade or case.recommended_grade
            if case.route != NJ:
                decided = case.recommended_grade  # the grade asked for (one above the current one)
            case.decided_grade = decided
            record["grade"] = decided
            if case.checked_grade is not None and decided != case.checked_grade:
                source = (f"the matched agreed JD {case.matched[1].entry.reference}"
                          if case.matched and case.matched[1].entry else "the evaluation")
                reason = (f"The JD now includes responsibilities beyond those of {source} (Grade "
                          f"{case.checked_grade}): {case.jd.area.tasks} with supervision and a budget, which the "
                          f"HRBP assessed at Grade {decided}.")
                case.grade_difference_reason = reason
                record["grade_difference_reason"] = reason
        case.outcome = outcome
        case.decided_at = when
        if outcome == Outcome.REALLOCATION:
            self._draft(case, when)
        target = "logging" if outcome in (Outcome.REALLOCATION, Outcome.NO_CHANGE) else "hr_processing"
        if outcome == Outcome.GRADE_CONFIRMED and case.current_grade and case.decided_grade == case.current_grade:
            target = "logging"
        words = dict(Outcome.choices)[outcome].lower()
        return f"Decision: {words}, Grade {case.decided_grade}", target, record

    def _panel(self, case: Case, convener: _Person) -> list[_Person]:
        """Two people not involved in the case (effects.involved_people), the Technician Commitment lead first."""
        involved = {case.subject_id, case.line_manager.pk if case.line_manager else None, case.initiator.pk,
                    convener.pk}
        involved |= {e[2] for e in case.events}
        on = self.local(case.updated_at or case.created_at)
        for role in ("fm_hps", "hrbp"):
            found = self.holders.candidates(case.unit_id, role, on, None, frozenset())
            involved |= {pk for pk, _, _, delegate in found if not delegate}
        involved.add(self.holders.head(case.unit_id, on))
        pool = [self.persona["tclead"], *sorted(self.u.hrbps.values(), key=lambda p: p.idx)]
        free = [p for p in pool if p.pk not in involved]
        if len(free) <= 2 or case.forced_panel:
            return free[:2]
        return self.rng.sample(free, 2)

    # --- processing, logging and the library -------------------------------------------------------------

    def _process(self, case: Case, data: dict[str, Any], when: dt.datetime, user: int, record: dict[str, Any]) -> str:
        grade = case.decided_grade
        assert grade is not None
        effective = effective_date_for(case)  # type: ignore[arg-type]
        case.effective_date = effective
        case.allowances_stopped = data.get("allowances_stopped") or ""
        summary = f"Processed from {effective:%d %b %Y}: Grade {grade}"
        if case.subject is not None and case.post is not None:
            new = self.grades[grade]
            point = new_spine_point(current_point=case.current_point, new_grade=new)
            protected = case.current_point is not None and point < case.current_point
            if protected:
                point = case.current_point  # type: ignore[assignment]
                record["pay_protection"] = True
            case.new_spine_point, case.pay_protected = point, protected
            summary += f", spine point {point}"
            tz = timezone.get_current_timezone()
            self.pay.append((case.subject.pk, grade, point, effective, PayRecord.Reason.REGRADE, case.post.pk,
                             case.reference + (" (pay protected)" if protected else ""), when, user))
            # The annual increments since, on the new grade (grades.services.apply_annual_increments).
            subject = case.subject
            for year in range(effective.year, self.today.year + 1):
                day = increment_date(year)
                if not (effective < day <= self.today) or not new.has_increments or point >= new.top_automatic_point:
                    continue
                if subject.probation_end is not None and day <= subject.probation_end:
                    continue
                point += 1
                self.pay.append((subject.pk, grade, point, day, PayRecord.Reason.ANNUAL_INCREMENT, case.post.pk, "",
                                 dt.datetime.combine(day, dt.time(9, 0), tzinfo=tz), None))
        if case.post is not None:
            self._submit(case, when)
            self._post_takes(case, when)
            self._grade_line(case, grade, effective, when)
        return summary

    def _post_takes(self, case: Case, when: dt.datetime) -> None:
        """The post holds the case's approved version from now (people.services.update_post)."""
        post = case.post
        assert post is not None
        held = case.post_version or (case.baseline, case.library_jd or case.jd)
        version = case.proposed
        if held[0] is version:
            return
        number = self.u.post_numbers[id(post)]
        self.post_jd.append((post.pk, version.pk))
        self.history.append(HistoryRow(
            created_at=when, action="post.updated", object_type=POST_TYPE, object_id=post.pk,
            object_repr=f"{post.title} ({number})", summary=f"Changed JD version of post {number}.",
            before={"jd_version": version_label(held[1], held[0]) if held[0] else None},
            after={"jd_version": version_label(case.jd, version)}))
        case.post_version = (version, case.jd)
        if case.jd is not case.library_jd:
            self.left.setdefault(post.pk, when)

    def _grade_line(self, case: Case, grade: int, effective: dt.date, when: dt.datetime) -> None:
        """The post's dated grade line (people.services.change_post_grade), and its grade in force today."""
        post = case.post
        assert post is not None and case.subject is not None
        lines = sorted(self.lines[post.pk])
        previous = next((g for d, g in reversed(lines) if d <= effective), None)
        line_id = self.w.new_id(PostGrade)
        self.grade_lines.append((line_id, post.pk, self.grade_ids[grade], effective, PostGrade.Reason.REGRADE,
                                 case.reference, case.proposed.pk, "", when))
        self.lines[post.pk].append((effective, grade))
        number = self.u.post_numbers[id(post)]
        words = f"Post {number} ({post.title}): Grade {grade} from {effective:%d %b %Y} (regrade, {case.reference})"
        if previous is not None:
            words += f"; Grade {previous} until {effective - dt.timedelta(days=1):%d %b %Y}"
        self.history.append(HistoryRow(
            created_at=when, action="post.grade_changed", object_type=POST_TYPE, object_id=post.pk,
            object_repr=f"{post.title} ({number})", person_id=case.subject.pk, summary=words + ".",
            before={"grade": f"Grade {previous}" if previous else None},
            after={"grade": f"Grade {grade}", "effective_from": effective.isoformat(), "reason": "regrade",
                   "source": case.reference, "line": line_id}))
        if effective <= self.today:
            self.post_grades.append((post.pk, self.grade_ids[grade]))

    def _log(self, case: Case, when: dt.datetime) -> None:
        """Log the approved JD in the library (processing.log_and_send_jd; no change: nothing to log)."""
        if case.outcome == Outcome.NO_CHANGE:
            return
        self._submit(case, when)
        version = case.proposed
        grade = case.decided_grade or case.checked_grade
        assert grade is not None
        if version.status == JDVersion.Status.SUBMITTED:
            for old in case.jd.versions:
                if old.status == JDVersion.Status.AGREED:
                    old.status = JDVersion.Status.SUPERSEDED
                    if old.entry is not None:
                        old.entry.is_current = False
                        self.retired[old.entry.pk] = when
                        if old.pk not in self.new_version_ids:
                            self.status_changes.append((old.pk, JDVersion.Status.SUPERSEDED))
                            self.entry_changes.append(old.entry.pk)
            year = self.local(when).year
            self.lib.agreed_numbers[year] = self.lib.agreed_numbers.get(year, 0) + 1
            if self.lib.agreed_numbers[year] > 9_999:  # AJD-2026-0000: the services number after the highest
                raise GenerationError(f"This university's cases would log more than 9,999 agreed JDs in {year}: "
                                      "generate fewer people.")
            version.status = JDVersion.Status.AGREED
            version.agreed_at = when
            version.entry = Entry(pk=self.w.new_id(AgreedJD),
                                  reference=f"AJD-{year}-{self.lib.agreed_numbers[year]:04d}", grade=grade,
                                  logged_at=when)
            self.history.append(HistoryRow(
                created_at=when, action="jd.agreed_logged", object_type=JD_TYPE, object_id=case.jd.pk,
                object_repr=jd_label(case.jd, version),
                summary=f"Logged v{version.number} in the agreed JD library as {version.entry.reference} at "
                        f"Grade {grade}."))
        if case.post is not None:
            self._post_takes(case, when)

    # --- tasks and messages ------------------------------------------------------------------------------

    def refresh(self, case: Case, when: dt.datetime, *, actor: _Person, stayed: bool, news: str = "",
                news_to: set[int] | frozenset[int] = frozenset()) -> set[int]:
        """``engine.refresh_tasks`` for the case at ``when``."""
        wanted: list[tuple[int | None, str, str]] = []
        if case.state not in CLOSED:
            acts = case.acts()
            seen: set[tuple[int | None, str]] = set()
            moves = GRADING.moves_from(case.route, case.state)
            agreed = {who for m in moves if m.once_per_role for who, _ in acts.this_round(m.action) if who}
            for move in moves:
                if move.style == "danger" or engine.unmet_condition(GRADING, case, move) is not None:
                    continue
                roles_open, barred = engine.open_roles(move, acts)
                for role in roles_open:
                    for pk, capacity in self.holders_of(case, role, when, barred):
                        key = (pk, role)
                        if pk is not None and pk in agreed:
                            continue
                        if key not in seen:
                            seen.add(key)
                            wanted.append((pk, role, capacity))
                    if not move.once_per_role:
                        break
        open_tasks = [t for t in case.tasks if t.completed_at is None]
        kept: dict[tuple[int | None, str], TaskRow] = {}
        if stayed:
            keys = {(pk, role) for pk, role, _ in wanted}
            kept = {(t.assignee, t.role): t for t in open_tasks if (t.assignee, t.role) in keys}
        for task in open_tasks:
            if task not in kept.values():
                task.completed_at = when
        told: set[int] = set()
        if not wanted:
            return told
        due = self.due(self.local(when), GRADING.due_days(case.state))
        label = STATES[case.state]
        for pk, role, capacity in wanted:
            if (pk, role) in kept:
                continue
            task = TaskRow(pk=self.w.new_id(Task), step=case.step, state=case.state, assignee=pk,
                           team="" if pk is not None else GRADING.roles[role].team, role=role, capacity=capacity,
                           description=f"{label}: {case.reference} {case.title}"[:300], due=due, created_at=when)
            case.tasks.append(task)
            if pk is None or pk == actor.pk:
                continue
            can = [m.label[:1].lower() + m.label[1:] for m in GRADING.moves_from(case.route, case.state)
                   if role in m.roles and m.style != "danger" and engine.unmet_condition(GRADING, case, m) is None]
            acting = capacity or GRADING.role_label(role).lower()
            opening = news + " " if news and pk in news_to else ""
            if opening:
                told.add(pk)
            self.notify(pk, f"{case.reference} {case.title}: waiting for you by {engine.day(due)}",
                        f"{opening}Grading case {case.reference} ({case.title}) is at the step “{label}”. As "
                        f"{acting}, you can {' or '.join(can) if can else 'act on it'}. Please act by {engine.day(due)}.",
                        f"/grading/{case.pk}/", when, task=task)
        return told

    def what_next(self, case: Case) -> str:
        if case.state in CLOSED:
            return ""
        tasks = sorted((t for t in case.tasks if t.completed_at is None), key=lambda t: (t.due, t.pk))
        label = STATES[case.state]
        if not tasks:
            return f"{case.reference} is now at the step “{label}”."

        def says(task: TaskRow) -> bool:
            resolver = GRADING.roles.get(task.role)
            return bool(task.capacity) and not (resolver is not None and getattr(resolver, "quiet_capacity", False))

        who = ", ".join(_full_name(self.people[t.assignee]) + (f" ({t.capacity})" if says(t) else "") if t.assignee
                        else (t.team or GRADING.role_label(t.role)) for t in tasks)
        return f"{case.reference} is now at the step “{label}”, waiting for {who}, by {engine.day(tasks[0].due)}."

    def notify(self, recipient: int, subject: str, body: str, link: str, when: dt.datetime,
               task: TaskRow | None = None) -> None:
        self.messages.append(Message(recipient, headline(subject), body, link, when, task))

    def _after_move(self, case: Case, action: str, actor: _Person, from_state: str, when: dt.datetime) -> None:
        """effects.after_move: the HoD copied when a JD goes to the FM/HPS; the outcome told."""
        link = f"/grading/{case.pk}/"
        if case.state in ("fm_approval", "fm_brokering") and case.state != from_state:
            head = self.holders.head(case.unit_id, self.local(when))
            if head is not None and head not in (actor.pk, case.subject_id):
                node = self.nodes[case.unit_id]
                title = "Head of Department" if node.top.spec.kind == "faculty" else "Departmental contact"
                self.notify(head, f"For information: {case.reference} {case.title} went to the FM/HPS",
                            f"You are copied for information as {title}: the JD of {case.title} ({case.reference}) and "
                            "its recommended grade went to the FM/HPS for approval. Nothing is needed from you.",
                            link, when)
        if action not in TELLS_THE_OUTCOME:
            return
        grade = case.decided_grade
        stays = outcome_stays(case.outcome, grade, case.current_grade)
        subject, said = outcome_words(
            action, title=case.title, ref=case.reference, grade=f"Grade {grade}", outcome=case.outcome, stays=stays,
            effective=case.effective_date or (None if stays or grade is None else effective_date_for(case)),  # type: ignore[arg-type]
            recorded=case.effective_date, reason=case.grade_difference_reason,
            appealed=any(e[1] == "lodge_appeal" for e in case.events), appeal_deadline=case.appeal_deadline)
        for pk in sorted({p.pk for p in (case.subject, case.line_manager, case.initiator) if p is not None} - {actor.pk}):
            body = said
            if action == "process" and pk == case.subject_id and case.new_spine_point:
                body += f" Your spine point from then: {case.new_spine_point}" + (
                    " (pay protected)." if case.pay_protected else ".")
            self.notify(pk, subject[:200], body, link, when)

    # --- writing ---------------------------------------------------------------------------------------

    def write(self) -> dict[str, int]:
        w, gid = self.w, self.grade_ids
        self._write_logins()
        w.insert(JobDescription, ("id", "reference", "org_unit_id", "job_family_id", "area", "staff_category",
                                  "created_at", "created_by_id", "for_post_id"), (
            (jd.pk, jd.reference, jd.node.unit.pk, jd.family, jd.area.label, jd.category, jd.created_at, jd.created_by,
             jd.for_post) for jd in self.new_jds))
        write_versions(w, [], gid, versions=self.new_versions)
        entries = [(jd, v) for jd, v in self.new_versions if v.entry is not None]
        write_entries(w, entries, gid)
        w.update(JDVersion, "status", [(pk, status) for pk, status in self.status_changes])
        w.update(AgreedJD, "is_current", [(pk, False) for pk in self.entry_changes])
        w.update(Post, "jd_version_id", self.post_jd)
        w.update(Post, "grade_id", self.post_grades)
        w.insert(PostGrade, ("id", "post_id", "grade_id", "effective_from", "reason", "source", "jd_version_id", "note",
                             "recorded_at", "recorded_by_id", "superseded_at", "supersedes_id"),
                 ((*row, None, None, None) for row in self.grade_lines))
        w.insert(PayRecord, ("id", "person_id", "grade_id", "spine_point", "effective_from", "reason", "post_id", "note",
                             "recorded_at", "recorded_by_id"), (
            (pk, person, gid[grade], point, day, reason, post, note, recorded, user)
            for pk, (person, grade, point, day, reason, post, note, recorded, user)
            in zip(w.ids(PayRecord, len(self.pay)), self.pay, strict=True)))
        cases = self.cases
        w.insert(GradingCase, (
            "id", "reference", "state", "step", "created_at", "updated_at", "closed_at", "route", "org_unit_id",
            "post_id", "subject_id", "line_manager_id", "initiator_id", "title", "jd_id", "baseline_version_id",
            "proposed_version_id", "current_grade_id", "recommended_grade_id", "matched_agreed_id", "checked_grade_id",
            "grant_funded", "funding_source", "evaluation", "fairness_issue", "fairness_assessment",
            "fairness_resolution", "decided_grade_id", "outcome", "grade_difference_reason", "decided_at",
            "finance_approved_at", "finance_approval_note", "complete_submission_on", "effective_date",
            "new_spine_point", "pay_protected", "allowances_stopped", "appeal_deadline", "confidential_hr_notes"), (
            (c.pk, c.reference, c.state, c.step, c.created_at, c.updated_at, c.closed_at, c.route, c.unit_id,
             c.post.pk if c.post else None, c.subject_id, c.line_manager.pk if c.line_manager else None,
             c.initiator.pk, c.title[:200], c.jd.pk, c.baseline.pk if c.baseline else None, c.proposed.pk,
             gid.get(c.current_grade) if c.current_grade else None,
             gid.get(c.recommended_grade) if c.recommended_grade else None,
             c.matched[1].entry.pk if c.matched and c.matched[1].entry else None,
             gid.get(c.checked_grade) if c.checked_grade else None, c.grant_funded, c.funding_source[:200],
             c.evaluation, c.fairness_issue, c.fairness_assessment, c.fairness_resolution,
             gid.get(c.decided_grade) if c.decided_grade else None, c.outcome, c.grade_difference_reason,
             c.decided_at, c.finance_approved_at, c.finance_approval_note, c.complete_submission_on, c.effective_date,
             c.new_spine_point, c.pay_protected, c.allowances_stopped, c.appeal_deadline, "")
            for c in cases))
        events = [(c, e) for c in cases for e in c.events]
        w.insert(CaseEvent, ("id", "case_id", "step", "action", "actor_id", "capacity", "from_state", "to_state",
                             "reason", "data", "idempotency_key", "created_at"), (
            (pk, c.pk, step, action, actor, capacity[:300], frm, to, reason, data, None, at)
            for pk, (c, (step, action, actor, capacity, frm, to, reason, data, at))
            in zip(w.ids(CaseEvent, len(events)), events, strict=True)))
        w.insert(AppealPanelMember, ("id", "case_id", "person_id", "added_at"), (
            (pk, case, person, at) for pk, (case, person, at) in zip(w.ids(AppealPanelMember, len(self.panels)),
                                                                     self.panels, strict=True)))
        content_type = ContentType.objects.get_for_model(GradingCase).pk
        tasks = [(c, t) for c in cases for t in c.tasks]
        w.insert(Task, ("id", "process", "content_type_id", "object_id", "reference", "title", "org_unit_id",
                        "subject_id", "step", "state", "assignee_id", "team", "role", "capacity", "description",
                        "due_date", "created_at", "completed_at", "reminded_at", "escalated_at"), (
            (t.pk, "grading", content_type, c.pk, c.reference, c.title[:200], c.unit_id, c.subject_id, t.step, t.state,
             t.assignee, t.team, t.role, t.capacity[:300], t.description, t.due, t.created_at, t.completed_at, None,
             None) for c, t in tasks))
        kept = self._write_messages()
        write_counters({("grading-case", year): last for year, last in self.counters.items()})
        open_cases = [c for c in cases if c.state not in CLOSED]
        return {
            "grading cases": len(cases), "open cases": len(open_cases), "skipped (nobody suitable)": self.skipped,
            "states": len({c.state for c in cases}), "events": len(events),
            "tasks": len(tasks), "open tasks": sum(1 for _, t in tasks if t.completed_at is None),
            "overdue tasks": sum(1 for _, t in tasks if t.completed_at is None and t.due < self.today),
            "case JDs": len(self.new_jds), "case JD versions": len(self.new_versions),
            "library entries logged": len(entries), "pay records": len(self.pay), "post grade lines": len(self.grade_lines),
            "notifications": kept, "e-mails": self.emails, "logins made": len(self.new_logins),
        }

    def _write_logins(self) -> None:
        w = self.w
        write_login_rows(self.gen, self.new_logins, self.people)
        group = Group.objects.get(name=roles.HR_SERVICES).pk
        members = [self.logins[p.pk] for p in self.hr_team[1:] if p.pk in self.logins]
        through = User.groups.through
        w.insert(through, ("id", "user_id", "group_id"), (
            (pk, user, group) for pk, user in zip(w.ids(through, len(members)), members, strict=True)))

    def _write_messages(self) -> int:
        """The messages still there (a task's goes when the task does) and an e-mail for every message sent
        (marked sent when it was written, as the demo's are)."""
        w = self.w
        kept = [m for m in self.messages if m.task is None or m.task.completed_at is None]
        recent = self.now - dt.timedelta(days=7)
        rng = random.Random(self.gen.seed * 1_000 + 55)
        w.insert(Notification, ("id", "recipient_id", "subject", "body", "link", "key", "created_at", "read_at"), (
            (pk, m.recipient, m.subject, m.body, m.link, f"grading.task:{m.task.pk}" if m.task else "", m.created_at,
             m.created_at + dt.timedelta(hours=rng.randint(1, 72)) if m.created_at < recent and m.task is None
             and rng.random() < 0.75 else None)
            for pk, m in zip(w.ids(Notification, len(kept)), kept, strict=True)))
        from django.conf import settings

        emails = [m for m in self.messages if self.people[m.recipient].email]
        self.emails = len(emails)
        w.insert(OutboxEmail, ("id", "to_address", "subject", "body", "created_at", "status", "attempts", "sent_at",
                               "last_error"), (
            (pk, self.people[m.recipient].email, headline(f"[Gradepath] {m.subject}"),
             f"{m.body}\n\nOpen Gradepath: {settings.SITE_URL}{m.link}\n", m.created_at, OutboxEmail.Status.SENT, 1,
             m.created_at, "") for pk, m in zip(w.ids(OutboxEmail, len(emails)), emails, strict=True)))
        return len(kept)


def run(generation: Generation) -> dict[str, int]:
    cases = _Cases(generation)
    counts = cases.run()
    counts["history entries"] = generation.flush_history()
    generation.shared["cases"] = cases
    return counts


STEP = Step(NAME, "Grading cases on every route and in every state", run, after=("people", "jds"))
