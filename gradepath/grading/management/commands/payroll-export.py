"""`gradepath payroll-export --start YYYY-MM-DD --end YYYY-MM-DD [--output FILE]`.

Writes the payroll change export (every regrade HR Services processed with an effective date in
the period) as CSV to the file, or to standard output. A thin layer over
:mod:`gradepath.grading.payroll`, the same rows as the HR Services download page.
"""

from __future__ import annotations

import io

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from gradepath.grading.payroll import parse_period, payroll_changes, write_csv


class Command(BaseCommand):
    help = "Export the payroll changes (regrades processed by HR Services) effective in a period, as CSV."

    def add_arguments(self, parser):
        parser.add_argument("--start", required=True, help="First effective date included (YYYY-MM-DD).")
        parser.add_argument("--end", required=True, help="Last effective date included (YYYY-MM-DD).")
        parser.add_argument("--output", help="Write the CSV to this file instead of standard output.")

    def handle(self, *args, start: str, end: str, output: str | None = None, **options):
        if not start.strip() or not end.strip():
            raise CommandError("Give both dates of the period as YYYY-MM-DD.")
        try:
            first, last = parse_period(start, end, today=timezone.localdate())
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        rows = payroll_changes(first, last)
        if output:
            try:
                with open(output, "w", newline="", encoding="utf-8") as file:
                    write_csv(rows, file)
            except OSError as exc:
                raise CommandError(f"Could not write {output}: {exc.strerror}.") from None
            self.stderr.write(f"Wrote {len(rows)} payroll change{'s' if len(rows) != 1 else ''} "
                              f"effective {first:%d %b %Y} to {last:%d %b %Y} to {output}.")
        else:
            buffer = io.StringIO()
            write_csv(rows, buffer)
            self.stdout.write(buffer.getvalue(), ending="")
