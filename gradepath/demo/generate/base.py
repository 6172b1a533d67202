"""What every generation step shares: the run's settings and clock, the writer, what earlier steps
made, and the list of steps (the registration point each process adds its own step to).

A step is a function of the :class:`Generation` that writes its records and returns what it made
(``{"grading cases": 20000, …}``), for the command's progress lines. Steps run in their order,
in one transaction; a step reads what earlier steps left in ``generation.shared`` (the people step
leaves the planned university, the JD step the library), never by querying row by row.

The process steps (appraisals, acting up and honoraria, secondments, accelerated increments) share their
run's frame here (:class:`ProcessRun`: the dates, logins, messages, and the writing of logins, messages
and reference counters), their task and message rows, and :class:`Holders` (who holds a role, from the
engine's own resolver), which the grading step uses too.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from gradepath.core.dates import add_months
from gradepath.core.models import ReferenceCounter
from gradepath.demo.builder import GO_LIVE_DAYS, DemoBuilder, _Person, _Post
from gradepath.demo.clock import DemoClock
from gradepath.demo.generate.writer import BulkWriter, HistoryRow, write_history
from gradepath.demo.logins import DEMO_PASSWORD
from gradepath.notifications.models import Notification, OutboxEmail
from gradepath.people.models import Delegation, OrgUnit, Person, UnitRoleAssignment, User
from gradepath.people.relations import eligible_holders
from gradepath.workflow.models import BankHoliday, Task


class GenerationError(Exception):
    """The university cannot be generated as asked (a message for the person running the command)."""


@dataclass
class Generation:
    """One run of the generator: its size, seed and dates, the writer, and what steps share."""

    people: int
    seed: int
    today: dt.date
    now: dt.datetime  # the generated university's "now": nothing is dated later
    clock: DemoClock
    writer: BulkWriter
    shared: dict[str, Any] = field(default_factory=dict)
    history: list[HistoryRow] = field(default_factory=list)  # this step's history rows, written after it
    _password: str = ""

    def password(self) -> str:
        """The demo password, hashed once for the whole run: every demo login made shares it."""
        if not self._password:
            self._password = make_password(DEMO_PASSWORD)
        return self._password

    def rng(self, salt: int) -> random.Random:
        """A random source of its own for one step (``salt``): the same seed gives the same choices
        whatever the other steps do."""
        return random.Random(self.seed * 1_000 + salt)

    def flush_history(self) -> int:
        """Write the history rows the step collected, oldest first, linked into the chain."""
        rows = sorted(self.history, key=lambda row: row.created_at)
        self.history = []
        return write_history(self.writer, rows)


@dataclass(frozen=True)
class Step:
    """One generation step: ``run(generation)`` writes its records and returns their counts by name.
    ``after`` names the steps whose records it needs."""

    name: str
    label: str
    run: Callable[[Generation], dict[str, int]]
    after: tuple[str, ...] = ()


_STEPS: list[Step] = []


def register_step(step: Step) -> Step:
    """Add a step (a later process adds its records this way, in its own module of this package). It
    runs after the steps it names in ``after``; registering a name again replaces that step."""
    unknown = [name for name in step.after if name not in {s.name for s in _STEPS}]
    if unknown:
        raise GenerationError(f"The step {step.name} needs {', '.join(unknown)}, which is not registered before it.")
    for i, existing in enumerate(_STEPS):
        if existing.name == step.name:
            _STEPS[i] = step
            return step
    _STEPS.append(step)
    return step


def registered_steps() -> list[Step]:
    """The steps in the order they run."""
    return list(_STEPS)


# --- What the process steps share ------------------------------------------------------------------------


def person_name(p: _Person) -> str:
    """The name people go by (``Person.display_name``)."""
    return f"{p.known_as or p.first_name} {p.last_name}"


def headline(text: str, limit: int = 200) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis (a subject line)."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass(eq=False)
class TaskRow:
    """One task as ``engine.refresh_tasks`` leaves it (the fields ``workflow.Task`` stores that vary)."""

    pk: int
    step: int
    state: str
    assignee: int | None
    role: str
    description: str
    due: dt.date
    created_at: dt.datetime
    team: str = ""
    capacity: str = ""
    completed_at: dt.datetime | None = None


@dataclass(eq=False)
class Message:
    """A message as ``notifications.notify`` sends it: a notification, and an e-mail to the recipient."""

    recipient: _Person
    subject: str
    body: str
    link: str
    created_at: dt.datetime
    task: TaskRow | None = None  # a "waiting for you" message goes when its task does


class _Stub:
    """A person known only by id (what ``eligible_holders`` reads of the subject)."""

    def __init__(self, pk: int):
        self.pk = pk


class Holders:
    """The holders of a unit's role (FM/HPS, HRBP, head, Dean…) for a matter on a day, from the engine's own
    resolver (``people.relations.eligible_holders``), read once per unit, role, day's delegations and the
    people who may not act (only holders and delegates count there)."""

    def __init__(self, units: dict[int, OrgUnit]):
        self.units = units
        self.relevant = set(UnitRoleAssignment.objects.filter(role__in=("fm_hps", "hrbp", "head"))
                            .values_list("person_id", flat=True))
        self.delegations = list(Delegation.objects.filter(revoked_at__isnull=True)
                                .values_list("pk", "start_date", "end_date", "delegate_id"))
        self.relevant |= {delegate for _, _, _, delegate in self.delegations}
        self._cache: dict[tuple, list[tuple[int, str, bool, bool]]] = {}
        self._heads: dict[tuple[int, tuple[int, ...]], int | None] = {}

    def _active(self, on: dt.date) -> tuple[int, ...]:
        return tuple(pk for pk, start, end, _ in self.delegations if start <= on <= end)

    def candidates(self, unit_id: int, role: str, on: dt.date, subject: int | None,
                   barred: set[int] | frozenset[int]) -> list[tuple[int, str, bool, bool]]:
        """(person id, capacity in words, plain holder?, delegate?) of everyone who may act."""
        relevant_subject = subject if subject in self.relevant else None
        key = (unit_id, role, relevant_subject, frozenset(set(barred) & self.relevant), self._active(on))
        if key not in self._cache:
            found = eligible_holders(self.units[unit_id], role, on=on,
                                     subject=_Stub(relevant_subject) if relevant_subject else None,  # type: ignore[arg-type]
                                     excluding=key[3])
            self._cache[key] = [(p.pk, str(c), c.delegate_of is None and c.instead_of is None,
                                 c.delegate_of is not None) for p, c in found]
        return self._cache[key]

    def task_holder(self, unit_id: int, role: str, on: dt.date, subject: int | None,
                    barred: set[int] | frozenset[int]) -> tuple[int, str] | None:
        """Who is given the task (``UnitRoleHolder.holders``: an active delegate first) and the capacity
        the task states ("" for the holder in their own right)."""
        found = self.candidates(unit_id, role, on, subject, barred)
        if not found:
            return None
        pk, words, plain, _ = next((c for c in found if c[3]), found[0])
        return pk, "" if plain else words

    def task_holder_words(self, unit_id: int, role: str, on: dt.date, subject: int | None,
                          barred: set[int] | frozenset[int]) -> tuple[int, str, str] | None:
        """:meth:`task_holder` and the holder's capacity in words (for the messages)."""
        found = self.task_holder(unit_id, role, on, subject, barred)
        if found is None:
            return None
        pk, capacity = found
        words = next(c[1] for c in self.candidates(unit_id, role, on, subject, barred) if c[0] == pk)
        return pk, capacity, words

    def head(self, unit_id: int, on: dt.date) -> int | None:
        """The HoD or departmental contact of the unit (nearest up the tree)."""
        key = (unit_id, self._active(on))
        if key not in self._heads:
            found = self.candidates(unit_id, "head", on, None, frozenset())
            assignment = next((pk for pk, _, _, delegate in found if not delegate), None)
            self._heads[key] = assignment
        return self._heads[key]


class ProcessRun:
    """The frame of a process step's run: the university and logins earlier steps left, its own random
    source (``salt``), the day and the working calendar, the logins it makes, the messages it sends, and
    the writing of those and of its reference counters."""

    process = ""  # the process's name: its tasks' ``process`` and its messages' keys ("appraisal.task:…")

    def __init__(self, generation: Generation, salt: int):
        self.gen = generation
        self.u: DemoBuilder = generation.shared["university"]
        self.logins: dict[int, int] = generation.shared["logins"]
        self.cases = generation.shared.get("cases")  # the grading step's run (None without that step)
        self.w = generation.writer
        self.rng = generation.rng(salt)
        self.today, self.now = generation.today, generation.now
        self.zone = timezone.get_current_timezone()
        self.go_live = self.today - dt.timedelta(days=GO_LIVE_DAYS)
        self.holidays = set(BankHoliday.objects.values_list("date", flat=True))
        self.people = {p.pk: p for p in self.u.people}
        self.persona = {p.role: p for p in self.u.people if p.role}
        self.hr_team: list[_Person] = list(getattr(self.cases, "hr_team", None) or [self.persona["hrservices"]])
        self.hr_ids = {p.pk for p in self.hr_team}
        self.messages: list[Message] = []
        self.new_logins: dict[int, dt.datetime] = {}  # person id -> when their login was made
        self.emails = 0
        self._due: dict[tuple[dt.date, int], dt.date] = {}

    # --- dates ---------------------------------------------------------------------------------------------

    def local(self, when: dt.datetime) -> dt.date:
        """The day of ``when`` where the university is (timezone.localdate, without its lookups)."""
        return when.astimezone(self.zone).date()

    def working(self, day: dt.date) -> bool:
        return day.weekday() < 5 and day not in self.holidays

    def add_working(self, day: dt.date, days: int) -> dt.date:
        """``workflow.calendar.add_working_days`` (the bank holidays read once)."""
        key = (day, days)
        if key not in self._due:
            current, left = day, days
            while left > 0:
                current += dt.timedelta(days=1)
                if self.working(current):
                    left -= 1
            self._due[key] = current
        return self._due[key]

    def moment(self, day: dt.date, minutes: int | None = None) -> dt.datetime:
        """A moment of the working day ``day`` (or the next working day): ``minutes`` after 9:00 (up to
        eight hours), or at random."""
        while not self.working(day):
            day += dt.timedelta(days=1)
        minutes = self.rng.randint(0, 470) if minutes is None else minutes
        return dt.datetime.combine(day, dt.time(9, 0), tzinfo=self.zone) + dt.timedelta(minutes=minutes % 480)

    def after(self, previous: dt.datetime, days: int) -> dt.datetime:
        """A moment ``days`` after ``previous`` (later than it whatever the days)."""
        when = self.moment(self.local(previous) + dt.timedelta(days=days))
        return when if when > previous else previous + dt.timedelta(minutes=self.rng.randint(5, 50))

    def first_of_month(self, low: dt.date, high: dt.date) -> dt.date | None:
        """A first of the month from ``low`` to ``high``, at random (None: there is none)."""
        firsts, day = [], low.replace(day=1)
        while day <= high:
            if day >= low:
                firsts.append(day)
            day = add_months(day, 1)
        return self.rng.choice(firsts) if firsts else None

    # --- people and pay ------------------------------------------------------------------------------------

    def substantive_post(self, p: _Person, on: dt.date) -> _Post | None:
        """The post ``p`` held substantively on ``on`` (the people step's one move of post)."""
        if p.old_post is not None and p.move_date is not None and on < p.move_date:
            return p.old_post
        return p.post

    def pay_on(self, p: _Person, on: dt.date) -> tuple | None:
        """The pay row of ``p``'s in force on ``on`` (the people step's)."""
        found = None
        for row in p.pay_rows:
            if row[0] <= on:
                found = row
        return found

    def quiet(self, p: _Person, first: dt.date, last: dt.date) -> bool:
        """No pay change of the person's from ``first`` to ``last``."""
        return not any(first <= row[0] <= last for row in p.pay_rows)

    # --- logins and messages -----------------------------------------------------------------------------------

    def login(self, person: _Person, when: dt.datetime) -> int:
        """The person's login (the demo password, their e-mail's local part), made the first time they act."""
        pk = person.pk
        assert pk is not None
        if pk in self.logins:
            return self.logins[pk]
        user_id = self.w.new_id(User)
        self.logins[pk] = user_id
        self.new_logins[pk] = when
        return user_id

    def notify(self, recipient: _Person, subject: str, body: str, link: str, when: dt.datetime,
               task: TaskRow | None = None) -> None:
        self.messages.append(Message(recipient, headline(subject), body, link, when, task))

    # --- writing ---------------------------------------------------------------------------------------------

    def write_events(self, model: type[models.Model], fk: str, rows: list[Any]) -> int:
        """The events of ``rows`` (each row's ``events``: step, action, actor, capacity, from, to, reason, data,
        at) as ``model``'s, pointing at their row through ``fk``. Returns how many."""
        events = [(r, e) for r in rows for e in r.events]
        self.w.insert(model, ("id", fk, "step", "action", "actor_id", "capacity", "from_state", "to_state", "reason",
                              "data", "idempotency_key", "created_at"), (
            (pk, r.pk, step, action, actor, capacity[:300], frm, to, reason, data, None, at)
            for pk, (r, (step, action, actor, capacity, frm, to, reason, data, at))
            in zip(self.w.ids(model, len(events)), events, strict=True)))
        return len(events)

    def write_tasks(self, model: type[models.Model], rows: list[Any],
                    about: Callable[[Any], tuple[str, int, int | None]]) -> list[TaskRow]:
        """The tasks of ``rows`` (each row's ``tasks``) in the engine's task table, about the row (a ``model``)
        whose title, unit and subject ``about`` gives. Returns them."""
        content_type = ContentType.objects.get_for_model(model).pk
        tasks = [(r, t) for r in rows for t in r.tasks]
        self.w.insert(Task, ("id", "process", "content_type_id", "object_id", "reference", "title", "org_unit_id",
                             "subject_id", "step", "state", "assignee_id", "team", "role", "capacity", "description",
                             "due_date", "created_at", "completed_at", "reminded_at", "escalated_at"), (
            (t.pk, self.process, content_type, r.pk, r.reference, title[:200], unit, subject, t.step, t.state,
             t.assignee, t.team, t.role, t.capacity[:300], t.description, t.due, t.created_at, t.completed_at, None,
             None) for r, t in tasks for title, unit, subject in (about(r),)))
        return [t for _, t in tasks]

    def write_logins(self) -> None:
        """The logins the run made (:meth:`login`), each person's pointing at theirs."""
        write_logins(self.gen, self.new_logins, self.people)

    def write_messages(self, salt: int, *, emails_from: dt.datetime | None = None) -> int:
        """The messages still there (a task's goes when the task does; one not about a task read now and then
        after a day or three, by a random source of its own, ``salt``) and an e-mail for every message sent
        (from ``emails_from`` on, if given: an outbox keeps what is recent), marked sent when it was written,
        as the demo's are. Returns how many notifications."""
        w = self.w
        key = f"{self.process}.task:"
        kept = [m for m in self.messages if m.task is None or m.task.completed_at is None]
        recent = self.now - dt.timedelta(days=7)
        rng = random.Random(self.gen.seed * 1_000 + salt)
        w.insert(Notification, ("id", "recipient_id", "subject", "body", "link", "key", "created_at", "read_at"), (
            (pk, m.recipient.pk, m.subject, m.body, m.link, f"{key}{m.task.pk}" if m.task else "", m.created_at,
             m.created_at + dt.timedelta(hours=rng.randint(1, 72)) if m.created_at < recent and m.task is None
             and rng.random() < 0.75 else None)
            for pk, m in zip(w.ids(Notification, len(kept)), kept, strict=True)))
        emails = [m for m in self.messages if m.recipient.email and (emails_from is None or m.created_at >= emails_from)]
        self.emails = len(emails)
        w.insert(OutboxEmail, ("id", "to_address", "subject", "body", "created_at", "status", "attempts", "sent_at",
                               "last_error"), (
            (pk, m.recipient.email, headline(f"[Gradepath] {m.subject}"),
             f"{m.body}\n\nOpen Gradepath: {settings.SITE_URL}{m.link}\n", m.created_at, OutboxEmail.Status.SENT, 1,
             m.created_at, "") for pk, m in zip(w.ids(OutboxEmail, len(emails)), emails, strict=True)))
        return len(kept)


def write_logins(generation: Generation, new_logins: dict[int, dt.datetime], people: dict[int, _Person]) -> None:
    """Logins made during a step (person id -> when), in the order of their ids, with the demo password;
    each person's row points at theirs."""
    w, logins = generation.writer, generation.shared["logins"]
    made = sorted(new_logins, key=lambda pk: logins[pk])
    if not made:
        return
    password = generation.password()
    w.insert(User, ("id", "password", "last_login", "is_superuser", "username", "first_name", "last_name", "email",
                    "is_staff", "is_active", "date_joined"), (
        (logins[pk], password, None, False, people[pk].email.split("@")[0], people[pk].known_as or people[pk].first_name,
         people[pk].last_name, people[pk].email, False, True, new_logins[pk]) for pk in made))
    w.update(Person, "user_id", [(pk, logins[pk]) for pk in made])


def write_counters(counters: Mapping[tuple[str, int], int]) -> None:
    """The reference counters ((series, year) -> the last number given) end where the generated references
    did, so the next one made through the services takes the next number (core.references)."""
    for (series, year), last in counters.items():
        counter, created = ReferenceCounter.objects.get_or_create(series=series, year=year,
                                                                  defaults={"last_number": last})
        if not created and counter.last_number < last:
            ReferenceCounter.objects.filter(pk=counter.pk).update(last_number=last)
