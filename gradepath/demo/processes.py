"""The demo records of the processes beyond grading (issue 14): appraisals, accelerated increments,
secondments, acting up and honoraria.

Each process's demo module (``gradepath/demo/<process>.py``) has a ``build(*, rng, today, clock)``
that makes its records through the process's own services (so states, events, tasks, messages and
history are what real use leaves) and returns its counts for the demo's summary; it is listed here, in
the order they run (an acting-up allowance may rest on a secondment's people, an accelerated increment
on an appraisal). :class:`gradepath.demo.builder.DemoBuilder` runs them after the grading cases, in
the same transaction, each with its own seeded random generator.
"""

from __future__ import annotations

from collections.abc import Callable

from gradepath.demo import allowances, appraisal, progression, secondments

# (name, build): build(*, rng: random.Random, today: datetime.date, clock: DemoClock) -> dict[str, int]
DEMO_STEPS: list[tuple[str, Callable[..., dict[str, int]]]] = [
    ("appraisal", appraisal.build),
    ("progression", progression.build),
    ("allowances", allowances.build),
    ("secondments", secondments.build),
]
