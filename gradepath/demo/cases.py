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

Each case is built at the dates it shows (:mod:`gradepath.demo.clock`): it starts ``age`` days ago
and every step is taken at a moment of its own on working days between then and the day the case
entered its current state (``waiting`` days ago), so its events, history rows, tasks and their due
dates, notifications, e-mails and pay records are dated on the case's own timeline; overdue tasks
are those a step left waiting longer than its target. Cases are built oldest first, so their
references follow the order they started, and each match is chosen from the matcher's real
suggestions for the JD as it stood, in the library as it stood (never an agreed JD logged later):
a proposal for the next grade is modelled on the agreed JD one grade up that the library suggests
for the current JD, and the HRBP checks the grade against the suggestion at the grade the outcome
needs (a decided grade that still differs from the check carries its reason).

People who must act and have no login get one (the demo password, the local part of their
e-mail address as user name). The only direct update is to the outbox: the demo's e-mails are
marked sent when they were written, so the worker does not send hundreds when the demo starts.

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
from django.db.models import F, Max
from django.utils import timezone

from gradepath.demo import jds as demo_content
from gradepath.demo.clock import DemoClock, demo_clock
from gradepath.demo.logins import DEMO_LOGINS, DEMO_PASSWORD
from gradepath.grades.models import Grade, GradeStructure, PayRecord
from gradepath.grading import services
from gradepath.grading.models import CaseTask, GradingCase
from gradepath.grading.workflow import CLOSED_STATES
from gradepath.jobs import services as jd_services
from gradepath.jobs.matching.backends import TfidfBackend, get_backend
from gradepath.jobs.matching.matcher import Match, match_version
from gradepath.jobs.matching.store import library_stamp
from gradepath.jobs.models import AgreedJD, JDVersion
from gradepath.notifications.models import OutboxEmail
from gradepath.people.models import (
    Appointment,
    Delegation,
    OrgUnit,
    Person,
    UnitRoleAssignment,
    User,
)
from gradepath.workflow.models import BankHoliday

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
    schedule_misses: list[str] = field(default_factory=list)  # cases whose steps differed from their plan


# --- Scenarios -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    """One demo case: its route, how far it goes and what happens on the way.

    ``upto`` names the first step *not* taken (``""``: walk the whole route); ``waiting`` is how
    many days the case has been in its current state (for a closed case: since it closed), ``age``
    how many days since it started.
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
# A case left waiting three weeks or more is past its step's target (10 working days) whatever the
# bank holidays in between: the demo always has overdue tasks.

# In order of importance: a smaller ``count`` keeps the first ones.
SCENARIOS: list[Scenario] = [
    # Direct Route: the staff login's case, returned once and resubmitted, waiting for "manager".
    Scenario(DR, upto="confirm_jd", loops=1, subject="staff", waiting=2, age=26),
    # HR Services: two to process (one grant-funded and waiting for the finance approval).
    Scenario(AR, upto="record_finance_approval", grant_funded=True, waiting=22, age=95),
    Scenario(DR, upto="process", waiting=4, age=70),
    # The FM/HPS (delegate): approval and brokering.
    Scenario(NJ, upto="approve", initiator="manager", waiting=3, age=8),
    Scenario(DR, upto="record_grade_agreement", waiting=21, age=48),
    Scenario(AR, upto="agree_fm", waiting=5, age=12),
    # The HRBP: grade check, evaluation, fairness, manager discussion, decision, logging.
    Scenario(DR, upto="confirm_by_match", no_agreement=True, waiting=6, age=60),
    Scenario(NJ, upto="confirm_by_match", waiting=24, age=33),
    Scenario(AR, upto="record_fairness", waiting=2, age=80),
    Scenario(DR, upto="decide", fairness_issue=True, waiting=4, age=75),
    Scenario(DR, upto="record_manager_discussion", waiting=1, age=64),
    Scenario(NJ, upto="record_evaluation", hera=True, waiting=9, age=40),
    Scenario(AR, upto="decide", fairness_issue=True, waiting=3, age=90),
    Scenario(DR, upto="log_and_send", waiting=2, age=100),
    # Outcomes: higher grade processed and logged, reallocation, no change, HERA.
    Scenario(DR, loops=1, waiting=35, age=150),
    Scenario(DR, outcome="reallocation", waiting=28, age=120),
    Scenario(DR, outcome="no_change", waiting=21, age=110),
    Scenario(DR, hera=True, outcome="higher_grade", waiting=30, age=140),
    # Appeals: lodged (panel to convene), dismissed, upheld (back with HR Services).
    Scenario(DR, outcome="no_change", appeal="lodge", waiting=3, age=130),
    Scenario(DR, outcome="reallocation", appeal="dismiss", waiting=12, age=160),
    Scenario(DR, outcome="no_change", appeal="uphold", upto="process", waiting=2, age=170),
    # Elsewhere in the university (their own FM/HPS and HRBP act).
    Scenario(DR, upto="record_grade_agreement", home=False, waiting=26, age=41),
    Scenario(AR, upto="record_fairness", home=False, waiting=6, age=66),
    Scenario(DR, outcome="higher_grade", home=False, fairness_issue=True, regrade_others=True, waiting=45,
             age=125),
    # Agreed Route: every step.
    Scenario(AR, upto="agree_manager", waiting=4, age=4),
    Scenario(AR, upto="", decline=True, waiting=20, age=30),
    Scenario(AR, upto="amend", waiting=6, age=25),
    Scenario(AR, upto="agree_amended_manager", waiting=3, age=35),
    Scenario(AR, upto="resubmit_amended", loops=1, waiting=5, age=45),
    Scenario(AR, upto="confirm_by_match", waiting=23, age=50),
    Scenario(AR, waiting=60, age=180),
    Scenario(AR, upto="log_and_send", waiting=1, age=120),
    # New jobs: every step.
    Scenario(NJ, upto="submit_for_approval", waiting=2, age=2),
    Scenario(NJ, upto="approve", loops=1, waiting=1, age=21),
    Scenario(NJ, upto="submit_for_approval", hrbp_returns=True, waiting=4, age=28),
    Scenario(NJ, upto="decide", waiting=2, age=38),
    Scenario(NJ, waiting=25, age=90),
    Scenario(NJ, upto="approve", withdraw=True, waiting=6, age=18),
    # Direct Route: the early steps, another loop, and one withdrawn.
    Scenario(DR, upto="record_discussion", waiting=3, age=3),
    Scenario(DR, upto="resubmit", loops=1, waiting=4, age=24),
    Scenario(DR, upto="confirm_jd", waiting=21, age=27),
    Scenario(DR, upto="submit_to_fm", waiting=2, age=22),
    Scenario(DR, upto="submit_to_hrbp", no_agreement=True, waiting=5, age=52),
    Scenario(DR, upto="record_evaluation", hera=True, loops=2, waiting=8, age=85),
    Scenario(DR, upto="confirm_jd", withdraw=True, waiting=9, age=40),
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

TOP_SUGGESTIONS = 10  # the match page's list: a case's matched agreed JD is always one of these
FIRST_CHOICE = 5  # a match is taken from the first five suggestions when one of them has the grade wanted
WORK_START, WORK_END = dt.time(9, 0), dt.time(17, 30)


@dataclass
class _Context:
    """What every scenario shares: the seeded random source, the dates, the logins made so far."""

    rng: random.Random
    today: dt.date
    now: dt.datetime  # the demo's "now": nothing is dated later
    password: str
    grades: dict[int, Grade]
    hr_services: Person
    panel_pool: list[Person]
    clock: DemoClock
    holidays: set[dt.date] = field(default_factory=set)
    logins_created: int = 0
    users: dict[int, User] = field(default_factory=dict)  # person pk -> login
    schedule_misses: list[str] = field(default_factory=list)  # cases whose steps differed from their plan

    def working_day(self, day: dt.date) -> dt.date:
        """``day``, or the working day before it (weekends and bank holidays are not worked)."""
        while day.weekday() >= 5 or day in self.holidays:
            day -= dt.timedelta(days=1)
        return day

    def moment(self, day: dt.date, minutes: int) -> dt.datetime:
        """``minutes`` after 09:00 (within working hours) on ``day`` or the working day before it, never
        after the demo's now."""
        when = timezone.make_aware(dt.datetime.combine(self.working_day(day), WORK_START)
                                   + dt.timedelta(minutes=max(0, min(minutes, 8 * 60))))
        return when if when <= self.now else self.snap(self.now - dt.timedelta(hours=1))

    def snap(self, when: dt.datetime) -> dt.datetime:
        """A working moment at or before ``when``."""
        local = timezone.localtime(when)
        day = local.date()
        if local.time() < WORK_START:
            day = self.working_day(day - dt.timedelta(days=1))
            return timezone.make_aware(dt.datetime.combine(day, dt.time(16, 40)))
        if day != self.working_day(day):
            return timezone.make_aware(dt.datetime.combine(self.working_day(day), dt.time(15, 50)))
        if local.time() > WORK_END:
            return timezone.make_aware(dt.datetime.combine(day, dt.time(17, 10)))
        return when


def build_demo_cases(*, rng: random.Random, count: int = DEFAULT_CASES, today: dt.date | None = None
                     ) -> DemoCasesSummary:
    """Build ``count`` grading cases in the demo university through the grading services, each step
    at its own moment of the case's timeline (gradepath.demo.clock).

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
    chosen = [*SCENARIOS[:count]]
    while len(chosen) < count:
        chosen.append(FILLERS[(len(chosen) - len(SCENARIOS)) % len(FILLERS)])
    structure = GradeStructure.objects.in_force()
    _MATCHES.clear()  # another database (a rolled-back build) may have used the same ids
    with demo_clock() as clock, transaction.atomic():
        today = today or timezone.localdate(clock.real_now)
        now = clock.real_now if timezone.localdate(clock.real_now) <= today else timezone.make_aware(
            dt.datetime.combine(today, dt.time(18, 0)))
        ctx = _Context(
            rng=rng, today=today, now=now, password=make_password(DEMO_PASSWORD),
            grades={g.number: g for g in Grade.objects.filter(structure=structure)},
            hr_services=hr_person, panel_pool=_panel_pool(), clock=clock,
            holidays=set(BankHoliday.objects.filter(date__gte=today - dt.timedelta(days=400), date__lte=today)
                         .values_list("date", flat=True)),
        )
        subjects = _Subjects(ctx)
        made: list[GradingCase] = []
        skipped = 0
        # Oldest first: references follow the order cases started, and each case's matches come from
        # the library as it stood at the time (never an agreed JD logged after the step).
        starts = [_start_and_end(ctx, scenario, salt=index) for index, scenario in enumerate(chosen)]
        for index in sorted(range(len(chosen)), key=lambda i: (starts[i][0], i)):
            case = _run(ctx, subjects, chosen[index], *starts[index])
            if case is None:
                skipped += 1
                continue
            made.append(case)
        _mark_emails_sent()
    cases = GradingCase.objects.filter(pk__in=[c.pk for c in made])
    overdue = CaseTask.objects.filter(case__in=cases, completed_at__isnull=True, due_date__lt=ctx.today).count()
    return DemoCasesSummary(
        cases=len(made),
        by_route=dict(Counter(cases.values_list("route", flat=True))),
        by_state=dict(Counter(cases.values_list("state", flat=True))),
        overdue_tasks=overdue, logins_created=ctx.logins_created, skipped=skipped,
        seconds=time.perf_counter() - started, schedule_misses=list(ctx.schedule_misses),
    )


def _mark_emails_sent() -> None:
    """The demo's e-mails went out when they were written (on each case's timeline): mark them sent
    then, so the worker does not send hundreds at once when the demo starts. Demo data only: the
    outbox rows' delivery status, never their content."""
    OutboxEmail.objects.filter(status=OutboxEmail.Status.PENDING).update(
        status=OutboxEmail.Status.SENT, sent_at=F("created_at"), attempts=1)


def _panel_pool() -> list[Person]:
    """People who sit on appeal panels: the Technician Commitment lead and the HRBPs of the other
    faculties and divisions (never anyone involved in the case: the engine checks that too)."""
    home = OrgUnit.objects.get(code=HOME_FACULTY)
    pool = list(Person.objects.filter(user__username="tclead"))
    others = (UnitRoleAssignment.objects.filter(unit__parent__isnull=True, role="hrbp", end_date__isnull=True)
              .exclude(person__in=UnitRoleAssignment.objects.filter(unit=home, role="hrbp").values("person"))
              .select_related("person__user").order_by("unit__code"))
    for unit in others:
        if unit.person not in pool:
            pool.append(unit.person)
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


# --- Matching: the matcher's real suggestions ------------------------------------------------------


def _backend():
    backend = get_backend()
    return TfidfBackend() if backend.heavy else backend  # the demo never waits for a model


_MATCHES: dict[tuple[int, int, str], list[Match]] = {}  # (version, revision, library stamp) -> ranking


def suggestions(version: JDVersion, k: int = TOP_SUGGESTIONS) -> list[Match]:
    """The agreed JDs the match page suggests for ``version``, best first, as the library stood at the
    demo clock's moment (entries logged later are left out). A ranking is computed once per version,
    revision and state of the library (the builder asks about the same JDs again and again)."""
    key = (version.pk, version.revision, library_stamp())
    if key not in _MATCHES:
        if len(_MATCHES) > 2000:
            _MATCHES.clear()
        _MATCHES[key] = list(match_version(version, k=k + 20, backend=_backend()).matches)
    now = timezone.now()
    return [m for m in _MATCHES[key] if m.agreed.logged_at <= now][:k]


def pick_match(version: JDVersion, grade: int) -> AgreedJD | None:
    """An agreed JD among the suggestions for ``version``: the best one at ``grade`` in the first five,
    else in the first ten, else the best suggestion whatever its grade (None: an empty library)."""
    found = suggestions(version)
    for pool in (found[:FIRST_CHOICE], found):
        for match in pool:
            if match.grade_number == grade:
                return match.agreed
    return found[0].agreed if found else None


def next_grade_model(version: JDVersion, grade: int) -> JDVersion | None:
    """The agreed JD a proposal for ``grade`` takes as its model: the one most like the current JD among
    the suggestions at that grade (the next step up the same ladder: Research Technician, then Senior
    Research Technician)."""
    for match in suggestions(version, k=20):
        if match.grade_number == grade:
            return match.agreed.version
    return None


class _Subjects:
    """Staff whose jobs the demo cases are about: one case per post and per JD, nobody who holds a
    role the case needs (FM/HPS, delegate, HRBP, head) and nobody managed by one of them."""

    def __init__(self, ctx: _Context):
        self.ctx = ctx
        home = OrgUnit.objects.get(code=HOME_FACULTY)
        # Nobody whose case would need them to act in another role, and no line manager who would
        # also act as FM/HPS, delegate or HRBP (one person giving two of the three agreements).
        holders = set(UnitRoleAssignment.objects.filter(role__in=("fm_hps", "hrbp")).values_list("person_id", flat=True))
        holders |= set(Delegation.objects.values_list("delegate_id", flat=True))
        # The demo logins keep the records the builder gave them (only "staff" has a case, below).
        logins = set(Person.objects.filter(user__username__in=[d.username for d in DEMO_LOGINS])
                     .values_list("pk", flat=True))
        heads = set(UnitRoleAssignment.objects.filter(role="head").values_list("person_id", flat=True))
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
        # When each candidate's pay last changed: a case starts after it (its current grade is the one
        # in force at the start, and no later pay record contradicts the regrade).
        self.pay_changed: dict[int, dt.date] = dict(
            PayRecord.objects.values_list("person_id").annotate(last=Max("effective_from")))
        self.since: dict[int, dt.date] = {}
        drafting = set(JDVersion.objects.filter(status=JDVersion.Status.DRAFT).values_list("jd_id", flat=True))
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
            if jd_id in seen_jds or jd_id in drafting or post.grade_id is None or post.grade.number >= 9:
                continue  # (a JD with a draft in progress is somebody else's proposal)
            if grade_of.get(person.line_manager_id, 0) <= post.grade.number + 1:
                continue  # a regrade would bring them level with their line manager
            seen_jds.add(jd_id)
            self.since[person.pk] = max(appointment.start_date, self.pay_changed.get(person.pk, appointment.start_date))
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
        holders = set(UnitRoleAssignment.objects.filter(role__in=("fm_hps", "hrbp")).values_list("person_id", flat=True))
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

    def take(self, scenario: Scenario, start: dt.date) -> Person | None:
        """The person the case is about (in post, and with their pay unchanged, since before ``start``),
        or None when everyone suitable already has a case. A case that asks for the next grade goes to
        someone whose JD has a next step in the agreed JD library."""
        if scenario.subject == "staff":
            return self.staff
        pools = ([self.grant_funded, self.home, self.away] if scenario.grant_funded
                 else [self.home, self.away, self.grant_funded] if scenario.home else [self.away, self.home])
        wants_ladder = scenario.outcome == "higher_grade" and not scenario.hera
        for pool in pools:
            fitting = [p for p in reversed(pool) if self.since.get(p.pk, start) < start
                       and (not scenario.regrade_others or self._shares_jd(p))]
            if not fitting:
                continue
            person = next((p for p in fitting[:5] if not wants_ladder or self._has_ladder(p)), fitting[0])
            pool.remove(person)
            return person
        return None

    def _has_ladder(self, person: Person) -> bool:
        """Whether the agreed JD library suggests a JD one grade up for the person's current JD."""
        post = (Appointment.objects.current(self.ctx.today).filter(person=person, kind=Appointment.Kind.SUBSTANTIVE)
                .select_related("post__jd_version", "post__grade").first())
        if post is None or post.post.grade is None:
            return False
        wanted = post.post.grade.number + 1
        return any(m.grade_number == wanted for m in suggestions(post.post.jd_version, k=FIRST_CHOICE))

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


# --- The timeline of one case --------------------------------------------------------------------


def planned_steps(s: Scenario, route: str, *, grant_funded: bool) -> list[str]:
    """The steps the walk below takes for ``s``, in order (each one at a moment of its own): the
    schedule spreads them between the case's start and the day it entered its current state."""
    steps: list[str] = []
    add = steps.append
    if route == NJ:
        add("submit_for_approval")
        for _ in range(s.loops):
            steps += ["return_to_manager", "revise", "resubmit"]
        if s.withdraw:
            add("withdraw")
            return _until(steps, s.upto)
        add("approve")
        if s.hrbp_returns:
            add("return_to_submitter")
            return _until(steps, s.upto)
    elif route == DR:
        steps += ["record_discussion", "propose", "submit_proposal"]
        for n in range(s.loops):
            steps += [name if n == 0 else f"{name}_{n + 1}" for name in ("return_to_staff", "revise", "resubmit")]
        if s.withdraw:
            add("withdraw")
            return _until(steps, s.upto)
        steps += ["confirm_jd", "submit_to_fm"]
        steps += ["record_no_agreement", "submit_to_hrbp"] if s.no_agreement else ["record_grade_agreement"]
    else:
        add("agree_staff")
        if s.decline:
            add("decline_agreed_route")
            return _until(steps, s.upto)
        steps += ["agree_manager", "agree_fm", "amend", "submit_amended_jd"]
        for _ in range(s.loops):
            steps += ["return_for_amendment", "reamend", "resubmit_amended"]
        steps += ["agree_amended_staff", "agree_amended_manager", "agree_amended_fm"]
    steps += ["refer_to_evaluation", "record_evaluation"] if s.hera else ["confirm_by_match"]
    add("record_fairness")
    outcome = s.outcome if route != NJ else "grade_confirmed"
    if route == DR and (s.hera or outcome == "higher_grade"):
        add("record_manager_discussion")  # a new grade is discussed with the line manager first
    add("decide")
    processed = outcome not in ("reallocation", "no_change")
    if processed:
        steps += ["record_finance_approval", "process"] if grant_funded else ["process"]
    if outcome == "reallocation":
        add("adjust_jd")
    add("log_and_send")
    if s.appeal:
        add("lodge_appeal")
        if s.appeal != "lodge":
            add("convene_panel")
            if s.appeal == "dismiss":
                add("dismiss_appeal")
            else:
                add("uphold_appeal")
                steps += ["record_finance_approval", "process"] if grant_funded and not processed else ["process"]
                add("log_and_send_after_appeal")
    return _until(steps, s.upto)


def _until(steps: list[str], upto: str) -> list[str]:
    return steps[:steps.index(upto)] if upto and upto in steps else steps


def _schedule(ctx: _Context, start: dt.datetime, end: dt.datetime, steps: int) -> list[dt.datetime]:
    """The moments of ``steps`` steps after a case started at ``start``, the last one at ``end``: spread
    over the working days between, at varied times of the working day, each after the one before."""
    moments: list[dt.datetime] = []
    previous = start
    for k in range(1, steps + 1):
        if k == steps:
            when = end
        else:
            day = timezone.localdate(start + (end - start) * k / steps)
            when = ctx.moment(day, (k * 97 + start.minute * 13 + start.day * 7) % 450)
        if when <= previous:  # the same day (or a working day squeezed out): a little after the last step
            when = previous + dt.timedelta(minutes=7 + (k * 13) % 40)
            if timezone.localtime(when).time() > dt.time(17, 55):  # still within the working day
                when = previous + dt.timedelta(minutes=1)
        moments.append(min(when, ctx.now))
        previous = moments[-1]
    return moments


def _start_and_end(ctx: _Context, scenario: Scenario, *, salt: int) -> tuple[dt.datetime, dt.datetime]:
    """When the case started (``age`` days ago) and when it entered its current state (``waiting`` days
    ago), each at a working moment of its own."""
    age = max(scenario.age, scenario.waiting)
    start = ctx.moment(ctx.today - dt.timedelta(days=age), 30 + (salt * 37) % 240)
    end = ctx.moment(ctx.today - dt.timedelta(days=scenario.waiting), 60 + (salt * 53) % 360)
    if end <= start:
        end = start + dt.timedelta(minutes=20) if scenario.waiting < age else start
    return start, end


def _run(ctx: _Context, subjects: _Subjects, scenario: Scenario, start: dt.datetime, end: dt.datetime
         ) -> GradingCase | None:
    ctx.clock.set(start)
    if scenario.route == NJ:
        walk = _new_job(ctx, subjects, scenario, start)
    else:
        subject = subjects.take(scenario, timezone.localdate(start))
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
        walk = _Walk(ctx, scenario, case, demo_content.area_for_title(post.title, post.org_unit))
    walk.plan = planned_steps(scenario, walk.case.route, grant_funded=walk.case.grant_funded)
    walk.moments = _schedule(ctx, start, end, len(walk.plan))
    try:
        if walk.case.route == NJ:
            _new_job_steps(walk, walk.grade)
        else:
            (_direct if walk.case.route == DR else _agreed)(walk)
    except _Stop:
        pass
    if walk.taken != walk.plan:
        ctx.schedule_misses.append(f"{walk.case.reference}: planned {walk.plan}, took {walk.taken}")
    return walk.case


def _new_job(ctx: _Context, subjects: _Subjects, scenario: Scenario, start: dt.datetime) -> _Walk:
    manager = subjects.initiator(scenario)
    user = _login(ctx, manager)
    day = timezone.localdate(start)
    appointment = (Appointment.objects.current(day).filter(person=manager)
                   .select_related("post__org_unit", "post__grade").order_by("start_date").first())
    unit = appointment.post.org_unit
    area = demo_content.area_for_title(appointment.post.title, unit)
    top = max(2, min(appointment.post.grade.number - 1, 7)) if appointment.post.grade else 5
    grade = ctx.rng.randint(max(2, top - 2), top)
    titles = area.titles.get(grade) or next(iter(area.titles.values()))
    title = ctx.rng.choice(titles)
    text = demo_content.compose_jd(ctx.rng, area, title, grade, scope=demo_content.scope_of(unit))
    families = demo_content.ensure_families()
    # The manager drafts the JD a couple of working days before starting the case.
    ctx.clock.set(ctx.snap(start - dt.timedelta(days=2)))
    version = jd_services.create_job_description(
        actor=user, org_unit=unit, job_family=families[area.family], staff_category=area.category,
        area=area.label, grade=ctx.grades[grade], **demo_content.sections_of(text))
    ctx.clock.set(start)
    # The manager recommends the grade of the agreed JD the new job matches best (policy §4.1 step 2).
    match = pick_match(version, grade)
    if match is not None:
        grade = match.grade.number
    case = services.start_new_job_case(actor=user, jd_version=version)
    walk = _Walk(ctx, scenario, case, area)
    walk.grade, walk.match = grade, match
    return walk


# --- Running one scenario ------------------------------------------------------------------------


class _Stop(Exception):
    """The scenario has reached the step it stops before."""


class _Walk:
    """Walks one case through its steps, stopping before ``scenario.upto``; each step at its moment."""

    def __init__(self, ctx: _Context, scenario: Scenario, case: GradingCase, area: demo_content.Area):
        self.ctx, self.scenario, self.case, self.area = ctx, scenario, case, area
        self.rng = ctx.rng
        self.plan: list[str] = []
        self.moments: list[dt.datetime] = []
        self.taken: list[str] = []
        self.grade = 0  # the grade asked for (a new job: its recommended grade)
        self.match: AgreedJD | None = None  # the agreed JD the submission names

    def day(self, days_ago: int) -> str:
        day = timezone.localdate() - dt.timedelta(days=days_ago)
        return f"{day.day} {day:%B}"

    def step(self, name: str, fn: Callable[[], Any]) -> None:
        if self.scenario.upto and name == self.scenario.upto:
            raise _Stop
        n = len(self.taken)
        self.taken.append(name)
        if n < len(self.moments):
            self.ctx.clock.set(self.moments[n])
        else:  # more steps than planned (counted in schedule_misses): minutes after the last one
            self.ctx.clock.set(min(self.ctx.clock.now() + dt.timedelta(minutes=11), self.ctx.now))
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
                                            data={k: v for k, v in data.items() if v is not None})

    def edit(self, role: str, *, budget: bool = True) -> None:
        """Save realistic changes to the draft under review: duties taken on (modelled on the agreed JD one
        grade up, when the library has one), more responsibility, a budget."""
        person = self.case.initiator if role == "initiator" else self.person_for(role)
        user = _login(self.ctx, person)
        version = JDVersion.objects.get(pk=self.case.proposed_version_id)
        grade = (self.case.current_grade.number if self.case.current_grade else
                 version.grade.number if version.grade else 5)
        duties = list(version.duties)
        last = duties.pop() if duties and duties[-1] == demo_content.LAST_DUTY else None
        model = (next_grade_model(self.case.baseline_version, grade + 1)
                 if self.case.baseline_version_id and grade < 10 else None)
        if model is not None:
            bank = [d for d in model.duties if d != demo_content.LAST_DUTY]
        else:
            bank = [_fill(d, self.area) for d in (*self.area.lead, *self.area.manage)]
        bank = [d for d in dict.fromkeys(bank) if d not in duties]
        added = self.rng.sample(bank, min(len(bank), 3 if model is not None else 1))
        added.append(self.rng.choice(SUPERVISION).format(n=self.rng.choice(("two", "three", "four"))))
        if budget:
            added.append(self.rng.choice(BUDGETS).format(amount=self.rng.choice(AMOUNTS), what=self.area.tasks))
        # The most responsible new duty goes first; the others before the closing "other duties" line.
        new_duties = list(dict.fromkeys([*added[:1], *duties, *added[1:]]))
        if last:
            new_duties.append(last)
        line_management = (model.line_management if model is not None and model.line_management else
                           demo_content.line_management_text(self.area, min(grade + 1, 10), self.rng))
        jd_services.save_draft(actor=user, version=version, changes={"duties": new_duties,
                                                                     "line_management": line_management},
                               base_revision=version.revision)
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

    def submission_match(self, grade: int) -> int | None:
        """The agreed JD the submitter names (their proposal's suggestion at the grade they ask for);
        None when the suggestions have nothing at that grade (the field is optional)."""
        match = pick_match(JDVersion.objects.get(pk=self.case.proposed_version_id), grade)
        if match is None or match.grade.number != grade:
            return None
        self.match = match
        return match.pk

    def checked_match(self, grade: int) -> int | None:
        """The agreed JD the HRBP checks the grade against: the submitter's, if it is still among the
        suggestions for the JD as submitted and at ``grade``; else the HRBP's own pick at ``grade``."""
        version = JDVersion.objects.get(pk=self.case.proposed_version_id)
        current = self.case.matched_agreed
        if current is not None and current.grade.number == grade and \
                any(m.agreed.pk == current.pk for m in suggestions(version)):
            return current.pk
        match = pick_match(version, grade)
        return match.pk if match is not None else None

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


def _new_job_steps(w: _Walk, grade: int) -> None:
    s = w.scenario
    match = w.match.pk if w.match is not None else None
    w.step("submit_for_approval", lambda: w.act("line_manager", "submit_for_approval", recommended_grade=grade,
                                                matched_agreed=match))
    for _ in range(s.loops):
        w.step("return_to_manager", lambda: w.act("fm_hps", "return_to_manager", reason=w.rng.choice(RETURNS)))
        w.step("revise", lambda: w.edit("initiator"))
        w.step("resubmit", lambda: w.act("line_manager", "submit_for_approval", recommended_grade=grade))
    if s.withdraw:
        w.step("withdraw", lambda: w.act("initiator", "withdraw", reason="The post is no longer needed: the work "
                                                                         "moves to the faculty's shared service "
                                                                         "from next term."))
        raise _Stop
    w.step("approve", lambda: w.act("fm_hps", "approve"))
    if s.hrbp_returns:
        w.step("return_to_submitter", lambda: w.act(
            "hrbp", "return_to_submitter",
            reason="The JD does not say who the post reports to or what budget it holds: add both and resubmit."))
        raise _Stop
    _hrbp_to_end(w, grade)


def _direct(w: _Walk) -> None:
    s = w.scenario
    current = w.case.current_grade.number if w.case.current_grade else 5
    proposed = min(current + 1, 10)
    w.grade = proposed
    w.step("record_discussion", lambda: w.act("line_manager", "record_discussion",
                                              reason=w.rng.choice(DISCUSSIONS).format(day=w.day(0))))
    w.step("propose", lambda: w.edit("staff_member"))
    w.step("submit_proposal", lambda: w.act("staff_member", "submit_proposal", recommended_grade=proposed))
    for n in range(s.loops):
        w.step("return_to_staff" if n == 0 else f"return_to_staff_{n + 1}",
               lambda: w.act("line_manager", "return_to_staff", reason=w.rng.choice(RETURNS)))
        w.step("revise" if n == 0 else f"revise_{n + 1}", lambda: w.edit("staff_member", budget=False))
        w.step("resubmit" if n == 0 else f"resubmit_{n + 1}",
               lambda: w.act("staff_member", "submit_proposal", recommended_grade=proposed))
    if s.withdraw:
        w.step("withdraw", lambda: w.act("initiator", "withdraw", reason="I have been offered a new post in another "
                                                                         "department and will not pursue the regrade."))
        raise _Stop
    w.step("confirm_jd", lambda: w.act("line_manager", "confirm_jd"))
    w.step("submit_to_fm", lambda: w.act("line_manager", "submit_to_fm"))
    if s.no_agreement:
        w.step("record_no_agreement", lambda: w.act("fm_hps", "record_no_agreement",
                                                    reason=w.rng.choice(NO_AGREEMENT).format(day=w.day(0))))
        w.step("submit_to_hrbp", lambda: w.act("staff_member", "submit_to_hrbp",
                                               matched_agreed=w.submission_match(proposed)))
    else:
        w.step("record_grade_agreement", lambda: w.act("fm_hps", "record_grade_agreement",
                                                       matched_agreed=w.submission_match(proposed)))
    _hrbp_to_end(w, proposed)


def _agreed(w: _Walk) -> None:
    s = w.scenario
    current = w.case.current_grade.number if w.case.current_grade else 5
    proposed = min(current + 1, 10)
    w.grade = proposed
    w.step("agree_staff", lambda: w.act("staff_member", "agree_duties_changed"))
    if s.decline:
        w.step("decline_agreed_route", lambda: w.act(
            "line_manager", "decline_agreed_route",
            reason="The new duties are temporary cover for a colleague on leave, so I do not agree they have "
                   "changed significantly. The Direct Route is open to the staff member."))
        raise _Stop
    w.step("agree_manager", lambda: w.act("line_manager", "agree_duties_changed"))
    w.step("agree_fm", lambda: w.act("fm_hps", "agree_duties_changed"))
    w.step("amend", lambda: w.edit("line_manager"))
    w.step("submit_amended_jd", lambda: w.act("line_manager", "submit_amended_jd", recommended_grade=proposed,
                                              matched_agreed=w.submission_match(proposed)))
    for _ in range(s.loops):
        w.step("return_for_amendment", lambda: w.act("fm_hps", "return_for_amendment",
                                                     reason=w.rng.choice(RETURNS)))
        w.step("reamend", lambda: w.edit("line_manager", budget=False))
        w.step("resubmit_amended", lambda: w.act("line_manager", "submit_amended_jd", recommended_grade=proposed))
    w.step("agree_amended_staff", lambda: w.act("staff_member", "agree_amended_jd"))
    w.step("agree_amended_manager", lambda: w.act("line_manager", "agree_amended_jd"))
    w.step("agree_amended_fm", lambda: w.act("fm_hps", "agree_amended_jd"))
    _hrbp_to_end(w, proposed)


def _difference_reason(w: _Walk) -> str | None:
    """Why the decided grade differs from the grade the check gave, when it does (policy §4.1 step 6)."""
    case = w.case
    check = case.checked_grade
    decided = case.recommended_grade
    if check is None or decided is None or check == decided:
        return None
    source = (f"the matched agreed JD {case.matched_agreed.reference}" if case.matched_agreed_id
              else "the evaluation")
    return (f"The JD now includes responsibilities beyond those of {source} ({check}): "
            f"{w.area.tasks} with supervision and a budget, which the HRBP assessed at {decided}.")


def _hrbp_to_end(w: _Walk, grade: int) -> None:
    """From the HRBP's grade check to the logged JD, the appeal if any, and back to HR Services."""
    s = w.scenario
    outcome = s.outcome if w.case.route != NJ else "grade_confirmed"
    current = w.case.current_grade.number if w.case.current_grade else grade
    # The grade the check gives: the one asked for, or for no change and reallocation the current one.
    checked = current if outcome in ("no_change", "reallocation") else grade
    if s.hera:
        w.step("refer_to_evaluation", lambda: w.act("hrbp", "refer_to_evaluation"))
        w.step("record_evaluation", lambda: w.act("hrbp", "record_evaluation", scores=w.scores(checked)))
    else:
        w.step("confirm_by_match", lambda: w.act("hrbp", "confirm_by_match",
                                                 matched_agreed=w.checked_match(checked)))
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
            "hrbp", "record_manager_discussion", reason=w.rng.choice(MANAGER_DISCUSSIONS).format(day=w.day(0))))
    elif s.upto == "record_manager_discussion":
        # The check found no new grade for the subject drawn, so there is no discussion to wait for: the case
        # rests with the HRBP's decision instead of walking on to a decision nobody planned.
        raise _Stop
    decided = w.case.recommended_grade.number if w.case.recommended_grade else grade
    w.step("decide", lambda: w.act("hrbp", "decide", outcome=outcome, grade=decided,
                                   grade_difference_reason=None if outcome in ("no_change", "reallocation")
                                   else _difference_reason(w)))
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
            reason=f"The funder agreed the cost of the regrade on {w.day(0)} ({w.case.funding_source})."))
    w.step("process", lambda: w.act("hr_services", "process",
                                    allowances_stopped="" if w.rng.random() < 0.7 else
                                    "The additional responsibility allowance stops on the effective date."))
