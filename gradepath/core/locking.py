"""Row locks that work on both databases.

PostgreSQL: SELECT … FOR UPDATE. SQLite: every transaction is BEGIN IMMEDIATE (settings), so
the whole database is write-locked for the transaction and writers queue; the plain SELECT
then reads the latest committed row.

One lock order (ADR 15): the history chain first, then rows. A service writes history while it
holds row locks, and may lock more rows after writing history (processing a regrade updates several
posts); taking the chain's lock before any row lock means two such transactions queue instead of
deadlocking. On PostgreSQL this makes writing services take turns, as every SQLite writer already does.
"""

from typing import TypeVar

from django.db import models, transaction

from gradepath.core.models import lock_history_chain

M = TypeVar("M", bound=models.Model)


def lock(instance: M) -> M:
    """Re-read ``instance`` with a row lock; call inside ``transaction.atomic()``."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lock() must be called inside transaction.atomic()")
    lock_history_chain()
    return type(instance)._default_manager.select_for_update().get(pk=instance.pk)
