"""`gradepath audit-bench [--calls N] [--json]`: what the history chain costs.

Times N ``record_history`` calls (each in its own savepoint, as a service nested in a request
would), one ``audit-verify`` walk over the table, then the same rows inserted without the chain
(no head lock, no hashing). Everything runs in one transaction that is rolled back: nothing
is kept, but the chain's head stays locked while it runs, so run it on a copy, not beside users.
"""

from __future__ import annotations

import json
import time

from django.core.management.base import BaseCommand
from django.db import models, transaction

from gradepath.core.audit import verify_history_chain
from gradepath.core.history import record_history
from gradepath.core.models import HistoryEntry


class _Subject:
    """Stands in for a record the history rows are about."""

    class _meta:  # noqa: N801 - mimics a model's options
        label_lower = "bench.subject"

    pk = 1

    def __str__(self) -> str:
        return "Benchmark subject"


class Command(BaseCommand):
    help = "Measure the cost of the history hash chain per record_history call, and of audit-verify (rolled back)."

    def add_arguments(self, parser):
        parser.add_argument("--calls", type=int, default=2000, help="History rows written each way (default 2000).")
        parser.add_argument("--json", action="store_true", dest="as_json", help="Print the figures as JSON.")

    def handle(self, *args, calls: int, as_json: bool = False, **options):
        calls = max(calls, 1)
        subject = _Subject()
        with transaction.atomic():
            HistoryEntry.objects.exists()  # warm the connection
            started = time.perf_counter()
            for n in range(calls):
                with transaction.atomic():
                    record_history(actor=None, action="bench.chained", obj=subject, summary=f"Row {n}.",
                                   after={"n": n, "grade": "Grade 6"})
            chained = (time.perf_counter() - started) / calls

            started = time.perf_counter()
            report = verify_history_chain()
            walk = time.perf_counter() - started

            base = (HistoryEntry.objects.order_by("-chain_seq").values_list("chain_seq", flat=True).first() or 0) + calls
            started = time.perf_counter()
            for n in range(calls):
                with transaction.atomic():
                    row = HistoryEntry(actor_label="System", action="bench.plain", object_type="bench.subject",
                                       object_id="1", object_repr="Benchmark subject", summary=f"Row {n}.",
                                       after={"n": n, "grade": "Grade 6"}, chain_seq=base + 1 + n,
                                       prev_hash="-", row_hash="-")
                    models.Model.save(row, force_insert=True)  # the plain insert, without the chain
            plain = (time.perf_counter() - started) / calls
            transaction.set_rollback(True)
        figures = {"calls": calls, "record_history_ms": round(chained * 1000, 3), "plain_insert_ms": round(plain * 1000, 3),
                   "chain_cost_ms": round((chained - plain) * 1000, 3), "verify_rows": report.rows,
                   "verify_rows_per_second": round(report.rows / walk) if walk else None}
        if as_json:
            self.stdout.write(json.dumps(figures))
            return
        self.stdout.write(f"record_history with the chain: {figures['record_history_ms']} ms a call; the same row "
                          f"without it: {figures['plain_insert_ms']} ms; the chain costs {figures['chain_cost_ms']} ms "
                          f"a call ({calls} calls).")
        self.stdout.write(f"audit-verify walked {report.rows} rows at {figures['verify_rows_per_second']} rows/s"
                          f"{'' if report.ok else ' (and found problems: ' + str(len(report.problems)) + ')'}.")
