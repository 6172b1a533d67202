"""`gradepath audit-verify [--expect POSITION:HASH ...] [--database ALIAS]`.

Walks the hash chain of the history table (core.audit) and checks the append-only triggers.
Exit status 0: every row is as it was written, and the head it prints (position and hash) is
worth recording outside the database. Exit status 1: each row changed or removed is named.
"""

from __future__ import annotations

import re

from django.core.management.base import BaseCommand, CommandError

from gradepath.core.audit import verify_history_chain

_ANCHOR = re.compile(r"^\s*(\d+)\s*:\s*([0-9a-fA-F]{64})\s*$")


def _anchor(text: str) -> tuple[int, str]:
    match = _ANCHOR.match(text)
    if match is None:
        raise CommandError(f"--expect {text!r}: give a position and the 64-character hash printed then, "
                           "as POSITION:HASH.")
    return int(match.group(1)), match.group(2).lower()


class Command(BaseCommand):
    help = ("Check that no history row was changed or removed behind the application's back (the hash chain "
            "and the append-only triggers). Exit status 1 names each row that was.")

    def add_arguments(self, parser):
        parser.add_argument("--expect", action="append", default=[], metavar="POSITION:HASH",
                            help="A head printed by an earlier run: the chain must still run through it.")
        parser.add_argument("--database", default="default", help="The database alias (default: default).")

    def handle(self, *args, expect: list[str], database: str, **options):
        anchors = [_anchor(text) for text in expect]
        report = verify_history_chain(using=database, expect=anchors)
        if not report.ok:
            for problem in report.problems:
                self.stderr.write(problem)
            raise CommandError(
                f"History is not as it was written: {len(report.problems)} problem"
                f"{'s' if len(report.problems) != 1 else ''} in {report.rows} rows (listed above).",
                returncode=1,
            )
        self.stdout.write(f"History intact: {report.rows} row{'s' if report.rows != 1 else ''} checked, "
                          "append-only triggers in place.")
        self.stdout.write(f"Head: {report.head_seq}:{report.head_hash} (record it elsewhere and pass it to "
                          "--expect next time)")
