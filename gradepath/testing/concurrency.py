"""Simultaneous writers for the processes' concurrency tests: twenty identical moves at the same moment.

Real concurrent writers need PostgreSQL (SQLite serialises them with immediate transactions), so the
tests carry :data:`postgresql_only`, and ``@pytest.mark.django_db(transaction=True,
serialized_rollback=True)``: each thread commits on its own connection.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

THREADS = 20

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="Real concurrent writers need PostgreSQL (SQLite serialises them with immediate transactions).")


def burst(work: Callable[[Any], Any], prepare: Callable[[], Any] | None = None, threads: int = THREADS) -> list:
    """Run ``work(prepare())`` in ``threads`` threads released together, each on its own connection;
    returns what each returned, or the exception it raised. ``prepare`` (default ``work.prepare``) runs
    before the release: loading the objects each thread acts on."""
    prepare = prepare or work.prepare  # type: ignore[attr-defined]
    barrier = threading.Barrier(threads)
    results: list = [None] * threads

    def run(index: int) -> None:
        try:
            prepared = prepare()
            barrier.wait(timeout=30)
            results[index] = work(prepared)
        except Exception as exc:  # noqa: BLE001 - recorded and checked by the test
            results[index] = exc
        finally:
            connection.close()

    running = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for thread in running:
        thread.start()
    for thread in running:
        thread.join(timeout=120)
    return results
