"""Step "secondments": secondment opportunities since go-live and the applications made for them, with their
events, tasks, secondment appointments, pay records, history rows and messages, as the secondment process
leaves them (:data:`gradepath.secondments.workflow.SECONDMENTS`, :mod:`gradepath.secondments.effects`,
:mod:`gradepath.secondments.services`).

Line managers post opportunities for posts of their own unit (the ``host`` login among them); members of
staff apply, and each application is walked through the process's own table in memory, each move by the
role it names (the host selects and confirms the placement, the applicant's line manager releases, a member
of HR Services places, reviews an extension and records the return):

* **filled and returned** (most opportunities of past years): placed in the host post (a secondment
  appointment, the substantive one kept), the return confirmed by the host and recorded by HR Services on
  the last day, some earlier than planned. At a higher host grade the placement writes a pay line at the
  host grade from the first day (``effects.host_point``) and the return writes one back to the substantive
  grade and point from the first day back; each such secondment lies between the person's other pay changes,
  so the point pay returns to is the one held before;
* **on secondment now**: placed (the host's decision due twenty working days before the end,
  ``effects.ENDING``), extended (an extension approved), an extension under HR Services' review, the return
  confirmed (HR Services' task due on the last day); the people step's own secondment appointments and pay
  lines (the demo builder's temporary moves) get their opportunity and application, placed before they
  started. A placement now is at the host post's grade or below it only when the grade is the same, so the
  secondee is paid on the grade of the post they hold;
* **waiting**: applications with the host for selection, selected and waiting for the home line manager's
  release (the ``staff`` login's waits for the ``manager`` login), released (the host to confirm the dates
  and plan), confirmed (HR Services to place), each with its task and the "waiting for you" message;
* **closed**: applicants not selected, a release refused, applications withdrawn, with their reasons;
  opportunities closed unfilled, withdrawn, or still open on the board (some in the redeployment register's
  head start); a few people on the redeployment register, and some taken off it.

References (``SO-2026-0001``, ``SE-2026-0001``) follow the order opportunities were posted and applications
made in each year, and the reference counters end there.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from gradepath.demo.builder import _Person, _Post
from gradepath.demo.generate import base
from gradepath.demo.generate.base import (
    Generation,
    ProcessRun,
    Step,
    TaskRow,
    headline,
    write_counters,
)
from gradepath.demo.generate.base import person_name as _name
from gradepath.demo.generate.writer import HistoryRow
from gradepath.grades.models import PayRecord
from gradepath.notifications.models import Notification
from gradepath.people import roles as groups
from gradepath.people.models import Appointment
from gradepath.secondments.effects import host_point
from gradepath.secondments.models import (
    CLOSED_STATES,
    Opportunity,
    Reason,
    RedeploymentEntry,
    Secondment,
    SecondmentEvent,
    add_months,
    months_between,
)
from gradepath.secondments.workflow import SECONDMENTS
from gradepath.workflow.engine import day as words_day
from gradepath.workflow.models import Task

NAME = "secondments"
OPPORTUNITY_TYPE = Opportunity._meta.label_lower
SECONDMENT_TYPE = Secondment._meta.label_lower
STATES = SECONDMENTS.states
CLOSED = set(CLOSED_STATES)
MOVES = SECONDMENTS.moves_by_action
OPPORTUNITIES = 0.012  # opportunities since go-live per member of staff
REGISTER = 1 / 5_000  # people on the redeployment register now, per member of staff
SETTINGS = settings.GRADEPATH_SECONDMENTS
TASK_ROLE = {"applied": "host", "selected": "home_manager", "released": "host", "confirmed": "hr_services",
             "placed": "host", "extension_review": "hr_services", "ending": "hr_services"}
CAPACITY = {"host": "host manager", "home_manager": "home line manager", "hr_services": "HR Services",
            "applicant": "applicant"}
# How an opportunity ends up, by the state of the application that gets furthest, and its share.
SCENARIOS = [("returned", 0.40), ("returned_early", 0.05), ("placed", 0.08), ("extended", 0.03),
             ("extension_review", 0.02), ("ending", 0.03), ("confirmed", 0.04), ("released", 0.03),
             ("selected", 0.04), ("applied", 0.10), ("unfilled", 0.08), ("withdrawn", 0.05), ("open", 0.05)]
NOW_PLACED = ("placed", "extended", "extension_review", "ending")
ARRANGING = ("confirmed", "released", "selected")

TITLES = [
    ("Project Officer", "project",
     "Coordinate the project's programme, its suppliers and the moves of the teams it affects, learning project "
     "management alongside the project manager."),
    ("Coordinator (maternity cover)", "vacant_role",
     "Cover the coordinator's post: procurement records, the board's papers and the budget reports."),
    ("Planning Assistant", "peak_workload",
     "Help with the summer peak: survey the rooms, keep the records up to date and plan the moves."),
    ("Systems Implementation Officer", "project",
     "Help introduce the new system in the unit: testing, training colleagues and checking the first months."),
    ("Support Officer", "peak_workload",
     "Support the team through the year's busiest months: enquiries, records and the reports that fall due."),
    ("Service Manager (vacancy cover)", "vacant_role",
     "Run the service while its manager's post is recruited to: the team's work, suppliers and reporting."),
]
STATEMENTS = [
    "I have coordinated my team's projects for three years and would like to learn project management "
    "properly, and bring it back to the team.",
    "This secondment matches the career plan agreed at my appraisal: it would give me experience of managing a "
    "service before I apply for such a post.",
    "I know the unit's work well from our joint projects and can start quickly; in return I would learn how a "
    "larger service is run.",
]
PLANS = [
    "A training course in the first month; shadowing the host manager, then leading one workstream; a monthly "
    "review with the host manager.",
    "Induction in the host unit in the first fortnight; a mentor in the team; objectives reviewed at three and six "
    "months.",
]
NOT_SELECTED = ["Other applicants had more experience of this kind of work.",
                "The successful applicant could start sooner, as the project needs."]
REFUSED = ["Two of the team are on leave over the period: I cannot release anyone until the autumn.",
           "The team's own project peaks over the same months: the release would leave it short."]
WITHDRAWALS = ["I have been offered a permanent post.", "My circumstances have changed: I can no longer take it on."]
WITHDRAWN_OPPORTUNITY = ["The project was cancelled at the budget review.",
                         "The post has been filled permanently: no secondment is needed."]
EXTENSIONS = ["The project's second phase was funded.", "The work slipped by a quarter."]
REFUSED_EXTENSION = ["The post's holder returns as planned."]
OFF_REGISTER = ["Redeployed to a permanent post.", "The grant was renewed: the post is no longer at risk."]


@dataclass(eq=False)
class Message(base.Message):
    row: Row | None = None  # the application whose reference the words take ("{ref}")
    opp: Opp | None = None  # an opportunity told to the redeployment register


@dataclass(eq=False)
class Opp:
    pk: int
    host: _Person
    post: _Post
    grade: int
    title: str
    reason: str
    description: str
    posted: dt.date
    closing: dt.date
    start: dt.date
    end: dt.date
    created_at: dt.datetime
    reference: str = ""
    status: str = Opportunity.Status.OPEN
    status_reason: str = ""


@dataclass(eq=False)
class Row:
    """One application as the services would leave it (the fields ``Secondment`` stores)."""

    pk: int
    opp: Opp
    applicant: _Person
    manager: _Person
    home_unit: int
    created_at: dt.datetime
    reference: str = ""
    statement: str = ""
    state: str = "applied"
    step: int = 0
    updated_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    original_end: dt.date | None = None
    requested_end: dt.date | None = None
    plan: str = ""
    substantive: int | None = None
    appointment: int | None = None
    home_pay: int | None = None
    secondment_pay: int | None = None
    returned_on: dt.date | None = None
    home_row: tuple | None = None  # the pay row in force before the start (the people step's)
    events: list[tuple] = field(default_factory=list)  # (step, action, actor, capacity, from, to, reason, data, at)
    tasks: list[TaskRow] = field(default_factory=list)

    @property
    def link(self) -> str:
        return f"/secondments/{self.pk}/"

    def repr(self) -> str:
        return f"{self.reference} {_name(self.applicant)} – {self.opp.title}"


class _Secondments(ProcessRun):
    process = NAME
    messages: list[Message]  # type: ignore[assignment]  # with the application or opportunity they name

    def __init__(self, generation: Generation):
        super().__init__(generation, 71)
        cases = self.cases
        self.grades = self.u.grades
        self.case_subjects = {c.subject.pk for c in getattr(cases, "cases", []) if c.subject is not None}
        self.regraded_posts = {pk for pk, _ in getattr(cases, "post_grades", [])}
        self.allowance_people = {r.person.pk for r in generation.shared.get("allowances", [])}
        self.post_lines: dict[int, list[tuple[dt.date, int]]] = defaultdict(list)
        for post, grade, start, _, _, _ in self.u.post_grade_lines:
            self.post_lines[id(post)].append((start, grade))
        self.temporary_posts = {id(p.temporary[1]) for p in self.u.people if p.temporary}
        self.posts_by_node: dict[int, list[_Post]] = defaultdict(list)
        for post in self.u.posts:
            if post.pk is not None and id(post) not in self.temporary_posts and post.pk not in self.regraded_posts:
                self.posts_by_node[id(post.node)].append(post)
        self.taken: set[int] = set()
        self.busy_posts: dict[int, list[tuple[dt.date, dt.date]]] = defaultdict(list)
        self.opps: list[Opp] = []
        self.rows: list[Row] = []
        self.appointments: list[tuple] = []  # (id, person, post, start, end)
        self.pay: list[tuple] = []  # (id, person, grade, point, from, post, note, recorded at, recorded by)
        self.pending_pay: list[Row] = []  # placed rows whose home pay / substantive ids are read from the database
        self.register: list[tuple] = []
        self.adopted: dict[int, tuple[int, int | None]] = {}  # person -> (appointment id, pay record id)
        self.adopted_ends: list[tuple[int, dt.date | None]] = []
        self.own_history: list[tuple[HistoryRow, Opp | None, Row | None]] = []

    # --- dates ---------------------------------------------------------------------------------------------

    def between(self, start: dt.date, end: dt.date) -> int:
        """``workflow.calendar.working_days_between``."""
        if end < start:
            return -self.between(end, start)
        return sum(1 for n in range(1, (end - start).days + 1) if self.working(start + dt.timedelta(days=n)))

    # --- people, posts and pay --------------------------------------------------------------------------

    def post_grade(self, post: _Post, on: dt.date) -> int | None:
        """The post's grade from ``on`` to today (None: not established by then, or changed since)."""
        lines = self.post_lines.get(id(post), [])
        if len(lines) != 1 or lines[0][0] > on:
            return None
        return lines[0][1]

    def eligible(self, p: _Person) -> bool:
        return (p.manager is not None and p.manager is not p and p.start is not None and p.pk not in self.taken
                and not p.temporary and not p.lead and not p.role and p.pk not in self.hr_ids
                and p.pk not in self.case_subjects and p.pk not in self.allowance_people
                and p.manager.start is not None and p.post is not None)

    # --- the plans ----------------------------------------------------------------------------------------

    def run(self) -> dict[str, int]:
        rng = self.rng
        managers = {id(p.manager): p.manager for p in self.u.people if p.manager is not None}
        hosts = sorted((m for m in managers.values() if m.start is not None and m.post is not None
                        and m.pk not in self.hr_ids and not m.temporary and self.posts_by_node.get(id(m.post.node))),
                       key=lambda m: m.idx)
        host_login = self.persona.get("host")
        staff = [p for p in self.u.people if self.eligible(p)]
        rng.shuffle(staff)
        self.pool = staff
        n = len(self.u.people)
        count = max(len(SCENARIOS), round(n * OPPORTUNITIES))
        wanted: list[str] = []
        for scenario, share in SCENARIOS:
            wanted += [scenario] * max(1, round(count * share))
        # The host login's own: applications to select, a placement to confirm, a decision before an end, one
        # returned; the staff login's application waits for the manager login's release.
        own = ["applied", "released", "placed", "ending", "returned", "extension_review"]
        plans: list[tuple[str, _Person | None]] = [(s, host_login) for s in own] if host_login else []
        plans += [(s, None) for s in wanted]
        for scenario, host in plans:
            for _ in range(12):
                chosen = host or hosts[rng.randrange(len(hosts))]
                if self.opportunity(scenario, chosen, staff_login=scenario == "selected" and not self._staff_done):
                    break
        self.adopt(hosts)
        self.register_people()
        return self.finish()

    _staff_done = False

    def applicant(self, opp: Opp, on: dt.date, *, host_grade_at_least: bool = False,
                  quiet_until: dt.date | None = None) -> _Person | None:
        """The next member of staff who may apply for ``opp`` on ``on`` (and, for a placement, be placed)."""
        for _ in range(40):
            if not self.pool:
                return None
            p = self.pool.pop()
            if not self.eligible(p):
                continue
            post = self.substantive_post(p, on)
            if p is opp.host or p.start is None or p.start > on - dt.timedelta(days=180) or post is None \
                    or post is opp.post or p.manager is opp.host:
                self.pool.insert(0, p)
                continue
            if quiet_until is not None:
                pay = self.pay_on(p, opp.start)
                if pay is None or (host_grade_at_least and pay[1] > opp.grade):
                    self.pool.insert(0, p)
                    continue
                if pay[1] < opp.grade and not self.quiet(p, opp.start, quiet_until):
                    self.pool.insert(0, p)
                    continue
                if host_grade_at_least and any(opp.start <= r[0] <= quiet_until and r[1] != pay[1] for r in p.pay_rows):
                    self.pool.insert(0, p)  # on secondment now: paid on the host post's grade until today
                    continue
            return p
        return None

    def opportunity(self, scenario: str, host: _Person, *, staff_login: bool = False) -> bool:
        rng, today = self.rng, self.today
        assert host.post is not None
        posts = self.posts_by_node[id(host.post.node)]
        post = posts[rng.randrange(len(posts))]
        if post is host.post or post is host.old_post:
            return False
        months = rng.choice((3, 4, 6, 6, 9, 12))
        if scenario in ("returned", "returned_early", "unfilled", "withdrawn"):
            start = self.first_of_month(self.go_live + dt.timedelta(days=90), today - dt.timedelta(days=150))
            if start is None:
                return False
            end = add_months(start, months) - dt.timedelta(days=1)
            if end > today - dt.timedelta(days=10):
                return False
            posted = start - dt.timedelta(days=rng.randint(45, 75))
        elif scenario in NOW_PLACED:
            start = self.first_of_month(max(self.go_live + dt.timedelta(days=90), today - dt.timedelta(days=330)),
                                        today - dt.timedelta(days=60))
            if start is None:
                return False
            low, high = {"ending": (4, 70), "extension_review": (10, 120), "extended": (-60, 40)}.get(scenario, (45, 500))
            fits = [m for m in (6, 9, 12, 15, 18) if today + dt.timedelta(days=low)
                    <= add_months(start, m) - dt.timedelta(days=1) <= today + dt.timedelta(days=high)]
            if not fits:
                return False
            months = rng.choice(fits)
            end = add_months(start, months) - dt.timedelta(days=1)
            posted = start - dt.timedelta(days=rng.randint(45, 75))
        elif scenario == "open":
            posted = today - dt.timedelta(days=rng.randint(0, 20))
            start = self.first_of_month(posted + dt.timedelta(days=40), posted + dt.timedelta(days=90))
            if start is None:
                return False
            end = add_months(start, months + 6) - dt.timedelta(days=1)
        else:  # waiting: applied, selected, released, confirmed
            back = {"applied": (5, 35), "selected": (25, 45), "released": (35, 55), "confirmed": (45, 70)}[scenario]
            posted = today - dt.timedelta(days=rng.randint(*back))
            start = self.first_of_month(max(posted + dt.timedelta(days=45), today + dt.timedelta(days=10)),
                                        posted + dt.timedelta(days=110))
            if start is None:
                return False
            end = add_months(start, months) - dt.timedelta(days=1)
        grade = self.post_grade(post, posted)
        if grade is None or posted < self.go_live:
            return False
        if any(s <= end and e >= start for s, e in self.busy_posts[post.pk]):
            return False
        closing = posted + dt.timedelta(days=rng.randint(14, 24))
        if scenario == "open":
            closing = max(closing, today)
        title, reason, description = TITLES[rng.randrange(len(TITLES))]
        opp = Opp(pk=0, host=host, post=post, grade=grade, title=f"{title}: {post.node.unit.name}"[:200],
                  reason=reason, description=description, posted=posted, closing=min(closing, start), start=start,
                  end=end, created_at=self.moment(posted))
        if opp.created_at > self.now:
            return False
        register_until = posted + dt.timedelta(days=SETTINGS["REDEPLOYMENT_PRIORITY_DAYS"])
        first_day = register_until + dt.timedelta(days=1)
        last_day = min(opp.closing, today)

        def when_applied() -> dt.datetime | None:
            if first_day > last_day:
                return None
            at = self.moment(first_day + dt.timedelta(days=rng.randint(0, (last_day - first_day).days)))
            return at if at <= self.now else None

        # The application that gets furthest, walked through the table.
        applications: list[tuple[_Person, dt.datetime, list[tuple]]] = []
        winner_state = {"returned_early": "returned", "extended": "placed", "unfilled": None, "withdrawn": None,
                        "open": None}.get(scenario, scenario)
        if winner_state is not None:
            at = when_applied()
            if at is None:
                return False
            placing = winner_state in ("placed", "extension_review", "ending", "returned")
            if staff_login:
                person: _Person | None = self.persona.get("staff")
                if person is None or person.manager is None or person.pk in self.taken:
                    return False
            else:
                person = self.applicant(opp, self.local(at), host_grade_at_least=winner_state != "returned",
                                        quiet_until=((end if winner_state == "returned" else today)
                                                     + dt.timedelta(days=1)) if placing else None)
            if person is None:
                return False
            moves = self.walk(opp, scenario, at)
            if moves is None:
                if not staff_login:
                    self.pool.insert(0, person)
                return False
            applications.append((person, at, moves))
            if staff_login:
                self._staff_done = True
        losers = rng.randint(0, 3) if scenario not in ("open", "applied") else rng.randint(1, 4)
        if scenario == "open" and first_day > today:
            losers = 0
        for _ in range(losers):
            at = when_applied()
            if at is None:
                break
            person = self.applicant(opp, self.local(at))
            if person is None:
                break
            fate = rng.random()
            decide = self.after(max(at, self.moment(opp.closing)), rng.randint(1, 8))
            if scenario in ("applied", "open"):
                moves = [("withdraw", self.after(at, rng.randint(1, 6)), {"reason": rng.choice(WITHDRAWALS)})] \
                    if fate < 0.2 else []
            elif fate < 0.7:
                moves = [("not_select", decide, {"reason": rng.choice(NOT_SELECTED)})]
            elif fate < 0.85:
                moves = [("withdraw", self.after(at, rng.randint(1, 6)), {"reason": rng.choice(WITHDRAWALS)})]
            else:
                moves = [("select", decide, {"reason": ""}),
                         ("refuse_release", self.after(decide, rng.randint(1, 5)), {"reason": rng.choice(REFUSED)})]
            if any(when > self.now for _, when, _ in moves):
                moves = []
                if scenario not in ("applied", "open"):
                    continue
            applications.append((person, at, moves))
        if winner_state is None and scenario != "open" and not applications and scenario != "withdrawn":
            return False
        # The opportunity's own status.
        self.opps.append(opp)
        opp.pk = self.w.new_id(Opportunity)
        host_user = self.login(host, opp.created_at)
        self.opp_history(opp, opp.created_at, "secondments.opportunity_posted", host, host_user,
                         f"{{oref}} {opp.title}: posted ({Reason(opp.reason).label.lower()})"
                         f", {self.u.post_numbers[id(post)]} in {post.node.unit.name}, {self.grades[grade]}, FTE 1.00, "
                         f"{words_day(start)} to {words_day(end)}"
                         + (", internal only" if months_between(start, end) < SETTINGS["INTERNAL_ONLY_UNDER_MONTHS"]
                            else "") + ".")
        if opp.closing < today and scenario not in ("open",):
            closed_at = self.moment(opp.closing + dt.timedelta(days=1))
            if closed_at <= self.now:
                opp.status = Opportunity.Status.CLOSED
                self.opp_history(opp, closed_at, "secondments.opportunity_closed", host, host_user,
                                 "{oref}: closed to applications.")
        for person, at, moves in sorted(applications, key=lambda a: a[1]):
            self.taken.add(person.pk)
            row = self.application(opp, person, at)
            for action, when, data in moves:
                self.move(row, action, when, dict(data))
        if scenario == "withdrawn":
            last = max([self.moment(opp.closing)] + [r.updated_at for r in self.rows if r.opp is opp and r.updated_at])
            when = self.after(last, rng.randint(1, 10))
            if when <= self.now:
                opp.status, opp.status_reason = Opportunity.Status.WITHDRAWN, rng.choice(WITHDRAWN_OPPORTUNITY)
                self.opp_history(opp, when, "secondments.opportunity_withdrawn", host, host_user,
                                 f"{{oref}}: withdrawn. Reason: {opp.status_reason}")
        if winner_state in ("placed", "extension_review", "ending", "returned"):
            self.busy_posts[post.pk].append((start, end))
        return True

    def walk(self, opp: Opp, scenario: str, applied: dt.datetime) -> list[tuple] | None:
        """The moves of the application that gets furthest, ``(action, when, data)`` in order (None if they
        would fall after now)."""
        rng, today = self.rng, self.today
        moves: list[tuple] = []
        target = {"returned_early": "returned", "extended": "placed"}.get(scenario, scenario)
        path = ["select", "release", "confirm_placement", "place"]
        stop = {"applied": 0, "selected": 1, "released": 2, "confirmed": 3}.get(target, 4)
        last = self.after(max(applied, self.moment(opp.closing)), rng.randint(1, 6))
        for action in path[:stop]:
            data: dict[str, Any] = {"reason": ""}
            if action == "confirm_placement":
                data = {"start_date": opp.start, "end_date": opp.end, "development_plan": rng.choice(PLANS),
                        "reason": ""}
            elif action == "release":
                data = {"reason": "Cover agreed within the team."}
            moves.append((action, last, data))
            last = self.after(last, rng.randint(1, 5))
        if stop == 4:
            end = opp.end
            if scenario == "extended":
                asked = self.moment(min(end - dt.timedelta(days=rng.randint(20, 45)), today - dt.timedelta(days=12)))
                asked = max(asked, self.after(last, 10))
                new_end = add_months(end + dt.timedelta(days=1), rng.choice((3, 4, 6))) - dt.timedelta(days=1)
                if months_between(opp.start, new_end) > SETTINGS["MAX_MONTHS"] or new_end < today + dt.timedelta(45):
                    return None
                moves.append(("request_extension", asked, {"new_end_date": new_end,
                                                            "reason": rng.choice(EXTENSIONS)}))
                moves.append(("approve_extension", self.after(asked, rng.randint(2, 6)), {"reason": ""}))
            elif scenario == "extension_review":
                new_end = add_months(end + dt.timedelta(days=1), rng.choice((3, 6))) - dt.timedelta(days=1)
                if months_between(opp.start, new_end) > SETTINGS["MAX_MONTHS"]:
                    return None
                moves.append(("request_extension", self.moment(today - dt.timedelta(days=rng.randint(1, 8))),
                              {"new_end_date": new_end, "reason": rng.choice(EXTENSIONS)}))
            elif scenario == "placed" and rng.random() < 0.2:
                asked = self.moment(today - dt.timedelta(days=rng.randint(30, 50)))
                new_end = add_months(end + dt.timedelta(days=1), 3) - dt.timedelta(days=1)
                if months_between(opp.start, new_end) <= SETTINGS["MAX_MONTHS"]:
                    moves.append(("request_extension", asked, {"new_end_date": new_end,
                                                                "reason": rng.choice(EXTENSIONS)}))
                    moves.append(("refuse_extension", self.after(asked, rng.randint(2, 6)),
                                  {"reason": rng.choice(REFUSED_EXTENSION)}))
            elif scenario == "ending":
                moves.append(("confirm_end", self.moment(today - dt.timedelta(days=rng.randint(1, 15))), {"reason": ""}))
            elif scenario in ("returned", "returned_early"):
                early = scenario == "returned_early" and (end - opp.start).days > 80
                last_day = opp.start + dt.timedelta(days=rng.randint(60, (end - opp.start).days - 15)) if early else end
                said = self.moment(last_day - dt.timedelta(days=rng.randint(10, 40)))
                data = {"last_day": last_day, "reason": ""} if early else {"reason": ""}
                moves.append(("confirm_end", said, data))
                moves.append(("record_return", self.moment(last_day + dt.timedelta(days=rng.randint(0, 2))),
                              {"reason": ""}))
        for i in range(1, len(moves)):  # each move after the one before
            if moves[i][1] <= moves[i - 1][1]:
                moves[i] = (moves[i][0], moves[i - 1][1] + dt.timedelta(minutes=rng.randint(5, 50)), moves[i][2])
        if any(when > self.now for _, when, _ in moves) or (moves and moves[0][1] <= applied):
            return None
        return moves

    def adopt(self, hosts: list[_Person]) -> None:
        """The people step's own secondment appointments and pay lines (the demo builder's temporary moves): an
        opportunity on the host post and the application, placed before the secondment started."""
        seconded = [p for p in self.u.people if p.temporary and p.temporary[0] == Appointment.Kind.SECONDMENT
                    and p.manager is not None and p.pk not in self.hr_ids]
        if not seconded:
            return
        ids = {p.pk for p in seconded}
        appointments = dict(Appointment.objects.filter(person_id__in=ids, kind=Appointment.Kind.SECONDMENT)
                            .values_list("person_id", "pk"))
        records = dict(PayRecord.objects.filter(person_id__in=ids, reason=PayRecord.Reason.SECONDMENT)
                       .values_list("person_id", "pk"))
        by_node: dict[int, list[_Person]] = defaultdict(list)
        for m in hosts:
            assert m.post is not None
            by_node[id(m.post.node)].append(m)
        for p in seconded:
            _, post, start, end = p.temporary  # type: ignore[misc]
            host = next((m for m in by_node.get(id(post.node), []) if m is not p and m is not p.manager), None) \
                or next((m for node in (post.node, post.node.parent) if node is not None
                         for m in (node.head, node.fm_hps) if m is not None and m is not p and m is not p.manager), None)
            if host is None or p.pk not in appointments:
                continue
            posted = start - dt.timedelta(days=self.rng.randint(60, 80))
            closing = posted + dt.timedelta(days=self.rng.randint(14, 20))
            title, reason, description = TITLES[0]
            opp = Opp(pk=0, host=host, post=post, grade=post.grade, title=post.title[:200], reason=reason,
                      description=description, posted=posted, closing=closing, start=start, end=end,
                      created_at=self.moment(posted))
            applied = self.moment(posted + dt.timedelta(days=SETTINGS["REDEPLOYMENT_PRIORITY_DAYS"] + 1
                                                        + self.rng.randint(0, 3)))
            moves = self.walk(opp, "adopted", applied)
            if moves is None or moves[-1][1] >= self.moment(start) or opp.created_at < self.moment(self.go_live):
                continue
            self.adopted[p.pk] = (appointments[p.pk], records.get(p.pk))
            self.opps.append(opp)
            opp.pk = self.w.new_id(Opportunity)
            host_user = self.login(host, opp.created_at)
            self.opp_history(opp, opp.created_at, "secondments.opportunity_posted", host, host_user,
                             f"{{oref}} {opp.title}: posted, {self.u.post_numbers[id(post)]} in {post.node.unit.name}, "
                             f"{self.grades[post.grade]}, FTE 1.00, {words_day(start)} to {words_day(end)}.")
            opp.status = Opportunity.Status.CLOSED
            self.opp_history(opp, self.moment(closing + dt.timedelta(days=1)), "secondments.opportunity_closed", host,
                             host_user, "{oref}: closed to applications.")
            self.taken.add(p.pk)
            row = self.application(opp, p, applied)
            for action, when, data in moves:
                self.move(row, action, when, dict(data))

    def register_people(self) -> None:
        """People on the redeployment register now (they saw the opportunities posted since first), and a few
        taken off it earlier."""
        n = len(self.u.people)
        hr = self.persona["hrservices"]
        hr_user = self.login(hr, self.moment(self.go_live))
        for i in range(max(2, round(n * REGISTER)) + max(1, round(n * REGISTER / 2))):
            person = self.applicant(self.opps[0], self.today) if self.opps else None
            if person is None:
                break
            self.taken.add(person.pk)
            live = i < max(2, round(n * REGISTER))
            since = self.today - dt.timedelta(days=self.rng.randint(20, 200) if live else self.rng.randint(300, 700))
            added = self.moment(since)
            removed = None if live else self.after(added, self.rng.randint(60, 200))
            pk = self.w.new_id(RedeploymentEntry)
            reason = "" if live else self.rng.choice(OFF_REGISTER)
            self.register.append((pk, person, since, added, removed, reason))
            self.login(person, added)
            self.gen.history.append(HistoryRow(
                created_at=added, action="secondments.register_added", object_type=RedeploymentEntry._meta.label_lower,
                object_id=pk, object_repr=f"{_name(person)} on the redeployment register since {since:%d %b %Y}",
                actor_id=hr_user, actor_label=_name(hr), person_id=person.pk,
                summary=f"{_name(person)} added to the redeployment register."))
            self.notify(person, "You are on the redeployment register",
                        "HR Services added you to the redeployment register. You see new secondment opportunities, "
                        f"and may apply, {SETTINGS['REDEPLOYMENT_PRIORITY_DAYS']} days before everyone else; you are "
                        "told of each one when it is posted.", "/secondments/", added)
            if removed is not None:
                self.gen.history.append(HistoryRow(
                    created_at=removed, action="secondments.register_removed",
                    object_type=RedeploymentEntry._meta.label_lower, object_id=pk,
                    object_repr=f"{_name(person)} on the redeployment register since {since:%d %b %Y}",
                    actor_id=hr_user, actor_label=_name(hr), person_id=person.pk,
                    summary=f"{_name(person)} taken off the redeployment register. Reason: {reason}"))
            for opp in self.opps:
                if added <= opp.created_at and (removed is None or opp.created_at < removed) \
                        and opp.host is not person:
                    self.notify(person, f"Secondment opportunity {opp.reference or 'SO'}: {opp.title}", "", "",
                                opp.created_at, opp=opp)

    # --- applications and moves --------------------------------------------------------------------------

    def application(self, opp: Opp, person: _Person, at: dt.datetime) -> Row:
        manager = person.manager
        assert manager is not None
        post = self.substantive_post(person, self.local(at))
        assert post is not None
        row = Row(pk=self.w.new_id(Secondment), opp=opp, applicant=person, manager=manager,
                  home_unit=post.node.unit.pk, created_at=at, updated_at=at,
                  statement=STATEMENTS[self.rng.randrange(len(STATEMENTS))])
        self.rows.append(row)
        user = self.login(person, at)
        self.login(manager, at)
        self.history(row, at, "secondments.applied", person, user, f"{{ref}}: {_name(person)} applied for "
                     f"{{opp}} {opp.title}.")
        self.refresh(row, at, actor=person)
        self.notify(manager, f"{{ref}}: {_name(person)} applied for a secondment",
                    f"{_name(person)} applied for the secondment {opp.title} in {opp.post.node.unit.name}, from "
                    f"{words_day(opp.start)} to {words_day(opp.end)}. If the host selects them, you will be asked to "
                    "release them (or to refuse, with a reason). Nothing is needed from you now.", row.link, at, row=row)
        return row

    def actor(self, row: Row, role: str) -> _Person:
        if role == "host":
            return row.opp.host
        if role == "home_manager":
            return row.manager
        if role == "applicant":
            return row.applicant
        team = [p for p in self.hr_team if p.pk != row.applicant.pk]
        return team[self.rng.randrange(len(team))]

    def move(self, row: Row, action: str, when: dt.datetime, data: dict[str, Any]) -> None:
        move = MOVES[action]
        assert row.state in move.sources, (row.reference, row.state, action)
        role = move.roles[0]
        person = self.actor(row, role)
        user = self.login(person, when)
        reason = data.get("reason", "")
        summary = ""
        if action == "confirm_placement":
            row.start, row.end, row.original_end = data["start_date"], data["end_date"], data["end_date"]
            row.plan = data["development_plan"]
            summary = f"Placement confirmed from {words_day(row.start)} to {words_day(row.end)}"
        elif action == "place":
            summary = self.place(row, person, user, when)
        elif action == "request_extension":
            row.requested_end = data["new_end_date"]
            summary = f"Extension to {words_day(data['new_end_date'])} requested"
        elif action == "approve_extension":
            assert row.requested_end is not None
            row.end, row.requested_end = row.requested_end, None
            self.set_appointment_end(row)
            summary = f"Extension approved: the secondment now ends on {words_day(row.end)}"
        elif action == "refuse_extension":
            row.requested_end = None
            summary = "Extension refused"
        elif action == "confirm_end":
            assert row.end is not None
            if data.get("last_day") is not None and data["last_day"] != row.end:
                row.end = data["last_day"]
                self.set_appointment_end(row)
                summary = f"Return confirmed: the last day is {words_day(row.end)} (earlier than planned)"
            else:
                summary = f"Return confirmed: the last day is {words_day(row.end)}"
        elif action == "record_return":
            summary = self.record_return(row, person, user, when)
        from_state = row.state
        row.state = move.target or row.state
        row.step += 1
        row.updated_at = when
        if row.state in CLOSED and row.closed_at is None:
            row.closed_at = when
        record = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in data.items() if v is not None}
        record["role"] = role
        row.events.append((row.step - 1, action, person.pk, CAPACITY[role], from_state, row.state, reason, record,
                           when))
        self.history(row, when, f"secondments.{action}", person, user,
                     "{ref}: " + f"{summary or move.label}." + (f" Reason: {reason}" if reason else ""),
                     capacity="" if role == "applicant" else CAPACITY[role])
        said = SECONDMENTS.sentences[action][1].format(actor=_name(person), title=row.opp.title)
        news = said + (f" The reason given: “{reason}”." if reason else "")
        involved = {p.pk for p in (row.applicant, row.manager, row.opp.host) if p.pk != person.pk} \
            if move.tells_involved else set()
        told = self.refresh(row, when, actor=person, news=news, news_to=involved)
        if move.tells_involved:
            body = f"{news} {self.what_next(row)}".rstrip()
            for other in sorted({row.applicant, row.manager, row.opp.host}, key=lambda p: p.pk):
                if other.pk in involved and other.pk not in told:
                    self.notify(other, f"{{ref}}: {said.split('. ')[0]}", body, row.link, when, row=row)

    def set_appointment_end(self, row: Row) -> None:
        if row.appointment is None:
            return
        for i in range(len(self.appointments) - 1, -1, -1):
            if self.appointments[i][0] == row.appointment:
                pk, person, post, start, _ = self.appointments[i]
                self.appointments[i] = (pk, person, post, start, row.end)
                return
        self.adopted_ends.append((row.appointment, row.end))

    def place(self, row: Row, hr: _Person, user: int, when: dt.datetime) -> str:
        """``effects._place``: the secondment appointment in the host post, the substantive kept, pay at a higher
        host grade from the first day."""
        assert row.start is not None and row.end is not None
        p, opp = row.applicant, row.opp
        home = self.pay_on(p, row.start)
        assert home is not None
        post_words = f"{opp.post.title} ({self.u.post_numbers[id(opp.post)]})"
        adopted = self.adopted.get(p.pk)
        if adopted is not None:
            row.appointment, row.secondment_pay = adopted
            home = self.pay_on(p, row.start - dt.timedelta(days=1))
            assert home is not None
        else:
            row.appointment = self.w.new_id(Appointment)
            self.appointments.append((row.appointment, p, opp.post, row.start, row.end))
        substantive = self.substantive_post(p, row.start)
        assert substantive is not None
        self.gen.history.append(HistoryRow(
            created_at=when, action="people.appointment_added", object_type=Appointment._meta.label_lower,
            object_id=row.appointment, object_repr=f"{_name(p)} in {post_words} (Secondment)", actor_id=user,
            actor_label=_name(hr), person_id=p.pk,
            summary=f"{_name(p)}: secondment to {post_words} from {words_day(row.start)} to {words_day(row.end)} "
                    f"({row.reference}); the substantive appointment in {substantive.title} "
                    f"({self.u.post_numbers[id(substantive)]}) is kept."))
        row.home_row = home
        self.pending_pay.append(row)
        summary = f"Placed in {opp.post.title} from {words_day(row.start)} to {words_day(row.end)}"
        if opp.grade > home[1]:
            host = self.grades[opp.grade]
            point = host_point(home[2], host)
            if adopted is None:
                row.secondment_pay = self.w.new_id(PayRecord)
                note = f"Secondment {row.reference}: paid at {host} while seconded"
                self.pay.append((row.secondment_pay, p, opp.grade, point, row.start, opp.post, note, when, user))
                self.pay_history(row.secondment_pay, p, opp.grade, point, row.start, hr, user, when)
                p.pay_rows[:] = sorted(p.pay_rows + [(row.start, opp.grade, point, PayRecord.Reason.SECONDMENT,
                                                      opp.post, note)], key=lambda r: r[0])
            summary += f"; paid at {host}, spine point {point}, while seconded"
        else:
            row.secondment_pay = None if adopted is None else row.secondment_pay
            summary += "; pay stays at the substantive grade and point"
        opp.status = Opportunity.Status.FILLED
        self.opp_history(opp, when, "secondments.opportunity_filled", hr, user, f"{{oref}} {opp.title}: filled by {{ref}}.",
                         row=row)
        return summary

    def record_return(self, row: Row, hr: _Person, user: int, when: dt.datetime) -> str:
        """``effects._record_return``: pay back to the substantive grade and point held before, from the day
        after the last day."""
        assert row.end is not None
        back = row.end + dt.timedelta(days=1)
        row.returned_on = back
        summary = f"Returned to the substantive post from {words_day(back)}"
        home = row.home_row
        if row.secondment_pay is not None and home is not None:
            grade = self.grades[home[1]]
            point = min(home[2], grade.top_point)
            pk = self.w.new_id(PayRecord)
            post = self.substantive_post(row.applicant, row.start or back)
            note = f"Return from secondment {row.reference}: the substantive grade and spine point held before"
            self.pay.append((pk, row.applicant, home[1], point, back, post, note, when, user))
            self.pay_history(pk, row.applicant, home[1], point, back, hr, user, when)
            row.applicant.pay_rows[:] = sorted(row.applicant.pay_rows + [
                (back, home[1], point, PayRecord.Reason.SECONDMENT, post, note)], key=lambda r: r[0])
            summary += f"; pay back to {grade}, spine point {point}"
        return summary

    def pay_history(self, pk: int, p: _Person, grade: int, point: int, effective: dt.date, hr: _Person, user: int,
                    when: dt.datetime) -> None:
        """``grades.services.record_pay_change``'s history row."""
        name = str(self.grades[grade])
        self.gen.history.append(HistoryRow(
            created_at=when, action="pay.recorded", object_type=PayRecord._meta.label_lower, object_id=pk,
            object_repr=f"{_name(p)}: {name}, point {point} from {effective}", actor_id=user, actor_label=_name(hr),
            person_id=p.pk, summary=f"{_name(p)}: {name}, spine point {point} from {effective:%d %b %Y} (secondment).",
            after={"grade": name, "spine_point": point, "effective_from": effective.isoformat(),
                   "reason": PayRecord.Reason.SECONDMENT}))

    def due(self, row: Row, on: dt.date) -> dt.date:
        """``engine.due_date_for`` with ``workflow.due_days`` (the end date set on entering placed or ending)."""
        if row.state in ("placed", "ending") and row.end is not None:
            before = SETTINGS["DECIDE_BEFORE_END_WORKING_DAYS"] if row.state == "placed" else 0
            return self.add_working(on, max(self.between(on, row.end) - before, 1))
        targets = SETTINGS["STEP_TARGETS"]
        return self.add_working(on, targets.get(row.state, targets["default"]))

    def refresh(self, row: Row, when: dt.datetime, *, actor: _Person, news: str = "",
                news_to: set[int] | frozenset[int] = frozenset()) -> set[int]:
        """``engine.refresh_tasks`` for the application at ``when`` (no move here keeps a task)."""
        for task in row.tasks:
            if task.completed_at is None:
                task.completed_at = when
        told: set[int] = set()
        if row.state in CLOSED:
            return told
        role = TASK_ROLE[row.state]
        person = {"host": row.opp.host, "home_manager": row.manager}.get(role)
        if person is row.applicant:
            return told
        label = STATES[row.state]
        due = self.due(row, self.local(when))
        task = TaskRow(pk=self.w.new_id(Task), step=row.step, state=row.state,
                       assignee=person.pk if person else None, role=role, team="" if person is not None else groups.HR_SERVICES,
                       capacity=CAPACITY[role], description=f"{label}: {{ref}} {row.opp.title}", due=due, created_at=when)
        row.tasks.append(task)
        if person is None or person.pk == actor.pk:
            return told
        can = " or ".join(m.label[:1].lower() + m.label[1:] for m in SECONDMENTS.moves_from("secondment", row.state)
                          if role in m.roles and m.style != "danger")
        opening = news + " " if news and person.pk in news_to else ""
        if opening:
            told.add(person.pk)
        self.notify(person, f"{{ref}} {row.opp.title}: waiting for you by {words_day(due)}",
                    f"{opening}Secondment {{ref}} ({row.opp.title}) is at the step “{label}”. As {CAPACITY[role]}, you "
                    f"can {can or 'act on it'}. Please act by {words_day(due)}.", row.link, when, task=task, row=row)
        return told

    def what_next(self, row: Row) -> str:
        if row.state in CLOSED:
            return ""
        tasks = [t for t in row.tasks if t.completed_at is None]
        label = STATES[row.state]
        if not tasks:
            return f"{{ref}} is now at the step “{label}”."
        who = ", ".join(_name(self.people[t.assignee]) if t.assignee else "HR Services" for t in tasks)
        return f"{{ref}} is now at the step “{label}”, waiting for {who}, by {words_day(tasks[0].due)}."

    def notify(self, recipient: _Person, subject: str, body: str, link: str, when: dt.datetime,
               task: TaskRow | None = None, row: Row | None = None, opp: Opp | None = None) -> None:
        self.messages.append(Message(recipient, subject, body, link, when, task, row, opp))

    def history(self, row: Row, at: dt.datetime, action: str, person: _Person, user: int, summary: str,
                capacity: str = "") -> None:
        entry = HistoryRow(created_at=at, action=action, object_type=SECONDMENT_TYPE, object_id=row.pk,
                           object_repr="", actor_id=user, actor_label=_name(person), capacity=capacity,
                           person_id=row.applicant.pk, summary=summary)
        self.gen.history.append(entry)
        self.own_history.append((entry, None, row))

    def opp_history(self, opp: Opp, at: dt.datetime, action: str, person: _Person, user: int, summary: str,
                    row: Row | None = None) -> None:
        entry = HistoryRow(created_at=at, action=action, object_type=OPPORTUNITY_TYPE, object_id=opp.pk,
                           object_repr="", actor_id=user, actor_label=_name(person), summary=summary)
        self.gen.history.append(entry)
        self.own_history.append((entry, opp, row))

    # --- references, then writing ---------------------------------------------------------------------------

    def finish(self) -> dict[str, int]:
        counters: Counter[tuple[str, int]] = Counter()
        for opp in sorted(self.opps, key=lambda o: (o.created_at, o.pk)):
            year = self.local(opp.created_at).year
            counters["secondment-opportunity", year] += 1
            opp.reference = f"SO-{year}-{counters['secondment-opportunity', year]:04d}"
        for row in sorted(self.rows, key=lambda r: (r.created_at, r.pk)):
            year = self.local(row.created_at).year
            counters["secondment", year] += 1
            row.reference = f"SE-{year}-{counters['secondment', year]:04d}"
        for entry, opp, row in self.own_history:
            ref = row.reference if row is not None else ""
            if opp is not None:
                entry.object_repr = f"{opp.reference} {opp.title}"[:300]
                entry.summary = entry.summary.replace("{oref}", opp.reference).replace("{ref}", ref)
            else:
                assert row is not None
                entry.object_repr = row.repr()[:300]
                entry.summary = entry.summary.replace("{ref}", ref).replace("{opp}", row.opp.reference)
        for m in self.messages:
            row, opp = m.row, m.opp
            if row is not None:
                m.subject = headline(m.subject.replace("{ref}", row.reference))
                m.body = m.body.replace("{ref}", row.reference)
            elif opp is not None:
                m.subject = headline(f"Secondment opportunity {opp.reference}: {opp.title}")
                m.link = f"/secondments/opportunities/{opp.pk}/"
                m.body = (f"A secondment opportunity was posted: {opp.title} in {opp.post.node.unit.name} "
                          f"({self.grades[opp.grade]}), from {words_day(opp.start)} to {words_day(opp.end)}. As you "
                          "are on the redeployment register, you can see it and apply before anyone else, until "
                          f"{words_day(opp.posted + dt.timedelta(days=SETTINGS['REDEPLOYMENT_PRIORITY_DAYS']))}. "
                          f"Applications close on {words_day(opp.closing)}.")
        for row in self.rows:
            for task in row.tasks:
                task.description = task.description.replace("{ref}", row.reference)[:300]
        self.counters = counters
        self.gen.shared["secondments"] = self.rows
        self.resolve_ids()
        return self.write()

    def resolve_ids(self) -> None:
        """The substantive appointment kept and the pay record in force before the start (the people step's
        rows, read once)."""
        ids = {row.applicant.pk for row in self.pending_pay}
        substantive: dict[int, list[tuple[int, dt.date, dt.date | None]]] = defaultdict(list)
        for person, pk, start, end in Appointment.objects.filter(
                person_id__in=ids, kind=Appointment.Kind.SUBSTANTIVE).values_list("person_id", "pk", "start_date",
                                                                                  "end_date"):
            substantive[person].append((pk, start, end))
        pay: dict[int, list[tuple[dt.date, int]]] = defaultdict(list)
        for person, pk, effective in PayRecord.objects.filter(person_id__in=ids).order_by(
                "effective_from", "id").values_list("person_id", "pk", "effective_from"):
            pay[person].append((effective, pk))
        for row in self.pending_pay:
            assert row.start is not None
            on = row.start - dt.timedelta(days=1) if row.applicant.pk in self.adopted else row.start
            row.substantive = next((pk for pk, s, e in substantive[row.applicant.pk]
                                    if s <= row.start and (e is None or e >= row.start)), None)
            row.home_pay = next((pk for effective, pk in reversed(pay[row.applicant.pk]) if effective <= on), None)

    def write(self) -> dict[str, int]:
        w, rows = self.w, self.rows
        self.write_logins()
        w.insert(Appointment, ("id", "person_id", "post_id", "kind", "start_date", "end_date"), (
            (pk, p.pk, post.pk, Appointment.Kind.SECONDMENT, start, end) for pk, p, post, start, end in self.appointments))
        w.update(Appointment, "end_date", self.adopted_ends)
        w.insert(PayRecord, ("id", "person_id", "grade_id", "spine_point", "effective_from", "reason", "post_id", "note",
                             "recorded_at", "recorded_by_id"), (
            (pk, p.pk, self.grades[grade].pk, point, effective, PayRecord.Reason.SECONDMENT, post.pk if post else None,
             note[:300], at, user) for pk, p, grade, point, effective, post, note, at, user in self.pay))
        w.insert(Opportunity, ("id", "reference", "title", "reason", "description", "host_unit_id", "post_id",
                               "grade_id", "fte", "start_date", "end_date", "closing_date", "host_manager_id",
                               "posted_by_id", "status", "posted_on", "register_until", "created_at", "status_reason"), (
            (o.pk, o.reference, o.title, o.reason, o.description, o.post.node.unit.pk, o.post.pk,
             self.grades[o.grade].pk, "1.00", o.start, o.end, o.closing, o.host.pk, o.host.pk, o.status, o.posted,
             o.posted + dt.timedelta(days=SETTINGS["REDEPLOYMENT_PRIORITY_DAYS"]), o.created_at, o.status_reason)
            for o in self.opps))
        hr = self.persona["hrservices"]
        w.insert(RedeploymentEntry, ("id", "person_id", "since", "note", "added_by_id", "added_at", "removed_at",
                                     "removed_by_id", "removal_reason"), (
            (pk, p.pk, since, "Post at risk of redundancy: the grant ends.", hr.pk, added, removed,
             hr.pk if removed else None, reason) for pk, p, since, added, removed, reason in self.register))
        w.insert(Secondment, (
            "id", "reference", "state", "step", "created_at", "updated_at", "closed_at", "opportunity_id",
            "applicant_id", "home_manager_id", "host_manager_id", "home_unit_id", "host_unit_id", "title", "statement",
            "evidence", "start_date", "end_date", "original_end_date", "requested_end_date", "development_plan",
            "substantive_id", "appointment_id", "home_pay_id", "secondment_pay_id", "returned_on"), (
            (r.pk, r.reference, r.state, r.step, r.created_at, r.updated_at, r.closed_at, r.opp.pk, r.applicant.pk,
             r.manager.pk, r.opp.host.pk, r.home_unit, r.opp.post.node.unit.pk, r.opp.title[:200], r.statement, "",
             r.start, r.end, r.original_end, r.requested_end, r.plan, r.substantive, r.appointment, r.home_pay,
             r.secondment_pay, r.returned_on) for r in rows))
        events = self.write_events(SecondmentEvent, "secondment_id", rows)
        tasks = self.write_tasks(Secondment, rows, lambda r: (r.opp.title, r.opp.post.node.unit.pk, r.applicant.pk))
        self.messages.sort(key=lambda m: m.created_at)
        kept = self.write_messages(72)
        write_counters(self.counters)
        states = Counter(r.state for r in rows)
        status = Counter(o.status for o in self.opps)
        return {
            "opportunities": len(self.opps), "filled": status[Opportunity.Status.FILLED],
            "open": status[Opportunity.Status.OPEN], "closed": status[Opportunity.Status.CLOSED],
            "withdrawn opportunities": status[Opportunity.Status.WITHDRAWN],
            "applications": len(rows), **{f"applications {state}": states[state] for state in STATES},
            "events": events, "secondment appointments": len(self.appointments),
            "of the people step's secondments": len(self.adopted), "pay records": len(self.pay),
            "tasks": len(tasks), "open tasks": sum(1 for t in tasks if t.completed_at is None),
            "on the redeployment register": sum(1 for r in self.register if r[4] is None),
            "notifications": kept, "e-mails": self.emails, "logins made": len(self.new_logins),
        }


def run(generation: Generation) -> dict[str, int]:
    secondments = _Secondments(generation)
    counts = secondments.run()
    counts["history entries"] = generation.flush_history()
    return counts


STEP = Step(NAME, "Secondment opportunities and applications since go-live", run, after=("people", "allowances"))


# --- Checking what was generated (gradepath.demo.generate.checks) --------------------------------------------


class _Rollback(Exception):
    pass


def problems(sample: int | None = 200) -> list[str]:
    """Secondments: each (sampled) application a walk of the process's table; an open one's tasks exactly those
    ``engine.refresh_tasks`` makes as of the move that brought it to its state (with the end date the process
    sets on entering "placed" or "ending"), a closed one's none; every open task's message there, no finished
    task's; a placed one has its secondment appointment on the host post to its last day, its substantive
    appointment kept, and at a higher host grade the pay in force on its first day at the host grade, and a
    returned one its pay back at the substantive grade and point from the first day back."""
    from django.db import transaction

    from gradepath.demo.clock import demo_clock
    from gradepath.secondments import effects
    from gradepath.workflow import engine
    from gradepath.workflow.testing import check_history

    found: list[str] = []
    tasks = Task.objects.filter(process=NAME)
    ids = sorted(Secondment.objects.values_list("pk", flat=True))
    if sample is not None and len(ids) > sample:
        ids = sorted(random.Random(1).sample(ids, sample))
    for s in Secondment.objects.filter(pk__in=ids).select_related(
            "opportunity__grade", "appointment", "substantive", "home_pay__grade", "secondment_pay__grade"):
        ref = s.reference
        try:
            check_history(SECONDMENTS, s)
        except AssertionError as failed:
            found.append(f"{ref}: its events are not a walk of the secondments table ({failed}).")
        generated = sorted((t.assignee_id or 0, t.team, t.role, t.capacity, t.due_date)
                           for t in tasks.filter(object_id=s.pk, completed_at__isnull=True))
        if s.state in CLOSED:
            if generated:
                found.append(f"{ref} is {s.state} but has open tasks.")
        else:
            entered = (SecondmentEvent.objects.filter(secondment=s, to_state=s.state).order_by("-step")
                       .values_list("created_at", flat=True).first())
            try:
                with transaction.atomic():
                    with demo_clock() as clock:
                        clock.set(entered or s.created_at)
                        token = effects.ENDING.set(s.end_date if s.state in ("placed", "ending") else None)
                        try:
                            engine.refresh_tasks(SECONDMENTS, s)
                        finally:
                            effects.ENDING.reset(token)
                    refreshed = sorted((t.assignee_id or 0, t.team, t.role, t.capacity, t.due_date)
                                       for t in tasks.filter(object_id=s.pk, completed_at__isnull=True))
                    raise _Rollback
            except _Rollback:
                pass
            if generated != refreshed:
                found.append(f"{ref} ({s.state}): open tasks {generated}, the engine makes {refreshed}.")
        if s.state in ("placed", "extension_review", "ending", "returned"):
            a = s.appointment
            if a is None or (a.kind, a.person_id, a.post_id, a.start_date, a.end_date) != (
                    Appointment.Kind.SECONDMENT, s.applicant_id, s.opportunity.post_id, s.start_date, s.end_date):
                found.append(f"{ref}: its secondment appointment is not on the host post from the first to the last day.")
            if s.substantive is None or s.substantive.kind != Appointment.Kind.SUBSTANTIVE or \
                    s.substantive.person_id != s.applicant_id:
                found.append(f"{ref}: the substantive appointment kept is not the applicant's.")
            higher = s.home_pay is not None and s.opportunity.grade.number > s.home_pay.grade.number
            if higher != (s.secondment_pay is not None):
                found.append(f"{ref}: pay at the host grade is written exactly when the host grade is higher.")
            if s.secondment_pay is not None and (s.secondment_pay.effective_from, s.secondment_pay.grade.number) != (
                    s.start_date, s.opportunity.grade.number):
                found.append(f"{ref}: its pay at the host grade is not from the first day.")
            if s.state == "returned" and s.secondment_pay is not None and s.home_pay is not None:
                back = PayRecord.objects.filter(person_id=s.applicant_id, effective_from=s.returned_on,
                                                reason=PayRecord.Reason.SECONDMENT).select_related("grade").first()
                if back is None or (back.grade.number, back.spine_point) != (
                        s.home_pay.grade.number, min(s.home_pay.spine_point, back.grade.top_point)):
                    found.append(f"{ref}: its pay is not back at the substantive grade and point from the day after.")
    keys = set(Notification.objects.filter(key__startswith=f"{NAME}.task:").values_list("key", flat=True))
    open_tasks = set(tasks.filter(completed_at__isnull=True, assignee__isnull=False).values_list("pk", flat=True))
    if stale := keys - {f"{NAME}.task:{pk}" for pk in open_tasks}:
        found.append(f"{len(stale)} secondment messages belong to tasks that are finished.")
    # Nobody is told about a task their own move made (the host's after confirming the end is HR Services').
    return found[:50]
