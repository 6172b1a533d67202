"""Demo grading cases: about 45 cases across every route and state, for trying Gradepath.

:func:`build_demo_cases` runs after the demo university and its agreed JD library exist
(:mod:`gradepath.demo.builder`). It drives every case through the grading services only
(``start_*_case`` and ``perform_action``, with the person who holds each role acting) and edits
job descriptions through the job description services (``save_draft``: added duties, more
responsibility, a budget line), so each case has its real events, history, tasks and
notifications:

* new jobs drafted, waiting for FM/HPS approval (one returned once), at the HRBP, referred to a
  HERA evaluation, at the decision, with HR Services, logged and closed, and one withdrawn;
* Agreed Route cases waiting for the second and third agreements, one declined, JDs being
  amended (one returned), at the HRBP, with a knock-on fairness issue recorded and resolved,
  grant-funded and waiting for the finance approval, processed and logged;
* Direct Route cases at every step, with returned loops (the line manager returning the JD to
  the staff member, who resubmits it), no agreement at the FM/HPS and a direct submission to
  the HRBP, a HERA evaluation, reallocation, no change and higher-grade outcomes (the last
  processed by HR Services, so a pay record is written, and logged), an appeal lodged, one
  dismissed and one upheld by a panel of uninvolved people, and one withdrawn.

Most cases are in the Faculty of Life Sciences, so every demo login has something in their
inbox: ``staff`` has a Direct Route case waiting for ``manager``; ``delegate`` (acting for
``fmhps``) has cases waiting for approval and brokering; ``hrbp`` has cases at the grade check,
fairness and decision; ``hrservices`` has cases to process (one grant-funded, waiting for the
finance approval) and an appeal panel to convene.

People who must act and have no login get one (the demo password, the local part of their
e-mail address as user name). The only direct updates are to the dates of the cases and of
their open tasks, so that the demo shows cases of different ages and some overdue tasks; the
case events and history rows (append-only) are never touched.

Every choice comes from the ``rng`` passed in and every query is ordered, so the same seed on
the same demo university gives the same cases.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from gradepath.demo.logins import DEMO_LOGINS, DEMO_PASSWORD
from gradepath.grades.models import Grade, GradeStructure
from gradepath.grading import services
from gradepath.grading.dates import add_working_days
from gradepath.grading.models import CaseTask, GradingCase
from gradepath.grading.workflow import CLOSED_STATES
from gradepath.jobs import demo_content
from gradepath.jobs import services as jd_services
from gradepath.jobs.models import AgreedJD, JDVersion
from gradepath.people.models import Appointment, Delegation, OrgUnit, Person, User

DEFAULT_CASES = 45
HOME_FACULTY = "LIFE"  # where the demo logins work: most cases are here


class DemoCasesError(Exception):
    """The demo cases cannot be built (no demo university, or not enough people)."""


@dataclass
class DemoCasesSummary:
    """What :func:`build_demo_cases` made."""

    cases: int
    by_route: dict[str, int]
    by_state: dict[str, int]
    overdue_tasks: int
    logins_created: int
    skipped: int  # cases left out because a small university has nobody left to be their subject
    seconds: float


# --- Scenarios -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    """One demo case: its route, how far it goes and what happens on the way.

    ``upto`` names the first step *not* taken (``""``: walk the whole route); ``waiting`` is how
    many days the case has been in its current state, ``age`` how many days since it started.
    """

    route: str
    upto: str = ""
    loops: int = 0
    no_agreement: bool = False
    hera: bool = False
    outcome: str = "higher_grade"
    fairness_issue: bool = False
    regrade_others: bool = False  # the HRBP regrades the other posts on the same JD version with it
    appeal: str = ""  # "", "lodge", "dismiss", "uphold"
    withdraw: bool = False
    decline: bool = False
    hrbp_returns: bool = False
    grant_funded: bool = False
    subject: str = ""  # a demo login the case is about ("staff")
    initiator: str = ""  # a demo login who starts a new-job case ("manager")
    home: bool = True  # in the Faculty of Life Sciences (else elsewhere)
    waiting: int = 3
    age: int = 20


NJ, AR, DR = "new_job", "agreed", "direct"

# In order of importance: a smaller ``count`` keeps the first ones.
SCENARIOS: list[Scenario] = [
    # Direct Route: the staff login's case, returned once and resubmitted, waiting for "manager".
    Scenario(DR, upto="confirm_jd", loops=1, subject="staff", waiting=2, age=26),
    # HR Services: two to process (one grant-funded and waiting for the finance approval).
    Scenario(AR, upto="record_finance_approval", grant_funded=True, waiting=17, age=95),
    Scenario(DR, upto="process", waiting=4, age=70),
    # The FM/HPS (delegate): approval and brokering.
    Scenario(NJ, upto="approve", initiator="manager", waiting=3, age=8),
    Scenario(DR, upto="record_grade_agreement", waiting=16, age=48),
    Scenario(AR, upto="agree_fm", waiting=5, age=12),
    # The HRBP: grade check, evaluation, fairness, manager discussion, decision, logging.
    Scenario(DR, upto="confirm_by_match", no_agreement=True, waiting=6, age=60),
    Scenario(NJ, upto="confirm_by_match", waiting=19, age=33),
    Scenario(AR, upto="record_fairness", waiting=2, age=80),
    Scenario(DR, upto="decide", fairness_issue=True, waiting=4, age=75),
    Scenario(DR, upto="record_manager_discussion", waiting=1, age=64),
    Scenario(NJ, upto="record_evaluation", hera=True, waiting=9, age=40),
    Scenario(AR, upto="decide", fairness_issue=True, waiting=3, age=90),
    Scenario(DR, upto="log_and_send", waiting=2, age=100),
    # Outcomes: higher grade processed and logged, reallocation, no change, HERA.
    Scenario(DR, loops=1, waiting=0, age=150),
    Scenario(DR, outcome="reallocation", waiting=0, age=120),
    Scenario(DR, outcome="no_change", waiting=0, age=110),
    Scenario(DR, hera=True, outcome="higher_grade", waiting=0, age=140),
    # Appeals: lodged (panel to convene), dismissed, upheld (back with HR Services).
    Scenario(DR, outcome="no_change", appeal="lodge", waiting=3, age=130),
    Scenario(DR, outcome="reallocation", appeal="dismiss", waiting=0, age=160),
    Scenario(DR, outcome="no_change", appeal="uphold", upto="process", waiting=2, age=170),
    # Elsewhere in the university (their own FM/HPS and HRBP act).
    Scenario(DR, upto="record_grade_agreement", home=False, waiting=20, age=41),
    Scenario(AR, upto="record_fairness", home=False, waiting=6, age=66),
    Scenario(DR, outcome="higher_grade", home=False, fairness_issue=True, regrade_others=True, waiting=0, age=125),
    # Agreed Route: every step.
    Scenario(AR, upto="agree_manager", waiting=4, age=4),
    Scenario(AR, upto="", decline=True, waiting=0, age=30),
    Scenario(AR, upto="amend", waiting=6, age=25),
    Scenario(AR, upto="agree_amended_manager", waiting=3, age=35),
    Scenario(AR, upto="resubmit_amended", loops=1, waiting=5, age=45),
    Scenario(AR, upto="confirm_by_match", waiting=18, age=50),
    Scenario(AR, waiting=0, age=180),
    Scenario(AR, upto="log_and_send", waiting=1, age=120),
    # New jobs: every step.
    Scenario(NJ, upto="submit_for_approval", waiting=2, age=2),
    Scenario(NJ, upto="approve", loops=1, waiting=1, age=21),
    Scenario(NJ, upto="submit_for_approval", hrbp_returns=True, waiting=4, age=28),
    Scenario(NJ, upto="decide", waiting=2, age=38),
    Scenario(NJ, waiting=0, age=90),
    Scenario(NJ, upto="approve", withdraw=True, waiting=0, age=18),
    # Direct Route: the early steps, another loop, and one withdrawn.
    Scenario(DR, upto="record_discussion", waiting=3, age=3),
    Scenario(DR, upto="resubmit", loops=1, waiting=4, age=24),
    Scenario(DR, upto="confirm_jd", waiting=15, age=27),
    Scenario(DR, upto="submit_to_fm", waiting=2, age=22),
    Scenario(DR, upto="submit_to_hrbp", no_agreement=True, waiting=5, age=52),
    Scenario(DR, upto="record_evaluation", hera=True, loops=2, waiting=8, age=85),
    Scenario(DR, upto="confirm_jd", withdraw=True, waiting=0, age=40),
    # Beyond the default 45: more of the same, and two more elsewhere.
    Scenario(NJ, upto="process", waiting=1, age=55),
    Scenario(AR, upto="agree_staff", waiting=1, age=1),
    Scenario(DR, upto="submit_proposal", waiting=7, age=14),
    Scenario(NJ, upto="approve", home=False, waiting=4, age=11),
    Scenario(DR, upto="confirm_jd", home=False, waiting=2, age=19),
]

# Extra cases beyond the list above (``count`` larger than it) repeat these, on other people.
FILLERS: list[Scenario] = [
    Scenario(DR, upto="submit_proposal", waiting=5, age=12),
    Scenario(AR, upto="agree_fm", waiting=3, age=9),
    Scenario(NJ, upto="approve", waiting=2, age=6),
    Scenario(DR, upto="confirm_by_match", waiting=4, age=30),
]


# --- Realistic wording -----------------------------------------------------------------------------

DISCUSSIONS = (
    "Met on {day} to talk through the duties taken on since the last review; agreed that a proposal "
    "should be written up with tracked changes.",
    "Discussed at the one-to-one on {day}. I am not yet sure the changes amount to a higher grade, but "
    "the staff member is entitled to make the case.",
    "Talked on {day} about the extra supervision and budget work over the past year; the staff member "
    "will propose the revised job description.",
)
RETURNS = (
    "Please add the consumables budget you now manage and say how much it is.",
    "The supervision duty needs to say how many people you supervise and what that involves.",
    "Some of the new duties are occasional cover rather than part of the job: please separate them.",
    "Please show the training you now give to new starters as a duty of its own.",
)
BUDGETS = (
    "Manage the team's consumables and small equipment budget of about {amount} a year, placing orders, "
    "checking invoices and reporting spend to the Departmental Manager each month.",
    "Hold the budget of about {amount} a year for {what}, forecasting spend and agreeing priorities with the "
    "line manager.",
)
SUPERVISION = (
    "Supervise the day-to-day work of {n} colleagues, allocating and checking their work and taking part "
    "in their appraisals.",
    "Train new starters and visiting researchers in the team's procedures, and keep their training records.",
    "Act as the main point of contact for the service when the line manager is away, taking decisions "
    "within agreed limits.",
)
AMOUNTS = ("£8,000", "£12,500", "£20,000", "£35,000", "£60,000")
NO_AGREEMENT = (
    "The line manager supports the proposal but the faculty does not agree the grade: the duties added are "
    "covered by the current grade.",
    "We could not agree the grade at the meeting on {day}; the staff member wishes to go to the HRBP.",
)
FAIRNESS_CLEAR = (
    "No other holder of this JD in the faculty; the two similar agreed JDs are graded consistently with this "
    "decision.",
    "Three other holders of similar agreed JDs: their duties are narrower, so no knock-on issue.",
)
FAIRNESS_ISSUE = (
    "Two other holders of the same JD in the department carry out the same added duties.",
    "A holder of a closely similar agreed JD in another department supervises a team of the same size.",
)
FAIRNESS_RESOLUTION = (
    "The line manager confirmed that the added duties sit with this post only; the other holders' JDs are "
    "unchanged and they were told so.",
    "The other holder's JD is being reviewed on the Agreed Route; the HRBP has written to their line manager.",
)
MANAGER_DISCUSSIONS = (
    "Discussed the proposed grade with the line manager on {day}; they accept the evidence of the budget and "
    "supervision duties.",
    "Spoke to the line manager on {day}: they confirmed the duties are needed permanently, not for a project.",
)
APPEAL_GROUNDS = (
    "The decision did not take account of the supervision of two technicians, which has been part of the job "
    "for over a year.",
    "The matched agreed JD is for a smaller service; the budget I manage is three times larger.",
)
PANEL_REASONS = {
    "dismiss": "The panel found the decision was reached properly and the matched agreed JD is the right one.",
    "uphold": "The panel found that the supervision and budget duties meet the next grade's level of "
              "responsibility.",
}


# --- The builder ---------------------------------------------------------------------------------


@dataclass
class _Context:
    """What every scenario shares: the seeded random source, the dates, the logins made so far."""

    rng: random.Random
    today: dt.date
    now: dt.datetime
    password: str
    grades: dict[int, Grade]
    hr_services: Person
    panel_pool: list[Person]
    logins_created: int = 0
    users: dict[int, User] = field(default_factory=dict)  # person pk -> login
    waiting: dict[int, tuple[int, int]] = field(default_factory=dict)  # case pk -> (waiting, age)


def build_demo_cases(*, rng: random.Random, count: int = DEFAULT_CASES, today: dt.date | None = None
                     ) -> DemoCasesSummary:
    """Build ``count`` grading cases in the demo university through the grading services.

    Runs in one transaction; raises DemoCasesError (changing nothing) if the demo university is
    not there. A small university may not have a different person (with a JD of their own) for
    every existing-job case: those cases are left out and counted as ``skipped``.
    """
    started = time.perf_counter()
    if count < 1:
        return DemoCasesSummary(0, {}, {}, 0, 0, 0, 0.0)
    hr_person = Person.objects.filter(user__username="hrservices").select_related("user").first()
    if hr_person is None or not OrgUnit.objects.filter(code=HOME_FACULTY).exists():
        raise DemoCasesError("Build the demo university first: the demo cases need its people and logins.")
    scenarios = [*SCENARIOS[:count]]
    while len(scenarios) < count:
        scenarios.append(FILLERS[(len(scenarios) - len(SCENARIOS)) % len(FILLERS)])
    structure = GradeStructure.objects.in_force()
    with transaction.atomic():
        ctx = _Context(
            rng=rng, today=today or timezone.localdate(), now=timezone.now(),
            password=make_password(DEMO_PASSWORD),
            grades={g.number: g for g in Grade.objects.filter(structure=structure)},
            hr_services=hr_person, panel_pool=_panel_pool(),
        )
        subjects = _Subjects(ctx)
        made: list[GradingCase] = []
        skipped = 0
        for scenario in scenarios:
            case = _run(ctx, subjects, scenario)
            if case is None:
                skipped += 1
                continue
            made.append(case)
            ctx.waiting[case.pk] = (scenario.waiting, scenario.age)
        overdue = _backdate(ctx, made)
    cases = GradingCase.objects.filter(pk__in=[c.pk for c in made])
    return DemoCasesSummary(
        cases=len(made),
        by_route=dict(Counter(cases.values_list("route", flat=True))),
        by_state=dict(Counter(cases.values_list("state", flat=True))),
        overdue_tasks=overdue, logins_created=ctx.logins_created, skipped=skipped,
        seconds=time.perf_counter() - started,
    )


def _panel_pool() -> list[Person]:
    """People who sit on appeal panels: the Technician Commitment lead and the HRBPs of the other
    faculties and divisions (never anyone involved in the case: the engine checks that too)."""
    home = OrgUnit.objects.get(code=HOME_FACULTY)
    pool = list(Person.objects.filter(user__username="tclead"))
    others = (OrgUnit.objects.filter(parent__isnull=True, hrbp__isnull=False).exclude(hrbp_id=home.hrbp_id)
              .select_related("hrbp__user").order_by("code"))
    for unit in others:
        if unit.hrbp not in pool:
            pool.append(unit.hrbp)
    return pool


def _login(ctx: _Context, person: Person) -> User:
    """The person's login, made with the demo password if they have none."""
    if person.pk in ctx.users:
        person.user = ctx.users[person.pk]
        return person.user
    if person.user_id is not None:
        ctx.users[person.pk] = person.user
        return person.user
    username = person.work_email.split("@")[0] or f"person{person.pk}"
    user = User.objects.create(username=username, password=ctx.password, first_name=person.known_as or
                               person.first_name, last_name=person.last_name, email=person.work_email)
    # Demo data: a login for a person who must act on a demo case (like the builder's logins).
    Person.objects.filter(pk=person.pk).update(user=user)
    person.user = ctx.users[person.pk] = user
    ctx.logins_created += 1
    return user


class _Subjects:
    """Staff whose jobs the demo cases are about: one case per post and per JD, nobody who holds a
    role the case needs (FM/HPS, delegate, HRBP, head) and nobody managed by one of them."""

    def __init__(self, ctx: _Context):
        self.ctx = ctx
        home = OrgUnit.objects.get(code=HOME_FACULTY)
        # Nobody whose case would need them to act in another role, and no line manager who would
        # also act as FM/HPS, delegate or HRBP (one person giving two of the three agreements).
        holders: set[int] = set()
        for unit in OrgUnit.objects.all():
            holders |= {pk for pk in (unit.fm_hps_id, unit.hrbp_id) if pk}
        holders |= set(Delegation.objects.values_list("delegate_id", flat=True))
        # The demo logins keep the records the builder gave them (only "staff" has a case, below).
        logins = set(Person.objects.filter(user__username__in=[d.username for d in DEMO_LOGINS])
                     .values_list("pk", flat=True))
        heads = set(OrgUnit.objects.filter(head__isnull=False).values_list("head_id", flat=True))
        not_subjects = holders | logins | heads
        manager = set(Person.objects.filter(user__username="manager").values_list("pk", flat=True))
        not_managers = holders | (logins - manager)
        appointments = (Appointment.objects.current(ctx.today).filter(kind=Appointment.Kind.SUBSTANTIVE)
                        .exclude(person__staff_category=Person.StaffCategory.ACADEMIC)
                        .filter(person__line_manager__isnull=False, post__jd_version__isnull=False,
                                post__is_active=True)
                        .exclude(post__org_unit__code__startswith="HR")
                        .select_related("person__line_manager", "post__org_unit", "post__grade",
                                        "post__jd_version__jd")
                        .order_by("person__employee_number"))
        grade_of = dict(Appointment.objects.current(ctx.today).filter(kind=Appointment.Kind.SUBSTANTIVE)
                        .values_list("person_id", "post__grade__number"))
        self.home: list[Person] = []
        self.away: list[Person] = []
        self.grant_funded: list[Person] = []
        self.staff = Person.objects.select_related("line_manager").get(user__username="staff")
        own = (Appointment.objects.current(ctx.today).filter(person=self.staff, kind=Appointment.Kind.SUBSTANTIVE)
               .values_list("post__jd_version__jd_id", flat=True).first())
        seen_jds: set[int] = {own} if own else set()  # the staff login's JD is their case's alone
        for appointment in appointments:
            person, post = appointment.person, appointment.post
            jd_id = post.jd_version.jd_id
            if person.pk in not_subjects or person.line_manager_id in not_managers:
                continue
            if jd_id in seen_jds or post.grade_id is None or post.grade.number >= 9:
                continue
            if grade_of.get(person.line_manager_id, 0) <= post.grade.number + 1:
                continue  # a regrade would bring them level with their line manager
            seen_jds.add(jd_id)
            in_home = post.org_unit.path.startswith(home.path)
            if post.grant_funded and in_home:
                self.grant_funded.append(person)
            elif in_home:
                self.home.append(person)
            else:
                self.away.append(person)
        ctx.rng.shuffle(self.home)
        ctx.rng.shuffle(self.away)
        ctx.rng.shuffle(self.grant_funded)
        self.managers_home = self._managers(home, inside=True)
        self.managers_away = self._managers(home, inside=False)

    def _managers(self, home: OrgUnit, *, inside: bool) -> list[Person]:
        """People who start new jobs: line managers in (or outside) the home faculty."""
        holders = {pk for unit in OrgUnit.objects.all() for pk in (unit.fm_hps_id, unit.hrbp_id) if pk}
        holders |= set(Delegation.objects.values_list("delegate_id", flat=True))
        found = []
        for appointment in (Appointment.objects.current(self.ctx.today).filter(kind=Appointment.Kind.SUBSTANTIVE)
                            .filter(person__in=Person.objects.filter(reports__isnull=False))
                            .exclude(person__staff_category=Person.StaffCategory.ACADEMIC)
                            .exclude(post__org_unit__code__startswith="HR")
                            .select_related("person__user", "post__org_unit").order_by("person__employee_number")
                            .distinct()):
            if appointment.person_id in holders or appointment.post.org_unit.path.startswith(home.path) != inside:
                continue
            if appointment.person.user and appointment.person.user.username != "manager":
                continue  # another demo login's person: leave their inbox to their own role
            if appointment.person not in found:
                found.append(appointment.person)
        self.ctx.rng.shuffle(found)
        return found

    def take(self, scenario: Scenario) -> Person | None:
        """The person the case is about, or None when everyone suitable already has a case."""
        if scenario.subject == "staff":
            return self.staff
        pools = ([self.grant_funded, self.home, self.away] if scenario.grant_funded
                 else [self.home, self.away, self.grant_funded] if scenario.home else [self.away, self.home])
        if scenario.regrade_others:  # someone whose JD version other posts share
            for pool in pools:
                for person in reversed(pool):
                    if self._shares_jd(person):
                        pool.remove(person)
                        return person
        for pool in pools:
            if pool:
                return pool.pop()
        return None

    def _shares_jd(self, person: Person) -> bool:
        """Whether another post in the same unit holds the same JD version (a team on one JD)."""
        post = (Appointment.objects.current(self.ctx.today).filter(person=person, kind=Appointment.Kind.SUBSTANTIVE)
                .values_list("post_id", "post__jd_version_id", "post__org_unit_id").first())
        return post is not None and Appointment.objects.current(self.ctx.today).filter(
            kind=Appointment.Kind.SUBSTANTIVE, post__jd_version_id=post[1], post__org_unit_id=post[2]
        ).exclude(post_id=post[0]).exists()

    def initiator(self, scenario: Scenario) -> Person:
        if scenario.initiator:
            return Person.objects.get(user__username=scenario.initiator)
        pool = self.managers_home if scenario.home else self.managers_away
        if not pool:
            pool = self.managers_away or self.managers_home
        if not pool:
            raise DemoCasesError("The demo university has no line managers to start new jobs.")
        person = pool[0]
        pool.append(pool.pop(0))  # take turns
        return person


# --- Running one scenario ------------------------------------------------------------------------


class _Stop(Exception):
    """The scenario has reached the step it stops before."""


class _Walk:
    """Walks one case through its steps, stopping before ``scenario.upto``."""

    def __init__(self, ctx: _Context, scenario: Scenario, case: GradingCase, area: demo_content.Area):
        self.ctx, self.scenario, self.case, self.area = ctx, scenario, case, area
        self.rng = ctx.rng

    def day(self, days_ago: int) -> str:
        day = self.ctx.today - dt.timedelta(days=days_ago)
        return f"{day.day} {day:%B}"

    def step(self, name: str, fn: Callable[[], Any]) -> None:
        if self.scenario.upto and name == self.scenario.upto:
            raise _Stop
        fn()

    def person_for(self, role: str) -> Person:
        if role == "hr_services":
            return self.ctx.hr_services
        people = [p for p, _ in services.people_for_role(self.case, role) if p is not None]
        if not people:
            raise DemoCasesError(f"Nobody holds the role {role} on {self.case.reference}.")
        return people[0]

    def act(self, role: str, action: str, **data: Any) -> None:
        person = self.person_for(role) if role not in ("initiator",) else self.case.initiator
        user = _login(self.ctx, person)
        self.case = services.perform_action(actor=user, case=self.case, action=action, step=self.case.step,
                                            data=data)

    def edit(self, role: str, *, budget: bool = True) -> None:
        """Save realistic changes to the draft under review: added duties, more responsibility, a budget."""
        person = self.case.initiator if role == "initiator" else self.person_for(role)
        user = _login(self.ctx, person)
        version = JDVersion.objects.get(pk=self.case.proposed_version_id)
        grade = (self.case.current_grade.number if self.case.current_grade else
                 version.grade.number if version.grade else 5)
        duties = list(version.duties)
        last = duties.pop() if duties and duties[-1] == demo_content.LAST_DUTY else None
        bank = [_fill(d, self.area) for d in (*self.area.lead, *self.area.manage)]
        bank = [d for d in dict.fromkeys(bank) if d not in duties]
        added = self.rng.sample(bank, min(len(bank), 1))
        added.append(self.rng.choice(SUPERVISION).format(n=self.rng.choice(("two", "three", "four"))))
        if budget:
            added.append(self.rng.choice(BUDGETS).format(amount=self.rng.choice(AMOUNTS), what=self.area.tasks))
        # The most responsible new duty goes first; the others before the closing "other duties" line.
        new_duties = list(dict.fromkeys([*added[:1], *duties, *added[1:]]))
        if last:
            new_duties.append(last)
        changes: dict[str, Any] = {"duties": new_duties,
                                   "line_management": demo_content.line_management_text(
                                       self.area, min(grade + 1, 10), self.rng)}
        jd_services.save_draft(actor=user, version=version, changes=changes, base_revision=version.revision)
        self.case.refresh_from_db()

    def reallocate(self) -> None:
        """Reallocation: the HRBP takes the added supervision and budget duties out of the reopened
        draft (they go to other posts) and restores the line management text; the rest stays."""
        user = _login(self.ctx, self.person_for("hrbp"))
        version = JDVersion.objects.get(pk=self.case.proposed_version_id)
        baseline = self.case.baseline_version
        added = [d for d in version.duties if d not in baseline.duties]
        kept = added[:1]  # the first new duty fits the current grade and stays with the post
        duties = [d for d in version.duties if d in baseline.duties or d in kept]
        jd_services.save_draft(actor=user, version=version, base_revision=version.revision,
                               changes={"duties": duties, "line_management": baseline.line_management})
        self.case.refresh_from_db()

    def matched(self, grade: int) -> AgreedJD:
        """The agreed JD the grade is checked against: same area and grade if there is one."""
        entries = list(AgreedJD.objects.filter(is_current=True, grade__number=grade)
                       .select_related("version").order_by("reference"))
        if not entries:
            entries = list(AgreedJD.objects.filter(is_current=True).select_related("version").order_by("reference"))
        same = ([e for e in entries if e.area == self.area.label]
                or [e for e in entries if e.staff_category == self.area.category] or entries)
        return same[self.rng.randrange(len(same))]

    def scores(self, grade: int) -> dict[str, int]:
        """HERA element scores whose total falls in the middle of the grade's band."""
        bands = {g: (low, high) for g, low, high in services.policy("HERA_BANDS")}
        low, high = bands[grade]
        total = (low + min(high, low + 120)) // 2
        elements = services.HERA_ELEMENTS
        weights = [self.rng.randint(2, 6) for _ in elements]
        raw = [total * w // sum(weights) for w in weights]
        raw[0] += total - sum(raw)
        return dict(zip(elements, raw, strict=True))


def _fill(text: str, area: demo_content.Area) -> str:
    """A duty from the area's bank with its equipment and systems named."""
    if "{" not in text:
        return text
    equipment = list(area.equipment) or ["specialist equipment", "shared equipment"]
    first, second = equipment[0], equipment[-1]
    system = area.systems[0] if area.systems else "the relevant systems"
    return text.format(equipment=first, equipment2=second, system=system)


def _run(ctx: _Context, subjects: _Subjects, scenario: Scenario) -> GradingCase | None:
    if scenario.route == NJ:
        return _new_job(ctx, subjects, scenario)
    subject = subjects.take(scenario)
    if subject is None:
        return None  # a small demo university: fewer cases
    _login(ctx, subject)
    manager = subject.line_manager
    if scenario.route == DR:
        case = services.start_direct_route_case(actor=subject.user, subject=subject)
    else:
        starter = manager if ctx.rng.random() < 0.5 else subject
        case = services.start_agreed_route_case(actor=_login(ctx, starter), subject=subject)
    post = case.post
    area = demo_content.area_for_title(post.title, post.org_unit)
    walk = _Walk(ctx, scenario, case, area)
    try:
        (_direct if scenario.route == DR else _agreed)(walk)
    except _Stop:
        pass
    return walk.case


def _new_job(ctx: _Context, subjects: _Subjects, scenario: Scenario) -> GradingCase:
    manager = subjects.initiator(scenario)
    user = _login(ctx, manager)
    appointment = (Appointment.objects.current(ctx.today).filter(person=manager)
                   .select_related("post__org_unit", "post__grade").order_by("start_date").first())
    unit = appointment.post.org_unit
    area = demo_content.area_for_title(appointment.post.title, unit)
    top = max(2, min(appointment.post.grade.number - 1, 7)) if appointment.post.grade else 5
    grade = ctx.rng.randint(max(2, top - 2), top)
    titles = area.titles.get(grade) or next(iter(area.titles.values()))
    title = ctx.rng.choice(titles)
    text = demo_content.compose_jd(ctx.rng, area, title, grade, scope=demo_content.scope_of(unit))
    families = demo_content.ensure_families()
    version = jd_services.create_job_description(
        actor=user, org_unit=unit, job_family=families[area.family], staff_category=area.category,
        area=area.label, grade=ctx.grades[grade], **demo_content.sections_of(text))
    case = services.start_new_job_case(actor=user, jd_version=version)
    walk = _Walk(ctx, scenario, case, area)
    try:
        _new_job_steps(walk, grade)
    except _Stop:
        pass
    return walk.case


def _new_job_steps(w: _Walk, grade: int) -> None:
    s = w.scenario
    match = w.matched(grade)
    w.step("submit_for_approval", lambda: w.act("line_manager", "submit_for_approval", recommended_grade=grade,
                                                matched_agreed=match.pk))
    for _ in range(s.loops):
        w.step("return_to_manager", lambda: w.act("fm_hps", "return_to_manager", reason=w.rng.choice(RETURNS)))
        w.step("revise", lambda: w.edit("initiator"))
        w.step("resubmit", lambda: w.act("line_manager", "submit_for_approval", recommended_grade=grade))
    if s.withdraw:
        w.act("initiator", "withdraw", reason="The post is no longer needed: the work moves to the faculty's "
                                              "shared service from next term.")
        raise _Stop
    w.step("approve", lambda: w.act("fm_hps", "approve"))
    if s.hrbp_returns:
        w.act("hrbp", "return_to_submitter", reason="The JD does not say who the post reports to or what budget "
                                                    "it holds: add both and resubmit.")
        raise _Stop
    _hrbp_to_end(w, grade)


def _direct(w: _Walk) -> None:
    s = w.scenario
    current = w.case.current_grade.number if w.case.current_grade else 5
    proposed = min(current + 1, 10)
    w.step("record_discussion", lambda: w.act("line_manager", "record_discussion",
                                              reason=w.rng.choice(DISCUSSIONS).format(day=w.day(s.age))))
    w.step("propose", lambda: w.edit("staff_member"))
    w.step("submit_proposal", lambda: w.act("staff_member", "submit_proposal", recommended_grade=proposed))
    for n in range(s.loops):
        w.step("return_to_staff" if n == 0 else f"return_to_staff_{n + 1}",
               lambda: w.act("line_manager", "return_to_staff", reason=w.rng.choice(RETURNS)))
        w.step("revise" if n == 0 else f"revise_{n + 1}", lambda: w.edit("staff_member", budget=False))
        w.step("resubmit" if n == 0 else f"resubmit_{n + 1}",
               lambda: w.act("staff_member", "submit_proposal", recommended_grade=proposed))
    if s.withdraw:
        w.act("initiator", "withdraw", reason="I have been offered a new post in another department and will "
                                              "not pursue the regrade.")
        raise _Stop
    w.step("confirm_jd", lambda: w.act("line_manager", "confirm_jd"))
    w.step("submit_to_fm", lambda: w.act("line_manager", "submit_to_fm"))
    match = w.matched(proposed)
    if s.no_agreement:
        w.step("record_no_agreement", lambda: w.act("fm_hps", "record_no_agreement",
                                                    reason=w.rng.choice(NO_AGREEMENT).format(day=w.day(10))))
        w.step("submit_to_hrbp", lambda: w.act("staff_member", "submit_to_hrbp", matched_agreed=match.pk))
    else:
        w.step("record_grade_agreement", lambda: w.act("fm_hps", "record_grade_agreement", matched_agreed=match.pk))
    _hrbp_to_end(w, proposed)


def _agreed(w: _Walk) -> None:
    s = w.scenario
    current = w.case.current_grade.number if w.case.current_grade else 5
    proposed = min(current + 1, 10)
    w.step("agree_staff", lambda: w.act("staff_member", "agree_duties_changed"))
    if s.decline:
        w.act("line_manager", "decline_agreed_route",
              reason="The new duties are temporary cover for a colleague on leave, so I do not agree they have "
                     "changed significantly. The Direct Route is open to the staff member.")
        raise _Stop
    w.step("agree_manager", lambda: w.act("line_manager", "agree_duties_changed"))
    w.step("agree_fm", lambda: w.act("fm_hps", "agree_duties_changed"))
    w.step("amend", lambda: w.edit("line_manager"))
    match = w.matched(proposed)
    w.step("submit_amended_jd", lambda: w.act("line_manager", "submit_amended_jd", recommended_grade=proposed,
                                              matched_agreed=match.pk))
    for _ in range(s.loops):
        w.step("return_for_amendment", lambda: w.act("fm_hps", "return_for_amendment",
                                                     reason=w.rng.choice(RETURNS)))
        w.step("reamend", lambda: w.edit("line_manager", budget=False))
        w.step("resubmit_amended", lambda: w.act("line_manager", "submit_amended_jd", recommended_grade=proposed))
    w.step("agree_amended_staff", lambda: w.act("staff_member", "agree_amended_jd"))
    w.step("agree_amended_manager", lambda: w.act("line_manager", "agree_amended_jd"))
    w.step("agree_amended_fm", lambda: w.act("fm_hps", "agree_amended_jd"))
    _hrbp_to_end(w, proposed)


def _hrbp_to_end(w: _Walk, grade: int) -> None:
    """From the HRBP's grade check to the logged JD, the appeal if any, and back to HR Services."""
    s = w.scenario
    if s.hera:
        w.step("refer_to_evaluation", lambda: w.act("hrbp", "refer_to_evaluation"))
        w.step("record_evaluation", lambda: w.act("hrbp", "record_evaluation", scores=w.scores(grade)))
    else:
        w.step("confirm_by_match", lambda: w.act("hrbp", "confirm_by_match"))
    if s.fairness_issue and s.regrade_others:
        others = [post for post in services.posts_sharing_baseline(w.case)  # the rest of the team on this JD
                  if post.org_unit_id == w.case.post.org_unit_id
                  and not post.grading_cases.exclude(state__in=CLOSED_STATES).exists()]
        w.step("record_fairness", lambda: w.act(
            "hrbp", "record_fairness", fairness_issue=True, also_regrade=[post.pk for post in others],
            assessment="The other holders of this JD version in the team do the same work: the added duties "
                       "are shared across the team, not taken on by this post alone.",
            resolution=f"The team's {len(others) + 1} posts on this JD version are regraded together "
                       f"({', '.join(post.post_number for post in others)} with this one); their line managers "
                       "were told. Holders of the same JD in other units are unaffected."))
    elif s.fairness_issue:
        w.step("record_fairness", lambda: w.act("hrbp", "record_fairness", fairness_issue=True,
                                                assessment=w.rng.choice(FAIRNESS_ISSUE),
                                                resolution=w.rng.choice(FAIRNESS_RESOLUTION)))
    else:
        w.step("record_fairness", lambda: w.act("hrbp", "record_fairness", fairness_issue=False,
                                                assessment=w.rng.choice(FAIRNESS_CLEAR)))
    if w.case.state == "manager_discussion":
        w.step("record_manager_discussion", lambda: w.act(
            "hrbp", "record_manager_discussion", reason=w.rng.choice(MANAGER_DISCUSSIONS).format(day=w.day(5))))
    outcome = s.outcome if w.case.route != NJ else "grade_confirmed"
    decided = w.case.recommended_grade.number if w.case.recommended_grade else grade
    w.step("decide", lambda: w.act("hrbp", "decide", outcome=outcome, grade=decided))
    if w.case.state == "hr_processing":
        _process(w)
    if w.case.outcome == "reallocation":
        w.step("adjust_jd", w.reallocate)
    w.step("log_and_send", lambda: w.act("hrbp", "log_and_send"))
    if not s.appeal:
        return
    w.step("lodge_appeal", lambda: w.act("staff_member", "lodge_appeal", reason=w.rng.choice(APPEAL_GROUNDS)))
    if s.appeal == "lodge":
        raise _Stop
    panel = [p for p in w.ctx.panel_pool if p.pk not in services.involved_people(w.case)][:2]
    for member in panel:
        _login(w.ctx, member)
    w.step("convene_panel", lambda: w.act("hr_services", "convene_panel", panel=[p.pk for p in panel]))
    if s.appeal == "dismiss":
        w.step("dismiss_appeal", lambda: w.act("panel", "dismiss_appeal", reason=PANEL_REASONS["dismiss"]))
        return
    current = w.case.current_grade.number if w.case.current_grade else grade
    w.step("uphold_appeal", lambda: w.act("panel", "uphold_appeal", reason=PANEL_REASONS["uphold"],
                                          grade=min(current + 1, 10)))
    _process(w)
    w.step("log_and_send_after_appeal", lambda: w.act("hrbp", "log_and_send"))


def _process(w: _Walk) -> None:
    if w.case.grant_funded and w.case.finance_approved_at is None:
        w.step("record_finance_approval", lambda: w.act(
            "hr_services", "record_finance_approval",
            reason=f"The funder agreed the cost of the regrade on {w.day(2)} ({w.case.funding_source})."))
    w.step("process", lambda: w.act("hr_services", "process",
                                    allowances_stopped="" if w.rng.random() < 0.7 else
                                    "The additional responsibility allowance stops on the effective date."))


# --- Dates ---------------------------------------------------------------------------------------


def _backdate(ctx: _Context, cases: list[GradingCase]) -> int:
    """Spread the cases over the past months and leave some tasks overdue; returns how many are.

    Demo data only: direct updates of the case dates and of the open tasks' dates, so that the demo
    shows cases of different ages and overdue tasks. Case events and history rows (append-only)
    are left as they are.
    """
    target = services.policy("STEP_TARGETS")
    overdue = 0
    for case in cases:
        waiting, age = ctx.waiting[case.pk]
        age = max(age, waiting)
        created = ctx.now - dt.timedelta(days=age, hours=case.pk % 7)
        updated = ctx.now - dt.timedelta(days=waiting, hours=case.pk % 5)
        updates: dict[str, Any] = {"created_at": created, "updated_at": updated}
        if case.state in CLOSED_STATES:
            updates["closed_at"] = updated
        GradingCase.objects.filter(pk=case.pk).update(**updates)
        if case.state in CLOSED_STATES:
            continue
        since = ctx.today - dt.timedelta(days=waiting)
        due = add_working_days(since, target.get(case.state, target["default"]))
        CaseTask.objects.filter(case=case, completed_at__isnull=True).update(created_at=updated, due_date=due)
        if due < ctx.today:
            overdue += CaseTask.objects.filter(case=case, completed_at__isnull=True).count()
    return overdue

