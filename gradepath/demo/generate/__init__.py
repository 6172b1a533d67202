"""Generating a large university fast: ``gradepath generate --people N``.

The same university for the same seed, size and day, at any size (default 50,000 people), written in
bulk but with the records the services would have left: valid states, events consistent with them,
tasks for whoever must act, effective-dated grades, pay histories, history rows in the hash chain,
messages. It is the demo university grown (:mod:`gradepath.demo.builder`, its careers, names and
logins) with more faculties and divisions, and every demo login has work waiting in it.

The work is a list of steps (:mod:`gradepath.demo.generate.base`), each in its own module:

* ``people`` (:mod:`.people`): org units, people, posts, appointments, grade and pay histories, roles,
  logins, the delegation;
* ``jds`` (:mod:`.jds`): job descriptions, versions, the agreed JD library, each post's JD;
* ``grading`` (:mod:`.grading`): grading cases in every state, with events, tasks and messages;
* ``notifications`` (:mod:`.notifications`): the other messages people have waiting.

A later process adds its records the same way: a module here with its ``STEP``, registered below
(``register_step``), naming the steps it needs. They all run in one transaction; the matching index
of the agreed library is then built through the worker's own task (or queued for ``gradepath
db_worker``).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from gradepath.core.models import HistoryEntry
from gradepath.demo.clock import demo_clock
from gradepath.demo.generate import allowances, appraisal, grading, jds, notifications, secondments
from gradepath.demo.generate import people as people_step
from gradepath.demo.generate import progression as progression_step
from gradepath.demo.generate.base import (
    Generation,
    GenerationError,
    Step,
    register_step,
    registered_steps,
)
from gradepath.demo.generate.writer import BulkWriter
from gradepath.notifications.models import Notification, OutboxEmail
from gradepath.people.models import Person
from gradepath.workflow.models import Task

DEFAULT_PEOPLE = 50_000
DEFAULT_SEED = 2026
# Beyond this, this year's cases would log more than 9,999 agreed JDs, the most the library's references
# (AJD-2026-0001, numbered after the highest by jobs.services) can count in one year.
MAX_PEOPLE = 70_000

for _step in (people_step.STEP, jds.STEP, grading.STEP, notifications.STEP, appraisal.STEP, allowances.STEP,
              secondments.STEP, progression_step.STEP):
    register_step(_step)

INDEX_CHOICES = ("build", "queue", "none")
# The tables every process step fills (millions of rows at 50,000 people), written without their secondary
# indexes, which are built once at the end (BulkWriter.drop_indexes: none points at itself, each is written
# after the rows it points at, and no step reads them).
DEFERRED_INDEXES = (Task, HistoryEntry, Notification, OutboxEmail)


@dataclass
class StepReport:
    name: str
    label: str
    counts: dict[str, int]
    seconds: float


@dataclass
class GenerationSummary:
    people: int
    seed: int
    today: dt.date
    steps: list[StepReport] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)  # rows written per table
    seconds: float = 0.0
    index: str = ""  # how the matching index was built (or queued)


def check_size(people: int) -> None:
    """Refuse a size the generator cannot make, with a message."""
    smallest = people_step.smallest_university()
    if not isinstance(people, int) or isinstance(people, bool):
        raise GenerationError("Give the number of people as a whole number, for example --people 50000.")
    if people < smallest:
        raise GenerationError(f"A generated university needs at least {smallest} people (the units the demo logins "
                              f"work in, and their role holders); {people} were asked for.")
    if people > MAX_PEOPLE:
        raise GenerationError(f"The generator makes at most {MAX_PEOPLE:,} people (a larger university's cases would "
                              f"log more agreed JDs in a year than the library's references can number); "
                              f"{people:,} were asked for.")


def generate(*, people: int = DEFAULT_PEOPLE, seed: int = DEFAULT_SEED, today: dt.date | None = None,
             index: str = "build", progress: Callable[[StepReport], None] | None = None) -> GenerationSummary:
    """Generate a university of ``people`` people into a database that holds no people yet.

    ``index``: "build" the matching index of the agreed library now with the worker's task, "queue" it
    for ``gradepath db_worker``, or "none". ``progress`` is called after each step.
    """
    check_size(people)
    if index not in INDEX_CHOICES:
        raise GenerationError(f"Choose how to build the matching index: {', '.join(INDEX_CHOICES)}.")
    if Person.objects.exists():
        raise GenerationError("The database already holds people. Generate into an empty database (use --reset).")
    started = time.perf_counter()
    today = today or timezone.localdate()
    summary = GenerationSummary(people=people, seed=seed, today=today)
    with demo_clock() as clock, transaction.atomic():
        now = clock.real_now if timezone.localdate(clock.real_now) <= today else \
            timezone.make_aware(dt.datetime.combine(today, dt.time(18, 0)))
        writer = BulkWriter()
        generation = Generation(people=people, seed=seed, today=today, now=now, clock=clock, writer=writer)
        deferred = writer.drop_indexes(DEFERRED_INDEXES)
        for step in registered_steps():
            began = time.perf_counter()
            counts = step.run(generation)
            report = StepReport(step.name, step.label, counts, time.perf_counter() - began)
            summary.steps.append(report)
            if progress is not None:
                progress(report)
        began = time.perf_counter()
        built = writer.build_indexes(deferred)
        if progress is not None and built:  # not a step: the indexes the steps' rows went in without
            progress(StepReport("indexes", "The indexes of the tables written most, built once", {
                "indexes built": built}, time.perf_counter() - began))
        summary.rows = dict(writer.rows)
    analyse()
    summary.index = build_index(index)
    summary.seconds = time.perf_counter() - started
    return summary


def analyse() -> None:
    """Give the query planner the new tables' statistics. Without them PostgreSQL took a 5,000-row list
    for 10 rows and nested-looped it (case list 177 ms); autovacuum gets there later, SQLite never."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def build_index(how: str) -> str:
    """The matching index of the agreed library, through the worker's own task
    (``gradepath.jobs.tasks.refresh_matching_index``): run now, or queued for ``gradepath db_worker``."""
    from gradepath.jobs.tasks import refresh_matching_index

    if how == "none":
        return "not built (run gradepath db_worker after queueing it, or let the first match page queue it)"
    if how == "queue":
        refresh_matching_index.enqueue()
        return "queued: gradepath db_worker builds it (the task refresh_matching_index)"
    began = time.perf_counter()
    result = refresh_matching_index.call()
    return (f"built by the worker's task refresh_matching_index in this process: {result['size']:,} agreed JDs, "
            f"{result['backend']} backend, {time.perf_counter() - began:.1f} s")


__all__ = ["DEFAULT_PEOPLE", "DEFAULT_SEED", "Generation", "GenerationError", "GenerationSummary", "Step",
           "StepReport", "check_size", "generate", "register_step", "registered_steps"]
