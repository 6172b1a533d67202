"""Step "appraisal": an appraisal for every member of staff with a line manager, for each season since
go-live, with their events, tasks, JD review rows, regrading flags, history rows and messages.

Each appraisal is walked through the appraisal process's own table
(:data:`gradepath.appraisal.workflow.APPRAISAL`) in memory, as the services would leave it:

* it is started by the line manager (the appraiser) in the first weeks of the season (policy
  ``SEASON``, 1 January to 30 April), for everyone in post before the season began whose line manager
  was too; its unit is that of the substantive post held then, its JD version the one that post held;
* the moves are the table's, each by the role it names (the staff member sends the pre-review, the
  appraiser records the meeting, both sign it off, each for themselves; now and then the staff member
  returns it for changes first; HR Services cancels the odd one this season);
* after each move the open tasks are what ``engine.refresh_tasks`` leaves (completed for the state left,
  the other signer's kept while one sign-off is given, new ones due ``STEP_TARGETS`` working days on,
  each with its "waiting for you" message while it is open); cancelling and returning tell the people
  involved, as the engine does;
* some JD reviews record responsibilities taken on (and one of the JD's duties relinquished) while the
  pre-review is open, with the history row ``add_change`` writes;
* the messages still there are written whenever they were sent (a task's while the task is open), their
  e-mails only from the start of this season on: what an outbox still holds (past seasons' were most of
  the step's e-mails at 50,000 people, and of its time).

Past seasons are completed and signed off by both. This season's state follows from the day: started
in January, each appraisal moves on at its own pace (the pre-review within the season, the meeting and
sign-offs weeks later, a share of stragglers much later), and every step dated after now is not taken:
in January to April most are open, after 30 April the ones still open are overdue.

A regrading check is flagged only where the grading step made a case to point at: an Agreed or Direct
Route case about the staff member started during a season by them (or, on the Agreed Route, by their
line manager, who is the appraiser). That appraisal's pre-review was sent before the case started, its
JD review holds the duties the case's proposed JD added, and its flag names the case's reference, id
and page. No appraisal names a case that does not exist.

Appraisal references (``AP-2026-00001``) follow the order appraisals started in each year, and the
reference counters end where the services carry on.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from gradepath.appraisal.models import Appraisal, AppraisalEvent, ResponsibilityChange
from gradepath.appraisal.policy import season
from gradepath.appraisal.services import ROUTE_LABELS
from gradepath.appraisal.workflow import APPRAISAL, REVIEW_STATES
from gradepath.demo.appraisal import EVIDENCE, TAKEN_ON
from gradepath.demo.builder import GO_LIVE_DAYS, _Person
from gradepath.demo.generate.base import Generation, ProcessRun, Step, TaskRow, write_counters
from gradepath.demo.generate.base import person_name as _name
from gradepath.demo.generate.jds import Library, Version
from gradepath.demo.generate.writer import HistoryRow
from gradepath.workflow import engine
from gradepath.workflow.models import Task

NAME = "appraisal"
APPRAISAL_TYPE = Appraisal._meta.label_lower
STATES = APPRAISAL.states
CLOSED = set(APPRAISAL.closed_states)
MOVES = APPRAISAL.moves_by_action
RESOLVERS = APPRAISAL.roles
REVIEWED = 0.15  # share of appraisals whose JD review records changes of responsibility
RETURNED = 0.04  # share returned to the appraiser once before both signed off
CANCELLED = 0.01  # share of this season's cancelled by HR Services
STRAGGLERS = 0.12  # share of this season's whose pre-review waits months (still open after the season)
FLAGGED = 0.3  # share of the grading cases that fit an appraisal which it flags (a small share of appraisals)
FLAG_ROUTES = {"agreed", "direct"}
PERSONA_MEETINGS = 3  # the line manager login's reports whose meeting waits for them this season

PRE_REVIEWS = [
    "A busy year: the section grew and I took on more of its running.",
    "I delivered the planned work on time and supported two new colleagues while the team was short.",
    "Most of my objectives were met; the new system took longer to introduce than planned.",
    "A steady year. I would like more responsibility for the budget and for training.",
    "My job has changed since my JD was agreed: I now coordinate the bookings and the suppliers.",
]
SUMMARIES = [
    "A strong year, with new responsibilities taken on well.",
    "Objectives met; good feedback from the people the team supports.",
    "A solid year in a team under pressure; clear priorities agreed for the next one.",
    "Good progress, with the development areas discussed and a plan agreed.",
]
OBJECTIVES = [
    "1. Lead the move to the new booking system. 2. Train two new starters.",
    "1. Keep the service's response times within the agreed targets. 2. Document the main procedures.",
    "1. Take over the team's supplier reviews. 2. Complete the budget management course.",
    "1. Support the department's reorganisation. 2. Mentor a colleague new to the role.",
]
TRAINING = ["", "", "Budget management course.", "Leadership programme for technicians.",
            "Data protection refresher.", "Project management foundation course."]
RETURNS = [
    "The objectives do not say what we agreed about the training budget: please correct them.",
    "The meeting date is wrong and the summary leaves out the project I led: please amend it.",
]
CANCEL_REASONS = [
    "On long-term leave this season: the appraisal is held on return.",
    "Moving to a new post next month: the new line manager holds the appraisal there.",
]
RELINQUISHED_EVIDENCE = "Now done by the central team; agreed at the section meeting."


@dataclass(eq=False)
class Row:
    """One appraisal as the services would leave it (the fields ``Appraisal`` stores)."""

    pk: int
    reference: str
    year: int
    subject: _Person
    appraiser: _Person
    unit_id: int
    jd_version: Version | None
    due_on: dt.date
    created_at: dt.datetime
    state: str = "pre_review"
    step: int = 0
    updated_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    pre_review: str = ""
    summary: str = ""
    objectives: str = ""
    training_needs: str = ""
    completed_on: dt.date | None = None
    staff_signed_at: dt.datetime | None = None
    appraiser_signed_at: dt.datetime | None = None
    flag: tuple[str, str, int, _Person] | None = None  # (route, reference, case id, flagged by)
    events: list[tuple] = field(default_factory=list)  # (step, action, actor, capacity, from, to, reason, data, at)
    tasks: list[TaskRow] = field(default_factory=list)
    changes: list[tuple] = field(default_factory=list)  # (kind, duty, evidence, from, to, recorded by, at)
    _acts: tuple[int, engine.Acts] | None = None  # (step, what the events say then): a move's reading and the next

    @property
    def title(self) -> str:
        return f"appraisal {self.year} of {_name(self.subject)}"

    @property
    def link(self) -> str:
        return f"/appraisals/{self.pk}/"

    def repr(self) -> str:
        return f"{self.reference} appraisal {self.year} of {_name(self.subject)}"

    def acts(self) -> engine.Acts:
        """``engine.Acts.of`` the appraisal (read once per step: events are added only with a move)."""
        if self._acts is None or self._acts[0] != self.step:
            entered = max((e[0] for e in self.events if e[5] == self.state and e[4] != self.state), default=None)
            self._acts = (self.step, engine.Acts(events=tuple((e[0], e[1], e[2], e[7].get("role", ""))
                                                              for e in self.events), entered_step=entered))
        return self._acts[1]


@dataclass(frozen=True)
class Plan:
    """How one appraisal goes: when it starts, the days between its steps, and its turns."""

    start: dt.date
    steps: list[tuple[str, str, int]]  # (action, role, days after the step before)
    review: bool = False
    flag: Any = None  # the grading case it flags (grading's generator's Case)


class _Appraisals(ProcessRun):
    process = NAME

    def __init__(self, generation: Generation):
        super().__init__(generation, 45)
        self.lib: Library = generation.shared["library"]
        self._wanted: dict[tuple[str, tuple[str, ...]], list[str]] = {}
        self._can: dict[tuple[str, str], str] = {}
        self.rows: list[Row] = []
        self.counters: Counter[int] = Counter()
        # The JD version each post was given by a grading case, and when (people.services.update_post).
        self.case_versions: dict[int, list[tuple[dt.datetime, Version]]] = {}
        for case in getattr(self.cases, "cases", []):
            if case.post is not None and case.post_version is not None and case.closed_at is not None:
                self.case_versions.setdefault(case.post.pk, []).append((case.closed_at, case.post_version[0]))

    # --- what the JD said -------------------------------------------------------------------------------------

    def jd_version(self, post, when: dt.datetime) -> Version | None:
        """The JD version ``post`` held at ``when``: the one a grading case gave it, else its library JD's
        latest version agreed by then."""
        given = [v for at, v in self.case_versions.get(post.pk, []) if at <= when]
        if given:
            return given[-1]
        jd = self.lib.by_post.get(id(post))
        if jd is None:
            return None
        agreed = [v for v in jd.versions if v.agreed_at is not None and v.agreed_at <= when
                  and v.pk not in getattr(self.cases, "new_version_ids", ())]
        return agreed[-1] if agreed else None

    def holders(self, row: Row, role: str, barred: set[int]) -> list[tuple[_Person | None, str]]:
        """``engine.holders`` for the appraisal's three roles (the subject holds only their own)."""
        if role == "staff_member":
            found: list[tuple[_Person | None, str]] = [(row.subject, "staff member")]
        elif role == "appraiser":
            found = [(row.appraiser, "appraiser")]
        else:
            found = [(None, RESOLVERS[role].label)]
        found = [(p, c) for p, c in found if p is None or p.pk not in barred]
        if not (RESOLVERS[role].is_subject or RESOLVERS[role].subject_may_hold):
            found = [(p, c) for p, c in found if p is None or p.pk != row.subject.pk]
        return found

    # --- the plan of each appraisal ------------------------------------------------------------------------

    def eligible(self, year: int) -> list[_Person]:
        first = season(year)[0]
        return [p for p in self.u.people if p.manager is not None and p.start is not None and p.start < first
                and p.manager.start is not None and p.manager.start < first]

    def flag_candidates(self, years: set[int], barred: set[int]) -> dict[tuple[int, int], Any]:
        """(subject id, year) -> the grading case an appraisal of that year could have flagged: an Agreed or
        Direct Route case about them, started in the season (a week in at least, so the pre-review could be
        sent first) by them or (Agreed Route) by their line manager."""
        found: dict[tuple[int, int], Any] = {}
        for case in getattr(self.cases, "cases", []):
            if str(case.route) not in FLAG_ROUTES or case.subject is None or case.subject.manager is None \
                    or case.subject.pk in barred:
                continue
            day = self.local(case.created_at)
            first, last = season(day.year)
            if day.year not in years or not first + dt.timedelta(days=10) <= day <= last:
                continue
            by_subject = case.initiator is case.subject
            if not (by_subject or (str(case.route) == "agreed" and case.initiator is case.subject.manager)):
                continue
            key = (case.subject.pk, day.year)
            if key not in found and self.rng.random() < FLAGGED:
                found[key] = case
        return found

    def plan(self, year: int, current: bool, flag: Any = None) -> Plan:
        rng = self.rng
        first, last = season(year)
        start = first + dt.timedelta(days=rng.randint(0, 14))
        late = current and flag is None and rng.random() < STRAGGLERS
        pre = rng.randint(90, 400) if late else rng.randint(4, max(5, (last - first).days - 45))
        steps = [("submit_pre_review", "staff_member", pre)]
        meeting = rng.randint(5, 35)
        if rng.random() < RETURNED:
            steps += [("record_meeting", "appraiser", meeting), ("return_for_changes", "staff_member", rng.randint(1, 5))]
            meeting = rng.randint(2, 10)
        steps.append(("record_meeting", "appraiser", meeting))
        signers = ["appraiser", "staff_member"] if rng.random() < 0.7 else ["staff_member", "appraiser"]
        steps += [("sign_off", signers[0], rng.randint(1, 8)), ("sign_off", signers[1], rng.randint(0, 6))]
        review = rng.random() < REVIEWED
        if flag is not None:  # the pre-review went a few days before the case started
            sent = self.local(flag.created_at) - dt.timedelta(days=rng.randint(1, 5))
            start = max(first, sent - dt.timedelta(days=rng.randint(5, 30)))
            steps[0] = ("submit_pre_review", "staff_member", max(1, (sent - start).days))
            return Plan(start=start, steps=steps, review=True, flag=flag)
        if current and rng.random() < CANCELLED:
            at = rng.randint(0, 3)
            steps = steps[:at] + [("cancel", "hr_services", rng.randint(3, 40))]
        return Plan(start=start, steps=steps, review=review)

    # --- the run ----------------------------------------------------------------------------------------

    def run(self) -> dict[str, int]:
        rng = self.rng
        go_live = self.today - dt.timedelta(days=GO_LIVE_DAYS)
        this_year = self.today.year
        years = [y for y in range(go_live.year, this_year + 1) if season(y)[0] >= go_live or y == this_year]
        staff, manager = self.persona.get("staff"), self.persona.get("manager")
        flags = self.flag_candidates(set(years), barred={p.pk for p in self.persona.values()})
        planned: list[tuple[dt.datetime, int, int, _Person, Plan]] = []
        for year in years:
            current = year == this_year
            waiting_for_manager = 0
            for person in self.eligible(year):
                plan = self.plan(year, current, flags.get((person.pk, year)))
                sent = max(1, min(plan.steps[0][2], (self.today - plan.start).days - 1))
                if current and person is staff:  # the staff login: their pre-review to write
                    plan = Plan(start=plan.start, steps=[], review=plan.review)
                elif current and manager is not None and person.manager is manager and \
                        waiting_for_manager < PERSONA_MEETINGS:  # the line manager login: meetings to record
                    waiting_for_manager += 1
                    plan = Plan(start=plan.start, steps=[("submit_pre_review", "staff_member", sent)],
                                review=plan.review)
                started = min(self.moment(plan.start, rng.randint(0, 400)), self.now)
                planned.append((started, year, person.idx, person, plan))
        planned.sort(key=lambda item: (item[0], item[1], item[2]))
        by_year: Counter[int] = Counter()
        for started, year, _, person, plan in planned:
            by_year[year] += 1
            self.appraisal(person, plan, year, started, f"AP-{year}-{by_year[year]:05d}")
        self.counters = by_year
        return self.write()

    def appraisal(self, person: _Person, plan: Plan, year: int, started: dt.datetime, reference: str) -> None:
        rng = self.rng
        manager = person.manager
        assert manager is not None
        post = person.old_post if person.old_post is not None and person.move_date is not None and \
            self.local(started) < person.move_date else person.post
        assert post is not None
        version = plan.flag.baseline if plan.flag is not None else self.jd_version(post, started)
        row = Row(pk=self.w.new_id(Appraisal), reference=reference, year=year, subject=person, appraiser=manager,
                  unit_id=post.node.unit.pk, jd_version=version, due_on=season(year)[1], created_at=started,
                  updated_at=started)
        self.rows.append(row)
        user = self.login(manager, started)
        self.history(row, started, "appraisal.started", manager, user,
                     f"Started {reference}: the {year} appraisal of {_name(person)}, appraiser {_name(manager)}.")
        self.refresh(row, started, actor=manager, stayed=False)
        # When each step is taken: the days of the plan, at a working moment, each after the one before.
        steps = plan.steps
        moments: list[dt.datetime] = []
        day, previous = plan.start, started
        for _, _, days in steps:
            day = day + dt.timedelta(days=days)
            when = self.moment(day, rng.randint(0, 470))
            if when <= previous:
                when = previous + dt.timedelta(minutes=rng.randint(5, 50))
            if year < self.today.year:  # a past season: completed by the end of its year
                when = min(when, dt.datetime.combine(dt.date(year, 12, 31), dt.time(16, 0), tzinfo=self.zone)
                           - dt.timedelta(minutes=10 * (len(steps) - len(moments))))
                when = max(when, previous + dt.timedelta(minutes=1))
            day = self.local(when)
            moments.append(when)
            previous = when
        if plan.flag is not None and moments and moments[0] >= plan.flag.created_at:
            moments[0] = max(started + dt.timedelta(minutes=2), plan.flag.created_at - dt.timedelta(hours=1))
        if plan.review:  # the JD review, while the pre-review is open
            end = moments[0] if moments else self.now
            at = started + (end - started) / 2 if end > started else started
            if at <= self.now:
                self.review(row, plan, at)
        for i, ((action, role, _), when) in enumerate(zip(steps, moments, strict=True)):
            if when > self.now:
                break
            self.move(row, action, role, when)
            if plan.flag is not None and i == 0:
                self.flag(row, plan.flag)

    def review(self, row: Row, plan: Plan, at: dt.datetime) -> None:
        """The staff member's JD review: the duties the flagged case's proposed JD added (or one or two from
        the demo's bank), and now and then a duty of the JD relinquished."""
        rng = self.rng
        person = row.subject
        user = self.login(person, at)
        duties = list(row.jd_version.text.get("duties", [])) if row.jd_version is not None else []
        taken: list[tuple[str, str]] = []
        if plan.flag is not None and plan.flag.baseline is not None:
            added = [d for d in plan.flag.proposed.text.get("duties", []) if d not in duties]
            taken = [(d, "Agreed with my line manager at our one-to-ones; the team's records show it.")
                     for d in added[:3]]
        if not taken:
            taken = [(TAKEN_ON[i], EVIDENCE[i]) for i in rng.sample(range(len(TAKEN_ON)), rng.randint(1, 2))]
        day = self.local(at)
        for k, (duty, evidence) in enumerate(taken):
            if duty in duties:
                continue
            self.change(row, "taken_on", duty[:500], evidence, day - dt.timedelta(days=rng.randint(60, 300)), None,
                        person, user, at + dt.timedelta(minutes=k))
        if len(duties) > 2 and rng.random() < 0.4:
            start = day - dt.timedelta(days=rng.randint(90, 330))
            self.change(row, "relinquished", duties[rng.randrange(len(duties))][:500], RELINQUISHED_EVIDENCE, start,
                        start + dt.timedelta(days=rng.randint(1, 60)) if rng.random() < 0.2 else None, person, user,
                        at + dt.timedelta(minutes=len(taken)))

    def change(self, row: Row, kind: str, duty: str, evidence: str, start: dt.date, end: dt.date | None,
               person: _Person, user: int, at: dt.datetime) -> None:
        assert row.state in REVIEW_STATES
        if any(c[0] == kind and c[1] == duty for c in row.changes):
            return
        row.changes.append((kind, duty, evidence, start, end, person.pk, at))
        row.updated_at = max(row.updated_at or at, at)
        label = dict(ResponsibilityChange.Kind.choices)[kind].lower()
        self.history(row, at, "appraisal.change_recorded", person, user,
                     f"{row.reference}: JD review: {label} “{duty[:200]}” from {start:%d %b %Y}"
                     + (f" to {end:%d %b %Y}." if end else "."))

    def flag(self, row: Row, case: Any) -> None:
        """The regrading check flagged when the grading case started (appraisal.services.flag_regrading_check)."""
        at = case.created_at
        person = case.initiator
        assert row.state in ("meeting", "sign_off", "completed") and row.changes, row.reference
        row.flag = (str(case.route), case.reference, case.pk, person)
        row.updated_at = max(row.updated_at or at, at)
        user = self.login(person, at)
        route = ROUTE_LABELS[str(case.route)]
        self.history(row, at, "appraisal.regrading_flagged", person, user,
                     f"{row.reference}: a regrading check may be due: started {case.reference} on the {route}.")
        other = row.appraiser if person is row.subject else row.subject
        self.notify(other, f"{row.reference}: regrading check {case.reference} started",
                    f"{_name(person)} flagged at the {row.year} appraisal of {_name(row.subject)} that a regrading "
                    f"check may be due, and started {case.reference} on the {route}. Its proposed job description "
                    "already shows the responsibilities taken on and relinquished as tracked changes.",
                    f"/grading/{case.pk}/", at)

    def history(self, row: Row, at: dt.datetime, action: str, person: _Person | None, user: int | None, summary: str,
                capacity: str = "") -> None:
        self.gen.history.append(HistoryRow(
            created_at=at, action=action, object_type=APPRAISAL_TYPE, object_id=row.pk, object_repr=row.repr(),
            actor_id=user, actor_label=_name(person) if person is not None else "System", capacity=capacity,
            person_id=row.subject.pk, summary=summary))

    # --- one move ---------------------------------------------------------------------------------------

    def move(self, row: Row, action: str, role: str, when: dt.datetime) -> None:
        rng = self.rng
        move = MOVES[action]
        assert row.state in move.sources, (row.reference, action, row.state)
        acts = row.acts()
        roles_open, barred = engine.open_roles(move, acts)
        assert role in roles_open, (row.reference, action, role, roles_open)
        if role == "hr_services":
            person, capacity = self.hr_team[rng.randrange(len(self.hr_team))], RESOLVERS[role].label
        else:
            person, capacity = self.holders(row, role, barred)[0]  # type: ignore[assignment]
        assert person is not None
        user = self.login(person, when)
        from_state = row.state
        data: dict[str, Any] = {}
        reason = ""
        summary = ""
        if action == "submit_pre_review":
            row.pre_review = data["pre_review"] = rng.choice(PRE_REVIEWS)
            summary = "Pre-review sent to the appraiser"
        elif action == "record_meeting":
            held = self.local(when) - dt.timedelta(days=rng.randint(0, 3))
            held = max(held, dt.date(row.year, 1, 1))
            row.summary, row.objectives = rng.choice(SUMMARIES), rng.choice(OBJECTIVES)
            row.training_needs = rng.choice(TRAINING)
            row.completed_on = held
            row.staff_signed_at = row.appraiser_signed_at = None
            data = {"summary": row.summary, "objectives": row.objectives, "training_needs": row.training_needs,
                    "completed_on": held.isoformat()}
            summary = f"Appraisal meeting of {held.day} {held:%b %Y} recorded"
        elif action == "sign_off":
            data["reason"] = ""
            if person is row.subject:
                row.staff_signed_at = when
                summary = "Signed off by the staff member"
            else:
                row.appraiser_signed_at = when
                summary = "Signed off by the appraiser"
        elif action == "return_for_changes":
            reason = data["reason"] = rng.choice(RETURNS)
            row.staff_signed_at = row.appraiser_signed_at = None
        elif action == "cancel":
            reason = data["reason"] = rng.choice(CANCEL_REASONS)
        target = move.target
        if move.once_per_role:
            agreed = {r for _, r in acts.this_round(action)} | {role}
            target = move.then if agreed >= set(move.roles) else row.state
        assert target is not None
        row.state = target
        row.step += 1
        row.updated_at = when
        if target in CLOSED and row.closed_at is None:
            row.closed_at = when
        data["role"] = role
        row.events.append((row.step - 1, action, person.pk, capacity, from_state, target, reason, data, when))
        resolver = RESOLVERS[role]
        self.history(row, when, f"appraisal.{action}", person, user,
                     f"{row.reference}: {summary or move.label}." + (f" Reason: {reason}" if reason else ""),
                     capacity="" if resolver.is_subject or resolver.subject_may_hold else capacity)
        involved = ({row.subject.pk, row.appraiser.pk} - {person.pk}) if move.tells_involved else set()
        said = APPRAISAL.sentences[action][1].format(actor=_name(person), title=row.title)
        news = said + (f" The reason given: “{reason}”." if reason else "")
        told = self.refresh(row, when, actor=person, stayed=target == from_state, news=news, news_to=involved)
        if move.tells_involved:
            headline = said.split(". ")[0]
            body = f"{news} {self.what_next(row)}".rstrip()
            for other in (row.subject, row.appraiser):
                if other.pk in involved and other.pk not in told:
                    self.notify(other, f"{row.reference}: {headline}", body, row.link, when)

    def refresh(self, row: Row, when: dt.datetime, *, actor: _Person, stayed: bool, news: str = "",
                news_to: set[int] | frozenset[int] = frozenset()) -> set[int]:
        """``engine.refresh_tasks`` for the appraisal at ``when``."""
        wanted: list[tuple[_Person | None, str, str]] = []
        if row.state not in CLOSED:
            acts = row.acts()
            moves = APPRAISAL.moves_from("annual", row.state)
            # Who must act depends only on the state and the roles that agreed in this round (each role's
            # holder is fixed on an appraisal): worked out with the engine's rules once per combination.
            rounds = [acts.this_round(m.action) for m in moves if m.once_per_role]
            agreed_roles = tuple(sorted({role for done in rounds for _, role in done}))
            key = (row.state, agreed_roles)
            if key not in self._wanted:
                found: list[str] = []
                for move in moves:
                    if move.style == "danger":
                        continue
                    roles_open, _ = engine.open_roles(move, acts)
                    for role in roles_open:
                        if role not in agreed_roles and role not in found:
                            found.append(role)
                        if not move.once_per_role:
                            break
                self._wanted[key] = found
            agreed = {who for done in rounds for who, _ in done if who}
            seen: set[tuple[int | None, str]] = set()
            for role in self._wanted[key]:
                for person, capacity in self.holders(row, role, agreed):
                    pk = person.pk if person else None
                    if (pk, role) not in seen and pk not in agreed:
                        seen.add((pk, role))
                        wanted.append((person, role, capacity))
        open_tasks = [t for t in row.tasks if t.completed_at is None]
        kept: dict[tuple[int | None, str], TaskRow] = {}
        if stayed:
            keys = {(p.pk if p else None, role) for p, role, _ in wanted}
            kept = {(t.assignee, t.role): t for t in open_tasks if (t.assignee, t.role) in keys}
        for task in open_tasks:
            if task not in kept.values():
                task.completed_at = when
        told: set[int] = set()
        if not wanted:
            return told
        due = self.add_working(self.local(when), APPRAISAL.due_days(row.state))
        label = STATES[row.state]
        for person, role, capacity in wanted:
            pk = person.pk if person else None
            if (pk, role) in kept:
                continue
            task = TaskRow(pk=self.w.new_id(Task), step=row.step, state=row.state, assignee=pk,
                           team="" if person is not None else RESOLVERS[role].team, role=role, capacity=capacity,
                           description=f"{label}: {row.reference} {row.title}"[:300], due=due, created_at=when)
            row.tasks.append(task)
            if person is None or person.pk == actor.pk:
                continue
            if (row.state, role) not in self._can:
                self._can[(row.state, role)] = " or ".join(
                    m.label[:1].lower() + m.label[1:] for m in APPRAISAL.moves_from("annual", row.state)
                    if role in m.roles and m.style != "danger") or "act on it"
            can = self._can[(row.state, role)]
            acting = capacity or APPRAISAL.role_label(role).lower()
            opening = news + " " if news and person.pk in news_to else ""
            if opening:
                told.add(person.pk)
            self.notify(person, f"{row.reference} {row.title}: waiting for you by {engine.day(due)}",
                        f"{opening}Appraisal {row.reference} ({row.title}) is at the step “{label}”. As {acting}, you "
                        f"can {can}. Please act by {engine.day(due)}.",
                        row.link, when, task=task)
        return told

    def what_next(self, row: Row) -> str:
        if row.state in CLOSED:
            return ""
        tasks = sorted((t for t in row.tasks if t.completed_at is None), key=lambda t: (t.due, t.pk))
        label = STATES[row.state]
        if not tasks:
            return f"{row.reference} is now at the step “{label}”."
        who = ", ".join(_name(self.people[t.assignee]) if t.assignee else (t.team or APPRAISAL.role_label(t.role))
                        for t in tasks)
        return f"{row.reference} is now at the step “{label}”, waiting for {who}, by {engine.day(tasks[0].due)}."

    # --- writing ----------------------------------------------------------------------------------------

    def write(self) -> dict[str, int]:
        w = self.w
        self.write_logins()
        rows = self.rows
        w.insert(Appraisal, (
            "id", "reference", "state", "step", "created_at", "updated_at", "closed_at", "subject_id", "appraiser_id",
            "started_by_id", "org_unit_id", "year", "due_on", "jd_version_id", "pre_review", "summary", "objectives",
            "training_needs", "completed_on", "staff_signed_at", "appraiser_signed_at", "regrading_route",
            "regrading_reference", "regrading_case_id", "regrading_link", "regrading_flagged_by_id",
            "regrading_suggestion"), (
            (r.pk, r.reference, r.state, r.step, r.created_at, r.updated_at, r.closed_at, r.subject.pk,
             r.appraiser.pk, r.appraiser.pk, r.unit_id, r.year, r.due_on, r.jd_version.pk if r.jd_version else None,
             r.pre_review, r.summary, r.objectives, r.training_needs, r.completed_on, r.staff_signed_at,
             r.appraiser_signed_at, r.flag[0] if r.flag else "", r.flag[1] if r.flag else "",
             r.flag[2] if r.flag else None, f"/grading/{r.flag[2]}/" if r.flag else "",
             r.flag[3].pk if r.flag else None, "") for r in rows))
        events = self.write_events(AppraisalEvent, "appraisal_id", rows)
        changes = [(r, c) for r in rows for c in r.changes]
        w.insert(ResponsibilityChange, ("id", "appraisal_id", "kind", "duty", "evidence", "from_date", "to_date",
                                        "recorded_by_id", "created_at"), (
            (pk, r.pk, *c) for pk, (r, c) in zip(w.ids(ResponsibilityChange, len(changes)), changes, strict=True)))
        tasks = self.write_tasks(Appraisal, rows, lambda r: (r.title, r.unit_id, r.subject.pk))
        kept = self.write_messages(46, emails_from=dt.datetime.combine(season(self.today.year)[0], dt.time(0),
                                                                       tzinfo=self.zone))
        write_counters({(NAME, year): last for year, last in self.counters.items()})
        this_year = [r for r in rows if r.year == self.today.year]
        open_now = [r for r in this_year if r.state not in CLOSED]
        return {
            "appraisals": len(rows), "seasons": len({r.year for r in rows}),
            "this season's": len(this_year), "this season's open": len(open_now),
            "this season's overdue": sum(1 for r in open_now if r.due_on < self.today),
            "this season's completed": sum(1 for r in this_year if r.state == "completed"),
            "events": events, "JD review changes": len(changes),
            "regrading checks flagged": sum(1 for r in rows if r.flag),
            "tasks": len(tasks), "open tasks": sum(1 for t in tasks if t.completed_at is None),
            "notifications": kept, "e-mails": self.emails, "logins made": len(self.new_logins),
        }


def run(generation: Generation) -> dict[str, int]:
    appraisals = _Appraisals(generation)
    counts = appraisals.run()
    counts["history entries"] = generation.flush_history()
    return counts


STEP = Step(NAME, "Appraisals for every member of staff and season since go-live", run,
            after=("people", "jds", "grading"))
