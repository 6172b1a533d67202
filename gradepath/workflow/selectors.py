"""Reads every process's pages share: the process map, the agreements so far, the timeline.
No writes here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from gradepath.core.history import timeline_for
from gradepath.workflow.process import Process


@dataclass
class MapStep:
    """One state on a variant's process map."""

    state: str
    label: str
    current: bool
    visited: bool


def process_map(process: Process, obj, events: list) -> list[MapStep]:
    """The variant's states in order, the current one and those the object has been through marked.
    A state off the main line (an appeal, a withdrawal) is added at the end once the object was in it."""
    variant = process.variant_of(obj)
    visited = {process.start_states[variant]}
    order = list(process.process_map[variant])
    for event in events:
        for state in (event.from_state, event.to_state):
            visited.add(state)
            if state not in order:
                order.append(state)
    if obj.state not in order:
        order.append(obj.state)
    return [MapStep(state=s, label=process.states.get(s, s), current=s == obj.state,
                    visited=s in visited and s != obj.state) for s in order]


@dataclass
class Agreement:
    """Whether one role has given an agreement that needs every role, in the current state."""

    role: str
    label: str
    event: object | None


def agreements_so_far(process: Process, obj, events: list) -> list[Agreement]:
    """On a state whose move needs every role's agreement: who has agreed since the object entered it
    (empty in any other state)."""
    move = next((m for m in process.moves_from(process.variant_of(obj), obj.state) if m.once_per_role), None)
    if move is None:
        return []
    entered = max((e.step for e in events if e.to_state == obj.state and e.from_state != obj.state), default=-1)
    done = {e.data.get("role"): e for e in events if e.action == move.action and e.step > entered}
    return [Agreement(role=r, label=process.role_label(r), event=done.get(r)) for r in move.roles]


@dataclass
class TimelineItem:
    """One line of a timeline: a move (with its step and reason) or another history row."""

    created_at: dt.datetime
    actor: str
    capacity: str
    summary: str
    reason: str = ""
    step: int | None = None
    states: tuple[str, str] | None = None
    extra: dict = field(default_factory=dict)


def timeline(process: Process, obj, events: list, *, hidden_actions: tuple[str, ...] = (),
             limit: int = 200) -> list[TimelineItem]:
    """Every move on the object (who, in what capacity, why) and the other history rows about it,
    newest first; ``hidden_actions`` are history rows this reader may not see."""
    items = [
        TimelineItem(created_at=e.created_at, actor=str(e.actor) if e.actor else "System", capacity=e.capacity,
                     summary=process.moves_by_action[e.action].label if e.action in process.moves_by_action
                     else e.action, reason=e.reason, step=e.step,
                     states=(process.states.get(e.from_state, e.from_state), process.states.get(e.to_state, e.to_state)))
        for e in events
    ]
    shown_as_events = {f"{process.name}.{a}" for a in process.moves_by_action}
    rows = timeline_for(obj).exclude(action__in=shown_as_events)
    if hidden_actions:
        rows = rows.exclude(action__in=hidden_actions)
    items += [TimelineItem(created_at=h.created_at, actor=h.actor_label, capacity=h.capacity, summary=h.summary)
              for h in rows[:limit]]
    items.sort(key=lambda i: (i.created_at, i.step if i.step is not None else -1), reverse=True)
    return items
