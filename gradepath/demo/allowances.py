"""Demo acting up and honoraria, built through the allowances services at the dates they show
(gradepath.demo.clock), so their events, tasks, due dates, messages, pay records and history are what real
use leaves: in the Faculty of Life Sciences (the demo logins' faculty), preferably the reports of the
``manager`` login,

* an acting-up allowance running now (proposed, approved by the FM/HPS, its pay confirmed by HR Services:
  the pay record at the acting-up point and the acting-up appointment), HR Services' task to end it due
  on its end date;
* an acting-up allowance that ended (its pay written back to the substantive grade and point);
* an honorarium agreed after HR Services proposed a different monthly amount that the line manager accepted;
* an honorarium proposed and waiting for HR Services.

Every choice comes from the ``rng`` given and every query is ordered: the same seed gives the same records.
"""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from gradepath.allowances import services
from gradepath.allowances.models import Allowance
from gradepath.allowances.workflow import ALLOWANCES
from gradepath.core.errors import PermissionDenied, ServiceError
from gradepath.demo.cases import HOME_FACULTY, _mark_emails_sent
from gradepath.demo.clock import DemoClock
from gradepath.demo.logins import DEMO_PASSWORD
from gradepath.grades.models import PayRecord
from gradepath.people.models import Appointment, OrgUnit, Person, Post, User
from gradepath.people.relations import subtree_q
from gradepath.workflow import engine

HONORARIUM_DUTIES = [
    "Laboratory safety lead for the division while the safety officer's post is vacant: inspections, risk "
    "assessments and the training of new starters.",
    "Coordinating the move of the imaging suite to the new building: planning, suppliers and the research "
    "groups' bookings during the move.",
]


class _Demo:
    def __init__(self, *, rng: random.Random, today: dt.date, clock: DemoClock):
        self.rng, self.today, self.clock = rng, today, clock
        self.password = make_password(DEMO_PASSWORD)
        self.hr = Person.objects.filter(user__username="hrservices").select_related("user").first()
        home = OrgUnit.objects.filter(code=HOME_FACULTY).first()
        self.units = OrgUnit.objects.filter(subtree_q({home.pk})) if home is not None else OrgUnit.objects.none()

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
        # Demo data: a login for a person who must act on a demo allowance (as the grading demo does).
        Person.objects.filter(pk=person.pk).update(user=user)
        person.user = user
        return user

    def people(self) -> list[tuple[Person, PayRecord]]:
        """Current staff of the home faculty with a line manager and a pay record: the ``manager`` login's
        reports first (not the ``staff`` login, whose grading case is the demo's), then the others shuffled."""
        held = (Appointment.objects.current(self.today).filter(kind=Appointment.Kind.SUBSTANTIVE,
                                                               post__org_unit__in=self.units).values("person_id"))
        pool = list(Person.objects.filter(pk__in=held, is_active=True, line_manager__isnull=False,
                                          line_manager__is_active=True)
                    .exclude(user__username="staff").select_related("user", "line_manager__user").order_by("pk"))
        first = [p for p in pool if p.line_manager.user_id and p.line_manager.user.username == "manager"]
        rest = [p for p in pool if p not in first]
        self.rng.shuffle(rest)
        found = []
        for person in first + rest:
            pay = PayRecord.objects.as_of(self.today).filter(person=person).select_related("grade").first()
            if pay is not None and pay.grade.number < 10:
                found.append((person, pay))
        return found

    def higher_post(self, person: Person, pay: PayRecord, taken: set[int]) -> Post | None:
        """A post of the faculty one or two grades above the person's, not theirs and not already chosen."""
        posts = (Post.objects.filter(org_unit__in=self.units, is_active=True,
                                     grade__number__in=[pay.grade.number + 1, pay.grade.number + 2],
                                     grade__structure_id=pay.grade.structure_id)
                 .exclude(pk__in=taken).exclude(appointments__person=person).order_by("pk"))
        candidates = list(posts[:20])
        return self.rng.choice(candidates) if candidates else None

    def move(self, allowance: Allowance, role: str, action: str, day: dt.date, **data) -> Allowance:
        """``action`` by whoever holds ``role`` on the allowance now (the FM/HPS or their delegate, HR Services,
        the line manager)."""
        self.at(day, self.rng.randint(0, 300))
        if role == "hr_services":
            actor = self.hr
        elif role == "line_manager":
            actor = allowance.line_manager
        else:
            actor = next(p for p, _ in engine.holders(ALLOWANCES, allowance, role) if p is not None)
        assert actor is not None
        return services.perform_action(actor=self.user(actor), allowance=allowance, action=action,
                                       step=allowance.step, data=data)

    def acting_up(self, person: Person, post: Post, start: dt.date, end: dt.date, *, ended: bool) -> Allowance:
        self.at(start - dt.timedelta(days=21))
        allowance = services.propose_acting_up(
            actor=self.user(person.line_manager), person=person, post=post, start_date=start, end_date=end,
            duties=f"The full duties of the {post.title} while the post holder is on leave.")
        allowance = self.move(allowance, "fm_hps", "approve", start - dt.timedelta(days=16))
        allowance = self.move(allowance, "hr_services", "confirm_pay", start - dt.timedelta(days=10))
        if ended:
            allowance = self.move(allowance, "hr_services", "end", end + dt.timedelta(days=1),
                                  reason="The post holder returned from leave.")
        return allowance


def build(*, rng: random.Random, today: dt.date, clock: DemoClock) -> dict[str, int]:
    """Two acting-up allowances (one running, one ended) and two honoraria (one agreed, one proposed); returns
    the counts for the demo's summary."""
    demo = _Demo(rng=rng, today=today, clock=clock)
    if demo.hr is None:
        return {"acting-up allowances": 0, "honoraria": 0}
    people = demo.people()
    taken: set[int] = set()
    acting = 0
    plans = [(today - dt.timedelta(days=45), today + dt.timedelta(days=140), False),
             (today - dt.timedelta(days=330), today - dt.timedelta(days=150), True)]
    used: set[int] = set()
    for person, pay in people:
        if not plans:
            break
        post = demo.higher_post(person, pay, taken)
        if post is None:
            continue
        start, end, ended = plans[0]
        try:
            demo.acting_up(person, post, start, end, ended=ended)
        except (ServiceError, PermissionDenied):
            continue  # this person or post does not fit (an overlap, no grade on the date): the next one
        plans.pop(0)
        taken.add(post.pk)
        used.add(person.pk)
        acting += 1
    honoraria = 0
    others = [person for person, _ in people if person.pk not in used]
    if others:
        person = others[0]
        first = today.replace(day=1) - dt.timedelta(days=1)
        start = first.replace(day=1)
        demo.at(start - dt.timedelta(days=12))
        allowance = services.propose_honorarium(actor=demo.user(person.line_manager), person=person,
                                                duties=HONORARIUM_DUTIES[1], amount=300, payment="monthly",
                                                start_date=start, end_date=start + dt.timedelta(days=150))
        allowance = demo.move(allowance, "hr_services", "propose_amount", start - dt.timedelta(days=8), amount=250,
                              reason="The faculty's scale for coordinating a move of this size.")
        demo.move(allowance, "line_manager", "accept_amount", start - dt.timedelta(days=6))
        honoraria += 1
    if len(others) > 1:
        person = others[1]
        demo.at(today - dt.timedelta(days=3))
        services.propose_honorarium(actor=demo.user(person.line_manager), person=person, duties=HONORARIUM_DUTIES[0],
                                    amount=750, payment="once", start_date=today.replace(day=1))
        honoraria += 1
    clock.moment = None
    _mark_emails_sent()
    return {"acting-up allowances": acting, "honoraria": honoraria}
