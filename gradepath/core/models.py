"""The append-only history table that gives every record its timeline, and the two small tables
that serialise writers: the head of the history chain and the reference counters.

History rows are written only by :func:`gradepath.core.history.record_history`, always inside the
service transaction that made the change. The database refuses UPDATE and DELETE on this table
(triggers created in migration 0003, on SQLite and PostgreSQL), and in the two-account
deployment the application's database account may only INSERT and SELECT it
(docs/deployment.md). Every row is chained by hash to the one before it (core.chain), so a row
changed or removed behind the application's back is found by ``gradepath audit-verify``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connections, models, router, transaction
from django.utils import timezone

from gradepath.core import bulk, chain


class AuditChainHead(models.Model):
    """The lock that serialises appends to a hash chain, and a mark of how far the chain reached.

    Every append locks this row until its transaction ends (SELECT … FOR UPDATE on PostgreSQL;
    SQLite's IMMEDIATE transactions queue writers anyway), so two transactions appending at once
    can never fork the chain. The end of the chain is read from the chained table itself; the
    mark (``seq``, ``last_hash``) lets ``audit-verify`` see rows removed from the end. On SQLite it
    follows every append. On PostgreSQL it moves once per transaction, to where the chain ended
    before it (``txn`` says which transaction moved it): moving one row again and again inside a
    long transaction (an import) would cost more with every move.
    """

    HISTORY = "history"

    name = models.CharField(max_length=40, unique=True)
    seq = models.PositiveBigIntegerField(default=0, help_text="The chain reached at least this position.")
    last_hash = models.CharField(max_length=64, default=chain.GENESIS, help_text="The hash at that position.")
    txn = models.BigIntegerField(default=0, help_text="The PostgreSQL transaction that last moved the mark.")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} chain: at least {self.seq} rows, {self.last_hash[:12]}… at {self.seq}"


class HistoryEntryQuerySet(models.QuerySet["HistoryEntry"]):
    """History rows; every row added (``create``, ``bulk_create``) is linked into the hash chain."""

    def bulk_create(self, objs: Iterable[HistoryEntry], *args: Any, **kwargs: Any) -> list[HistoryEntry]:
        rows = list(objs)
        if not args and set(kwargs) <= {"batch_size"}:  # the plain case, many rows at a time (core.bulk)
            _append(rows, self.db, lambda: bulk.insert(rows, using=self.db))
            return rows
        return _append(rows, self.db, lambda: super(HistoryEntryQuerySet, self).bulk_create(rows, *args, **kwargs))


def lock_history_chain(using: str = "default") -> tuple[int, int, str]:
    """Lock the history chain until the transaction ends; returns (head id, last position, last
    hash). Call inside a transaction.

    Lock order: a transaction that takes another global lock (a reference counter) takes this one
    first, so the two can never deadlock; services lock their own rows before writing history."""
    connection = connections[using]
    heads, entries = AuditChainHead._meta.db_table, HistoryEntry._meta.db_table
    # Plain SQL: this runs for every history row written, and building ORM queries was most of its
    # cost (docs/deployment.md has the figures).
    lock = f"SELECT id FROM {heads} WHERE name = %s"  # noqa: S608 - our own table name
    if connection.features.has_select_for_update:
        lock += " FOR UPDATE"
    with connection.cursor() as cursor:
        cursor.execute(lock, [AuditChainHead.HISTORY])
        row = cursor.fetchone()
        if row is None:  # first use, or after a test harness flush
            try:
                with transaction.atomic(using=using):
                    AuditChainHead.objects.using(using).create(name=AuditChainHead.HISTORY)
            except IntegrityError:  # another transaction created it first: wait for its lock below
                pass
            cursor.execute(lock, [AuditChainHead.HISTORY])
            row = cursor.fetchone()
        head_id = row[0]
        # Under the lock the last row is the end of the chain (READ COMMITTED: every statement sees
        # what the lock's previous holder committed). The unique index makes this one index step.
        cursor.execute(f"SELECT chain_seq, row_hash FROM {entries} ORDER BY chain_seq DESC LIMIT 1")  # noqa: S608
        end = cursor.fetchone() or (0, chain.GENESIS)
    return head_id, end[0], end[1]


def _mark_head(using: str, head_id: int, before: tuple[int, str], after: tuple[int, str]) -> None:
    """Move the head's mark: to the new end on SQLite; on PostgreSQL, once per transaction, to the
    end as it was before the transaction (what other transactions had committed)."""
    connection = connections[using]
    table = AuditChainHead._meta.db_table
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"UPDATE {table} SET seq = %s, last_hash = %s, updated_at = %s, "  # noqa: S608
                           "txn = txid_current() WHERE id = %s AND txn <> txid_current()", [*before, now, head_id])
        else:
            cursor.execute(f"UPDATE {table} SET seq = %s, last_hash = %s, updated_at = %s WHERE id = %s",  # noqa: S608
                           [*after, now, head_id])


def _append(rows: list[HistoryEntry], using: str, insert: Callable[[], Any]) -> Any:
    """Link ``rows`` to the end of the chain and insert them, holding the chain's lock."""
    with transaction.atomic(using=using, savepoint=False):
        head_id, end_seq, end_hash = lock_history_chain(using)
        after = chain.link(rows, after_seq=end_seq, after_hash=end_hash)
        result = insert()
        _mark_head(using, head_id, (end_seq, end_hash), after)
    return result


class HistoryEntry(models.Model):
    """One change made through a service: who, in what capacity, what, before and after."""

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_label = models.CharField(max_length=200, help_text="The actor's name when the change was made.")
    capacity = models.CharField(
        max_length=300, blank=True, help_text='For example "delegate of Dr Jane Smith (FM/HPS)".'
    )
    action = models.CharField(max_length=100, help_text='Dotted verb, e.g. "person.updated".')
    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=300)
    person_id = models.BigIntegerField(
        null=True, blank=True, db_index=True, help_text="The person this change concerns, if any."
    )
    summary = models.TextField()
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    chain_seq = models.PositiveBigIntegerField(unique=True, help_text="Position in the hash chain (1, 2, 3…).")
    prev_hash = models.CharField(max_length=64, help_text="The hash of the row before this one in the chain.")
    row_hash = models.CharField(max_length=64, help_text="SHA-256 of this row's content, position and link.")

    objects = HistoryEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id", "created_at"], name="history_object_idx")]
        verbose_name_plural = "history entries"

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label}: {self.summary}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """A new row is linked into the chain as it is inserted; an existing row is never saved
        again (the database refuses the UPDATE)."""
        if self._state.adding and not self.row_hash:
            using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
            _append([self], using, lambda: super(HistoryEntry, self).save(*args, **kwargs))
        else:
            super().save(*args, **kwargs)


class ReferenceCounter(models.Model):
    """The last number given in a series of references for one year (``GC-2026-0042``): the row is
    locked while a number is taken, so two processes never give the same one (core.references)."""

    series = models.CharField(max_length=40)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["series", "year"]
        constraints = [models.UniqueConstraint(fields=["series", "year"], name="one_counter_per_series_year")]

    def __str__(self) -> str:
        return f"{self.series} {self.year}: {self.last_number}"
