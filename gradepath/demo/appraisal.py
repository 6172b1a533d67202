"""Demo appraisals: a few dozen people of the Faculty of Life Sciences with appraisals in every state,
built through the appraisal services (start, the JD review, the moves, the regrading flag) at the dates
they show (gradepath.demo.clock), so their events, tasks, due dates, messages and history are what real
use leaves.

This season: some completed (signed off by both), some waiting for one sign-off or both, some at the
meeting, some still at the pre-review (the older ones overdue), one cancelled; two flagged a regrading
check that became a grading case (one on the Agreed Route by the line manager, one on the Direct Route
by the staff member), with duties taken on and relinquished in their JD review. Last season: completed
appraisals, the evidence an accelerated increment looks for. The demo login ``staff`` has their
pre-review to write, ``manager`` meetings to record.

Every choice comes from the ``rng`` given and every query is ordered: the same seed gives the same
appraisals.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from gradepath.appraisal import services
from gradepath.appraisal.models import Appraisal
from gradepath.core.errors import PermissionDenied, ServiceError
from gradepath.demo.cases import HOME_FACULTY, _mark_emails_sent
from gradepath.demo.clock import DemoClock
from gradepath.demo.logins import DEMO_PASSWORD
from gradepath.people.models import Appointment, OrgUnit, Person, User
from gradepath.people.relations import subtree_q

PEOPLE = 36
LAST_SEASON = 10
TAKEN_ON = [
    "Manage the equipment budget of the section and report on it each quarter.",
    "Train and supervise new technicians and research students in safe laboratory practice.",
    "Coordinate the section's health and safety inspections and keep their records.",
    "Lead the procurement of consumables for the research groups, within the agreed budget.",
    "Maintain the section's web pages and booking system.",
]
EVIDENCE = [
    "Quarterly budget reports since the spring, agreed with the Faculty Manager.",
    "Induction records of the new starters, signed off by the line manager.",
    "Inspection reports filed with the safety office.",
    "Purchase orders raised and the supplier review presented at the section meeting.",
    "Emails from the research groups asking for the change; the section meeting's minutes.",
]
# This season's plan: (the state to reach, how many).
PLAN = [("completed", 12), ("sign_off_one", 2), ("sign_off", 3), ("meeting", 6), ("pre_review", 10),
        ("cancelled", 1), ("flag_agreed", 1), ("flag_direct", 1)]


class _Demo:
    def __init__(self, *, rng: random.Random, today: dt.date, clock: DemoClock):
        self.rng, self.today, self.clock = rng, today, clock
        self.password = make_password(DEMO_PASSWORD)
        self.year = today.year if today >= dt.date(today.year, 2, 15) else today.year - 1
        self.last: dt.datetime | None = None
        self.hr = Person.objects.filter(user__username="hrservices").select_related("user").first()

    def workday(self, day: dt.date) -> dt.date:
        """``day`` (never after the demo's today), or the weekday before it."""
        day = min(day, self.today)
        while day.weekday() >= 5:
            day -= dt.timedelta(days=1)
        return day

    def at(self, day: dt.date, minutes: int = 0) -> None:
        """Set the demo clock to a working moment of ``day``, after the appraisal's last one (its steps
        follow one another even on the same day)."""
        moment = timezone.make_aware(dt.datetime.combine(self.workday(day), dt.time(9, 30))
                                     + dt.timedelta(minutes=minutes))
        if self.last is not None and moment <= self.last:
            moment = self.last + dt.timedelta(minutes=7)
        self.last = self.clock.set(moment)

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
        # Demo data: a login for a person who must act on a demo appraisal (as the grading demo does).
        Person.objects.filter(pk=person.pk).update(user=user)
        person.user = user
        return user

    def people(self) -> list[Person]:
        """Current staff of the home faculty with a line manager and a JD on their substantive post; the
        demo login ``staff`` first, so their My home shows an appraisal."""
        home = OrgUnit.objects.filter(code=HOME_FACULTY).first()
        if home is None:
            return []
        units = OrgUnit.objects.filter(subtree_q({home.pk}))
        held = (Appointment.objects.current(self.today).filter(
            kind=Appointment.Kind.SUBSTANTIVE, post__org_unit__in=units, post__jd_version__isnull=False)
            .values("person_id"))
        pool = list(Person.objects.filter(pk__in=held, is_active=True, line_manager__isnull=False,
                                          line_manager__is_active=True)
                    .select_related("user", "line_manager__user").order_by("pk"))
        first = [p for p in pool if p.user_id and p.user.username == "staff"]
        rest = [p for p in pool if p not in first]
        self.rng.shuffle(rest)
        return first + rest

    # --- one appraisal -------------------------------------------------------------------------------

    def start(self, person: Person, year: int, day: dt.date) -> Appraisal:
        self.last = None  # a new timeline
        self.at(day)
        return services.start_appraisal(actor=self.user(person.line_manager), subject=person, year=year)

    def move(self, appraisal: Appraisal, person: Person, action: str, day: dt.date, **data) -> Appraisal:
        self.at(day, self.rng.randint(0, 400))
        return services.perform_action(actor=self.user(person), appraisal=appraisal, action=action,
                                       step=appraisal.step, data=data)

    def review(self, appraisal: Appraisal, person: Person, day: dt.date) -> None:
        """The staff member's JD review: one or two duties taken on, and one of the JD's relinquished."""
        self.at(day, 30)
        for index in self.rng.sample(range(len(TAKEN_ON)), self.rng.randint(1, 2)):
            services.add_change(actor=self.user(person), appraisal=appraisal, data={
                "kind": "taken_on", "duty": TAKEN_ON[index], "evidence": EVIDENCE[index],
                "from_date": (day - dt.timedelta(days=self.rng.randint(90, 300))).isoformat()})
        duties = services.jd_duties(appraisal)
        if len(duties) > 2:
            start = day - dt.timedelta(days=self.rng.randint(120, 330))
            services.add_change(actor=self.user(person), appraisal=appraisal, data={
                "kind": "relinquished", "jd_duty": self.rng.randint(1, len(duties)),
                "evidence": "Now done by the central team; agreed at the section meeting.",
                "from_date": start.isoformat(), "to_date": (start + dt.timedelta(days=1)).isoformat()
                if self.rng.random() < 0.2 else None})

    def walk(self, person: Person, target: str, year: int, started: dt.date) -> Appraisal:
        appraisal = self.start(person, year, started)
        if target == "pre_review":
            if self.rng.random() < 0.5:
                self.review(appraisal, person, started + dt.timedelta(days=3))
            return appraisal
        if target == "cancelled":
            return self.move(appraisal, self.hr, "cancel", started + dt.timedelta(days=6),
                             reason="On long-term leave this season: the appraisal is held on return.")
        day = started + dt.timedelta(days=self.rng.randint(5, 15))
        if target.startswith("flag") or self.rng.random() < 0.4:
            self.review(appraisal, person, day)
        appraisal = self.move(appraisal, person, "submit_pre_review", day,
                              pre_review="A busy year: the section grew and I took on more of its running.")
        if target == "meeting":
            return appraisal
        met = self.workday(day + dt.timedelta(days=self.rng.randint(5, 20)))
        manager = appraisal.appraiser
        if target == "flag_agreed":
            self.at(met)
            return services.flag_regrading_check(actor=self.user(manager), appraisal=appraisal, data={
                "route": "agreed", "note": "Raised at the appraisal: the duties have grown since the JD was agreed."})
        appraisal = self.move(appraisal, manager, "record_meeting", met, summary="A strong year, with new "
                              "responsibilities taken on well.", objectives="1. Lead the section's move to the "
                              "new booking system. 2. Train two new starters.",
                              training_needs=self.rng.choice(["", "Budget management course.", "Leadership "
                                                              "programme for technicians."]),
                              completed_on=met.isoformat())
        if target == "flag_direct":
            self.at(met + dt.timedelta(days=1))
            return services.flag_regrading_check(actor=self.user(person), appraisal=appraisal, data={
                "route": "direct", "note": "My appraiser agreed my role has changed: I am proposing my JD."})
        if target == "sign_off":
            return appraisal
        signed = met + dt.timedelta(days=self.rng.randint(1, 6))
        appraisal = self.move(appraisal, manager, "sign_off", signed)
        if target == "sign_off_one":
            return appraisal
        return self.move(appraisal, person, "sign_off", signed + dt.timedelta(days=self.rng.randint(0, 4)))


def build(*, rng: random.Random, today: dt.date, clock: DemoClock) -> dict[str, int]:
    """Appraisals in every state for a few dozen people of the demo university (see the module's words);
    returns the counts for the demo's summary."""
    demo = _Demo(rng=rng, today=today, clock=clock)
    people = demo.people()
    if demo.hr is None or not people:
        return {"appraisals": 0}
    season_start = dt.date(demo.year, 1, 2)
    last_day = min(today, dt.date(demo.year, 4, 30))
    span = max((last_day - season_start).days, 1)
    targets = [state for state, n in PLAN for _ in range(n)]
    flagged = 0
    used: list[Person] = []
    pending = list(people[:PEOPLE + 8])
    if pending[0].user_id and pending[0].user.username == "staff":
        # The demo login ``staff``: their pre-review to write (their post has a grading case open already).
        staff = pending.pop(0)
        try:
            with transaction.atomic():
                demo.walk(staff, "pre_review", demo.year, max(season_start, last_day - dt.timedelta(days=5)))
        except (ServiceError, PermissionDenied):
            pass
        else:
            used.append(staff)
            targets.remove("pre_review")
    for target in targets:
        while pending:
            person = pending.pop(0)
            started = season_start + dt.timedelta(days=rng.randint(0, max(span - 25, 1)))
            try:
                with transaction.atomic():  # a refusal (their post has a grading case open) leaves nothing
                    appraisal = demo.walk(person, target, demo.year, started)
            except (ServiceError, PermissionDenied):
                continue  # e.g. their post has a grading case open: the next person
            used.append(person)
            flagged += bool(appraisal.regrading_reference)
            break
    for person in used[:LAST_SEASON]:  # last season's, completed: evidence for accelerated increments
        try:
            with transaction.atomic():
                demo.walk(person, "completed", demo.year - 1,
                          dt.date(demo.year - 1, 1, 15) + dt.timedelta(days=rng.randint(0, 60)))
        except (ServiceError, PermissionDenied):
            continue
    _mark_emails_sent()
    states = Counter(Appraisal.objects.filter(year=demo.year).values_list("state", flat=True))
    return {"appraisals": Appraisal.objects.count(), "appraisals completed this season": states["completed"],
            "appraisals open this season": sum(states[s] for s in ("pre_review", "meeting", "sign_off")),
            "appraisals that flagged a regrading check": flagged}
