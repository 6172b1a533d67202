"""`gradepath apply-annual-increments --year 2026 [--dry-run]`: the annual increment run.

A thin layer over :func:`gradepath.grades.services.apply_annual_increments` (run as the
system): it prints each person moved up, from which spine point to which, and the people
skipped grouped by reason. Running it twice for one year changes nothing the second time.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from gradepath.core.errors import ServiceError
from gradepath.grades.services import apply_annual_increments, increment_date


class Command(BaseCommand):
    help = "Move everyone eligible up one spine point on 1 August of the given pay year."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True,
                            help="The pay year: increments take effect on 1 August of this year.")
        parser.add_argument("--dry-run", action="store_true",
                            help="Show what would change, and change nothing.")

    def handle(self, *args, year: int, dry_run: bool, **options):
        if not 2000 <= year <= 2100:
            raise CommandError(f"{year} is not a pay year this system can use: give a year such as 2026.")
        try:
            report = apply_annual_increments(actor=None, pay_year=year, dry_run=dry_run)
        except ServiceError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        on = increment_date(year)
        verb = "Would increment" if dry_run else "Incremented"
        self.stdout.write(f"Annual increments from {on.day} {on:%B %Y}{' (dry run: nothing saved)' if dry_run else ''}.")
        for person, old, new in report.incremented:
            self.stdout.write(f"  {verb} {person} ({person.employee_number}): spine point {old} → {new}")
        count = len(report.incremented)
        self.stdout.write(self.style.SUCCESS(
            f"{verb} {count} {'person' if count == 1 else 'people'}."
        ))
        if report.skipped:
            self.stdout.write("Skipped:")
            for reason, people in sorted(report.skipped.items()):
                self.stdout.write(f"  {reason}: {len(people)}")
        else:
            self.stdout.write("Skipped: nobody.")
