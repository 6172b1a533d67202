"""Writing generated rows fast: tuples in, ids reserved first, one statement per batch.

Django's ``bulk_create`` builds a model instance and prepares every value of every row through the
field's ``get_db_prep_save``; at the generator's sizes (millions of rows) that is most of the time.
Here a step gives plain tuples in the columns' own terms (foreign keys as ids, dates and times as
``datetime`` objects), the few types that need it are converted once per column, and the rows go in
with one ``executemany`` per batch on SQLite or one ``COPY`` on PostgreSQL (as ``core.bulk`` does for
model instances). Primary keys are reserved from each table's own counter first (PostgreSQL's sequence;
SQLite's AUTOINCREMENT counter, moved past them), so a step knows every id without reading anything
back, rows that point at each other go in together (foreign keys are checked at commit), and rows the
ORM adds meanwhile never collide with them.

History rows are linked into the hash chain by the chain's own append (``core.models._append``, what
``HistoryEntry.objects.bulk_create`` runs: under the chain's lock, ``core.chain.link``, then the head's mark
moved), but go in as tuples through :meth:`BulkWriter.insert` rather than as model instances through
``core.bulk`` (a model instance per row, and its values read back field by field, were two thirds of the
history's cost at 50,000 people): ``gradepath audit-verify`` walks them like any service's.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import connections, models
from django.utils import timezone

from gradepath.core.bulk import new_ids
from gradepath.core.models import HistoryEntry
from gradepath.core.models import _append as append_to_chain

BATCH = 20_000  # rows per executemany on SQLite
ID_BLOCK = 2_000  # ids reserved at a time for rows made one by one


def _utc_text(value: dt.datetime | None) -> str | None:
    """A datetime as Django stores it in SQLite with ``USE_TZ``: naive UTC, ``str()`` form (the aware
    UTC time's without its "+00:00")."""
    if value is None:
        return None
    if value.utcoffset() is None:  # timezone.is_naive, without its call
        value = timezone.make_aware(value)
    return str(value.astimezone(dt.UTC))[:-6]


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is None or timezone.is_aware(value):
        return value
    return timezone.make_aware(value)


def _date_text(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def _json_text(value: Any) -> str:
    if type(value) is dict and not value:  # most history rows' before and after
        return "{}"
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
        self._pool: dict[type[models.Model], list[int]] = {}
        self.rows: Counter[str] = Counter()  # rows written per table (for the summary)

    # --- ids ------------------------------------------------------------------------------------------

    def ids(self, model: type[models.Model], count: int) -> Sequence[int]:
        """``count`` new primary keys for ``model`` from the table's own counter (core.bulk.new_ids), so
        rows the ORM adds meanwhile or later never collide with them."""
        return new_ids(model, count, using=self.using)

    def new_id(self, model: type[models.Model]) -> int:
        """One new primary key (taken from blocks reserved :data:`ID_BLOCK` at a time)."""
        pool = self._pool.get(model)
        if not pool:
            pool = self._pool[model] = list(reversed(self.ids(model, ID_BLOCK)))
        return pool.pop()

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
        self.rows[table] += count
        return count

    def drop_indexes(self, tables: Iterable[type[models.Model]]) -> list[tuple[str, str]]:
        """Drop the secondary indexes of ``tables`` so that rows go in without them, and return their
        definitions for :meth:`build_indexes`, which makes each once after the rows are in (SQLite: half a
        million tasks went in three times quicker). The indexes are made again from their own definitions
        (``sqlite_master``), so the schema ends as it was; if the generation fails, its transaction's
        rollback restores them. Only for tables that do not point at themselves (SQLite looks a deferred
        foreign key's children up through these indexes when a parent row goes in) and that nothing reads
        meanwhile. Nothing on PostgreSQL: COPY keeps up there, and the application's account may not own
        the tables."""
        if self.vendor != "sqlite":
            return []
        names = [model._meta.db_table for model in tables]
        raw = self.connection.connection
        marks = ", ".join("?" * len(names))
        sql = f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({marks})"  # noqa: S608
        saved = raw.execute(f"{sql} ORDER BY tbl_name, name", names).fetchall()
        for name, _ in saved:
            raw.execute(f"DROP INDEX {self.connection.ops.quote_name(name)}")
        return saved

    def build_indexes(self, saved: list[tuple[str, str]]) -> int:
        """Make the indexes :meth:`drop_indexes` dropped, from their definitions. Returns how many."""
        raw = self.connection.connection
        for _, sql in saved:
            raw.execute(sql)
        return len(saved)

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


# --- History --------------------------------------------------------------------------------------------

HISTORY_COLUMNS = ("id", "created_at", "actor_id", "actor_label", "capacity", "action", "object_type", "object_id",
                   "object_repr", "person_id", "summary", "before", "after", "chain_seq", "prev_hash", "row_hash")


class HistoryRow:
    """One history row to write: the fields core's chain hashes (``core.chain.CHAINED_FIELDS``), then its
    place in the chain once linked. Lighter than a model instance at hundreds of thousands of rows."""

    __slots__ = ("created_at", "actor_id", "actor_label", "capacity", "action", "object_type", "object_id",
                 "object_repr", "person_id", "summary", "before", "after", "chain_seq", "prev_hash", "row_hash")
    chain_seq: int  # given by core.chain.link when the row is written
    prev_hash: str
    row_hash: str

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
    """Write ``rows`` (in this order) at the end of the hash chain: the chain's own append links them under
    its lock and moves the chain's head (core.models), as ``HistoryEntry.objects.bulk_create`` does, and
    they go in through :meth:`BulkWriter.insert`. Call inside the generation's transaction."""
    if not rows:
        return 0
    ids = writer.ids(HistoryEntry, len(rows))

    def insert() -> int:
        return writer.insert(HistoryEntry, HISTORY_COLUMNS, (
            (pk, r.created_at, r.actor_id, r.actor_label, r.capacity, r.action, r.object_type, r.object_id,
             r.object_repr, r.person_id, r.summary, r.before, r.after, r.chain_seq, r.prev_hash, r.row_hash)
            for pk, r in zip(ids, rows, strict=True)))

    append_to_chain(rows, writer.using, insert)  # type: ignore[arg-type]  # HistoryRow has the chained fields
    return len(rows)


# HistoryRow's fields are HistoryEntry's, in its order.
if [f.attname for f in HistoryEntry._meta.concrete_fields] != list(HISTORY_COLUMNS):  # pragma: no cover
    raise ImproperlyConfigured("HistoryEntry's fields changed: give them in HISTORY_COLUMNS and write_history.")
