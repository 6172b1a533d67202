"""What every generation step shares: the run's settings and clock, the writer, what earlier steps
made, and the list of steps (the registration point each process adds its own step to).

A step is a function of the :class:`Generation` that writes its records and returns what it made
(``{"grading cases": 20000, …}``), for the command's progress lines. Steps run in their order,
in one transaction; a step reads what earlier steps left in ``generation.shared`` (the people step
leaves the planned university, the JD step the library), never by querying row by row.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gradepath.demo.clock import DemoClock
from gradepath.demo.generate.writer import BulkWriter, HistoryRow, write_history


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
