"""Step "allowances": acting up and honoraria since go-live, with their events, tasks, pay records,
acting-up appointments, history rows and messages, as the allowances process leaves them
(:data:`gradepath.allowances.workflow.ALLOWANCES`, :mod:`gradepath.allowances.effects`).

Each allowance is walked through the process's own table in memory, each move by the role it names (the
line manager proposes, the FM/HPS of the person's unit or their active delegate approves acting up, a
member of HR Services confirms the pay, ends it, agrees or counters an honorarium's amount):

* **acting up ended** (about 1% of staff since go-live): proposed a few weeks before its start, approved,
  its pay confirmed (an acting-up appointment on the higher-graded post and a pay record at the acting-up
  point from the start date, reason ``acting_up``), ended by HR Services on its end date, or earlier with
  a reason (the appointment ending on the last day), when a pay record writes the pay back to the
  substantive grade and point from the day after. Each period lies between two increment dates and
  between the person's other pay changes, so the point pay returns to is the one held before
  (``allowances.pay.restored_point``) and the pay history reads in order;
* **acting up running now**: the people step's own acting-up appointments and pay records (the demo
  builder's temporary moves) get their allowance, proposed, approved and confirmed before they started,
  and a few more started since this pay year's increment; HR Services' task to end each is due on its
  end date (``effects.after_move``);
* **proposals waiting**: acting up waiting for the FM/HPS (or their delegate) or for HR Services to
  confirm the pay, honoraria waiting for HR Services to agree the amount or for the line manager to
  accept HR Services' amount, each with its task and the "waiting for you" message of a person's task;
* **honoraria agreed** (paid once or monthly over a period, the amount agreed straight away or after HR
  Services proposed another), and a few proposals declined or withdrawn, with their reasons.

The messages are the engine's and the process's own (``effects.outcome``): a person's task is announced
while it is open, a move that tells the people involved tells them, and the outcomes (pay confirmed,
acting up ended, an honorarium agreed) go to the member of staff and their line manager; every message
is e-mailed too. References (``AL-2026-0001``) follow the order allowances were proposed in each year,
and the reference counters end there. Later steps find the allowances in ``generation.shared``
("allowances") and the pay rows written here in the people's ``pay_rows``.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from gradepath.allowances.effects import day as words_day
from gradepath.allowances.models import Allowance, AllowanceEvent
from gradepath.allowances.pay import acting_up_point, add_months, increments_between, restored_point
from gradepath.allowances.workflow import ALLOWANCES
from gradepath.demo.builder import GO_LIVE_DAYS, _Person, _Post
from gradepath.demo.generate.base import (
    Generation,
    Holders,
    ProcessRun,
    Step,
    TaskRow,
    write_counters,
)
from gradepath.demo.generate.base import person_name as _name
from gradepath.demo.generate.writer import HistoryRow
from gradepath.grades.models import PayRecord
from gradepath.notifications.models import Notification
from gradepath.people import roles as groups
from gradepath.people.models import Appointment
from gradepath.workflow.models import Task

NAME = "allowances"
ALLOWANCE_TYPE = Allowance._meta.label_lower
STATES = ALLOWANCES.states
CLOSED = set(ALLOWANCES.closed_states)
MOVES = ALLOWANCES.moves_by_action
ACTING_ENDED = 0.011  # share of staff who acted up since go-live (and are back on their substantive pay)
ACTING_NOW = 0.0015  # share acting up now besides the people step's own (started since this pay year began)
HONORARIA = 0.01  # share of staff paid an honorarium since go-live
EARLY = 0.15  # share of acting up ended early, with a reason
COUNTERED = 0.3  # share of honoraria agreed after HR Services proposed another amount
INCREMENT_DAY = (8, 1)

DUTIES = [
    "The full duties of the post while its holder is on long-term leave: running the team, its budget and its "
    "rota, and representing it at the department's meetings.",
    "The duties of the post while it is recruited to: the section's day-to-day management and its staff.",
    "Leading the service while the post is vacant: the team's work, suppliers and the service's reporting.",
]
HONORARIUM_DUTIES = [
    "Laboratory safety lead for the section while the safety officer's post is vacant: inspections, risk "
    "assessments and the training of new starters.",
    "Coordinating the move of the team to the new building: planning, suppliers and the bookings during the move.",
    "Running the department's admissions events this year on top of the usual duties.",
    "Introducing the new finance system in the division: training colleagues and checking the first months' "
    "transactions.",
    "Covering the section's reception and bookings while a colleague is on leave, on top of the usual duties.",
    "Organising the faculty's research conference: programme, speakers, venue and budget.",
]
END_EARLY = [
    "The post's holder returned from leave earlier than planned.",
    "The post has been filled: the new holder starts the day after.",
    "The duties were shared out in the team after a reorganisation.",
]
DECLINES = [
    "The duties can be shared in the team for this period; acting up is not needed.",
    "The period is too short to need acting up: the higher post's duties are covered by its deputy.",
]
HONORARIUM_DECLINES = [
    "These duties are part of the job as its JD describes it: no honorarium is due.",
    "The extra duties are not significant enough for an honorarium; they can be recognised at the appraisal.",
]
WITHDRAWALS = [
    "Plans changed: the work is now covered another way.",
    "The member of staff asked not to take this on this year.",
]
COUNTER_REASONS = [
    "In line with the honoraria paid for similar duties in the faculty this year.",
    "The duties take about a day a week: this amount reflects that.",
]


@dataclass(eq=False)
class Row:
    """One allowance as the services would leave it (the fields ``Allowance`` stores)."""

    pk: int
    kind: str
    person: _Person
    manager: _Person
    unit_id: int
    start: dt.date
    end: dt.date | None
    created_at: dt.datetime
    reference: str = ""
    title: str = ""
    duties: str = ""
    state: str = "draft"
    step: int = 0
    updated_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    post: _Post | None = None
    higher_grade: int | None = None  # grade numbers
    substantive_grade: int | None = None
    substantive_point: int | None = None
    acting_point: int | None = None
    pay_record: int | None = None
    restored_record: int | None = None
    appointment: int | None = None
    ended_on: dt.date | None = None
    payment: str = ""
    proposed_amount: int | None = None
    hr_amount: int | None = None
    agreed_amount: int | None = None
    agreed_at: dt.datetime | None = None
    events: list[tuple] = field(default_factory=list)  # (step, action, actor, capacity, from, to, reason, data, at)
    tasks: list[TaskRow] = field(default_factory=list)

    @property
    def link(self) -> str:
        return f"/acting-up/{self.pk}/"

    def repr(self) -> str:
        return f"{self.reference} {'Acting up' if self.kind == 'acting_up' else 'Honorarium'}: {self.title}"


@dataclass(frozen=True)
class Plan:
    """One allowance to make: its kind, person, dates, the post acted up in, and its moves
    ``(action, when, data)`` in order."""

    kind: str
    person: _Person
    start: dt.date
    end: dt.date | None
    created: dt.datetime
    moves: list[tuple[str, dt.datetime, dict[str, Any]]]
    post: _Post | None = None
    pay: tuple | None = None  # the person's pay row in force on the start date
    payment: str = ""
    amount: int | None = None
    adopted: tuple[int, int] | None = None  # (appointment id, pay record id) the people step wrote


class _Allowances(ProcessRun):
    process = NAME

    def __init__(self, generation: Generation):
        super().__init__(generation, 61)  # HR Services' own matters are left out (nobody acts on them: hr_ids)
        self.units = {n.unit.pk: n.unit for n in self.u.nodes}
        self.holders = Holders(self.units)
        self.grades = self.u.grades
        self.rows: list[Row] = []
        self.appointments: list[tuple] = []  # (id, person, post, start, end)
        self.pay: list[tuple] = []  # (id, person, grade, point, from, post, note, recorded at, recorded by)
        self.adopted_pay: list[tuple[int, str, dt.datetime, int]] = []  # (pay record id, note, at, user)
        self.counters: Counter[int] = Counter()
        self.busy_posts: dict[int, list[tuple[dt.date, dt.date]]] = defaultdict(list)
        self.taken: set[int] = set()
        # People whose pay the grading step changed, and posts it regraded: left alone here.
        self.case_subjects = {c.subject.pk for c in getattr(self.cases, "cases", []) if c.subject is not None}
        self.regraded_posts = {pk for pk, _ in getattr(self.cases, "post_grades", [])}
        self.post_lines: dict[int, list[tuple[dt.date, int]]] = defaultdict(list)
        for post, grade, start, _, _, _ in self.u.post_grade_lines:
            self.post_lines[id(post)].append((start, grade))

    # --- people and posts --------------------------------------------------------------------------------

    def eligible(self, p: _Person, *, pay: bool = True) -> bool:
        """Whether ``p`` can be given an allowance here (``pay``: one that changes their pay, so not someone
        whose pay a grading case changed)."""
        return (p.manager is not None and p.start is not None and p.pk not in self.taken and not p.temporary
                and not (pay and p.pk in self.case_subjects) and not p.lead and p.role not in ("staff", "manager")
                and p.manager.start is not None and p.pk not in self.hr_ids and p.manager.pk not in self.hr_ids)

    def post_grade(self, post: _Post, on: dt.date) -> int | None:
        """The post's grade in force on ``on`` (None: not established then, or regraded by a case)."""
        if post.pk in self.regraded_posts:
            return None
        lines = [(start, grade) for start, grade in self.post_lines.get(id(post), []) if start <= on]
        return lines[-1][1] if len(lines) == len(self.post_lines.get(id(post), [])) and lines else None

    def higher_post(self, p: _Person, start: dt.date, end: dt.date, pay: tuple) -> tuple[_Post, int, int] | None:
        """A post of the person's unit (or the unit above) graded one or two above their pay, established by
        the start date, nobody else acting up in it meanwhile: (post, its grade, the acting-up point)."""
        own = {id(p.post), id(p.old_post)}
        candidates = self.posts_of(p.node)
        self.rng.shuffle(candidates)
        for post in candidates[:40]:
            if id(post) in own or post.pk is None:
                continue
            grade = self.post_grade(post, start)
            if grade is None or not pay[1] < grade <= pay[1] + 2:
                continue
            if any(s <= end and e >= start for s, e in self.busy_posts[post.pk]):
                continue
            higher = self.grades[grade]
            point = acting_up_point(pay[2], higher.bottom_point, higher.top_point)
            if point is None:
                continue
            return post, grade, point
        return None

    def posts_of(self, node) -> list[_Post]:
        if not hasattr(self, "_posts"):
            self._posts: dict[int, list[_Post]] = defaultdict(list)
            for post in self.u.posts:
                self._posts[id(post.node)].append(post)
        found = list(self._posts.get(id(node), []))
        if node.parent is not None:
            found += self._posts.get(id(node.parent), [])
        return found

    def fm_hps(self, row: Row, on: dt.date) -> tuple[_Person, str, str] | None:
        """Who is given the FM/HPS task (an active delegate first): (person, task capacity, capacity in words)."""
        return self.fm_hps_of(row.unit_id, row.person, row.manager, on)

    def fm_hps_of(self, unit_id: int, person: _Person, manager: _Person, on: dt.date
                  ) -> tuple[_Person, str, str] | None:
        found = self.holders.task_holder_words(unit_id, "fm_hps", on, person.pk, {manager.pk})
        if found is None:
            return None
        pk, capacity, words = found
        return self.people[pk], capacity, words

    def approvable(self, p: _Person, start: dt.date, moves: list[tuple[str, dt.datetime, dict[str, Any]]]) -> bool:
        """Someone may approve (or decline) the proposal whenever the FM/HPS acts on it or is given its task."""
        post = self.substantive_post(p, start)
        assert post is not None and p.manager is not None
        moments = [when for action, when, _ in moves if action in ("propose", "approve", "decline")]
        return all(self.fm_hps_of(post.node.unit.pk, p, p.manager, self.local(when)) is not None for when in moments)

    # --- the plans ---------------------------------------------------------------------------------------

    def plan_all(self) -> list[Plan]:
        rng = self.rng
        staff = [p for p in self.u.people if self.eligible(p)]
        rng.shuffle(staff)
        plans: list[Plan] = []
        plans += self.adopt()
        manager = self.persona.get("manager")
        team = [p for p in self.u.people if manager is not None and p.manager is manager]
        # The line manager login: an honorarium waiting for them to accept HR Services' amount, and an acting-up
        # proposal of theirs waiting for the FM/HPS (or their delegate).
        for make, state in ((self.honorarium_plan, "manager_acceptance"), (self.acting_plan, "fm_approval")):
            for p in team:
                if self.eligible(p, pay=make == self.acting_plan) and (plan := make(p, state)) is not None:
                    plans.append(plan)
                    break
        n = len(self.u.people)
        wanted_acting = [("ended", max(3, round(n * ACTING_ENDED))), ("acting", max(1, round(n * ACTING_NOW))),
                         ("fm_approval", max(2, round(n * 0.0008))), ("pay_confirmation", max(1, round(n * 0.0004))),
                         ("declined", max(1, round(n * 0.0004))), ("withdrawn", max(1, round(n * 0.0003)))]
        wanted_honoraria = [("agreed", max(3, round(n * HONORARIA))), ("hr_agreement", max(2, round(n * 0.0008))),
                            ("manager_acceptance", max(1, round(n * 0.0003))), ("declined", max(1, round(n * 0.0005))),
                            ("withdrawn", max(1, round(n * 0.0003)))]
        pool = iter(staff)
        for wanted, make in ((wanted_acting, self.acting_plan), (wanted_honoraria, self.honorarium_plan)):
            for state, count in wanted:
                made = tries = 0
                while made < count and tries < count * 6:
                    tries += 1
                    p = next(pool, None)
                    if p is None:
                        break
                    if p.pk in self.taken:
                        continue
                    plan = make(p, state)
                    if plan is not None:
                        plans.append(plan)
                        made += 1
        assert all(plan.created <= self.now for plan in plans)
        return plans

    def adopt(self) -> list[Plan]:
        """The people step's acting-up appointments and pay records (the builder's temporary moves): their
        allowances, proposed, approved and confirmed before they started."""
        acting = [p for p in self.u.people if p.temporary and p.temporary[0] == Appointment.Kind.ACTING_UP]
        if not acting:
            return []
        ids = {p.pk for p in acting}
        appointments = dict(Appointment.objects.filter(person_id__in=ids, kind=Appointment.Kind.ACTING_UP)
                            .values_list("person_id", "pk"))
        records = dict(PayRecord.objects.filter(person_id__in=ids, reason=PayRecord.Reason.ACTING_UP)
                       .values_list("person_id", "pk"))
        plans = []
        for p in acting:
            _, post, start, end = p.temporary  # type: ignore[misc]
            pay = self.pay_on(p, start - dt.timedelta(days=1))
            if p.manager is None or pay is None or p.pk not in appointments or p.pk not in records \
                    or not self.hr_ids - {p.pk, p.manager.pk}:  # nobody in HR Services could have confirmed it
                continue
            created = self.moment(start - dt.timedelta(days=self.rng.randint(21, 45)))
            approved = self.after(created, self.rng.randint(1, 6))
            confirmed = min(self.after(approved, self.rng.randint(1, 8)), self.now)
            moves = [("propose", created, {}), ("approve", approved, {}), ("confirm_pay", confirmed, {})]
            if not (created < approved < confirmed) or created < self.moment(self.go_live) \
                    or not self.approvable(p, start, moves):
                continue
            self.taken.add(p.pk)
            self.busy_posts[post.pk].append((start, end))
            plans.append(Plan("acting_up", p, start, end, created, moves, post=post, pay=pay,
                              adopted=(appointments[p.pk], records[p.pk])))
        return plans

    def acting_plan(self, p: _Person, state: str) -> Plan | None:
        rng, today = self.rng, self.today
        if state == "ended":
            start = self.first_of_month(self.go_live + dt.timedelta(days=60), today - dt.timedelta(days=120))
            if start is None:
                return None
            months = rng.choice((2, 3, 3, 4, 6, 6, 9))
            end = add_months(start, months) - dt.timedelta(days=1)
            if end > today - dt.timedelta(days=10):
                return None
        elif state == "acting":
            start = self.first_of_month(max(today - dt.timedelta(days=150), self.go_live), today - dt.timedelta(days=10))
            if start is None:
                return None
            end = add_months(start, rng.choice((4, 6, 9, 12))) - dt.timedelta(days=1)
            if end <= today:
                return None
        else:
            soon = today + dt.timedelta(days=rng.randint(10, 50)) if state in ("fm_approval", "pay_confirmation") \
                else self.go_live + dt.timedelta(days=rng.randint(90, GO_LIVE_DAYS - 60))
            start = self.first_of_month(soon, soon + dt.timedelta(days=31))
            if start is None:
                return None
            end = add_months(start, rng.choice((3, 4, 6))) - dt.timedelta(days=1)
        pay = self.pay_on(p, start)
        if pay is None or p.start is None or p.start > start - dt.timedelta(days=60):
            return None
        back = end + dt.timedelta(days=1)
        if state == "ended":
            grade = self.grades[pay[1]]
            if not self.quiet(p, start, back) or restored_point(
                    pay[2], grade.top_automatic_point, increments_between(start, back, INCREMENT_DAY),
                    has_increments=grade.has_increments) != pay[2]:
                return None
        elif state == "acting" and not self.quiet(p, start, today):
            return None
        found = self.higher_post(p, start, end, pay)
        if found is None:
            return None
        post, _, _ = found
        if state in ("fm_approval", "pay_confirmation"):
            created = self.moment(min(today - dt.timedelta(days=rng.randint(1, 12)), start - dt.timedelta(days=7)))
        else:
            created = self.moment(start - dt.timedelta(days=rng.randint(14, 40)))
        if created > self.now or created < self.moment(self.go_live):
            return None
        moves: list[tuple[str, dt.datetime, dict[str, Any]]] = [("propose", created, {})]
        last = created
        if state in ("pay_confirmation", "acting", "ended", "withdrawn") and (state != "withdrawn" or rng.random() < 0.5):
            last = self.after(last, rng.randint(1, 6))
            moves.append(("approve", last, {}))
        if state in ("acting", "ended"):
            last = self.after(last, rng.randint(1, 8))
            moves.append(("confirm_pay", last, {}))
        if state == "ended":
            if rng.random() < EARLY and (end - start).days > 60:
                last_day = start + dt.timedelta(days=rng.randint(43, (end - start).days - 10))
                when = self.after(max(last, self.moment(last_day)), rng.randint(0, 2))
                if self.local(when) >= end:
                    return None
                moves.append(("end_early", when, {"last_day": last_day, "reason": rng.choice(END_EARLY)}))
            else:
                when = self.moment(end + dt.timedelta(days=rng.randint(0, 3)))
                moves.append(("end", max(when, last + dt.timedelta(minutes=5)), {}))
        elif state == "declined":
            moves.append(("decline", self.after(last, rng.randint(1, 8)), {"reason": rng.choice(DECLINES)}))
        elif state == "withdrawn":
            moves.append(("withdraw", self.after(last, rng.randint(1, 8)), {"reason": rng.choice(WITHDRAWALS)}))
        if any(when > self.now for _, when, _ in moves) or not self.approvable(p, start, moves):
            return None
        self.taken.add(p.pk)
        if state not in ("declined", "withdrawn"):
            last_day = next((d["last_day"] for a, _, d in moves if a == "end_early"), end)
            self.busy_posts[post.pk].append((start, last_day))
            if state in ("acting", "ended"):
                self.block(p, post, start, last_day, pay)
        return Plan("acting_up", p, start, end, created, moves, post=post, pay=pay)

    def block(self, p: _Person, post: _Post, start: dt.date, last_day: dt.date, pay: tuple) -> None:
        """The pay rows acting up writes, in the person's pay history (for the steps after this one)."""
        grade = self.post_grade(post, start)
        assert grade is not None
        point = acting_up_point(pay[2], self.grades[grade].bottom_point, self.grades[grade].top_point)
        rows = [(start, grade, point, PayRecord.Reason.ACTING_UP, post, "Acting up")]
        if last_day < self.today:
            rows.append((last_day + dt.timedelta(days=1), pay[1], pay[2], PayRecord.Reason.ACTING_UP, pay[4],
                         "Acting up ended: back to the substantive grade and point"))
        p.pay_rows[:] = sorted(p.pay_rows + rows, key=lambda r: r[0])

    def honorarium_plan(self, p: _Person, state: str) -> Plan | None:
        rng, today = self.rng, self.today
        payment = "once" if rng.random() < 0.55 else "monthly"
        if state in ("hr_agreement", "manager_acceptance"):
            created = self.moment(today - dt.timedelta(days=rng.randint(1, 12)))
            start = self.first_of_month(self.local(created) + dt.timedelta(days=3), today + dt.timedelta(days=62))
        else:
            start = self.first_of_month(self.go_live + dt.timedelta(days=45), today + dt.timedelta(days=31))
            if start is None:
                return None
            created = self.moment(start - dt.timedelta(days=rng.randint(10, 40)))
        if start is None or p.start is None or p.start > start or created > self.now or \
                created < self.moment(self.go_live):
            return None
        end = add_months(start, rng.randint(2, 12)) - dt.timedelta(days=1) if payment == "monthly" else None
        amount = (rng.randrange(250, 2501, 50) if payment == "once" else rng.randrange(100, 601, 25))
        moves: list[tuple[str, dt.datetime, dict[str, Any]]] = [("propose", created, {})]
        last = created
        countered = state == "manager_acceptance" or (state == "agreed" and rng.random() < COUNTERED)
        if countered:
            other = max(50, amount + rng.choice((-1, 1)) * rng.randrange(50, 301, 25))
            if other == amount:
                other = amount + 50
            last = self.after(last, rng.randint(1, 6))
            moves.append(("propose_amount", last, {"amount": other, "reason": rng.choice(COUNTER_REASONS)}))
            if state == "agreed":
                last = self.after(last, rng.randint(1, 5))
                moves.append(("accept_amount", last, {}))
        elif state == "agreed":
            last = self.after(last, rng.randint(1, 8))
            moves.append(("agree_amount", last, {}))
        elif state == "declined":
            moves.append(("decline_honorarium", self.after(last, rng.randint(1, 8)),
                          {"reason": rng.choice(HONORARIUM_DECLINES)}))
        elif state == "withdrawn":
            moves.append(("withdraw", self.after(last, rng.randint(1, 8)), {"reason": rng.choice(WITHDRAWALS)}))
        if any(when > self.now for _, when, _ in moves):
            return None
        self.taken.add(p.pk)
        return Plan("honorarium", p, start, end, created, moves, payment=payment, amount=amount)

    # --- the run -------------------------------------------------------------------------------------------

    def run(self) -> dict[str, int]:
        plans = sorted(self.plan_all(), key=lambda plan: (plan.created, plan.person.idx))
        by_year: Counter[int] = Counter()
        for plan in plans:
            year = self.local(plan.created).year
            by_year[year] += 1
            self.allowance(plan, f"AL-{year}-{by_year[year]:04d}")
        self.counters = by_year
        self.gen.shared["allowances"] = self.rows
        return self.write()

    def allowance(self, plan: Plan, reference: str) -> None:
        p, manager = plan.person, plan.person.manager
        assert manager is not None
        post = self.substantive_post(p, plan.start)
        assert post is not None
        row = Row(pk=self.w.new_id(Allowance), kind=plan.kind, person=p, manager=manager, unit_id=post.node.unit.pk,
                  start=plan.start, end=plan.end, created_at=plan.created, reference=reference,
                  updated_at=plan.created)
        if plan.kind == "acting_up":
            assert plan.post is not None
            number = self.u.post_numbers[id(plan.post)]
            row.post = plan.post
            row.title = f"{_name(p)} acting up as {plan.post.title} ({number})"[:200]
            row.duties = self.rng.choice(DUTIES)
        else:
            row.duties = self.rng.choice(HONORARIUM_DUTIES)
            row.title = f"an honorarium for {_name(p)}: {row.duties.splitlines()[0]}"[:200]
            row.payment, row.proposed_amount = plan.payment, plan.amount
        self.rows.append(row)
        user = self.login(manager, plan.created)
        self.history(row, plan.created, "allowances.started", manager, user, f"Started {reference}: {row.title}.")
        for action, when, data in plan.moves:
            self.move(row, plan, action, when, dict(data))

    def actor(self, row: Row, role: str, when: dt.datetime) -> tuple[_Person, str]:
        if role == "line_manager":
            return row.manager, "line manager"
        if role == "hr_services":  # never on their own matter, nor on a proposal of their own
            team = [p for p in self.hr_team if p.pk not in (row.person.pk, row.manager.pk)]
            return team[self.rng.randrange(len(team))], ALLOWANCES.roles[role].label
        found = self.fm_hps(row, self.local(when))
        assert found is not None
        return found[0], found[2]

    def move(self, row: Row, plan: Plan, action: str, when: dt.datetime, data: dict[str, Any]) -> None:
        move = MOVES[action]
        assert row.state in move.sources or (action == "propose" and row.state == "draft"), (row.reference, action)
        role = move.roles[0]
        person, capacity = self.actor(row, role, when)
        user = self.login(person, when)
        reason = data.get("reason", "")
        target = move.target
        summary = ""
        if action == "propose":
            if row.kind == "acting_up":
                assert row.post is not None and plan.pay is not None
                higher, _, _ = self.higher_of(row, plan)
                row.higher_grade = higher
                target = "fm_approval"
                summary = (f"Proposed acting up in {self.post_words(row.post)} at {self.grades[higher].name} from "
                           f"{words_day(row.start)} to {words_day(row.end or row.start)}")
            else:
                target = "hr_agreement"
                summary = (f"Proposed an honorarium of £{row.proposed_amount:,} "
                           f"({'paid once' if row.payment == 'once' else 'paid monthly over a period'})")
        elif action == "confirm_pay":
            summary = self.confirm_pay(row, plan, person, user, when)
        elif action in ("end", "end_early"):
            last_day = data.get("last_day", row.end)
            assert last_day is not None
            back = self.restore(row, plan, person, user, when, last_day, early=action == "end_early")
            summary = (f"Acting up ended early on {words_day(last_day)}; pay back to {back}" if action == "end_early"
                       else f"Acting up ended on {words_day(last_day)}; pay back to {back}")
            if "last_day" in data:
                data["last_day"] = last_day.isoformat()
        elif action == "agree_amount":
            row.agreed_amount, row.agreed_at = row.proposed_amount, when
            summary = f"Amount agreed: £{row.agreed_amount:,} ({self.payment_words(row)})"
        elif action == "propose_amount":
            row.hr_amount = data["amount"]
            summary = f"HR Services proposed £{row.hr_amount:,} instead of £{row.proposed_amount:,}"
        elif action == "accept_amount":
            row.agreed_amount, row.agreed_at = row.hr_amount, when
            summary = f"Amount agreed: £{row.agreed_amount:,} ({self.payment_words(row)})"
        assert target is not None
        from_state = row.state
        row.state = target
        row.step += 1
        row.updated_at = when
        if target in CLOSED and row.closed_at is None:
            row.closed_at = when
        record = {"reason": reason, **{k: v for k, v in data.items() if k != "reason"}, "role": role}
        row.events.append((row.step - 1, action, person.pk, capacity, from_state, target, reason, record, when))
        self.history(row, when, f"allowances.{action}", person, user,
                     f"{row.reference}: {summary or move.label}." + (f" Reason: {reason}" if reason else ""),
                     capacity=capacity)
        said = ALLOWANCES.sentences[action][1].format(actor=_name(person), title=row.title)
        news = said + (f" The reason given: “{reason}”." if reason else "")
        involved = {row.person.pk, row.manager.pk} - {person.pk} if move.tells_involved else set()
        told = self.refresh(row, when, actor=person, news=news, news_to=involved)
        if move.tells_involved:
            body = f"{news} {self.what_next(row)}".rstrip()
            for other in (row.person, row.manager):
                if other.pk in involved and other.pk not in told:
                    self.notify(other, f"{row.reference}: {said.split('. ')[0]}", body, row.link, when)
        if row.state == "acting" and row.end is not None:
            for task in row.tasks:
                if task.completed_at is None:
                    task.due = row.end
        self.outcome(row, action, person, when)

    def higher_of(self, row: Row, plan: Plan) -> tuple[int, int, int]:
        assert row.post is not None and plan.pay is not None
        if plan.adopted is not None:
            grade = row.post.grade
        else:
            found = self.post_grade(row.post, row.start)
            assert found is not None
            grade = found
        point = acting_up_point(plan.pay[2], self.grades[grade].bottom_point, self.grades[grade].top_point)
        if plan.adopted is not None:  # the people step's pay record says the point
            point = next((r[2] for r in row.person.pay_rows if r[0] == row.start
                          and r[3] == PayRecord.Reason.ACTING_UP), point)
        assert point is not None
        return grade, plan.pay[1], point

    def post_words(self, post: _Post) -> str:
        return f"{post.title} ({self.u.post_numbers[id(post)]})"

    def payment_words(self, row: Row) -> str:
        return "paid once" if row.payment == "once" else "paid monthly over a period"

    def confirm_pay(self, row: Row, plan: Plan, hr: _Person, user: int, when: dt.datetime) -> str:
        """``effects._apply_confirm_pay``: the acting-up appointment and the pay record at the acting-up point."""
        assert row.post is not None and row.end is not None and plan.pay is not None
        higher, substantive, point = self.higher_of(row, plan)
        row.higher_grade, row.substantive_grade, row.substantive_point = higher, substantive, plan.pay[2]
        row.acting_point = point
        number = self.u.post_numbers[id(row.post)]
        note = f"Acting up {row.reference} in {number} to {words_day(row.end)}"
        if plan.adopted is not None:
            row.appointment, row.pay_record = plan.adopted
            self.adopted_pay.append((row.pay_record, note, when, user))
        else:
            row.appointment, row.pay_record = self.w.new_id(Appointment), self.w.new_id(PayRecord)
            self.appointments.append((row.appointment, row.person, row.post, row.start, row.end))
            self.pay.append((row.pay_record, row.person, higher, point, row.start, row.post, note, when, user))
        who, post_words = _name(row.person), self.post_words(row.post)
        self.gen.history.append(HistoryRow(
            created_at=when, action="appointment.started", object_type=Appointment._meta.label_lower,
            object_id=row.appointment, object_repr=f"{who} in {post_words} (Acting up)", actor_id=user,
            actor_label=_name(hr), person_id=row.person.pk,
            summary=f"Appointed {who} to {post_words} (acting up) from {row.start:%d %b %Y}.",
            after={"post": post_words, "kind": "acting_up", "start_date": row.start.isoformat(),
                   "end_date": row.end.isoformat()}))
        self.pay_history(row.pay_record, row.person, higher, point, row.start, PayRecord.Reason.ACTING_UP, hr, user,
                         when)
        return (f"Acting-up pay confirmed: {self.grades[higher].name}, spine point {point} from "
                f"{words_day(row.start)} (substantive {self.grades[substantive].name}, spine point {plan.pay[2]})")

    def restore(self, row: Row, plan: Plan, hr: _Person, user: int, when: dt.datetime, last_day: dt.date,
                *, early: bool) -> str:
        """``effects._restore``: the appointment ending on the last day, pay back from the day after."""
        assert row.post is not None and row.substantive_grade is not None and row.substantive_point is not None
        assert plan.pay is not None and row.appointment is not None
        back = last_day + dt.timedelta(days=1)
        grade = self.grades[row.substantive_grade]
        point = restored_point(row.substantive_point, grade.top_automatic_point,
                               increments_between(row.start, back, INCREMENT_DAY), has_increments=grade.has_increments)
        who, post_words = _name(row.person), self.post_words(row.post)
        if early:
            at = next(i for i in range(len(self.appointments) - 1, -1, -1) if self.appointments[i][0] == row.appointment)
            self.appointments[at] = (row.appointment, row.person, row.post, row.start, last_day)
            self.gen.history.append(HistoryRow(
                created_at=when, action="appointment.ended", object_type=Appointment._meta.label_lower,
                object_id=row.appointment, object_repr=f"{who} in {post_words} (Acting up)", actor_id=user,
                actor_label=_name(hr), person_id=row.person.pk,
                summary=f"{who}'s appointment to {post_words} ends on {last_day:%d %b %Y}.",
                before={"end_date": row.end.isoformat() if row.end else None}, after={"end_date": last_day.isoformat()}))
        row.restored_record = self.w.new_id(PayRecord)
        self.pay.append((row.restored_record, row.person, row.substantive_grade, point, back, plan.pay[4],
                         f"Acting up {row.reference} ended on {words_day(last_day)}: back to the substantive grade "
                         "and point", when, user))
        self.pay_history(row.restored_record, row.person, row.substantive_grade, point, back,
                         PayRecord.Reason.ACTING_UP, hr, user, when)
        row.ended_on = last_day
        return f"{grade.name}, spine point {point} from {words_day(back)}"

    def pay_history(self, pk: int, p: _Person, grade: int, point: int, effective: dt.date, reason: str,
                    hr: _Person, user: int, when: dt.datetime) -> None:
        """``grades.services.record_pay_change``'s history row."""
        name = self.grades[grade].name
        words = PayRecord.Reason(reason).label.lower()
        self.gen.history.append(HistoryRow(
            created_at=when, action="pay.recorded", object_type=PayRecord._meta.label_lower, object_id=pk,
            object_repr=f"{_name(p)}: {name}, point {point} from {effective}", actor_id=user, actor_label=_name(hr),
            person_id=p.pk, summary=f"{_name(p)}: {name}, spine point {point} from {effective:%d %b %Y} ({words}).",
            after={"grade": name, "spine_point": point, "effective_from": effective.isoformat(), "reason": reason}))

    def outcome(self, row: Row, action: str, actor: _Person, when: dt.datetime) -> None:
        """``effects.after_move``: the outcome to the member of staff and the line manager."""
        ref, who = row.reference, _name(row.person)
        if action == "confirm_pay":
            assert row.post is not None and row.higher_grade is not None and row.substantive_grade is not None
            told = (f"{ref}: acting up confirmed from {words_day(row.start)}",
                    f"{who} acts up in {self.post_words(row.post)} from {words_day(row.start)} to "
                    f"{words_day(row.end or row.start)}, paid at {self.grades[row.higher_grade].name}, spine point "
                    f"{row.acting_point} (from {self.grades[row.substantive_grade].name}, spine point "
                    f"{row.substantive_point}). On the end date pay returns to the substantive grade.")
        elif action in ("end", "end_early"):
            assert row.post is not None and row.ended_on is not None and row.substantive_grade is not None
            back = next(r for r in self.pay if r[0] == row.restored_record)
            told = (f"{ref}: acting up ended",
                    f"{who}'s acting up in {self.post_words(row.post)} ended on {words_day(row.ended_on)}. Pay "
                    f"returns to {self.grades[back[2]].name}, spine point {back[3]}, from {words_day(back[4])}.")
        elif action in ("agree_amount", "accept_amount"):
            assert row.agreed_amount is not None
            paid = (f"paid once, in {row.start:%B %Y}" if row.payment == "once" else
                    f"paid monthly from {row.start:%B %Y} to {(row.end or row.start):%B %Y}")
            told = (f"{ref}: honorarium agreed, £{row.agreed_amount:,}",
                    f"The honorarium for {who} is agreed: £{row.agreed_amount:,}"
                    + (" a month" if row.payment == "monthly" else "") + f", {paid}.")
        else:
            return
        for person in sorted({p for p in (row.person, row.manager) if p.pk != actor.pk}, key=lambda p: p.pk):
            self.notify(person, told[0][:200], told[1], row.link, when)

    def refresh(self, row: Row, when: dt.datetime, *, actor: _Person, news: str = "",
                news_to: set[int] | frozenset[int] = frozenset()) -> set[int]:
        """``engine.refresh_tasks`` for the allowance at ``when`` (no move here keeps a task)."""
        for task in row.tasks:
            if task.completed_at is None:
                task.completed_at = when
        told: set[int] = set()
        if row.state in CLOSED:
            return told
        role = {"fm_approval": "fm_hps", "manager_acceptance": "line_manager"}.get(row.state, "hr_services")
        if role == "fm_hps":
            found = self.fm_hps(row, self.local(when))
            if found is None:
                return told
            person: _Person | None = found[0]
            capacity = found[1]
        elif role == "line_manager":
            person, capacity = row.manager, "line manager"
        else:
            person, capacity = None, ALLOWANCES.roles[role].label
        label = STATES[row.state]
        due = self.add_working(self.local(when), ALLOWANCES.due_days(row.state))
        task = TaskRow(pk=self.w.new_id(Task), step=row.step, state=row.state, assignee=person.pk if person else None,
                       team="" if person is not None else groups.HR_SERVICES, role=role, capacity=capacity,
                       description=f"{label}: {row.reference} {row.title}"[:300], due=due, created_at=when)
        row.tasks.append(task)
        if person is None or person.pk == actor.pk:
            return told
        can = " or ".join(m.label[:1].lower() + m.label[1:] for m in ALLOWANCES.moves_from(row.kind, row.state)
                          if role in m.roles and m.style != "danger" and not m.when)
        acting = capacity or ALLOWANCES.role_label(role).lower()
        opening = news + " " if news and person.pk in news_to else ""
        if opening:
            told.add(person.pk)
        self.notify(person, f"{row.reference} {row.title}: waiting for you by {words_day(due)}",
                    f"{opening}Allowance {row.reference} ({row.title}) is at the step “{label}”. As {acting}, you can "
                    f"{can or 'act on it'}. Please act by {words_day(due)}.", row.link, when, task=task)
        return told

    def what_next(self, row: Row) -> str:
        if row.state in CLOSED:
            return ""
        tasks = sorted((t for t in row.tasks if t.completed_at is None), key=lambda t: (t.due, t.pk))
        label = STATES[row.state]
        if not tasks:
            return f"{row.reference} is now at the step “{label}”."
        who = ", ".join(_name(self.people[t.assignee]) if t.assignee else t.team for t in tasks)
        return f"{row.reference} is now at the step “{label}”, waiting for {who}, by {words_day(tasks[0].due)}."

    def history(self, row: Row, at: dt.datetime, action: str, person: _Person, user: int, summary: str,
                capacity: str = "") -> None:
        self.gen.history.append(HistoryRow(
            created_at=at, action=action, object_type=ALLOWANCE_TYPE, object_id=row.pk, object_repr=row.repr(),
            actor_id=user, actor_label=_name(person), capacity=capacity, person_id=row.person.pk, summary=summary))

    # --- writing ----------------------------------------------------------------------------------------

    def write(self) -> dict[str, int]:
        w, rows = self.w, self.rows
        self.write_logins()
        w.insert(Appointment, ("id", "person_id", "post_id", "kind", "start_date", "end_date"), (
            (pk, p.pk, post.pk, Appointment.Kind.ACTING_UP, start, end) for pk, p, post, start, end in self.appointments))
        w.insert(PayRecord, ("id", "person_id", "grade_id", "spine_point", "effective_from", "reason", "post_id", "note",
                             "recorded_at", "recorded_by_id"), (
            (pk, p.pk, self.grades[grade].pk, point, effective, PayRecord.Reason.ACTING_UP, post.pk, note[:300], at, user)
            for pk, p, grade, point, effective, post, note, at, user in self.pay))
        for column, index in (("note", 1), ("recorded_at", 2), ("recorded_by", 3)):
            w.update(PayRecord, column, [(r[0], r[index]) for r in self.adopted_pay])
        grade_pk = {n: g.pk for n, g in self.grades.items()}
        w.insert(Allowance, (
            "id", "reference", "state", "step", "created_at", "updated_at", "closed_at", "kind", "person_id",
            "line_manager_id", "initiator_id", "org_unit_id", "title", "start_date", "end_date", "duties", "long_reason",
            "post_id", "higher_grade_id", "substantive_grade_id", "substantive_point", "acting_point", "pay_record_id",
            "restored_record_id", "appointment_id", "ended_on", "payment", "proposed_amount", "hr_amount",
            "agreed_amount", "agreed_at"), (
            (r.pk, r.reference, r.state, r.step, r.created_at, r.updated_at, r.closed_at, r.kind, r.person.pk,
             r.manager.pk, r.manager.pk, r.unit_id, r.title, r.start, r.end, r.duties, "",
             r.post.pk if r.post else None, grade_pk.get(r.higher_grade), grade_pk.get(r.substantive_grade),
             r.substantive_point, r.acting_point, r.pay_record, r.restored_record, r.appointment, r.ended_on,
             r.payment, r.proposed_amount, r.hr_amount, r.agreed_amount, r.agreed_at) for r in rows))
        events = self.write_events(AllowanceEvent, "allowance_id", rows)
        tasks = self.write_tasks(Allowance, rows, lambda r: (r.title, r.unit_id, r.person.pk))
        kept = self.write_messages(62)
        write_counters({("allowance", year): last for year, last in self.counters.items()})
        states = Counter((r.kind, r.state) for r in rows)
        return {
            "allowances": len(rows), "acting up": sum(1 for r in rows if r.kind == "acting_up"),
            "acting up ended": states["acting_up", "ended"], "acting up now": states["acting_up", "acting"],
            "acting up waiting": states["acting_up", "fm_approval"] + states["acting_up", "pay_confirmation"],
            "honoraria": sum(1 for r in rows if r.kind == "honorarium"),
            "honoraria agreed": states["honorarium", "agreed"],
            "honoraria waiting": states["honorarium", "hr_agreement"] + states["honorarium", "manager_acceptance"],
            "declined or withdrawn": sum(v for (_, s), v in states.items() if s in ("declined", "withdrawn")),
            "events": events, "pay records": len(self.pay), "acting-up appointments": len(self.appointments),
            "pay records of the people step's acting up": len(self.adopted_pay),
            "tasks": len(tasks), "open tasks": sum(1 for t in tasks if t.completed_at is None),
            "notifications": kept, "e-mails": self.emails, "logins made": len(self.new_logins),
        }


def run(generation: Generation) -> dict[str, int]:
    allowances = _Allowances(generation)
    counts = allowances.run()
    counts["history entries"] = generation.flush_history()
    return counts


STEP = Step(NAME, "Acting up and honoraria since go-live", run, after=("people", "grading"))


# --- Checking what was generated (gradepath.demo.generate.checks) --------------------------------------------


class _Rollback(Exception):
    pass


def problems(sample: int | None = 200) -> list[str]:
    """Allowances: each (sampled) one a walk of the process's table; an open one's tasks exactly those
    ``engine.refresh_tasks`` (and ``effects.after_move``: due on the end date while acting up) makes as of the
    move that brought it to its state, a closed one's none; every open task's message there, no finished
    task's; acting up confirmed has its acting-up appointment (to the last day) and its pay record from the
    start, and acting up ended its pay record back at the substantive grade and point from the day after."""
    from django.db import transaction

    from gradepath.demo.clock import demo_clock
    from gradepath.workflow import engine
    from gradepath.workflow.testing import check_history

    found: list[str] = []
    tasks = Task.objects.filter(process=NAME)
    ids = sorted(Allowance.objects.values_list("pk", flat=True))
    if sample is not None and len(ids) > sample:
        ids = sorted(random.Random(1).sample(ids, sample))
    for allowance in Allowance.objects.filter(pk__in=ids).select_related(
            "person", "line_manager", "org_unit", "post", "pay_record", "restored_record", "appointment",
            "substantive_grade"):
        ref = allowance.reference
        try:
            check_history(ALLOWANCES, allowance)
        except AssertionError as failed:
            found.append(f"{ref}: its events are not a walk of the allowances table ({failed}).")
        generated = sorted((t.assignee_id or 0, t.team, t.role, t.capacity, t.due_date)
                           for t in tasks.filter(object_id=allowance.pk, completed_at__isnull=True))
        if allowance.state in CLOSED:
            if generated:
                found.append(f"{ref} is {allowance.state} but has open tasks.")
        else:
            entered = (AllowanceEvent.objects.filter(allowance=allowance, to_state=allowance.state)
                       .order_by("-step").values_list("created_at", flat=True).first())
            try:
                with transaction.atomic():
                    with demo_clock() as clock:
                        clock.set(entered or allowance.created_at)
                        engine.refresh_tasks(ALLOWANCES, allowance)
                    refreshed = sorted((t.assignee_id or 0, t.team, t.role, t.capacity,
                                        allowance.end_date if allowance.state == "acting" else t.due_date)
                                       for t in tasks.filter(object_id=allowance.pk, completed_at__isnull=True))
                    raise _Rollback
            except _Rollback:
                pass
            if generated != refreshed:
                found.append(f"{ref} ({allowance.state}): open tasks {generated}, the engine makes {refreshed}.")
        if allowance.kind == "acting_up" and allowance.state in ("acting", "ended"):
            appointment, record = allowance.appointment, allowance.pay_record
            last = allowance.ended_on or allowance.end_date
            if appointment is None or (appointment.kind, appointment.person_id, appointment.post_id,
                                       appointment.start_date, appointment.end_date) != (
                    Appointment.Kind.ACTING_UP, allowance.person_id, allowance.post_id, allowance.start_date, last):
                found.append(f"{ref}: its acting-up appointment is not on the post from the start to the last day.")
            if record is None or (record.person_id, record.effective_from, record.reason, record.grade_id,
                                  record.spine_point) != (allowance.person_id, allowance.start_date,
                                                          PayRecord.Reason.ACTING_UP, allowance.higher_grade_id,
                                                          allowance.acting_point):
                found.append(f"{ref}: its pay record is not at the acting-up point from the start date.")
            in_force = PayRecord.objects.as_of(allowance.start_date).filter(person=allowance.person).first()
            if record is not None and (in_force is None or in_force.pk != record.pk):
                found.append(f"{ref}: the acting-up pay is not the pay in force on the start date.")
        if allowance.state == "ended":
            back = allowance.restored_record
            if back is None or allowance.ended_on is None or (
                    back.effective_from, back.grade_id, back.reason) != (
                    allowance.ended_on + dt.timedelta(days=1), allowance.substantive_grade_id,
                    PayRecord.Reason.ACTING_UP) or back.spine_point < (allowance.substantive_point or 0):
                found.append(f"{ref}: its pay is not written back to the substantive grade from the day after.")
    keys = set(Notification.objects.filter(key__startswith=f"{NAME}.task:").values_list("key", flat=True))
    open_tasks = set(tasks.filter(completed_at__isnull=True, assignee__isnull=False).values_list("pk", flat=True))
    if stale := keys - {f"{NAME}.task:{pk}" for pk in open_tasks}:
        found.append(f"{len(stale)} allowance messages belong to tasks that are finished.")
    if missing := sum(1 for pk in open_tasks if f"{NAME}.task:{pk}" not in keys):
        found.append(f"{missing} open allowance tasks given to a person have no 'waiting for you' message.")
    return found[:50]
