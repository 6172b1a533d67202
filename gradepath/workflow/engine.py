"""The one engine every process's moves go through.

:func:`perform` locks the object (after the history chain: one lock order, core.locking), honours an
idempotency key under the lock, refuses a stale step (409) and a move its state does not allow,
checks who may take it (the process's role resolvers; nobody on a matter about themselves, nobody
approving their own submission) and its conditions, checks the move's declared input fields, applies
the process's effect, and writes the event, the history row, the tasks and the messages in one
transaction; e-mails leave after commit. :func:`available_actions` is what drives every button and
the API: the template never decides.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from gradepath.core.errors import PermissionDenied, ServiceError, StaleStateError, ValidationError
from gradepath.core.history import record_history
from gradepath.core.inputs import clean_input
from gradepath.core.locking import lock
from gradepath.core.text import lower_first, text_problem
from gradepath.notifications.services import notify, withdraw_notifications
from gradepath.people.relations import person_of
from gradepath.workflow.calendar import add_working_days
from gradepath.workflow.models import Task
from gradepath.workflow.process import Move, Process

# --- What has happened on an object ----------------------------------------------------------------


@dataclass(frozen=True)
class Acts:
    """The moves taken on an object so far, read once per request: who took which move, in which role,
    and which were taken since the object entered its current state (agreements count there)."""

    events: tuple[tuple[int, str, int | None, str], ...]  # (step, action, actor id, role)
    entered_step: int | None

    @classmethod
    def of(cls, process: Process, obj, events: list | None = None) -> Acts:
        """From the object's events (``events``: already loaded by a page, in step order, saves a query)."""
        if events is None:
            rows = list(process.event_model._default_manager.filter(**{process.event_fk: obj}).order_by("step").values_list(
                "step", "action", "actor_id", "from_state", "to_state", "data"))
        else:
            rows = [(e.step, e.action, e.actor_id, e.from_state, e.to_state, e.data) for e in events]
        entered = max((step for step, _, _, frm, to, _ in rows if to == obj.state and frm != obj.state),
                      default=None)
        return cls(events=tuple((step, action, actor, (data or {}).get("role", ""))
                                for step, action, actor, _, _, data in rows), entered_step=entered)

    def actors_of(self, actions: tuple[str, ...]) -> set[int]:
        """People who took any of ``actions``."""
        return {actor for _, action, actor, _ in self.events if action in actions and actor is not None}

    def this_round(self, action: str) -> list[tuple[int | None, str]]:
        """(actor, role) of each ``action`` taken since the object entered its current state."""
        return [(actor, role) for step, act, actor, role in self.events
                if act == action and (self.entered_step is None or step > self.entered_step)]


def ineligible(move: Move, acts: Acts) -> set[int]:
    """People who may not take ``move``: those who took a move it must be independent of (nobody
    approves their own submission) and, for an agreement, those who already agreed in this round."""
    barred = acts.actors_of(move.independent_of) if move.independent_of else set()
    if move.once_per_role:
        barred |= {actor for actor, _ in acts.this_round(move.action) if actor is not None}
    return barred


def agreed_roles(move: Move, acts: Acts) -> set[str]:
    """Roles that already recorded ``move`` since the object entered its current state."""
    return {role for _, role in acts.this_round(move.action)}


def open_roles(move: Move, acts: Acts) -> tuple[list[str], set[int]]:
    """The roles of ``move`` still to act (an agreement's roles that have not yet agreed), and the people
    barred from it (see :func:`ineligible`)."""
    done = agreed_roles(move, acts) if move.once_per_role else set()
    return [role for role in move.roles if role not in done], ineligible(move, acts)


# --- Who may act --------------------------------------------------------------------------------------


def role_capacity(process: Process, obj, person, user, role: str,
                  excluding: set[int] | frozenset[int] = frozenset()) -> str | None:
    """The capacity in which ``person`` holds ``role`` on ``obj`` today, or None. Nobody holds a role on
    an object about themselves except the object's own (and starting it); people in ``excluding`` hold
    none for the move in question."""
    if person is None:
        return None
    resolver = process.roles[role]
    subject = process.subject_of(obj)
    if subject is not None and person.pk == subject.pk and not (resolver.is_subject or resolver.subject_may_hold):
        return None
    return resolver.capacity(obj, person, user, frozenset(excluding))


@dataclass(frozen=True)
class AvailableAction:
    move: Move
    role: str
    capacity: str


def unmet_condition(process: Process, obj, move: Move) -> str | None:
    """Why ``move`` is not possible on ``obj`` now although its state allows it (its conditions), in the
    user's words; None when it is possible."""
    for key in move.when:
        if (why := process.conditions[key].check(obj)) is not None:
            return why
    return None


def available_actions(process: Process, obj, user, *, with_unmet: bool = False,
                      acts: Acts | None = None) -> list[AvailableAction]:
    """The moves this user may take on ``obj`` now, with the role and capacity they would act in.

    ``with_unmet`` also lists moves the user's role allows whose conditions do not hold (so a page can
    say why instead of "you cannot")."""
    person = person_of(user)
    if person is None or obj.state in process.silent_states:
        return []
    moves = process.moves_from(process.variant_of(obj), obj.state)
    if not moves:
        return []
    acts = acts or Acts.of(process, obj)
    found: list[AvailableAction] = []
    # Several moves share a role (a decider approves, declines or returns): each role is resolved once.
    capacities: dict[tuple[str, frozenset[int]], str | None] = {}
    for move in moves:
        if not with_unmet and unmet_condition(process, obj, move) is not None:
            continue
        roles, barred = open_roles(move, acts)
        for role in roles:
            key = (role, frozenset(barred))
            if key not in capacities:
                capacities[key] = role_capacity(process, obj, person, user, role, barred)
            capacity = capacities[key]
            if capacity is not None:
                found.append(AvailableAction(move, role, capacity))
                break
    return found


def refusal(process: Process, obj, move: Move, person, user, acts: Acts) -> str:
    """Why ``person`` may not take ``move``, in their words."""
    if person.pk in ineligible(move, acts):
        if move.once_per_role:
            return (f"You have already given your agreement on {obj.reference}: each agreement comes from a "
                    "different person.")
        if any(role_capacity(process, obj, person, user, role) for role in move.roles):
            return (f"You submitted {obj.reference} at an earlier step, so you cannot also "
                    f"“{move.label.lower()}”: nobody approves their own submission. It goes to someone else "
                    "who holds the role (a delegate, or the holder above).")
    return f"You cannot “{move.label.lower()}” on {obj.reference}."


# --- The move -----------------------------------------------------------------------------------------


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in data.items():
        if key == "reason":
            continue
        if hasattr(value, "pk"):
            out[key] = value.pk
        elif isinstance(value, (dt.date, dt.datetime)):
            out[key] = value.isoformat()
        elif isinstance(value, (str, int, float, bool, list, dict)) or value is None:
            out[key] = value
    return out


def state_words(process: Process, obj) -> str:
    return lower_first(process.states.get(obj.state, obj.state))


def perform(process: Process, obj, *, actor, action: str, step: int, data: dict[str, Any] | None = None,
            idempotency_key: str | None = None):
    """Take one move on ``obj``. ``step`` is the step the user saw: if the object has moved on,
    StaleStateError (HTTP 409) and nothing changes. ``data`` is checked against the move's declared
    input fields; who acts, in which role and capacity, is always the server's finding."""
    me = person_of(actor)
    if me is None:
        raise PermissionDenied(f"You need a staff record to act on {process.noun}s.")
    move = process.moves_by_action.get(action) if isinstance(action, str) else None
    if move is None:
        raise ServiceError(f"That is not an action on {process.noun}s.")
    if idempotency_key is not None and (not isinstance(idempotency_key, str) or len(idempotency_key) > 100
                                        or text_problem(idempotency_key) is not None):
        raise ServiceError("The request key must be text of at most 100 characters.")
    with transaction.atomic():
        obj = lock(obj)  # the history chain, then the row (one lock order: core.locking)
        # Checked under the lock, so a repeat sent while the first request is still running waits for it.
        if idempotency_key and (done := process.event_model._default_manager.filter(idempotency_key=idempotency_key).first()):
            if getattr(done, f"{process.event_fk}_id") != obj.pk:
                raise ServiceError(f"That request key was already used for another {process.short_noun}.")
            return obj  # the same request again: one effect
        if obj.step != step:
            raise StaleStateError(f"{obj.reference} has moved on since you opened it (it is now: "
                                  f"{state_words(process, obj)}). Reload the page to see what happened.")
        if process.variant_of(obj) not in move.variants or obj.state not in move.sources:
            raise StaleStateError(f"“{move.label}” is not possible now: {obj.reference} is "
                                  f"{state_words(process, obj)}.")
        acts = Acts.of(process, obj)
        chosen = next((a for a in available_actions(process, obj, actor, with_unmet=True, acts=acts)
                       if a.move.action == action), None)
        if chosen is None:
            raise PermissionDenied(refusal(process, obj, move, me, actor, acts))
        if (why := unmet_condition(process, obj, move)) is not None:
            raise ServiceError(why)
        try:
            values = clean_input(move.inputs, data, what=f"“{move.label}”")
        except ValidationError as invalid:
            raise ServiceError(invalid.messages) from None
        reason = values.get("reason") or ""
        from_state = obj.state
        effect = process.effects.get(action)
        target, summary = effect(obj, actor, me, move, values) if effect is not None else (None, "")
        target = target or move.target
        if move.once_per_role:
            agreed_now = agreed_roles(move, acts) | {chosen.role}
            target = move.then if agreed_now >= set(move.roles) else obj.state
        if not isinstance(target, str):  # pragma: no cover - a move with no target and no effect deciding one
            raise AssertionError(f"{process.name}: {action} led nowhere")
        if target != from_state and (enter := process.on_enter.get(target)) is not None:
            enter(obj)
        obj.state = target
        obj.step += 1
        obj.updated_at = timezone.now()
        if target in process.closed_states and obj.closed_at is None:
            obj.closed_at = timezone.now()
        obj.save()
        # What the client sent (checked), then what the server found: the role never comes from the client.
        record = {**_plain({k: v for k, v in values.items() if v is not None}), "role": chosen.role}
        process.event_model._default_manager.create(**{process.event_fk: obj}, step=step, action=action, actor=me,
                                           capacity=chosen.capacity, from_state=from_state, to_state=target,
                                           reason=reason, data=record, idempotency_key=idempotency_key)
        resolver = process.roles[chosen.role]
        subject = process.subject_of(obj)
        record_history(actor=actor, action=f"{process.name}.{action}", obj=obj,
                       person_id=subject.pk if subject is not None else None,
                       capacity="" if resolver.is_subject or resolver.subject_may_hold else chosen.capacity,
                       summary=f"{obj.reference}: {summary or move.label}." + (f" Reason: {reason}" if reason else ""))
        involved = frozenset(p.pk for p in _involved(process, obj, me)) if move.tells_involved else frozenset()
        told = refresh_tasks(process, obj, stayed=target == from_state, actor=me,
                             news=news(process, obj, move, me, reason), news_to=involved)
        _tell_involved(process, obj, move, me, reason, already_told=told)
        if process.after_move is not None:
            process.after_move(obj, move, me, from_state, reason)
    return obj


# --- Tasks ----------------------------------------------------------------------------------------------


def day(date: dt.date) -> str:
    return f"{date.day} {date:%b %Y}"


def task_key(task: Task) -> str:
    """The key of a task's "waiting for you" message: it goes when the task does."""
    return f"{task.process}.task:{task.pk}"


def tasks_of(obj):
    """The tasks of one object (every process's tasks are in one table)."""
    return Task.objects.filter(content_type=ContentType.objects.get_for_model(type(obj)), object_id=obj.pk)


def open_tasks(obj) -> list[Task]:
    """The object's open tasks, soonest due first, with their assignees."""
    return list(tasks_of(obj).filter(completed_at__isnull=True).select_related("assignee").order_by("due_date", "id"))


def due_date_for(process: Process, state: str, start: dt.date | None = None) -> dt.date:
    return add_working_days(start or timezone.localdate(), process.due_days(state))


def holders(process: Process, obj, role: str, excluding: set[int] | frozenset[int] = frozenset()):
    """Who must act in ``role`` now, with the capacity in words (see each role's resolver)."""
    subject = process.subject_of(obj)
    resolver = process.roles[role]
    found = resolver.holders(obj, frozenset(excluding))
    if subject is not None and not (resolver.is_subject or resolver.subject_may_hold):
        found = [(p, c) for p, c in found if p is None or p.pk != subject.pk]
    return found


def _moves_words(process: Process, obj, role: str) -> list[str]:
    """What a person in ``role`` can do now, as words: "approve the JD … or return to the manager"."""
    return [m.label[:1].lower() + m.label[1:] for m in process.moves_from(process.variant_of(obj), obj.state)
            if role in m.roles and m.style != "danger" and unmet_condition(process, obj, m) is None]


def refresh_tasks(process: Process, obj, *, stayed: bool = False, actor=None, news: str = "",
                  news_to: frozenset[int] = frozenset()) -> set[int]:
    """Make the open tasks match who must act now, and tell each new assignee.

    A task still needed when the object stays in its state (an agreement recorded) keeps its due date;
    every other open task is completed and its "waiting for you" message withdrawn, so a message never
    outlives its task. One task (and one message) per person and role; a person who has agreed in this
    round has nothing left to do in it. ``news`` (what just happened) opens the message of the people in
    ``news_to``; returns who got it."""
    now = timezone.now()
    wanted: list[tuple[Any, str, str]] = []
    if obj.state not in process.closed_states:
        acts = Acts.of(process, obj)
        seen: set[tuple[int | None, str]] = set()
        moves = process.moves_from(process.variant_of(obj), obj.state)
        agreed = {who for m in moves if m.once_per_role for who, _ in acts.this_round(m.action) if who}
        for move in moves:
            if move.style == "danger" or unmet_condition(process, obj, move) is not None:
                continue
            roles, barred = open_roles(move, acts)
            for role in roles:
                for person, capacity in holders(process, obj, role, barred):
                    key = (person.pk if person else None, role)
                    if person is not None and person.pk in agreed:
                        continue
                    if key not in seen:
                        seen.add(key)
                        wanted.append((person, role, capacity))
                if not move.once_per_role:
                    break
    open_tasks = list(tasks_of(obj).filter(completed_at__isnull=True))
    kept: dict[tuple[int | None, str], Task] = {}
    if stayed:
        wanted_keys = {(p.pk if p else None, role) for p, role, _ in wanted}
        kept = {(t.assignee_id, t.role): t for t in open_tasks if (t.assignee_id, t.role) in wanted_keys}
    finished = [t for t in open_tasks if t not in kept.values()]
    if finished:
        Task.objects.filter(pk__in=[t.pk for t in finished]).update(completed_at=now)
        withdraw_notifications(keys=[task_key(t) for t in finished])
    told: set[int] = set()
    if not wanted:
        return told
    due = due_date_for(process, obj.state)
    link = process.link_of(obj)
    content_type = ContentType.objects.get_for_model(type(obj))
    subject, unit, title = process.subject_of(obj), process.unit_of(obj), process.title_of(obj)
    label = process.states[obj.state]
    for person, role, capacity in wanted:
        if (person.pk if person else None, role) in kept:
            continue
        task = Task.objects.create(
            process=process.name, content_type=content_type, object_id=obj.pk, reference=obj.reference,
            title=title[:200], org_unit=unit, subject=subject, step=obj.step, state=obj.state, assignee=person,
            team="" if person is not None else process.roles[role].team, role=role, capacity=capacity,
            description=f"{label}: {obj.reference} {title}"[:300], due_date=due)
        if person is None or (actor is not None and person.pk == actor.pk):
            continue  # a team's queue is on its list; nobody is told about their own move
        can = _moves_words(process, obj, role)
        acting = capacity or process.role_label(role).lower()
        opening = news + " " if news and person.pk in news_to else ""
        if opening:
            told.add(person.pk)
        notify(recipient=person, key=task_key(task), link=link,
               subject=f"{obj.reference} {title}: waiting for you by {day(due)}",
               body=f"{opening}{process.noun.capitalize()} {obj.reference} ({title}) is at the step “{label}”. "
                    f"As {acting}, you can {' or '.join(can) if can else 'act on it'}. Please act by {day(due)}.")
    return told


def what_next(process: Process, obj) -> str:
    """Who acts next and by when, in a sentence ("" when nobody has to)."""
    if obj.state in process.closed_states:
        return ""
    tasks = open_tasks(obj)
    label = process.states[obj.state]
    if not tasks:
        return f"{obj.reference} is now at the step “{label}”."

    def says(task) -> bool:
        resolver = process.roles.get(task.role)
        return bool(task.capacity) and not (resolver is not None and getattr(resolver, "quiet_capacity", False))

    who = ", ".join(t.assignee.full_name + (f" ({t.capacity})" if says(t) else "") if t.assignee else
                    (t.team or process.role_label(t.role)) for t in tasks)
    return f"{obj.reference} is now at the step “{label}”, waiting for {who}, by {day(tasks[0].due_date)}."


# --- Telling people ---------------------------------------------------------------------------------


def news(process: Process, obj, move: Move, actor, reason: str) -> str:
    """What the people involved are told about ``move`` (a sentence written for them, with the reason)."""
    said = process.sentences[move.action][1].format(actor=actor.full_name, title=process.title_of(obj))
    return said + (f" The reason given: “{reason}”." if reason else "")


def _involved(process: Process, obj, actor) -> set:
    return {p for p in process.involved_of(obj) if p is not None and p.pk != actor.pk}


def _tell_involved(process: Process, obj, move: Move, actor, reason: str, *, already_told: set[int]) -> None:
    """The people involved are told of a move that concerns them, unless their new task's message said it."""
    if not move.tells_involved:
        return
    headline = process.sentences[move.action][1].format(actor=actor.full_name, title=process.title_of(obj))
    headline = headline.split(". ")[0]
    body = f"{news(process, obj, move, actor, reason)} {what_next(process, obj)}".rstrip()
    for person in _involved(process, obj, actor):
        if person.pk not in already_told:
            notify(recipient=person, link=process.link_of(obj), subject=f"{obj.reference}: {headline}", body=body)
