"""``gradepath jd-match-eval FILE.jsonl [--json] [--k N] [--backend NAME]``: how often matching
suggests the right grade.

Each line of the file is ``{"id", "title", "text", "grade"}`` (grade a whole number). Every
record in turn is left out and its grade suggested from its nearest neighbours among the
others (:func:`gradepath.jobs.matching.suggest_grade`); the command reports the share exactly
right and within one grade, and the time taken. ``--json`` prints one JSON object with the
keys ``n``, ``exact``, ``within_one`` (fractions) and ``seconds``.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from gradepath.jobs.matching.backends import get_backend
from gradepath.jobs.matching.evaluation import EvaluationFileError, leave_one_out, read_records
from gradepath.jobs.matching.matcher import DEFAULT_K


class Command(BaseCommand):
    requires_system_checks: list[str] = []  # reads a file or builds in memory: no database, no URLs
    help = ("Leave-one-out accuracy of the suggested grade on a JSON Lines file of job descriptions "
            '({"id", "title", "text", "grade"} per line).')

    def add_arguments(self, parser):
        parser.add_argument("file", help="The JSON Lines file (UTF-8).")
        parser.add_argument("--json", action="store_true", help="Print one JSON object: n, exact, within_one, seconds.")
        parser.add_argument("--k", type=int, default=DEFAULT_K, help=f"Neighbours to rank (default {DEFAULT_K}).")
        parser.add_argument("--backend", default=None, help="tfidf or embeddings (default: the configured one).")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"There is no file at {path}.")
        if options["k"] < 1:
            raise CommandError("--k must be at least 1.")
        try:
            backend = get_backend(options["backend"], in_worker=True)
        except ValueError as error:
            raise CommandError(str(error)) from None
        try:
            with path.open(encoding="utf-8") as handle:
                records = read_records(handle)
            report = leave_one_out(records, backend, k=options["k"])
        except UnicodeDecodeError:
            raise CommandError(f"{path} is not a UTF-8 text file.") from None
        except EvaluationFileError as error:
            raise CommandError(f"{path}: {error}") from None
        if options["json"]:
            self.stdout.write(json.dumps(report.as_json()))
            return
        confident = (f"{report.confident_share:.0%} of suggestions were confident"
                     + (f", and {report.confident_exact:.1%} of those were exact." if report.confident_exact
                        is not None else "."))
        self.stdout.write("\n".join([
            f"Leave-one-out on {report.n} job descriptions ({backend.name}, k={options['k']}):",
            f"  exact grade:       {report.exact:.1%} ({round(report.exact * report.n)} of {report.n})",
            f"  within one grade:  {report.within_one:.1%} ({round(report.within_one * report.n)} of {report.n})",
            f"  {confident}",
            f"  For comparison, always answering the commonest grade ({report.baseline_grade}) would be exact for "
            f"{report.baseline_exact:.1%}, and the best single answer would be within one grade for "
            f"{report.baseline_within_one:.1%}.",
            f"  Time: {report.seconds:.2f} s (index {report.build_seconds:.2f} s, "
            f"{(report.seconds - report.build_seconds) / report.n * 1000:.1f} ms a match).",
        ]))
