"""``gradepath jd-match-bench [--size N] [--queries Q] [--json]``: time the matcher at scale.

Builds a synthetic agreed JD library of ``--size`` job descriptions (a fixed seed: the same
library every run), then times ``--queries`` matches (text → top 10 and the suggested grade
voted by the 20 nearest; before issue 11 the top 10 alone). ``--json`` prints one
JSON object with the keys ``size``, ``build_seconds``, ``p50_ms`` and ``p95_ms``. Targets:
100,000 JDs built in 30 s or less, matched with p95 ≤ 30 ms. Nothing is written.
"""

from __future__ import annotations

import json
import os

from django.core.management.base import BaseCommand, CommandError

from gradepath.jobs.matching.backends import get_backend
from gradepath.jobs.matching.evaluation import benchmark


class Command(BaseCommand):
    requires_system_checks: list[str] = []  # reads a file or builds in memory: no database, no URLs
    help = "Build a synthetic agreed JD library and report index build time and p50/p95 match latency."

    def add_arguments(self, parser):
        parser.add_argument("--size", type=int, default=100_000, help="Job descriptions in the library.")
        parser.add_argument("--queries", type=int, default=200, help="Matches to time (default 200).")
        parser.add_argument("--seed", type=int, default=20260801, help="Random seed of the synthetic library.")
        parser.add_argument("--backend", default="tfidf", help="tfidf (default) or embeddings (slow to build).")
        parser.add_argument("--json", action="store_true",
                            help="Print one JSON object: size, build_seconds, p50_ms, p95_ms.")

    def handle(self, *args, **options):
        if options["size"] < 1:
            raise CommandError("--size must be at least 1.")
        if options["queries"] < 1:
            raise CommandError("--queries must be at least 1.")
        try:
            backend = get_backend(options["backend"], in_worker=True)
        except ValueError as error:
            raise CommandError(str(error)) from None
        report = benchmark(backend, size=options["size"], queries=options["queries"], seed=options["seed"])
        if options["json"]:
            self.stdout.write(json.dumps(report.as_json()))
            return
        self.stdout.write("\n".join([
            f"Synthetic library of {report.size:,} job descriptions ({backend.name}), generated in "
            f"{report.generate_seconds:.1f} s:",
            f"  index build: {report.build_seconds:.2f} s ({report.build_cpu_seconds:.2f} s of CPU time)",
            f"  match latency (top 10 and the suggested grade) over {report.queries} queries: p50 "
            f"{report.p50_ms:.1f} ms, p95 {report.p95_ms:.1f} ms "
            f"(p95 CPU time {report.p95_cpu_ms:.1f} ms)",
            f"  near copies whose original ranked first: {report.near_copy_top1:.0%}",
            f"  index: {report.matrix_nnz:,} stored weights",
            f"  machine: {os.cpu_count()} cores, load average {report.load_average:.1f} at the start "
            "(wall-clock figures grow with other work on the machine; CPU times much less)",
        ]))
