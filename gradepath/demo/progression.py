"""Demo accelerated increments and contribution points, built through the progression services at the dates
they show (gradepath.demo.clock), so their events, tasks, due dates, messages, pay records and history are
what real use leaves. In the Faculty of Life Sciences (the demo logins' faculty):

* the faculty's local round, opened by its Dean (the ``dean`` login) with a deadline and a budget;
* requests applied by the Heads of Department in every state: waiting for the FM/HPS's comments, for the
  Dean's decision (some in the round), returned for more information, approved and waiting for HR Services,
  completed (the pay history written from the 1st of the month after approval), declined and withdrawn;
* requests applied directly to the Dean in every state: waiting for the Dean to ask for comments, with the
  HoD's comments in and the FM/HPS's awaited, waiting for the decision, approved, completed and declined.

The declined and withdrawn requests were made in the early summer, resting on that spring's appraisal; the
others are recent and, by the autumn, mostly carry the warning that no review within 6 months was found.

Every choice comes from the ``rng`` given and every query is ordered: the same seed gives the same records.
"""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from gradepath.core.errors import PermissionDenied, ServiceError
from gradepath.demo.cases import HOME_FACULTY, _mark_emails_sent
from gradepath.demo.clock import DemoClock
from gradepath.demo.logins import DEMO_LOGINS, DEMO_PASSWORD
from gradepath.grades.models import PayRecord
from gradepath.people.models import Appointment, OrgUnit, Person, UnitRoleAssignment, User
from gradepath.people.relations import eligible_holders, subtree_q
from gradepath.progression import services, spine
from gradepath.progression.models import ProgressionRequest

PERFORMANCE = [
    "Ran the division's sequencing service single-handed for most of the period, keeping turnaround under five "
    "days while the team was two posts short.",
    "Rebuilt the laboratory's booking and stock systems, cutting lost bench time by a third; trained every new "
    "starter on them.",
    "Led the move of the imaging suite to the new building with no lost research days, coordinating suppliers and "
    "eight research groups.",
    "Took on the safety officer's inspections and risk assessments while the post was vacant, alongside the full "
    "technical role.",
    "Designed and delivered the undergraduate practical redesign with the teaching team: every session ran on time "
    "and the feedback scores rose sharply.",
]
OBJECTIVES = [
    "Reduce sample turnaround from ten working days to five; bring the new sequencer into service by March.",
    "Replace the paper stock records; train all technical staff on the new system.",
    "Complete the move plan on time and within budget; no research group loses more than two days.",
    "Keep all inspections up to date; close every high-risk action within a month.",
]
REASONS = {
    "return_for_information": "Please add the appraisal notes and the research groups' feedback before I decide.",
    "decline": "The performance described is strong but within the expectations of the grade; please consider it "
               "at the next appraisal.",
    "withdraw": "Withdrawn to be resubmitted in the faculty's local round with fuller evidence.",
    "resubmit": "Added the appraisal notes and two research groups' letters of support.",
}

EARLY = (170, 200)  # days ago the declined and withdrawn requests were made: after the appraisal season

# (route, the moves after applying, in the round?)
HOD_PLANS: list[tuple[str, tuple[str, ...], bool]] = [
    ("hod", (), True),  # waiting for the FM/HPS's comments
    ("hod", ("fm_comment",), True),  # waiting for the Dean's decision
    ("hod", ("fm_comment",), True),
    ("hod", ("fm_comment", "return_for_information"), False),  # returned for more information
    ("hod", ("fm_comment", "return_for_information", "resubmit"), True),  # with the Dean again
    ("hod", ("fm_comment", "approve"), True),  # approved: HR Services to validate
    ("hod", ("fm_comment", "approve", "validate"), True),  # completed
    ("hod", ("fm_comment", "decline"), False),
    ("hod", ("withdraw",), False),
]
DIRECT_PLANS: list[tuple[str, tuple[str, ...], bool]] = [
    ("direct", (), False),  # waiting for the Dean to ask for comments
    ("direct", ("ask_for_comments", "give_comments:head"), False),  # the FM/HPS's comments awaited
    ("direct", ("ask_for_comments", "give_comments:head", "give_comments:fm_hps"), False),  # the decision
    ("direct", ("ask_for_comments", "give_comments:head", "give_comments:fm_hps", "approve"), False),
    ("direct", ("ask_for_comments", "give_comments:head", "give_comments:fm_hps", "approve", "validate"), False),
    ("direct", ("ask_for_comments", "give_comments:head", "give_comments:fm_hps", "decline"), False),
]


class _Demo:
    def __init__(self, *, rng: random.Random, today: dt.date, clock: DemoClock):
        self.rng, self.today, self.clock = rng, today, clock
        self.password = make_password(DEMO_PASSWORD)
        self.home = OrgUnit.objects.filter(code=HOME_FACULTY).first()
        self.hr = Person.objects.filter(user__username="hrservices").select_related("user").first()
        dean = UnitRoleAssignment.objects.on(today).filter(unit=self.home, role="dean").select_related(
            "person__user").first() if self.home is not None else None
        self.dean = dean.person if dean is not None else None
        self.misses: list[str] = []  # what a service refused (the plan then tries the next person)

    def at(self, day: dt.date, minutes: int = 0) -> None:
        day = min(day, self.today)
        while day.weekday() >= 5:
            day -= dt.timedelta(days=1)
        self.clock.set(timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)) + dt.timedelta(minutes=minutes)))

    def user(self, person: Person) -> User:
        if person.user_id is not None:
            return person.user
        base = person.work_email.split("@")[0] or f"person{person.pk}"
        username, n = base, 1
        while User.objects.filter(username=username).exists():
            n += 1
            username = f"{base}{n}"
        user = User.objects.create(username=username, password=self.password, first_name=person.known_as or
                                   person.first_name, last_name=person.last_name, email=person.work_email)
        # Demo data: a login for a person who must act on a demo request (as the grading demo does).
        Person.objects.filter(pk=person.pk).update(user=user)
        person.user = user
        return user

    def candidates(self) -> list[Person]:
        """Current staff of the home faculty on grades 1–9 below their grade's last point, not the demo logins,
        with a Head of Department above them who is someone else, shuffled."""
        units = OrgUnit.objects.filter(subtree_q({self.home.pk}))
        held = (Appointment.objects.current(self.today).filter(
            kind=Appointment.Kind.SUBSTANTIVE, post__org_unit__in=units,
            start_date__lte=self.today - dt.timedelta(days=90)).values("person_id"))
        logins = [d.username for d in DEMO_LOGINS]
        pool = list(Person.objects.filter(pk__in=held, is_active=True).exclude(user__username__in=logins)
                    .select_related("user").order_by("pk"))
        pay = {}
        for record in PayRecord.objects.filter(person__in=pool, effective_from__lte=self.today).select_related(
                "grade").order_by("person_id", "effective_from", "id"):
            pay[record.person_id] = record
        fit = [p for p in pool if p.pk in pay and pay[p.pk].grade.number <= spine.HIGHEST_GRADE
               and pay[p.pk].grade.has_increments and pay[p.pk].spine_point < pay[p.pk].grade.top_point - 1]
        self.rng.shuffle(fit)
        return fit

    def holder(self, obj: ProgressionRequest, role: str) -> Person | None:
        """Who acts in ``role`` (a unit role, or "decider": the Dean or Vice-Provost (Operations), never the
        applicant)."""
        unit_role = obj.decider_role if role == "decider" else role
        found = eligible_holders(obj.org_unit, unit_role, subject=obj.subject, on=timezone.localdate(),
                                 excluding={obj.initiator_id} if role == "decider" else set())
        return found[0][0] if found else None

    def data(self, points: int = 1) -> dict:
        end = timezone.localdate() - dt.timedelta(days=self.rng.randint(3, 40))
        start = spine.add_months(end, -self.rng.randint(6, 11)) + dt.timedelta(days=1)
        data = {"points": points, "performance_from": start.isoformat(), "performance_to": end.isoformat(),
                "performance": self.rng.choice(PERFORMANCE), "objectives_met": self.rng.choice(OBJECTIVES),
                "evidence": "Appraisal summary and the research groups' letters of support (HR file)."}
        if points == 2:
            data["exceptional_reason"] = ("Sustained work at the level of the grade above for the whole period, "
                                          "with the service's users' written support.")
        return data

    def run(self, person: Person, route: str, moves: tuple[str, ...], round_id: int | None, days_ago: int) -> bool:
        """Apply for ``person`` ``days_ago`` working days back and take ``moves`` a few days apart; False (nothing
        kept) when a service refuses (no HoD to apply, no one to act)."""
        try:
            with transaction.atomic():
                start = self.today - dt.timedelta(days=days_ago)
                self.at(start)
                appointment = services._current_appointment(person)
                if appointment is None:
                    return False
                unit = appointment.post.org_unit
                if route == "hod":
                    head = eligible_holders(unit, "head", subject=person, on=self.today)
                    if not head:
                        return False
                    applicant = head[0][0]
                else:
                    applicant = person
                data = self.data(points=2 if self.rng.random() < 0.15 else 1)
                if round_id is not None:
                    data["local_round"] = round_id
                obj = services.start_request(actor=self.user(applicant),
                                             route=route, subject=person, data=data)
                day = start
                for n, move in enumerate(moves, start=1):
                    day = min(self.today, day + dt.timedelta(days=self.rng.randint(2, 6)))
                    self.at(day, minutes=n)
                    action, _, role = move.partition(":")
                    actor = {"fm_comment": "fm_hps", "give_comments": role, "validate": "hr_services",
                             "withdraw": "applicant", "resubmit": "applicant"}.get(action, "decider")
                    who = (self.hr if actor == "hr_services" else obj.initiator if actor == "applicant"
                           else self.holder(obj, actor))
                    if who is None:
                        raise ServiceError("Nobody to act.")
                    extra = {"comments": self._comments(action, role)} if action in ("fm_comment", "give_comments") \
                        else ({"reason": REASONS[action]} if action in REASONS else {})
                    obj = services.perform_action(actor=self.user(who), request=obj, action=action, step=obj.step,
                                                  data=extra)
        except (ServiceError, PermissionDenied) as refused:
            self.misses.append(f"{route} {moves}: {refused}")
            return False
        return True

    def _comments(self, action: str, role: str) -> str:
        if role == "head":
            return ("I did not put this forward: the work was shared across the team, and I would rather see it "
                    "at the next appraisal. I do not dispute the quality of it.")
        return self.rng.choice([
            "Supported: the service depends on this work, and the cost is within the faculty's budget.",
            "Supported. The evidence is strong; the period is well documented.",
        ])


def build(*, rng: random.Random, today: dt.date, clock: DemoClock) -> dict[str, int]:
    """Accelerated increment requests on both routes and in every state, and one local round with a budget."""
    demo = _Demo(rng=rng, today=today, clock=clock)
    if demo.home is None or demo.dean is None or demo.hr is None:
        return {"accelerated increment requests": 0, "local rounds": 0}
    demo.at(today - dt.timedelta(days=45))
    try:
        found = services.open_round(actor=demo.user(demo.dean), faculty=demo.home, data={
            "name": f"{today.year}–{str(today.year + 1)[-2:]} local round",
            "deadline": (today + dt.timedelta(days=21)).isoformat(), "budget": "12000"})
        round_id: int | None = found.pk
        rounds = 1
    except (ServiceError, PermissionDenied):
        round_id, rounds = None, 0
    plans = HOD_PLANS + DIRECT_PLANS
    # Requests made recently rest on whatever review the person has (after the January-April appraisal season,
    # by the autumn mostly none: the decider sees the warning). The declined and withdrawn ones were made in the
    # early summer, after the season, by people whose appraisal was then within 6 months. (A completed one stays
    # recent: its pay record is written from the 1st of the month after approval, after the pay history so far.)
    people = demo.candidates()
    reviewed_then = {p.pk for p in people if all(
        services.latest_review(p, today - dt.timedelta(days=days)).date for days in (EARLY[0], EARLY[1]))}
    made = 0

    def made_early(plan: tuple[str, tuple[str, ...], bool]) -> bool:
        return bool(plan[1]) and plan[1][-1] in ("decline", "withdraw")

    for route, moves, in_round in sorted(plans, key=lambda plan: not made_early(plan)):  # references in date order
        early = made_early((route, moves, in_round))
        days_ago = rng.randint(*EARLY) if early else rng.randint(20, 40)
        pool = sorted(people, key=lambda p: (p.pk in reviewed_then) == early)  # the preferred popped first
        while pool:
            person = pool.pop()
            people.remove(person)
            if demo.run(person, route, moves, round_id if in_round else None, days_ago=days_ago):
                made += 1
                break
    clock.set(clock.real_now)
    _mark_emails_sent()
    return {"accelerated increment requests": made, "local rounds": rounds}
