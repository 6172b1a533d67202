"""Reference numbers (``GC-2026-0042``) from one locked counter per series and year.

Taking ``Max + 1`` lets two transactions started at the same moment compute the same number.
Every process takes its numbers here instead: the counter row is read with ``SELECT … FOR
UPDATE`` (PostgreSQL; on SQLite every transaction is IMMEDIATE, so writers queue anyway) and
stays locked until the caller's transaction ends, so numbers are unique and, because a
rolled-back transaction gives its number back, without gaps. The history chain's lock is taken
before the counter's (core.models.lock_history_chain: one lock order, no deadlock).
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.db.models.functions import Length

from gradepath.core.models import ReferenceCounter, lock_history_chain


def allocate_reference(series: str, year: int, fmt: str, *, seed: Callable[[], int] | None = None) -> str:
    """The next reference of ``series`` in ``year``, formatted with ``fmt`` (fields ``year`` and
    ``number``, e.g. ``"GC-{year}-{number:04d}"``).

    Call inside the transaction that stores the reference. ``seed`` gives the highest number
    already used when the series' counter for the year does not exist yet (references made before
    the counter, or by an older version), so the counter starts after them.
    """
    with transaction.atomic(savepoint=False):
        # The history chain's lock first, as every transaction that writes history takes it: a case
        # started after a JD draft was recorded, and one started before, can then never deadlock.
        lock_history_chain()
        counters = ReferenceCounter.objects.select_for_update()
        counter = counters.filter(series=series, year=year).first()
        if counter is None:
            start = seed() if seed is not None else 0
            try:
                with transaction.atomic():
                    counter = ReferenceCounter.objects.create(series=series, year=year, last_number=start)
            except IntegrityError:  # another transaction created it first: wait for its lock
                counter = counters.get(series=series, year=year)
        counter.last_number += 1
        ReferenceCounter.objects.filter(pk=counter.pk).update(last_number=counter.last_number)
    return fmt.format(year=year, number=counter.last_number)


def highest_number(queryset: QuerySet, prefix: str, field: str = "reference") -> int:
    """The highest number after ``prefix`` among the references in ``queryset`` (0 if none): by
    length, then text, so ``…-10000`` counts above ``…-9999`` (a plain MAX of the text does not).
    A counter's ``seed``."""
    last = (queryset.filter(**{f"{field}__startswith": prefix}).order_by(Length(field).desc(), f"-{field}")
            .values_list(field, flat=True).first())
    tail = last[len(prefix):] if last else ""
    return int(tail) if tail.isdigit() else 0
