"""A process is a table: its states, variants, moves, roles, conditions, effects and sentences.

Each process writes one :class:`Process` in its own ``workflow.py``; reading that file tells a newcomer
the whole process, the engine (:mod:`gradepath.workflow.engine`) performs it, the generated docs
(``gradepath workflow-docs``) draw it and the test kit (:mod:`gradepath.workflow.testing`) walks it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from gradepath.core.inputs import InputField
from gradepath.workflow.models import WorkflowEvent, WorkflowObject


@dataclass(frozen=True)
class Move:
    """One legal move.

    ``target`` None means an effect decides (``Process.service_targets`` lists where it can lead).
    ``once_per_role`` moves are agreements: each role records one, each by a different person, and when
    every role has, the object goes to ``then``. ``inputs`` declares every field the move takes (the
    web form is built from them and the engine checks what it is given against them).
    ``independent_of`` names earlier moves whose actors may not take this one: nobody approves their
    own submission. ``when`` names conditions (``Process.conditions``) besides the state.
    ``tells_involved``: the people involved are told (the move's second sentence).
    """

    action: str
    label: str
    variants: tuple[str, ...]
    sources: tuple[str, ...]
    target: str | None
    roles: tuple[str, ...]
    policy: str
    requires: tuple[str, ...] = ()
    inputs: tuple[InputField, ...] = ()
    once_per_role: bool = False
    then: str | None = None
    when: tuple[str, ...] = ()
    independent_of: tuple[str, ...] = ()
    tells_involved: bool = False
    style: str = "primary"  # button style: primary, secondary, danger
    notes: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def routes(self) -> tuple[str, ...]:
        """The variants (grading calls them routes) the move belongs to."""
        return self.variants


@dataclass(frozen=True)
class Condition:
    """A named check a move needs besides its object's state: ``check(obj)`` says why it does not hold
    (in the user's words) or returns None. The engine and the test oracle read the same check."""

    key: str
    sentence: str
    check: Callable[[Any], str | None]

    def holds(self, obj) -> bool:
        return self.check(obj) is None


class Role:
    """Who holds a role for an object: one resolver per role, used for permission (``capacity``), for
    tasks (``holders``) and for escalation (``escalate_to``) alike.

    ``excluding`` are people who may not act in it here (they submitted what is to be approved, or
    already agreed); ``is_subject`` marks the role of the person the object is about (everyone else
    is refused any role on an object about themselves); ``team`` names the group whose queue holds
    the role's tasks when no one person holds it.
    """

    key: str
    label: str
    is_subject: bool = False
    subject_may_hold: bool = False
    team: str = ""

    def capacity(self, obj, person, user, excluding: frozenset[int] | set[int]) -> str | None:
        raise NotImplementedError

    def holders(self, obj, excluding: frozenset[int] | set[int]) -> list[tuple[Any, str]]:
        raise NotImplementedError

    def escalate_to(self, obj) -> list:
        """People to tell, in order, when this role's task is overdue."""
        return []


@dataclass
class Process:
    """One process: everything the engine, the pages, the docs and the test kit need to know.

    The callables say how to read the object: ``variant_of`` (e.g. the route), ``subject_of`` (the
    person it is about, or None), ``unit_of`` (its org unit), ``title_of``, ``link_of`` (its page) and
    ``involved_of`` (the people told of a move that ``tells_involved``). ``effects`` maps an action to
    what it does besides moving the state: ``effect(obj, actor_user, actor_person, move, data)``
    returns (target or None, summary). ``on_enter`` maps a state to what entering it does.
    ``after_move(obj, move, actor_person, from_state, reason)`` is the process's own telling (an
    outcome, a copy for information). ``due_days(state)`` is the working-day target of a state.
    """

    name: str
    label: str
    noun: str  # "grading case"
    short_noun: str  # "case"
    model: type[WorkflowObject]
    event_model: type[WorkflowEvent]
    event_fk: str
    states: dict[str, str]
    closed_states: tuple[str, ...]
    variants: dict[str, str]
    start_states: dict[str, str]
    process_map: dict[str, list[str]]
    moves: list[Move]
    roles: dict[str, Role]
    conditions: dict[str, Condition]
    sentences: dict[str, tuple[str, str]]
    variant_of: Callable[[Any], str]
    subject_of: Callable[[Any], Any]
    unit_of: Callable[[Any], Any]
    title_of: Callable[[Any], str]
    link_of: Callable[[Any], str]
    involved_of: Callable[[Any], Sequence[Any]]
    due_days: Callable[[str], int]
    effects: dict[str, Callable] = field(default_factory=dict)
    on_enter: dict[str, Callable] = field(default_factory=dict)
    after_move: Callable | None = None
    service_targets: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    reminder_days: Callable[[], int] = lambda: 2  # remind this many working days before a task is due
    docs: Any = None  # workflow.docs.ProcessDocs: the pages `gradepath workflow-docs` writes
    detail_url_name: str = ""  # the object's page, by id (the inbox links to it without loading it)
    silent_states: tuple[str, ...] = ()  # states in which nobody may act at all (withdrawn, not agreed)

    def __post_init__(self) -> None:
        by_action = {m.action: m for m in self.moves}
        if len(by_action) != len(self.moves):
            raise ValueError(f"{self.name}: action names must be unique")
        if set(self.sentences) != set(by_action):
            raise ValueError(f"{self.name}: every move needs its two sentences (missing or extra: "
                             f"{sorted(set(self.sentences) ^ set(by_action))})")
        for move in self.moves:
            for key in move.when:
                if key not in self.conditions:
                    raise ValueError(f"{self.name}: {move.action} names an unknown condition {key!r}")
            for role in move.roles:
                if role not in self.roles:
                    raise ValueError(f"{self.name}: {move.action} names an unknown role {role!r}")
            if move.once_per_role and move.then is None:
                raise ValueError(f"{self.name}: agreement {move.action} needs `then`")
        self.moves_by_action = by_action

    # --- reading the table ---------------------------------------------------------------------

    def moves_from(self, variant: str, state: str) -> list[Move]:
        """The moves an object on ``variant`` in ``state`` allows, in table order."""
        return [m for m in self.moves if variant in m.variants and state in m.sources]

    def move_targets(self, move: Move, variant: str) -> tuple[str, ...]:
        """The states ``move`` can lead to on ``variant``."""
        if move.target is not None:
            return (move.target,)
        return self.service_targets[move.action][variant]

    def variant_states(self, variant: str) -> list[str]:
        """Every state an object on ``variant`` can reach from its start, following the table."""
        seen: list[str] = [self.start_states[variant]]
        for state in seen:  # grows while we walk it: a breadth-first search
            for move in self.moves_from(variant, state):
                for target in self.move_targets(move, variant):
                    if target not in seen:
                        seen.append(target)
        return seen

    def role_label(self, role: str) -> str:
        return self.roles[role].label if role in self.roles else role
