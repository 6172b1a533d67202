"""`gradepath workflow-docs [--check]`: write docs/workflows/ from every registered process's table.

``--check`` writes nothing and exits with status 1 if the files on disk differ from what would be
generated (the test suite runs it, so the docs never drift).
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

import gradepath
from gradepath.workflow.docs import generate
from gradepath.workflow.registry import processes

DOCS_DIR = Path(gradepath.__file__).resolve().parent.parent / "docs" / "workflows"


class Command(BaseCommand):
    help = "Write docs/workflows/ (diagrams and role × action tables) from every process's workflow table."
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true",
                            help="Write nothing; exit with status 1 if the files differ from the tables.")
        parser.add_argument("--output", default=str(DOCS_DIR), help="The folder to write (default docs/workflows).")

    def handle(self, *args, check: bool, output: str, **options):
        folder = Path(output)
        files = generate([(p, p.docs) for p in processes() if p.docs is not None])
        if check:
            stale = [name for name, text in files.items()
                     if not (folder / name).exists() or (folder / name).read_text(encoding="utf-8") != text]
            if stale:
                raise CommandError(
                    f"These workflow docs differ from the workflow tables: {', '.join(stale)}. "
                    "Run `gradepath workflow-docs` and commit the result.", returncode=1)
            self.stdout.write(self.style.SUCCESS(f"The {len(files)} workflow docs match the workflow tables."))
            return
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            (folder / name).write_text(text, encoding="utf-8")
        self.stdout.write(self.style.SUCCESS(f"Wrote {len(files)} workflow docs to {folder}."))
