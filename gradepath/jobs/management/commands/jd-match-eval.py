"""``gradepath jd-match-eval FILE.jsonl [FILE2.jsonl …] [--json] [--tune] [--k N] [--backend NAME]``:
how often matching suggests the right grade, beside a plain baseline.

Each line of a file is ``{"id", "title", "text", "grade"}`` (grade a whole number: a grade,
band or level). In each file every record in turn is left out and its grade suggested from its
nearest neighbours among the others (:func:`gradepath.jobs.matching.suggest_grade`); the same
is done with the plain baseline (scikit-learn TF-IDF, cosine, similarity-weighted vote of the 5
nearest: :func:`gradepath.jobs.matching.evaluation.plain_baseline`). For every file the command
prints both, exactly right and within one grade, with the number of records and grades.
``--json`` prints one JSON object per file (one line each) with the keys ``file``, ``n``,
``grades``, ``exact``, ``within_one``, ``plain_exact``, ``plain_within_one`` (fractions) and
``seconds``.

``--tune`` (two files or more) scores the suggestion's settings on every file and chooses them
by leave-one-set-out: each file's figures come from the settings that did best on the others.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from gradepath.jobs.matching.backends import get_backend
from gradepath.jobs.matching.evaluation import (
    PLAIN_K,
    EvaluationFileError,
    EvaluationReport,
    TuningReport,
    leave_one_out,
    read_records,
    tune_across_sets,
)
from gradepath.jobs.matching.matcher import NEAR_GRADE_SUPPORT, VOTERS


def _pct(value: float) -> str:
    return f"{value * 100:5.1f}%"


class Command(BaseCommand):
    requires_system_checks: list[str] = []  # reads a file or builds in memory: no database, no URLs
    help = ("Leave-one-out accuracy of the suggested grade, beside a plain TF-IDF nearest-neighbour baseline, on "
            'JSON Lines files of job descriptions ({"id", "title", "text", "grade"} per line).')

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE", help="JSON Lines files (UTF-8).")
        parser.add_argument("--json", action="store_true",
                            help="Print one JSON object per file: file, n, grades, exact, within_one, plain_exact, "
                                 "plain_within_one, seconds.")
        parser.add_argument("--k", type=int, default=VOTERS,
                            help=f"Nearest job descriptions that vote on the suggestion (default {VOTERS}).")
        parser.add_argument("--backend", default=None, help="tfidf or embeddings (default: the configured one).")
        parser.add_argument("--tune", action="store_true",
                            help="Choose the suggestion's settings by leave-one-set-out over the files given.")

    def handle(self, *args, **options):
        if options["k"] < 1:
            raise CommandError("--k must be at least 1.")
        try:
            backend = get_backend(options["backend"], in_worker=True)
        except ValueError as error:
            raise CommandError(str(error)) from None
        sets = {}
        for name in options["files"]:
            path = Path(name)
            if not path.is_file():
                raise CommandError(f"There is no file at {path}.")
            try:
                with path.open(encoding="utf-8") as handle:
                    sets[str(path)] = read_records(handle)
            except UnicodeDecodeError:
                raise CommandError(f"{path} is not a UTF-8 text file.") from None
            except EvaluationFileError as error:
                raise CommandError(f"{path}: {error}") from None
        if options["tune"]:
            if len(sets) < 2:
                raise CommandError("--tune needs at least two files: settings are chosen on some and judged on another.")
            self._tune(sets, backend)
            return
        reports = []
        for name, records in sets.items():
            try:
                report = leave_one_out(records, backend, voters=options["k"])
            except EvaluationFileError as error:
                raise CommandError(f"{name}: {error}") from None
            reports.append((name, report))
            if options["json"]:
                self.stdout.write(json.dumps({"file": name, **report.as_json()}))
            else:
                self.stdout.write(self._text(name, report, backend.name))
        if len(reports) > 1 and not options["json"]:
            ahead = sum(report.beats_plain for _, report in reports)
            self.stdout.write(f"The suggestion beats the plain baseline on both exact and within one grade in "
                              f"{ahead} of {len(reports)} files.")

    @staticmethod
    def _text(name: str, report: EvaluationReport, backend: str) -> str:
        grades = report.grades
        span = f"{grades[0]}–{grades[-1]}" if len(grades) > 1 else str(grades[0])
        confident = (f"{report.confident_share:.0%} of suggestions were confident"
                     + (f", and {report.confident_exact:.1%} of those were exact." if report.confident_exact
                        is not None else "."))
        rows = [
            (f"suggestion ({backend}, {report.voters} voting)", report.exact, report.within_one),
            (f"plain TF-IDF kNN (k={PLAIN_K})", report.plain_exact, report.plain_within_one),
            (f"always grade {report.commonest_grade} (commonest)", report.commonest_exact, None),
            ("best single answer", None, report.commonest_within_one),
        ]
        lines = [f"{name}: leave-one-out on {report.n} job descriptions, {len(grades)} grades ({span})",
                 f"  {'':34} {'exact':>7} {'within one':>11}"]
        for label, exact, within in rows:
            lines.append(f"  {label:34} {_pct(exact) if exact is not None else '':>7} "
                         f"{_pct(within) if within is not None else '':>11}")
        lines += [
            f"  {confident}",
            f"  Time: {report.seconds:.2f} s (index {report.build_seconds:.2f} s, "
            f"{(report.seconds - report.build_seconds) / report.n * 1000:.1f} ms a match); plain baseline "
            f"{report.plain_seconds:.2f} s.",
        ]
        return "\n".join(lines)

    def _tune(self, sets, backend) -> None:
        report = tune_across_sets(sets, backend)

        def settings_text(settings) -> str:
            voters, support, power = settings
            return f"{voters} voting, near-grade support {support:g}, similarity^{power:g}"

        lines = [f"Leave-one-set-out over {len(report.names)} files ({backend.name}); current settings: "
                 f"{settings_text((VOTERS, NEAR_GRADE_SUPPORT, 1.0))}.",
                 f"  {'file':40} {'settings chosen on the other files':48} {'exact':>7} {'within':>7}"
                 f" {'plain':>7} {'plain w.':>8}"]
        for name in report.names:
            settings = report.held_out[name]
            exact, within = report.results[(name, settings)]
            plain_exact, plain_within = report.plain[name]
            lines.append(f"  {Path(name).name:40} {settings_text(settings):48} {_pct(exact)} {_pct(within)}"
                         f" {_pct(plain_exact)} {_pct(plain_within):>8}")
        lines.append(f"Chosen on all files: {settings_text(report.chosen)}; per file (exact / within one):")
        for name in report.names:
            exact, within = report.results[(name, report.chosen)]
            before = report.results.get((name, (5, 0.0, 2.0)))
            lines.append(f"  {Path(name).name:40} {_pct(exact)} / {_pct(within)}"
                         + (f"   (before issue 11: {_pct(before[0])} / {_pct(before[1])})" if before else ""))
        ranked = sorted({settings for _, settings in report.results},
                        key=lambda settings: -TuningReport.objective(report.results, report.names, settings))
        lines.append("Every setting, best first: the objective (mean over the files of the mean of exact and within "
                     "one), then exact / within one file by file, in the order above:")
        for settings in ranked:
            figures = " ".join(f"{report.results[(name, settings)][0] * 100:.1f}/"
                               f"{report.results[(name, settings)][1] * 100:.1f}" for name in report.names)
            lines.append(f"  {settings_text(settings):48} "
                         f"{TuningReport.objective(report.results, report.names, settings):.4f}  {figures}")
        lines.append(f"Time: {report.seconds:.1f} s.")
        self.stdout.write("\n".join(lines))
