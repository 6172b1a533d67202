"""`gradepath generate`: a large university, fast, for measuring Gradepath at scale.

    gradepath generate [--people N] [--seed S] [--reset] [--index build|queue|none]

Brings the database up to date, then generates ``N`` people (default 50,000) and everything around
them (gradepath.demo.generate): the same university for the same seed and day. Refuses
``GRADEPATH_ENV=production`` (it creates logins with the published demo password) and a database that
already holds people unless ``--reset`` (which empties an SQLite database; on PostgreSQL, as for
``gradepath demo``, drop and recreate the database instead). Prints each step with its counts and
seconds, and a summary; the matching index of the agreed library is built by the worker's own task
(``--index queue`` leaves it to ``gradepath db_worker``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from gradepath.core.history import history_purge_allowed
from gradepath.demo.generate import (
    DEFAULT_PEOPLE,
    DEFAULT_SEED,
    GenerationError,
    StepReport,
    check_size,
    generate,
)
from gradepath.demo.logins import DEMO_LOGINS, DEMO_PASSWORD
from gradepath.people.models import Person


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{value:,} {name}" for name, value in counts.items())


class Command(BaseCommand):
    help = ("Generate a large university (default 50,000 people) with JDs, the agreed JD library, grading cases in "
            "every state and messages, for measuring Gradepath at scale. Never in production.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--people", type=int, default=DEFAULT_PEOPLE,
                            help=f"How many people the university has (default {DEFAULT_PEOPLE:,}).")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                            help=f"The same seed gives the same university on the same day (default {DEFAULT_SEED}).")
        parser.add_argument("--reset", action="store_true",
                            help="Empty the database first (SQLite only; on PostgreSQL only when it holds no people).")
        parser.add_argument("--index", choices=("build", "queue", "none"), default="build",
                            help="The matching index of the agreed library: build it now with the worker's task "
                                 "(default), queue it for gradepath db_worker, or neither.")

    def handle(self, *args: Any, **options: Any) -> None:
        if getattr(settings, "PRODUCTION", False) or getattr(settings, "GRADEPATH_ENV", "") == "production":
            raise CommandError(
                "gradepath generate refuses to run with GRADEPATH_ENV=production: it creates logins with a published "
                "password. Run it with its own data directory (or database) and without GRADEPATH_ENV=production."
            )
        try:
            check_size(options["people"])
        except GenerationError as error:
            raise CommandError(str(error)) from None
        verbosity = options["verbosity"]
        self.stdout.write("Bringing the database up to date…")
        call_command("migrate", interactive=False, verbosity=max(verbosity - 1, 0), stdout=self.stdout)
        if options["reset"]:
            self._reset()
        if Person.objects.exists():
            raise CommandError("The database already holds people: generate into an empty database, or use --reset "
                               "(SQLite) to empty it first.")
        self.stdout.write(f"Generating a university of {options['people']:,} people (seed {options['seed']}) "
                          f"on {connection.vendor}…")
        self.stdout.flush()

        def progress(report: StepReport) -> None:
            self.stdout.write(f"  {report.name}: {_counts(report.counts)} ({report.seconds:.1f} s)")
            self.stdout.flush()

        try:
            summary = generate(people=options["people"], seed=options["seed"], index=options["index"],
                               progress=progress)
        except GenerationError as error:
            raise CommandError(str(error)) from None
        rows = sum(summary.rows.values())
        self.stdout.write(self.style.SUCCESS(
            f"Generated {summary.people:,} people in {summary.seconds:.1f} s ({rows:,} rows written in bulk, the "
            f"same university for seed {summary.seed} on {summary.today:%d %b %Y})."))
        self.stdout.write(f"Matching index: {summary.index}.")
        logins = ", ".join(d.username for d in DEMO_LOGINS)
        self.stdout.write(f"Demo logins (password {DEMO_PASSWORD}): {logins}. Check the history chain with "
                          "gradepath audit-verify.")

    def _reset(self) -> None:
        if connection.vendor == "sqlite":
            self.stdout.write("Emptying the SQLite database…")
            with history_purge_allowed():  # history rows are append-only; only this switch lets a flush delete them
                call_command("flush", interactive=False, verbosity=0)
            return
        if Person.objects.exists():
            raise CommandError(
                f"--reset would empty a {connection.vendor} database that already holds people, and the generator "
                "does not do that outside SQLite. Drop and recreate the database yourself (for example dropdb and "
                "createdb), or point DATABASE_URL at an empty database, then run gradepath generate again."
            )
