"""Step "progression": accelerated increment and contribution point requests since go-live, with their
events, tasks, pay records, local rounds, history rows and messages, as the progression process leaves
them (:data:`gradepath.progression.workflow.PROGRESSION`, :mod:`gradepath.progression.effects`,
:mod:`gradepath.progression.services`).

Each request is walked through the process's own table in memory, each move by the role it names:

* **on both routes**: applied by the HoD of the staff member's unit (the FM/HPS comments, then the Dean
  decides), or directly to the Dean by the staff member (the Dean asks for written comments, the HoD and
  the FM/HPS give them one at a time, then the Dean decides); only in academic faculties, where a Dean
  other than the applicant can decide (the generated university names no Vice-Provost (Operations));
* the award is the spine arithmetic's (:func:`gradepath.progression.spine.award`): grades 1–9 only, never
  beyond the grade's last contribution point, two points now and then with the exceptional reason; the
  kind is an accelerated increment inside the automatic zone, a contribution point past it;
* **completed** (most): approved, effective the 1st of the month after approval, the cost to the end of the
  pay year charged to the post's funding, and validated by a member of HR Services, which writes the pay
  record (reason ``accelerated_increment`` or ``contribution_point``, from the effective date). A request
  is made only where no pay change of the person's follows the day it was made (the ``pay_unchanged``
  condition HR Services validate under, and a pay history that reads in order): so contribution points
  since go-live, and accelerated increments (which the next annual increment builds on) since this pay
  year's increment;
* some **declined** or **withdrawn**, with their reasons; and this year's **open** ones waiting for the
  FM/HPS, the Dean, the written comments, the applicant (returned for more information) or HR Services,
  each with its tasks and "waiting for you" messages;
* at most one request per person; each request's review fields are what ``services.latest_review`` finds
  on the day it was made: the person's latest completed appraisal (the appraisal step's records) within 6
  months, else the end of probation within 6 months, else the warning;
* **local rounds**: each autumn a round (deadline 31 January) in some faculties (always the demo Dean's),
  opened by the Dean with a budget; the faculty's requests made in its window are mostly made into it.

References (``AIP-2026-0001``) follow the order requests were made in each year, and the reference
counters end there.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings

from gradepath.appraisal.models import Appraisal
from gradepath.demo.builder import _Person, _Post, _Unit
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
from gradepath.demo.progression import OBJECTIVES, PERFORMANCE, REASONS
from gradepath.grades.models import PayRecord, SpineSalary
from gradepath.notifications.models import Notification
from gradepath.people import roles as groups
from gradepath.people.models import OrgUnit, UnitRoleAssignment
from gradepath.progression import spine
from gradepath.progression.models import LocalRound, ProgressionEvent, ProgressionRequest, Route
from gradepath.progression.workflow import PROGRESSION, ROLE_LABELS
from gradepath.workflow.engine import day as words_day
from gradepath.workflow.models import Task

NAME = "progression"
REQUEST_TYPE = ProgressionRequest._meta.label_lower
ROUND_TYPE = LocalRound._meta.label_lower
STATES = PROGRESSION.states
CLOSED = set(PROGRESSION.closed_states)
MOVES = PROGRESSION.moves_by_action
REQUESTS = 0.065  # requests since go-live per member of staff
OPEN = 0.16  # share of them open now (made in the last weeks)
DECLINED, WITHDRAWN = 0.13, 0.06
DIRECT = 0.25  # share made directly to the Dean
TWO_POINTS = 0.12
ROUND_FACULTIES = 0.4  # share of faculties holding a local round each year
STEP_DAYS = int(settings.GRADEPATH["PROGRESSION"]["STEP_TARGET_DAYS"])
REVIEW_MONTHS = int(settings.GRADEPATH["PROGRESSION"]["REVIEW_WITHIN_MONTHS"])
EXCEPTIONAL = ("Sustained work at the level of the grade above for the whole period, with the service's users' "
               "written support.")
EVIDENCE = "Appraisal summary and the research groups' letters of support (HR file)."
HOD_COMMENTS = ("I did not put this forward: the work was shared across the team, and I would rather see it at the "
                "next appraisal. I do not dispute the quality of it.")
FM_COMMENTS = ["Supported: the service depends on this work, and the cost is within the faculty's budget.",
               "Supported. The evidence is strong; the period is well documented.",
               "The cost to the end of the pay year can be met from the department's budget."]
WITHDRAWALS = [REASONS["withdraw"], "Withdrawn: the member of staff has accepted a post elsewhere in the university."]
DECLINES = [REASONS["decline"], "The objectives met are those of the role itself; the evidence does not show "
                                "performance sustained above them over the period."]

# The open states and the moves that lead to each (a "give_comments:head" is the HoD's written comments).
OPEN_PLANS: list[tuple[str, tuple[str, ...], int]] = [  # (route, moves, weight)
    (Route.HOD, (), 4),
    (Route.HOD, ("fm_comment",), 5),
    (Route.HOD, ("fm_comment", "return_for_information"), 1),
    (Route.HOD, ("fm_comment", "return_for_information", "resubmit"), 1),
    (Route.HOD, ("fm_comment", "approve"), 3),
    (Route.DIRECT, (), 1),
    (Route.DIRECT, ("ask_for_comments",), 1),
    (Route.DIRECT, ("ask_for_comments", "give_comments:head"), 1),
    (Route.DIRECT, ("ask_for_comments", "give_comments:fm_hps"), 1),
    (Route.DIRECT, ("ask_for_comments", "give_comments:head", "give_comments:fm_hps"), 1),
    (Route.DIRECT, ("ask_for_comments", "give_comments:fm_hps", "give_comments:head", "approve"), 1),
]
TO_DECISION = {Route.HOD: ("fm_comment",), Route.DIRECT: ("ask_for_comments", "give_comments:head",
                                                           "give_comments:fm_hps")}


def _route_words(route: str) -> str:
    words = Route(route).label
    return words[:1].lower() + words[1:]


@dataclass(eq=False)
class Round:
    pk: int
    faculty: _Unit
    name: str
    opened: dt.datetime
    deadline: dt.date
    budget: Decimal
    dean: _Person


@dataclass(eq=False)
class Row:
    """One request as the services would leave it (the fields ``ProgressionRequest`` stores)."""

    pk: int
    route: str
    subject: _Person
    initiator: _Person
    post: _Post
    unit_id: int
    created_at: dt.datetime
    grade: int  # number
    current_point: int
    points: int
    kind: str
    performance_from: dt.date
    performance_to: dt.date
    performance: str
    objectives_met: str
    reference: str = ""
    state: str = ""
    step: int = 0
    updated_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    local_round: Round | None = None
    exceptional_reason: str = ""
    review: tuple[dt.date | None, str, str, str, str] = (None, "", "", "", "")  # date, kind, ref, link, warning
    fm_comments: str = ""
    hod_comments: str = ""
    decided_at: dt.datetime | None = None
    approved_on: dt.date | None = None
    effective_date: dt.date | None = None
    cost: Decimal | None = None
    charged_to: str = ""
    pay_record: int | None = None
    events: list[tuple] = field(default_factory=list)  # (step, action, actor, capacity, from, to, reason, data, at)
    tasks: list[TaskRow] = field(default_factory=list)

    @property
    def new_point(self) -> int:
        return self.current_point + self.points

    @property
    def link(self) -> str:
        return f"/progression/{self.pk}/"

    @property
    def title(self) -> str:  # the process's title_of
        return f"{_name(self.subject)}, {self.post.title[:200]}"

    def repr(self) -> str:
        return f"{self.reference} {_name(self.subject)} ({Route(self.route).label})"


@dataclass(frozen=True)
class Plan:
    route: str
    person: _Person
    post: _Post
    created: dt.datetime
    pay: tuple  # the pay row in force on the day
    points: int
    moves: list[tuple[str, dt.datetime, dict[str, Any]]]


class _Progression(ProcessRun):
    process = NAME

    def __init__(self, generation: Generation):
        super().__init__(generation, 71)
        self.units = {n.unit.pk: n.unit for n in self.u.nodes}
        self.holders = Holders(self.units)
        # Deans decide: a Dean who is the subject (or applied) must be seen as such by the resolver.
        self.holders.relevant |= set(UnitRoleAssignment.objects.filter(
            role__in=("dean", "vice_provost_operations")).values_list("person_id", flat=True))
        self.grades = self.u.grades
        self.rows: list[Row] = []
        self.rounds: list[Round] = []
        self.pay: list[tuple] = []  # (id, person, grade, point, from, post, reason, note, recorded at, user)
        self.counters: Counter[int] = Counter()
        # People whose pay the grading step changed, or who act up or were paid an allowance: left alone.
        self.busy = {c.subject.pk for c in getattr(self.cases, "cases", []) if c.subject is not None}
        self.busy |= {r.person.pk for r in generation.shared.get("allowances", [])}
        self.salaries: dict[int, list[tuple[dt.date, Decimal]]] = defaultdict(list)
        for point, start, salary in SpineSalary.objects.order_by("point__number", "effective_from").values_list(
                "point__number", "effective_from", "annual_salary"):
            self.salaries[point].append((start, salary))
        self.appraisals: dict[int, list[tuple[dt.date, str, int]]] = defaultdict(list)
        for subject, completed, reference, pk in Appraisal.objects.filter(
                state="completed", completed_on__isnull=False).order_by("subject_id", "completed_on", "id").values_list(
                "subject_id", "completed_on", "reference", "pk"):
            self.appraisals[subject].append((completed, reference, pk))

    # --- pay and people ---------------------------------------------------------------------------------

    def salary(self, point: int, on: dt.date) -> Decimal | None:
        found = None
        for start, amount in self.salaries.get(point, []):
            if start <= on:
                found = amount
        return found

    def cost(self, row: Row, effective: dt.date) -> Decimal | None:
        """``effects.cost_from``: the award's cost from ``effective`` to the end of that pay year."""
        current, new = self.salary(row.current_point, effective), self.salary(row.new_point, effective)
        if current is None or new is None:
            return None
        month, first = settings.GRADEPATH["INCREMENT_DAY"]
        return spine.cost_to_year_end(current, new, effective, spine.pay_year_end(effective, int(month), int(first)))

    def charged(self, row: Row) -> str:
        return (row.post.funding_source or f"{self.units[row.unit_id]} (the unit's budget)")[:200]

    def faculty(self, p: _Person) -> _Unit | None:
        top = p.node.top
        return top if top.unit.kind == OrgUnit.Kind.FACULTY else None

    def eligible(self, p: _Person) -> bool:
        return (p.start is not None and p.post is not None and not p.temporary and not p.lead and not p.role
                and p.pk not in self.busy and p.pk not in self.hr_ids and p.old_post is None
                and self.faculty(p) is not None and bool(p.pay_rows))

    def head(self, unit_id: int, on: dt.date, subject: int) -> _Person | None:
        """The HoD or departmental contact who applies (in their own right, not the staff member)."""
        for pk, _, plain, _ in self.holders.candidates(unit_id, "head", on, subject, frozenset()):
            if plain and pk != subject:
                return self.people[pk]
        return None

    def holder(self, row: Row, role: str, on: dt.date, barred: set[int] | frozenset[int] = frozenset()
               ) -> tuple[_Person, str, str] | None:
        """Who is given ``role``'s task on ``on`` (an active delegate first): (person, task capacity, words)."""
        return self.holder_for(row.unit_id, row.subject.pk, row.initiator.pk, role, on, barred)

    def holder_for(self, unit_id: int, subject: int, initiator: int, role: str, on: dt.date,
                   barred: set[int] | frozenset[int] = frozenset()) -> tuple[_Person, str, str] | None:
        unit_role = "dean" if role == "decider" else role
        barred = set(barred) | ({initiator} if role == "decider" else set())
        found = self.holders.task_holder_words(unit_id, unit_role, on, subject, barred)
        if found is None or found[0] == subject:
            return None
        pk, capacity, words = found
        return self.people[pk], capacity, words

    def review(self, p: _Person, on: dt.date) -> tuple[dt.date | None, str, str, str, str]:
        """``services.latest_review`` on the day the request was made."""
        since = spine.add_months(on, -REVIEW_MONTHS)
        found = None
        for completed, reference, pk in self.appraisals.get(p.pk, []):
            if completed <= on:
                found = (completed, reference, pk)
        if found is not None and since <= found[0] <= on:
            return found[0], "appraisal", found[1][:40], f"/appraisals/{found[2]}/", ""
        if p.probation_end is not None and since <= p.probation_end <= on:
            return p.probation_end, "probation", "", "", ""
        last = f" (the last appraisal found was completed on {found[0].day} {found[0]:%b %Y})" if found else ""
        return None, "", "", "", (f"No probation or appraisal review of {_name(p)} within the last {REVIEW_MONTHS} "
                                  f"months was found{last}. The policy asks for one: the decider should see it "
                                  "before deciding.")

    # --- planning ------------------------------------------------------------------------------------------

    def plan_all(self) -> list[Plan]:
        rng = self.rng
        staff = [p for p in self.u.people if self.eligible(p)]
        rng.shuffle(staff)
        n = len(self.u.people)
        wanted = max(12, round(n * REQUESTS))
        plans: list[Plan] = []
        # The demo Dean's own faculty first: open requests waiting for the Dean.
        dean = self.persona.get("dean")
        home = [p for p in staff if dean is not None and p.node.top is dean.node.top]
        for route, moves in ((Route.HOD, ("fm_comment",)), (Route.HOD, ("fm_comment",)), (Route.DIRECT, ())):
            for p in home:
                if p.pk not in {plan.person.pk for plan in plans} and (plan := self.plan(p, "open", route, moves)):
                    plans.append(plan)
                    break
        taken = {plan.person.pk for plan in plans}
        weights = [w for _, _, w in OPEN_PLANS]
        for p in staff:
            if len(plans) >= wanted:
                break
            if p.pk in taken:
                continue
            draw = rng.random()
            outcome = ("open" if draw < OPEN else "declined" if draw < OPEN + DECLINED
                       else "withdrawn" if draw < OPEN + DECLINED + WITHDRAWN else "completed")
            if outcome == "open":
                route, moves, _ = rng.choices(OPEN_PLANS, weights)[0]
            else:
                route = Route.DIRECT if rng.random() < DIRECT else Route.HOD
                moves = TO_DECISION[route]
                if outcome != "withdrawn" and rng.random() < 0.1:
                    moves = (*moves, "return_for_information", "resubmit")
                moves = {"completed": (*moves, "approve", "validate"), "declined": (*moves, "decline"),
                         "withdrawn": moves[:rng.randint(0, len(moves))] + ("withdraw",)}[outcome]
            plan = self.plan(p, outcome, route, moves)
            if plan is not None:
                plans.append(plan)
                taken.add(p.pk)
        assert all(plan.created <= self.now for plan in plans)
        return plans

    def plan(self, p: _Person, outcome: str, route: str, moves: tuple[str, ...]) -> Plan | None:
        rng, today = self.rng, self.today
        assert p.start is not None and p.post is not None
        last_pay = max(r[0] for r in p.pay_rows)
        earliest = max(self.go_live + dt.timedelta(days=20), p.start + dt.timedelta(days=120))
        if outcome in ("open", "completed"):  # no pay change after the request was made
            earliest = max(earliest, last_pay + dt.timedelta(days=1))
        if outcome == "open":
            earliest = max(earliest, today - dt.timedelta(days=45))
            latest = today - dt.timedelta(days=2 * len(moves) + 1)
        else:
            latest = today - dt.timedelta(days=6 * len(moves) + 5)
        if latest < earliest:
            return None
        created = self.moment(earliest + dt.timedelta(days=rng.randint(0, (latest - earliest).days)))
        on = self.local(created)
        pay = self.pay_on(p, on)
        if pay is None or pay[0] > on:
            return None
        grade = self.grades[pay[1]]
        points = 2 if rng.random() < TWO_POINTS and pay[2] + 2 <= grade.top_point else 1
        zone = spine.Zone(number=grade.number, bottom=grade.bottom_point, top_automatic=grade.top_automatic_point,
                          top=grade.top_point, has_increments=grade.has_increments, name=grade.name)
        try:
            spine.award(zone, pay[2], points, EXCEPTIONAL)
        except spine.NotAllowed:
            return None
        unit_id = p.post.node.unit.pk
        initiator = self.head(unit_id, on, p.pk) if route == Route.HOD else p
        if initiator is None:
            return None
        # Somebody must be able to decide it (services.start_request refuses otherwise), and act at each step.
        if self.holder_for(unit_id, p.pk, initiator.pk, "decider", on) is None or \
                self.holder_for(unit_id, p.pk, initiator.pk, "fm_hps", on) is None:
            return None
        timeline: list[tuple[str, dt.datetime, dict[str, Any]]] = []
        last = created
        for move in moves:
            last = self.after(last, rng.randint(1, 4) if outcome == "open" else rng.randint(2, 12))
            timeline.append((move, last, {}))
        if last > self.now:
            return None
        for action, when, _ in timeline:
            role = action.partition(":")[2] or MOVES[action].roles[0]
            if role in ("head", "fm_hps", "decider") and \
                    self.holder_for(unit_id, p.pk, initiator.pk, role, self.local(when)) is None:
                return None
        return Plan(route, p, p.post, created, pay, points, timeline)

    def plan_rounds(self) -> None:
        """Each autumn a local round (deadline 31 January) in some faculties, always the demo Dean's."""
        dean = self.persona.get("dean")
        faculties = [n for n in self.u.nodes if n.parent is None and n.unit.kind == OrgUnit.Kind.FACULTY
                     and n.head is not None and n.head.pk is not None]
        rng = random.Random(self.gen.seed * 1_000 + 72)
        for year in range(self.go_live.year, self.today.year + 1):
            opened_on = dt.date(year, 11, 1)
            if opened_on < self.go_live or opened_on > self.today - dt.timedelta(days=1):
                continue
            for node in faculties:
                if not (dean is not None and node is dean.node.top) and rng.random() >= ROUND_FACULTIES:
                    continue
                assert node.head is not None
                self.rounds.append(Round(
                    pk=self.w.new_id(LocalRound), faculty=node, name=f"{year}–{str(year + 1)[-2:]} local round",
                    opened=min(self.moment(opened_on), self.now), deadline=dt.date(year + 1, 1, 31),
                    budget=Decimal(rng.randrange(8, 41) * 1000), dean=node.head))
        for found in self.rounds:
            user = self.login(found.dean, found.opened)
            self.gen.history.append(HistoryRow(
                created_at=found.opened, action="progression.round_opened", object_type=ROUND_TYPE,
                object_id=found.pk, object_repr=f"{found.name} ({found.faculty.unit})", actor_id=user,
                actor_label=_name(found.dean), summary=(
                    f"Opened the local round “{found.name}” of {found.faculty.unit}: deadline "
                    f"{found.deadline.day} {found.deadline:%b %Y}, budget £{found.budget:,.2f}.")))

    def round_for(self, p: _Person, on: dt.date) -> Round | None:
        faculty = p.node.top
        for found in self.rounds:
            if found.faculty is faculty and self.local(found.opened) <= on <= found.deadline:
                return found if self.rng.random() < 0.7 else None
        return None

    # --- the run -------------------------------------------------------------------------------------------

    def run(self) -> dict[str, int]:
        self.plan_rounds()
        plans = sorted(self.plan_all(), key=lambda plan: (plan.created, plan.person.idx))
        by_year: Counter[int] = Counter()
        for plan in plans:
            year = self.local(plan.created).year
            row = self.request(plan, f"AIP-{year}-{by_year[year] + 1:04d}")
            if row is not None:
                by_year[year] += 1
        self.counters = by_year
        self.gen.shared["progression"] = self.rows
        return self.write()

    def request(self, plan: Plan, reference: str) -> Row | None:
        p, on = plan.person, self.local(plan.created)
        unit_id = plan.post.node.unit.pk
        initiator = self.head(unit_id, on, p.pk) if plan.route == Route.HOD else p
        assert initiator is not None
        grade = self.grades[plan.pay[1]]
        award = spine.award(spine.Zone(grade.number, grade.bottom_point, grade.top_automatic_point, grade.top_point,
                                       grade.has_increments, grade.name), plan.pay[2], plan.points, EXCEPTIONAL)
        end = on - dt.timedelta(days=self.rng.randint(3, 40))
        start = spine.add_months(end, -self.rng.randint(6, 11)) + dt.timedelta(days=1)
        try:
            spine.check_period(start, end, on)
        except spine.NotAllowed:
            return None
        row = Row(pk=0, route=plan.route, subject=p, initiator=initiator, post=plan.post, unit_id=unit_id,
                  created_at=plan.created, grade=plan.pay[1], current_point=award.current, points=award.points,
                  kind=award.kind, performance_from=start, performance_to=end,
                  performance=self.rng.choice(PERFORMANCE), objectives_met=self.rng.choice(OBJECTIVES),
                  reference=reference, state=PROGRESSION.start_states[plan.route], updated_at=plan.created,
                  exceptional_reason=EXCEPTIONAL if award.points == 2 else "", review=self.review(p, on))
        row.pk = self.w.new_id(ProgressionRequest)
        row.local_round = self.round_for(p, on)
        row.cost = self.cost(row, spine.first_of_next_month(on))
        row.charged_to = self.charged(row)
        self.rows.append(row)
        user = self.login(initiator, plan.created)
        self.history(row, plan.created, "progression.request_started", initiator, user,
                     f"Applied for {award.words} for {_name(p)} ({reference}, {_route_words(plan.route)}).")
        self.refresh(row, plan.created, actor=initiator)
        for action, when, data in plan.moves:
            self.move(row, action, when, dict(data))
        return row

    def actor(self, row: Row, action: str, when: dt.datetime) -> tuple[_Person, str, str]:
        """Who takes ``action`` (``give_comments:head``: in that role): (person, role, event capacity)."""
        name, _, role = action.partition(":")
        role = role or MOVES[name].roles[0]
        if role == "applicant":
            return row.initiator, role, "applicant"
        if role == "hr_services":
            team = [p for p in self.hr_team if p.pk not in (row.subject.pk, row.initiator.pk)]
            return team[self.rng.randrange(len(team))], role, ROLE_LABELS[role]
        barred = {pk for _, a, pk, *_ in row.events if a == "give_comments"} if name == "give_comments" else set()
        found = self.holder(row, role, self.local(when), barred)
        assert found is not None, (row.reference, action)
        return found[0], role, found[2]

    def move(self, row: Row, action: str, when: dt.datetime, data: dict[str, Any]) -> None:
        name = action.partition(":")[0]
        move = MOVES[name]
        assert row.state in move.sources, (row.reference, action, row.state)
        person, role, capacity = self.actor(row, action, when)
        user = self.login(person, when)
        reason = ""
        summary = ""
        target = move.target
        if name in ("fm_comment", "give_comments"):
            text = HOD_COMMENTS if role == "head" else self.rng.choice(FM_COMMENTS)
            data["comments"] = text
            if role == "head":
                row.hod_comments = text
            else:
                row.fm_comments = text
            if name == "give_comments":
                given = {e[7].get("role") for e in row.events if e[1] == "give_comments" and e[4] == "comments"}
                target = "decision" if given | {role} >= {"head", "fm_hps"} else "comments"
        elif name == "approve":
            row.decided_at, row.approved_on = when, self.local(when)
            row.effective_date = spine.first_of_next_month(row.approved_on)
            row.cost = self.cost(row, row.effective_date)
            row.charged_to = self.charged(row)
            summary = (f"Approved: {self.award_words(row)}, spine point {row.current_point} → {row.new_point} from "
                       f"{words_day(row.effective_date)}")
        elif name in ("decline", "return_for_information"):
            row.decided_at = when
            reason = self.rng.choice(DECLINES) if name == "decline" else REASONS[name]
        elif name in ("withdraw", "resubmit"):
            reason = self.rng.choice(WITHDRAWALS) if name == "withdraw" else REASONS[name]
        elif name == "validate":
            summary = self.validate(row, person, user, when)
        assert target is not None
        from_state = row.state
        row.state = target
        row.step += 1
        row.updated_at = when
        if target in CLOSED and row.closed_at is None:
            row.closed_at = when
        record = {**({"reason": reason} if reason else {}), **data, "role": role}
        row.events.append((row.step - 1, name, person.pk, capacity, from_state, target, reason, record, when))
        history_capacity = "" if role == "applicant" else capacity
        self.history(row, when, f"progression.{name}", person, user,
                     f"{row.reference}: {summary or move.label}." + (f" Reason: {reason}" if reason else ""),
                     capacity=history_capacity)
        said = PROGRESSION.sentences[name][1].format(actor=_name(person), title=row.title)
        news = said + (f" The reason given: “{reason}”." if reason else "")
        involved = {row.subject.pk, row.initiator.pk} - {person.pk} if move.tells_involved else set()
        told = self.refresh(row, when, actor=person, news=news, news_to=involved, stayed=target == from_state)
        if move.tells_involved:
            body = f"{news} {self.what_next(row)}".rstrip()
            for other in sorted({row.subject, row.initiator}, key=lambda q: q.pk or 0):
                if other.pk in involved and other.pk not in told:
                    self.notify(other, f"{row.reference}: {said.split('. ')[0]}", body, row.link, when)
        self.after_move(row, name, role, person, when, data)

    def award_words(self, row: Row) -> str:
        return spine.award_words(row.current_point, row.points, row.kind, self.grades[row.grade].top_automatic_point)

    def validate(self, row: Row, hr: _Person, user: int, when: dt.datetime) -> str:
        """``effects._apply_validate``: the pay record at the new point from the effective date."""
        assert row.effective_date is not None
        reason = (PayRecord.Reason.CONTRIBUTION_POINT if row.kind == spine.CONTRIBUTION_POINT
                  else PayRecord.Reason.ACCELERATED_INCREMENT)
        row.pay_record = self.w.new_id(PayRecord)
        note = f"{row.reference}: {self.award_words(row)}"
        self.pay.append((row.pay_record, row.subject, row.grade, row.new_point, row.effective_date, row.post, reason,
                         note, when, user))
        row.subject.pay_rows[:] = sorted(row.subject.pay_rows + [
            (row.effective_date, row.grade, row.new_point, reason, row.post, note)], key=lambda r: r[0])
        grade_name = self.grades[row.grade].name
        who = _name(row.subject)
        self.gen.history.append(HistoryRow(
            created_at=when, action="pay.recorded", object_type=PayRecord._meta.label_lower, object_id=row.pay_record,
            object_repr=f"{who}: {grade_name}, point {row.new_point} from {row.effective_date}", actor_id=user,
            actor_label=_name(hr), person_id=row.subject.pk,
            summary=(f"{who}: {grade_name}, spine point {row.new_point} from {row.effective_date:%d %b %Y} "
                     f"({PayRecord.Reason(reason).label.lower()})."),
            after={"grade": grade_name, "spine_point": row.new_point,
                   "effective_from": row.effective_date.isoformat(), "reason": str(reason)}))
        row.cost = self.cost(row, row.effective_date)
        row.charged_to = self.charged(row)
        cost = f", £{row.cost:,.2f} to the end of the pay year" if row.cost else ""
        return (f"Validated: spine point {row.new_point} from {words_day(row.effective_date)}{cost}, charged to "
                f"{row.charged_to}")

    def after_move(self, row: Row, name: str, role: str, actor: _Person, when: dt.datetime,
                   data: dict[str, Any]) -> None:
        """``effects.after_move``: the staff member copied on the HoD's comments; the outcome of validation."""
        if name in ("fm_comment", "give_comments") and role == "head" and row.subject.pk != actor.pk:
            self.notify(row.subject, f"Copy: the HoD's comments on {row.reference}",
                        f"You are copied on the written comments {_name(actor)} gave the Dean on your request "
                        f"{row.reference}: “{data['comments']}”", row.link, when)
        if name == "validate" and row.effective_date is not None:
            on = words_day(row.effective_date)
            for person in sorted({row.subject, row.initiator} - {actor}, key=lambda q: q.pk or 0):
                whose = "Your" if person is row.subject else f"{_name(row.subject)}'s"
                self.notify(person, f"{row.reference}: spine point {row.new_point} from {on}",
                            f"{whose} {self.award_words(row)} is validated: spine point {row.new_point} of "
                            f"{self.grades[row.grade].name} from {on}.", row.link, when)

    # --- tasks and messages ---------------------------------------------------------------------------------

    def wanted(self, row: Row, on: dt.date) -> list[tuple[_Person | None, str, str]]:
        """``engine.refresh_tasks``'s wanted list: (person, role, task capacity) for the request's state."""
        state = row.state
        if state in CLOSED:
            return []
        if state == "comments":
            given = [(e[2], e[7].get("role")) for e in row.events if e[1] == "give_comments" and e[4] == "comments"
                     and e[5] in ("comments", "decision")]
            agreed = {pk for pk, _ in given}
            done = {role for _, role in given}
            found: list[tuple[_Person | None, str, str]] = []
            for role in ("head", "fm_hps"):
                if role in done:
                    continue
                holder = self.holder(row, role, on, agreed)
                if holder is not None and holder[0].pk not in agreed:
                    found.append((holder[0], role, holder[1]))
            return found
        role = {"fm_comments": "fm_hps", "dean_intake": "decider", "decision": "decider", "returned": "applicant",
                "hr_validation": "hr_services"}[state]
        if role == "applicant":
            return [(row.initiator, role, "applicant")]
        if role == "hr_services":
            return [(None, role, ROLE_LABELS[role])]
        holder = self.holder(row, role, on)
        return [] if holder is None else [(holder[0], role, holder[1])]

    def refresh(self, row: Row, when: dt.datetime, *, actor: _Person, news: str = "",
                news_to: set[int] | frozenset[int] = frozenset(), stayed: bool = False) -> set[int]:
        """``engine.refresh_tasks`` for the request at ``when``."""
        wanted = self.wanted(row, self.local(when))
        keys = {(p.pk if p else None, role) for p, role, _ in wanted}
        kept = set()
        for task in row.tasks:
            if task.completed_at is None:
                if stayed and (task.assignee, task.role) in keys:
                    kept.add((task.assignee, task.role))
                else:
                    task.completed_at = when
        told: set[int] = set()
        label = STATES[row.state]
        due = self.add_working(self.local(when), STEP_DAYS)
        for person, role, capacity in wanted:
            if (person.pk if person else None, role) in kept:
                continue
            task = TaskRow(pk=self.w.new_id(Task), step=row.step, state=row.state,
                           assignee=person.pk if person else None,
                           team="" if person is not None else groups.HR_SERVICES, role=role, capacity=capacity,
                           description=f"{label}: {row.reference} {row.title}"[:300], due=due, created_at=when)
            row.tasks.append(task)
            if person is None or person.pk == actor.pk:
                continue
            can = " or ".join(m.label[:1].lower() + m.label[1:] for m in PROGRESSION.moves_from(row.route, row.state)
                              if role in m.roles and m.style != "danger")
            acting = capacity or PROGRESSION.role_label(role).lower()
            opening = news + " " if news and person.pk in news_to else ""
            if opening:
                told.add(person.pk)
            self.notify(person, f"{row.reference} {row.title}: waiting for you by {words_day(due)}",
                        f"{opening}{PROGRESSION.noun.capitalize()} {row.reference} ({row.title}) is at the step "
                        f"“{label}”. As {acting}, you can {can or 'act on it'}. Please act by {words_day(due)}.",
                        row.link, when, task=task)
        return told

    def what_next(self, row: Row) -> str:
        if row.state in CLOSED:
            return ""
        tasks = sorted((t for t in row.tasks if t.completed_at is None), key=lambda t: (t.due, t.pk))
        label = STATES[row.state]
        if not tasks:
            return f"{row.reference} is now at the step “{label}”."

        def says(t: TaskRow) -> bool:
            return bool(t.capacity) and not getattr(PROGRESSION.roles[t.role], "quiet_capacity", False)

        who = ", ".join(_name(self.people[t.assignee]) + (f" ({t.capacity})" if says(t) else "") if t.assignee
                        else t.team for t in tasks)
        return f"{row.reference} is now at the step “{label}”, waiting for {who}, by {words_day(tasks[0].due)}."

    def history(self, row: Row, at: dt.datetime, action: str, person: _Person, user: int, summary: str,
                capacity: str = "") -> None:
        self.gen.history.append(HistoryRow(
            created_at=at, action=action, object_type=REQUEST_TYPE, object_id=row.pk, object_repr=row.repr(),
            actor_id=user, actor_label=_name(person), capacity=capacity, person_id=row.subject.pk, summary=summary))

    # --- writing ----------------------------------------------------------------------------------------

    def write(self) -> dict[str, int]:
        w, rows = self.w, self.rows
        self.write_logins()
        w.insert(LocalRound, ("id", "faculty_id", "name", "deadline", "budget", "created_by_id", "created_at"), (
            (r.pk, r.faculty.unit.pk, r.name, r.deadline, r.budget, r.dean.pk, r.opened) for r in self.rounds))
        w.insert(PayRecord, ("id", "person_id", "grade_id", "spine_point", "effective_from", "reason", "post_id", "note",
                             "recorded_at", "recorded_by_id"), (
            (pk, p.pk, self.grades[grade].pk, point, effective, reason, post.pk, note[:300], at, user)
            for pk, p, grade, point, effective, post, reason, note, at, user in self.pay))
        w.insert(ProgressionRequest, (
            "id", "reference", "state", "step", "created_at", "updated_at", "closed_at", "route", "subject_id",
            "initiator_id", "org_unit_id", "post_id", "title", "decider_role", "local_round_id", "grade_id",
            "current_point", "points", "new_point", "kind", "exceptional_reason", "performance_from", "performance_to",
            "performance", "objectives_met", "evidence", "review_date", "review_kind", "review_reference", "review_link",
            "review_warning", "fm_comments", "hod_comments", "decided_at", "approved_on", "effective_date",
            "cost_to_year_end", "charged_to", "pay_record_id"), (
            (r.pk, r.reference, r.state, r.step, r.created_at, r.updated_at, r.closed_at, r.route, r.subject.pk,
             r.initiator.pk, r.unit_id, r.post.pk, r.post.title[:200], "dean",
             r.local_round.pk if r.local_round else None, self.grades[r.grade].pk, r.current_point, r.points,
             r.new_point, r.kind, r.exceptional_reason, r.performance_from, r.performance_to, r.performance,
             r.objectives_met, EVIDENCE, *r.review, r.fm_comments, r.hod_comments, r.decided_at, r.approved_on,
             r.effective_date, r.cost, r.charged_to, r.pay_record) for r in rows))
        events = self.write_events(ProgressionEvent, "request_id", rows)
        tasks = self.write_tasks(ProgressionRequest, rows, lambda r: (r.title, r.unit_id, r.subject.pk))
        kept = self.write_messages(73)
        write_counters({("progression-request", year): last for year, last in self.counters.items()})
        states = Counter(r.state for r in rows)
        return {
            "accelerated increment requests": len(rows),
            "applied by the HoD": sum(1 for r in rows if r.route == Route.HOD),
            "applied directly to the Dean": sum(1 for r in rows if r.route == Route.DIRECT),
            "completed": states["completed"], "declined": states["declined"], "withdrawn": states["withdrawn"],
            "open": sum(v for s, v in states.items() if s not in CLOSED),
            "with a review on record": sum(1 for r in rows if r.review[0] is not None),
            "local rounds": len(self.rounds), "in a local round": sum(1 for r in rows if r.local_round),
            "events": events, "pay records": len(self.pay), "tasks": len(tasks),
            "open tasks": sum(1 for t in tasks if t.completed_at is None),
            "notifications": kept, "e-mails": self.emails, "logins made": len(self.new_logins),
        }


def run(generation: Generation) -> dict[str, int]:
    counts = _Progression(generation).run()
    counts["history entries"] = generation.flush_history()
    return counts


STEP = Step(NAME, "Accelerated increments and contribution points since go-live", run, after=("people", "appraisal"))


# --- Checking what was generated ------------------------------------------------------------------------------


class _Rollback(Exception):
    pass


def problems(sample: int | None = 200) -> list[str]:
    """Accelerated increment requests: each (sampled) one a walk of the progression table; an open one's tasks
    exactly those ``engine.refresh_tasks`` makes as of the move that brought it to its state (one kept while
    the written comments come in), a closed one's none; every open task's message there, no finished task's;
    a completed one's pay record at the new point from the 1st of the month after approval, with the
    request's reason; no award beyond the grade's last point, on grade 10, or a second open request."""
    from django.db import transaction

    from gradepath.demo.clock import demo_clock
    from gradepath.workflow import engine
    from gradepath.workflow.testing import check_history

    found: list[str] = []
    tasks = Task.objects.filter(process=NAME)
    ids = sorted(ProgressionRequest.objects.values_list("pk", flat=True))
    if sample is not None and len(ids) > sample:
        ids = sorted(random.Random(1).sample(ids, sample))
    for request in ProgressionRequest.objects.filter(pk__in=ids).select_related(
            "subject", "initiator", "org_unit", "post", "grade", "pay_record"):
        ref = request.reference
        try:
            check_history(PROGRESSION, request)
        except AssertionError as failed:
            found.append(f"{ref}: its events are not a walk of the progression table ({failed}).")
        grade = request.grade
        if grade.number > spine.HIGHEST_GRADE or request.new_point > grade.top_point:
            found.append(f"{ref}: an award beyond what {grade.name} allows.")
        mine = sorted((t.assignee_id or 0, t.team, t.role, t.capacity, t.due_date)
                      for t in tasks.filter(object_id=request.pk, completed_at__isnull=True))
        if request.state in CLOSED:
            if mine:
                found.append(f"{ref} is {request.state} but has open tasks.")
        else:
            entered = (ProgressionEvent.objects.filter(request=request, to_state=request.state)
                       .exclude(from_state=request.state).order_by("-step").values_list("created_at", flat=True)
                       .first())
            try:
                with transaction.atomic():
                    with demo_clock() as clock:
                        clock.set(entered or request.created_at)
                        engine.refresh_tasks(PROGRESSION, request)
                    made = sorted((t.assignee_id or 0, t.team, t.role, t.capacity, t.due_date)
                                  for t in tasks.filter(object_id=request.pk, completed_at__isnull=True))
                    raise _Rollback
            except _Rollback:
                pass
            if mine != made:
                found.append(f"{ref} ({request.state}): open tasks {mine}, the engine makes {made}.")
        if request.state == "completed":
            record = request.pay_record
            reason = (PayRecord.Reason.CONTRIBUTION_POINT if request.kind == spine.CONTRIBUTION_POINT
                      else PayRecord.Reason.ACCELERATED_INCREMENT)
            if request.approved_on is None or record is None or (
                    record.person_id, record.grade_id, record.spine_point, record.effective_from, record.reason) != (
                    request.subject_id, request.grade_id, request.new_point,
                    spine.first_of_next_month(request.approved_on), reason):
                found.append(f"{ref}: its pay record is not the award from the 1st of the month after approval.")
            elif PayRecord.objects.filter(person_id=request.subject_id, effective_from__gt=record.effective_from).exists():
                found.append(f"{ref}: a pay change follows the award that does not build on it.")
    per_person = Counter(ProgressionRequest.objects.exclude(state__in=CLOSED).values_list("subject_id", flat=True))
    if twice := [pk for pk, n in per_person.items() if n > 1]:
        found.append(f"{len(twice)} people have more than one open request.")
    keys = set(Notification.objects.filter(key__startswith=f"{NAME}.task:").values_list("key", flat=True))
    open_tasks = set(tasks.filter(completed_at__isnull=True, assignee__isnull=False).values_list("pk", flat=True))
    if stale := keys - {f"{NAME}.task:{pk}" for pk in open_tasks}:
        found.append(f"{len(stale)} accelerated increment messages belong to tasks that are finished.")
    # A task made by its assignee's own move is not announced to them (a Dean who asks for comments and is the
    # unit's HoD too has the HoD's task, and no message about it).
    made_by = set(ProgressionEvent.objects.values_list("request_id", "created_at", "actor_id"))
    made_by |= set(ProgressionRequest.objects.values_list("pk", "created_at", "initiator_id"))
    own = {pk for pk, obj, created, assignee in tasks.filter(completed_at__isnull=True, assignee__isnull=False)
           .values_list("pk", "object_id", "created_at", "assignee_id") if (obj, created, assignee) in made_by}
    if missing := sum(1 for pk in open_tasks - own if f"{NAME}.task:{pk}" not in keys):
        found.append(f"{missing} open accelerated increment tasks given to a person have no 'waiting for you' "
                     "message.")
    return found[:50]

