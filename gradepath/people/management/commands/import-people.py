"""``gradepath import-people FILE.csv [--dry-run] [--per-row]``: import the HR system's extract.

A thin layer over :func:`gradepath.people.importer.import_people_file`; the file format is in
docs/import.md. Runs as the system (history rows show "System"). Exits with status 1 and the
list of problems when any row fails.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from gradepath.people.importer import import_people_file


class Command(BaseCommand):
    help = ("Import org units, people, posts, appointments and line managers from the HR system's CSV "
            "extract (see docs/import.md). All or nothing unless --per-row is given.")

    def add_arguments(self, parser):
        parser.add_argument("file", help="The CSV file (UTF-8).")
        parser.add_argument("--dry-run", action="store_true",
                            help="Check the file and report what would change, writing nothing.")
        parser.add_argument("--per-row", action="store_true",
                            help="Import the good rows and report the bad ones (and the rows that depend on "
                                 "them), instead of importing nothing when any row fails.")
        parser.add_argument("--no-progress", action="store_true", help="Do not show a progress bar.")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"There is no file at {path}.")
        bars: dict[str, object] = {}
        show = not options["no_progress"] and options.get("verbosity", 1) >= 1

        def progress(phase: str, done: int, total: int) -> None:
            if not show or total < 200:
                return
            from tqdm import tqdm

            bar = bars.get(phase)
            if bar is None:
                bar = bars[phase] = tqdm(total=total, desc=phase, unit="row", file=self.stderr._out, leave=False)
            bar.update(done - bar.n)
            if done >= total:
                bar.close()

        with path.open("rb") as handle:
            report = import_people_file(actor=None, uploaded=_Sized(handle, path.stat().st_size),
                                        dry_run=options["dry_run"], per_row=options["per_row"],
                                        progress=progress)
        for bar in bars.values():
            bar.close()
        if options.get("verbosity", 1) >= 2 or options["dry_run"]:
            for change in report.changes:
                if change.action != "unchanged":
                    self.stdout.write(f"Line {change.line}: {change.description}")
        for error in report.errors:
            self.stderr.write(error.message)
        self.stdout.write(report.summary())
        if report.errors:
            raise CommandError(f"{len(report.errors)} problem{'s' if len(report.errors) != 1 else ''} found "
                               "(listed above).")


class _Sized:
    """An open file with the ``size`` the importer checks before reading."""

    def __init__(self, handle, size: int) -> None:
        self._handle, self.size = handle, size

    def read(self, n: int = -1) -> bytes:
        return self._handle.read(n)
