"""Row locks that work on both databases.

PostgreSQL: SELECT … FOR UPDATE. SQLite: every transaction is BEGIN IMMEDIATE (settings), so
the whole database is write-locked for the transaction and writers queue; the plain SELECT
then reads the latest committed row.
"""

from typing import TypeVar

from django.db import models, transaction

M = TypeVar("M", bound=models.Model)


def lock(instance: M) -> M:
    """Re-read ``instance`` with a row lock; call inside ``transaction.atomic()``."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lock() must be called inside transaction.atomic()")
    return type(instance)._default_manager.select_for_update().get(pk=instance.pk)
