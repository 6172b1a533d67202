"""Writing generated rows fast: tuples in, ids given here, one statement per batch.

Django's ``bulk_create`` builds a model instance and prepares every value of every row through the
field's ``get_db_prep_save``; at the generator's sizes (millions of rows) that is most of the time.
Here a step gives plain tuples in the columns' own terms (foreign keys as ids, dates and times as
``datetime`` objects), the few types that need it are converted once per column, and the rows go in
with one ``executemany`` per batch on SQLite or one ``COPY`` on PostgreSQL. Primary keys are given by
the writer (after the highest one in the table), so a step knows every id without reading anything
back, and the sequences are moved past them at the end (:meth:`BulkWriter.finish`).

History rows are linked into the hash chain by core's own functions (:func:`core.chain.link`, under
:func:`core.models.lock_history_chain`), written the same fast way, and the last few go through
``HistoryEntry.objects.bulk_create`` so that core moves the chain's head mark itself:
``gradepath audit-verify`` walks the result like any other history.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.core.management.color import no_style
from django.db import connections, models
from django.utils import timezone

from gradepath.core import chain
from gradepath.core.models import HistoryEntry, lock_history_chain

BATCH = 20_000  # rows per executemany on SQLite
TAIL = 3  # history rows written through HistoryEntry.objects.bulk_create (core moves the head mark)


def _utc_text(value: dt.datetime | None) -> str | None:
    """A datetime as Django stores it in SQLite with ``USE_TZ``: naive UTC, ``str()`` form."""
    if value is None:
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return str(value.astimezone(dt.UTC).replace(tzinfo=None))


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is None or timezone.is_aware(value):
        return value
    return timezone.make_aware(value)


def _date_text(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def _json_text(value: Any) -> str:
    return json.dumps(value)


def _decimal_text(value: Any) -> str | None:
    return None if value is None else str(value)


class BulkWriter:
    """Inserts generated rows and hands out their ids (see the module docstring)."""

    def __init__(self, using: str = "default"):
        self.using = using
        self.connection = connections[using]
        self.vendor = self.connection.vendor
        if self.vendor not in ("sqlite", "postgresql"):  # pragma: no cover - only these two are supported
            raise ValueError(f"The generator writes to SQLite or PostgreSQL, not {self.vendor}.")
        self._next: dict[type[models.Model], int] = {}
        self._touched: set[type[models.Model]] = set()
        self.rows: Counter[str] = Counter()  # rows written per table (for the summary)

    # --- ids ------------------------------------------------------------------------------------------

    def _start(self, model: type[models.Model]) -> int:
        if model not in self._next:
            table = model._meta.db_table
            column = model._meta.pk.column
            with self.connection.cursor() as cursor:
                cursor.execute(f"SELECT MAX({column}) FROM {table}")  # noqa: S608 - our own table name
                self._next[model] = (cursor.fetchone()[0] or 0) + 1
        return self._next[model]

    def ids(self, model: type[models.Model], count: int) -> range:
        """``count`` new primary keys for ``model``, never used before in this database."""
        start = self._start(model)
        self._next[model] = start + count
        return range(start, start + count)

    def new_id(self, model: type[models.Model]) -> int:
        return self.ids(model, 1)[0]

    # --- rows -----------------------------------------------------------------------------------------

    def _converter(self, field: models.Field) -> Callable[[Any], Any] | None:
        sqlite = self.vendor == "sqlite"
        if isinstance(field, models.DateTimeField):
            return _utc_text if sqlite else _aware
        if isinstance(field, models.DateField):
            return _date_text if sqlite else None
        if isinstance(field, models.JSONField):
            return _json_text
        if isinstance(field, models.DecimalField):
            return _decimal_text if sqlite else None
        return None

    def insert(self, model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        """Insert ``rows`` (tuples in the order of ``columns``, field names or attnames such as
        ``person_id``; the primary key included) into ``model``'s table. Returns how many."""
        meta = model._meta
        fields = [meta.get_field(name) for name in columns]
        names = [field.column for field in fields]
        converters = [(i, conv) for i, field in enumerate(fields) if (conv := self._converter(field)) is not None]
        table = meta.db_table
        if converters:
            def convert(row: Sequence[Any]) -> list[Any]:
                values = list(row)
                for i, conv in converters:
                    values[i] = conv(values[i])
                return values
            prepared: Iterable[Sequence[Any]] = (convert(row) for row in rows)
        else:
            prepared = rows
        count = 0
        quoted = ", ".join(self.connection.ops.quote_name(name) for name in names)
        if self.vendor == "sqlite":
            sql = f"INSERT INTO {table} ({quoted}) VALUES ({', '.join('?' * len(names))})"  # noqa: S608
            raw = self.connection.connection
            batch: list[Sequence[Any]] = []
            for row in prepared:
                batch.append(row)
                if len(batch) >= BATCH:
                    raw.executemany(sql, batch)
                    count += len(batch)
                    batch = []
            if batch:
                raw.executemany(sql, batch)
                count += len(batch)
        else:
            with self.connection.cursor() as cursor:
                with cursor.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:  # noqa: S608
                    for row in prepared:
                        copy.write_row(row)
                        count += 1
        self._touched.add(model)
        self.rows[table] += count
        return count

    def update(self, model: type[models.Model], column: str, pairs: Sequence[tuple[int, Any]]) -> int:
        """Set ``column`` to a value per row: ``pairs`` of (primary key, value)."""
        if not pairs:
            return 0
        field = model._meta.get_field(column)
        conv = self._converter(field)
        params = [(conv(value) if conv else value, pk) for pk, value in pairs]
        table, name = model._meta.db_table, self.connection.ops.quote_name(field.column)
        pk = self.connection.ops.quote_name(model._meta.pk.column)
        if self.vendor == "sqlite":
            self.connection.connection.executemany(
                f"UPDATE {table} SET {name} = ? WHERE {pk} = ?", params)  # noqa: S608
        else:
            with self.connection.cursor() as cursor:
                cursor.executemany(f"UPDATE {table} SET {name} = %s WHERE {pk} = %s", params)  # noqa: S608
        return len(params)

    def sync(self, *models_: type[models.Model]) -> None:
        """Before the ORM inserts into tables this writer wrote (and after, before the writer writes to
        them again): PostgreSQL's sequences move past the ids given here (SQLite's AUTOINCREMENT follows
        by itself), and the writer reads the highest id again when next asked."""
        chosen = [m for m in models_ if m in self._touched] if models_ else list(self._touched)
        for model in models_ or list(self._next):
            self._next.pop(model, None)
        if self.vendor != "postgresql" or not chosen:
            return
        statements = self.connection.ops.sequence_reset_sql(no_style(), sorted(chosen, key=lambda m: m._meta.label))
        with self.connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)

    def finish(self) -> None:
        """The end of the generation: every sequence past the ids given here."""
        self.sync()


# --- History --------------------------------------------------------------------------------------------

HISTORY_COLUMNS = ("id", "created_at", "actor_id", "actor_label", "capacity", "action", "object_type", "object_id",
                   "object_repr", "person_id", "summary", "before", "after", "chain_seq", "prev_hash", "row_hash")


class HistoryRow:
    """One history row to write: the fields core's chain hashes (``core.chain.CHAINED_FIELDS``), then its
    place in the chain once linked. Lighter than a model instance at hundreds of thousands of rows."""

    __slots__ = ("created_at", "actor_id", "actor_label", "capacity", "action", "object_type", "object_id",
                 "object_repr", "person_id", "summary", "before", "after", "chain_seq", "prev_hash", "row_hash")

    def __init__(self, *, created_at: dt.datetime, action: str, object_type: str, object_id: Any,
                 object_repr: str, summary: str, actor_id: int | None = None, actor_label: str = "System",
                 capacity: str = "", person_id: int | None = None, before: dict | None = None,
                 after: dict | None = None):
        self.created_at = created_at
        self.actor_id = actor_id
        self.actor_label = actor_label[:200]
        self.capacity = capacity[:300]
        self.action = action
        self.object_type = object_type
        self.object_id = str(object_id)
        self.object_repr = object_repr[:300]
        self.person_id = person_id
        self.summary = summary
        self.before = before or {}
        self.after = after or {}


def write_history(writer: BulkWriter, rows: list[HistoryRow]) -> int:
    """Link ``rows`` (in this order) to the end of the history chain and write them. Call inside the
    generation's transaction: the chain stays locked until it ends, as for any service."""
    if not rows:
        return 0
    head, tail = rows[:-TAIL], rows[-TAIL:]
    if head:
        _, end_seq, end_hash = lock_history_chain(writer.using)
        chain.link(head, after_seq=end_seq, after_hash=end_hash)
        ids = writer.ids(HistoryEntry, len(head))
        writer.insert(HistoryEntry, HISTORY_COLUMNS, (
            (pk, r.created_at, r.actor_id, r.actor_label, r.capacity, r.action, r.object_type, r.object_id,
             r.object_repr, r.person_id, r.summary, r.before, r.after, r.chain_seq, r.prev_hash, r.row_hash)
            for pk, r in zip(ids, head, strict=True)))
    # The last rows through the history manager: it links them after the rows above and moves the head.
    writer.sync(HistoryEntry)
    objs = [HistoryEntry(created_at=r.created_at, actor_id=r.actor_id, actor_label=r.actor_label,
                         capacity=r.capacity, action=r.action, object_type=r.object_type, object_id=r.object_id,
                         object_repr=r.object_repr, person_id=r.person_id, summary=r.summary, before=r.before,
                         after=r.after) for r in tail]
    HistoryEntry.objects.using(writer.using).bulk_create(objs)
    writer.rows[HistoryEntry._meta.db_table] += len(tail)
    return len(rows)
