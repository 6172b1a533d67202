"""The test kit every process uses: the generated matrix over every state × action × role, with its
oracle read from the process's own table and conditions, and the engine's invariants for a
hypothesis state machine.

A process's tests put an object in each state of :func:`matrix_cells`, give each persona one role on
it, and call :func:`check_cell`; its state machine calls :func:`check_history` after every rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db import transaction

from gradepath.core.errors import PermissionDenied, ServiceError, StaleStateError, user_message
from gradepath.workflow import engine
from gradepath.workflow.process import Process


def matrix_cells(process: Process) -> list[tuple[str, str]]:
    """(variant, state) for every state each variant can reach from its start."""
    return [(variant, state) for variant in process.variants for state in process.variant_states(variant)]


def role_actions(process: Process, obj, role: str | None, agreed: Iterable[str] = ()) -> set[str]:
    """The oracle, part one: what the table allows one role on ``obj`` in its state (independent of the
    engine): nothing in a silent state, nothing for the subject's role when the object has no subject,
    and an agreement only once per role."""
    if role is None or obj.state in process.silent_states:
        return set()
    if process.roles[role].is_subject and process.subject_of(obj) is None:
        return set()
    variant = process.variant_of(obj)
    return {m.action for m in process.moves
            if variant in m.variants and obj.state in m.sources and role in m.roles
            and not (m.once_per_role and role in set(agreed))}


def conditions_hold(process: Process, obj, action: str) -> bool:
    """The oracle, part two: the move's conditions, read from the process's own checks."""
    return all(process.conditions[key].holds(obj) for key in process.moves_by_action[action].when)


class _RollBack(Exception):
    pass


def check_cell(process: Process, obj, person, role: str | None, *, agreed: Iterable[str] = (),
               full_data: dict | None = None, snapshot: Callable[[], object], label: str = "") -> None:
    """Everything one persona holding ``role`` (or none) may and may not do on ``obj`` now:

    * they are offered exactly the moves the oracle allows whose conditions hold, in that role;
    * an offered move is not refused for who or when (bad data is another matter);
    * a move the role allows but whose conditions do not hold is refused with the condition's sentence;
    * every other move is refused (403 or 409); a refusal changes nothing (``snapshot`` is the same).
    """
    before = snapshot()
    offered = engine.available_actions(process, obj, person.user)
    allowed = role_actions(process, obj, role, agreed)
    expected = {action for action in allowed if conditions_hold(process, obj, action)}
    assert {a.move.action for a in offered} == expected, f"{label} as {role} in {obj.state}"
    assert all(a.role == role for a in offered)
    for move in process.moves:
        def take(data, action=move.action):
            return engine.perform(process, obj, actor=person.user, action=action, step=obj.step, data=data)

        if move.action in expected:
            try:
                with transaction.atomic():
                    take({})
                    raise _RollBack
            except _RollBack:
                pass
            except (PermissionDenied, StaleStateError) as refused:
                raise AssertionError(f"{label} was offered {move.action} in {obj.state} but refused: "
                                     f"{refused}") from refused
            except ServiceError:
                pass
        elif move.action in allowed:
            try:
                take({k: v for k, v in (full_data or {}).items() if k in {i.name for i in move.inputs}})
            except (PermissionDenied, StaleStateError) as refused:
                raise AssertionError(f"{label}: {move.action} refused for who or when, not its condition") from refused
            except ServiceError as refused:
                assert user_message(refused) == engine.unmet_condition(process, obj, move)
            else:
                raise AssertionError(f"{label} took {move.action} although its condition does not hold")
            assert snapshot() == before, f"{label} changed the record with {move.action}"
        else:
            try:
                take(dict(full_data or {}))
            except (PermissionDenied, StaleStateError):
                pass
            else:
                raise AssertionError(f"{label} took {move.action}, which the table does not allow them")
            assert snapshot() == before, f"{label} changed the record with {move.action}"


def check_history(process: Process, obj) -> None:
    """The engine's invariants on one object's history: its step is its number of events, none skipped or
    shared; each event is a table move from where the object was to one of the move's targets; nobody
    acted on an object about themselves except in its subject's role (or as the one who started it)."""
    events = list(process.event_model._default_manager.filter(**{process.event_fk: obj}).order_by("step"))
    assert obj.step == len(events)
    assert [e.step for e in events] == list(range(len(events)))  # none skipped, none shared
    variant = process.variant_of(obj)
    state = process.start_states[variant]
    subject = process.subject_of(obj)
    for event in events:
        move = process.moves_by_action[event.action]
        assert variant in move.variants and event.from_state in move.sources
        assert event.from_state == state, f"{event} did not start where the record was"
        assert event.to_state in process.move_targets(move, variant)
        state = event.to_state
        if subject is not None and event.actor_id == subject.pk:
            role = process.roles[event.data.get("role", "")]
            assert role.is_subject or role.subject_may_hold, f"{event}: acted on their own record"
    assert state == obj.state
