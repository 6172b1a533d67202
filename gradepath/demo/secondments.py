"""Demo secondments, built through the secondment services at the dates they show (gradepath.demo.clock), so
their events, tasks, due dates, messages, appointments, pay records and history are what real use leaves.

The ``host`` login (the Head of Capital Projects, in Estates) posts the opportunities for posts of Capital
Projects; members of staff of the Faculty of Life Sciences (the demo logins' faculty) apply:

* one returned (placed at a higher grade, then back to the substantive grade and point), one extended (and
  on secondment now, the host's decision due before the new end), one on secondment whose return is
  confirmed (HR Services' task due on its last day), one whose extension HR Services are reviewing;
* one confirmed by the host (HR Services to place), one released (the host to confirm the dates and plan),
  the ``staff`` login's application selected and waiting for the ``manager`` login's release, applications
  waiting for the host's selection; one not selected, one whose release was refused, one withdrawn;
* opportunities open (one still in the redeployment register's head start), closed, withdrawn and filled;
  two people on the redeployment register.

Every choice comes from the ``rng`` given and every query is ordered: the same seed gives the same records.
"""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from gradepath.core.errors import PermissionDenied, ServiceError
from gradepath.demo.cases import HOME_FACULTY, _mark_emails_sent
from gradepath.demo.clock import DemoClock
from gradepath.demo.logins import DEMO_PASSWORD
from gradepath.grades.models import PayRecord
from gradepath.people.models import Appointment, OrgUnit, Person, Post, User
from gradepath.people.relations import subtree_q
from gradepath.secondments import services
from gradepath.secondments.models import Opportunity, RedeploymentEntry, Secondment, add_months

TITLES = [
    ("Project Officer: the Bartlett refurbishment", "project",
     "Coordinate the refurbishment of the Bartlett teaching labs: the programme, the contractors' access and the "
     "moves of the research groups. You will learn capital project management alongside the project manager."),
    ("Capital Projects Coordinator (maternity cover)", "vacant_role",
     "Cover the coordinator's post: procurement records, the project board's papers and the budget reports."),
    ("Space Planning Assistant", "peak_workload",
     "Help with the summer peak of room moves: survey the rooms, keep the space database and plan the moves."),
    ("Laboratory Fit-out Adviser", "project",
     "Advise the design team on the laboratory fit-out of the new building: gases, benches, fume cupboards and "
     "the safety of the commissioning."),
    ("Project Support Officer", "peak_workload",
     "Support three projects through their closing stage: snagging lists, handover documents and lessons learnt."),
    ("Sustainability Projects Officer", "project",
     "Run the energy-saving projects in the laboratories: freezer replacement, fume cupboard sashes and metering."),
]
STATEMENT = ("I have coordinated our laboratory's moves and refurbishments for three years, working with Estates, "
             "the contractors and the research groups. A secondment would let me learn project management "
             "properly and bring it back to the division.")


class _Demo:
    def __init__(self, *, rng: random.Random, today: dt.date, clock: DemoClock):
        self.rng, self.today, self.clock = rng, today, clock
        self.password = make_password(DEMO_PASSWORD)
        self.hr = Person.objects.filter(user__username="hrservices").select_related("user").first()
        self.host = Person.objects.filter(user__username="host").select_related("user").first()
        home = OrgUnit.objects.filter(code=HOME_FACULTY).first()
        self.home_units = OrgUnit.objects.filter(subtree_q({home.pk})) if home else OrgUnit.objects.none()
        self.posted = 0

    def at(self, day: dt.date, minutes: int = 0) -> None:
        day = min(day, self.today)
        while day.weekday() >= 5:
            day -= dt.timedelta(days=1)
        self.clock.set(timezone.make_aware(dt.datetime.combine(day, dt.time(9, 30)) + dt.timedelta(minutes=minutes)))

    def user(self, person: Person) -> User:
        """The person's login, made for a demo person who must act on a secondment (as the other demos do)."""
        if person.user_id is not None:
            return person.user
        base = person.work_email.split("@")[0] or f"person{person.pk}"
        username, n = base, 1
        while User.objects.filter(username=username).exists():
            n += 1
            username = f"{base}{n}"
        user = User.objects.create(username=username, password=self.password, first_name=person.known_as or
                                   person.first_name, last_name=person.last_name, email=person.work_email)
        Person.objects.filter(pk=person.pk).update(user=user)
        person.user = user
        return user

    def host_posts(self) -> list[Post]:
        """Posts of the host's unit (and below), the host's own left out, highest grade first."""
        mine = Appointment.objects.current(self.today).filter(person=self.host).select_related("post__org_unit").first()
        if mine is None:
            return []
        units = OrgUnit.objects.filter(subtree_q({mine.post.org_unit_id}))
        return list(Post.objects.filter(org_unit__in=units, is_active=True, grade__isnull=False)
                    .exclude(pk=mine.post_id).select_related("grade").order_by("-grade__number", "post_number"))

    def applicants(self) -> list[Person]:
        """Staff of the home faculty with a substantive post, a line manager, a pay record below grade 8, and no
        acting-up or secondment appointment (the acting-up demo's people are left alone); not the ``staff`` or
        ``manager`` logins (the ``staff`` login's application is made on its own)."""
        held = Appointment.objects.current(self.today).filter(kind=Appointment.Kind.SUBSTANTIVE,
                                                              post__org_unit__in=self.home_units).values("person_id")
        temporary = Appointment.objects.exclude(kind=Appointment.Kind.SUBSTANTIVE).values("person_id")
        paid = PayRecord.objects.filter(grade__number__lt=8).values("person_id")
        pool = list(Person.objects.filter(pk__in=held, is_active=True, line_manager__isnull=False,
                                          line_manager__is_active=True).filter(pk__in=paid)
                    .exclude(pk__in=temporary).exclude(user__username__in=("staff", "manager"))
                    .exclude(pay_records__reason__in=("acting_up", "secondment"))
                    .select_related("user", "line_manager__user").distinct().order_by("pk"))
        self.rng.shuffle(pool)
        return pool

    def post(self, post: Post, posted: dt.date, *, start_in: int = 45, months: int = 9, closing_in: int = 21,
             open_to_all: bool = True) -> Opportunity:
        title, reason, description = TITLES[self.posted % len(TITLES)]
        self.posted += 1
        self.at(posted)
        start = posted + dt.timedelta(days=start_in)
        opportunity = services.post_opportunity(actor=self.host.user, data={
            "post": post.pk, "title": title, "reason": reason, "description": description, "fte": "1",
            "start_date": start.isoformat(), "end_date": (add_months(start, months) - dt.timedelta(days=1)).isoformat(),
            "closing_date": (posted + dt.timedelta(days=closing_in)).isoformat()})
        return opportunity

    def apply(self, person: Person, opportunity: Opportunity, day: dt.date) -> Secondment:
        self.at(day, self.rng.randint(0, 400))
        return services.apply(actor=self.user(person), opportunity=opportunity,
                              data={"statement": STATEMENT, "evidence": "Appraisal 2025: objectives met; Prince2 "
                                                                        "Foundation booked."})

    def move(self, s: Secondment, role: str, action: str, day: dt.date, **data) -> Secondment:
        self.at(day, self.rng.randint(0, 300))
        actor = {"host": s.host_manager, "home_manager": s.home_manager, "hr_services": self.hr,
                 "applicant": s.applicant}[role]
        assert actor is not None
        return services.perform_action(actor=self.user(actor), secondment=s, action=action, step=s.step, data=data)

    def walk(self, s: Secondment, until: str, day: dt.date) -> Secondment:
        """Take ``s`` from applied to ``until`` along the usual path, a few days between steps."""
        o = s.opportunity
        path = [("host", "select", {}), ("home_manager", "release", {"reason": "Cover agreed within the team."}),
                ("host", "confirm_placement", {"start_date": o.start_date.isoformat(),
                                               "end_date": o.end_date.isoformat(),
                                               "development_plan": "Prince2 Foundation in the first month; "
                                               "shadowing the project manager, then leading one workstream; a "
                                               "monthly review with the host manager."}),
                ("hr_services", "place", {})]
        for role, action, data in path:
            if s.state == until:
                break
            day += dt.timedelta(days=self.rng.randint(2, 5))
            s = self.move(s, role, action, day, **data)
        return s


def build(*, rng: random.Random, today: dt.date, clock: DemoClock) -> dict[str, int]:
    """Opportunities and secondments at every stage (one returned, one extended) and the redeployment register;
    returns the counts for the demo's summary."""
    demo = _Demo(rng=rng, today=today, clock=clock)
    empty = {"secondment opportunities": 0, "secondments and applications": 0, "on the redeployment register": 0}
    if demo.hr is None or demo.host is None:
        return empty
    posts = demo.host_posts()
    people = demo.applicants()
    if not posts or len(people) < 12:
        return empty
    days = lambda n: today - dt.timedelta(days=n)  # noqa: E731
    made = 0

    def grade_of(person: Person) -> int:
        pay = PayRecord.objects.filter(person=person).as_of(today).select_related("grade").first()
        return pay.grade.number if pay is not None else 0

    def take(post: Post | None = None, *, paid_more_from: dt.date | None = None) -> Person:
        """The next applicant. For a placement on ``post``: when ``paid_more_from`` is given, someone below the
        post's grade (paid at it while seconded) whose pay history has nothing after that day (the demo's pay
        histories are written ahead: a later increment would sit inside the secondment); otherwise someone at
        or above the post's grade (pay does not change, so their annual increments go on as written)."""
        for index in range(len(people) - 1, -1, -1):
            person = people[index]
            if post is None:
                return people.pop(index)
            if paid_more_from is not None:
                if grade_of(person) < post.grade.number and not PayRecord.objects.filter(
                        person=person, effective_from__gt=paid_more_from).exists():
                    return people.pop(index)
            elif grade_of(person) >= post.grade.number:
                return people.pop(index)
        raise ServiceError(f"No applicant fits a secondment to {post}.")

    def placed(posted: dt.date, months: int, post: Post, *, paid_more: bool = False) -> Secondment:
        nonlocal made
        opportunity = demo.post(post, posted, months=months)
        person = take(post, paid_more_from=opportunity.start_date if paid_more else None)
        s = demo.apply(person, opportunity, posted + dt.timedelta(days=12))
        made += 1
        return demo.walk(s, "placed", posted + dt.timedelta(days=22))

    # The returned secondment at a higher grade lies between two 1 Augusts (no increment falls inside it),
    # ending at least a month ago.
    aug = dt.date(today.year, 8, 1)
    while add_months(aug, 6) + dt.timedelta(days=30) > today:
        aug = dt.date(aug.year - 1, 8, 1)
    high = [p for p in posts if p.grade.number >= 6] or posts
    low = sorted(posts, key=lambda p: (p.grade.number, p.post_number))

    try:
        # Returned: six months at a higher grade; pay back to the substantive grade and point.
        s = placed(aug - dt.timedelta(days=44), 6, high[0], paid_more=True)
        s = demo.move(s, "host", "confirm_end", s.end_date - dt.timedelta(days=30))
        demo.move(s, "hr_services", "record_return", s.end_date)
        # Extended: nine months, extended by three; on secondment now, the host's decision due before the end.
        s = placed(days(300), 9, low[0])
        s = demo.move(s, "host", "request_extension", days(25), reason="The fit-out slipped by a quarter.",
                      new_end_date=(s.end_date + dt.timedelta(days=91)).isoformat())
        demo.move(s, "hr_services", "approve_extension", days(20))
        # On secondment, the return confirmed: HR Services' task due on the last day.
        s = placed(days(240), 8, low[1 % len(low)])
        demo.move(s, "host", "confirm_end", days(6))
        # On secondment, an extension under review by HR Services.
        s = placed(days(200), 7, low[2 % len(low)])
        demo.move(s, "host", "request_extension", days(2), reason="A second phase of the project was funded.",
                  new_end_date=(s.end_date + dt.timedelta(days=120)).isoformat())
        # Recent: one opportunity with several applications at the early steps.
        recent = demo.post(posts[4 % len(posts)], days(40), start_in=75, months=6, closing_in=30)
        demo.walk(demo.apply(take(), recent, days(27)), "confirmed", days(20))
        demo.walk(demo.apply(take(), recent, days(26)), "released", days(18))
        refused = demo.walk(demo.apply(take(), recent, days(25)), "selected", days(16))
        demo.move(refused, "home_manager", "refuse_release", days(8),
                  reason="Two of the team are on leave over the summer: I cannot release anyone until October.")
        not_selected = demo.apply(take(), recent, days(24))
        demo.move(not_selected, "host", "not_select", days(14),
                  reason="Other applicants had more experience of laboratory fit-outs.")
        withdrawn = demo.apply(take(), recent, days(23))
        demo.move(withdrawn, "applicant", "withdraw", days(15), reason="I have been offered a permanent post.")
        made += 5
        demo.at(days(10))
        services.close_opportunity(actor=demo.host.user, opportunity=recent)
        # Open: the staff login's application selected (the manager login's release waits), two waiting for
        # the host's selection.
        board = demo.post(posts[5 % len(posts)], days(15), start_in=60, months=12, closing_in=25)
        staff = Person.objects.filter(user__username="staff").select_related("user", "line_manager").first()
        if staff is not None and staff.line_manager_id is not None:
            demo.walk(demo.apply(staff, board, days(3)), "selected", days(2))
            made += 1
        for n in (2, 1):
            demo.apply(take(), board, days(n))
            made += 1
        # The redeployment register, and an opportunity still in its head start.
        for person in (take(), take()):
            demo.at(days(30))
            services.add_to_register(actor=demo.hr.user, data={"person": person.pk, "note": "Post at risk of "
                                                               "redundancy: the grant ends."})
        demo.post(posts[6 % len(posts)], days(2), start_in=50, months=15, closing_in=28)
        # Withdrawn: the project was cancelled before anyone applied.
        gone = demo.post(posts[7 % len(posts)], days(60), start_in=60, months=6)
        demo.at(days(50))
        services.withdraw_opportunity(actor=demo.host.user, opportunity=gone,
                                      reason="The project was cancelled at the budget review.")
    except (ServiceError, PermissionDenied):
        # A small university (gradepath demo --staff 150) may lack a fitting applicant or post for a later stage:
        # the stages made so far stay. (At the default size every stage is made: tests/test_demo_secondments.py.)
        pass
    clock.moment = None
    _mark_emails_sent()
    return {"secondment opportunities": Opportunity.objects.count(),
            "secondments and applications": Secondment.objects.count(),
            "on the redeployment register": RedeploymentEntry.objects.filter(removed_at__isnull=True).count()}
