"""Rows a test fixture builds, captured once per test process and written back by id in later tests.

Building the persona university through factories costs about 130 ms on SQLite and 175 ms on
PostgreSQL, and 1,400 tests take it. :class:`RowSnapshot`
watches the first build and keeps what it wrote: the rows it added (by table, with their ids), the
final state of the few rows it changed that were there before (the audit chain's head, reference
counters), and the Python objects it returned (pickled, with their caches). A later test gets the same
rows written back, a statement or two per table, and a fresh copy of the objects: the same database
state and the same object graph as a build, in milliseconds. Triggers fire on the written rows as they
did on the build's (the JD search index).

It replays only what it can replay exactly. A build that writes SQL it cannot read, or to a table
without an integer ``id`` key, or that changes old rows of a large table, is not captured (every test
builds). A restore checks that the rows the build changed are as they were before that build, and
that no row the test made first holds an id it needs; otherwise it writes nothing and the test builds.
``GRADEPATH_TEST_SNAPSHOTS=off`` builds every time (to compare, or to rule the snapshot out).
"""

from __future__ import annotations

import os
import pickle
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.apps import apps
from django.db import IntegrityError, connection, models, transaction

T = TypeVar("T")

_WRITE = re.compile(r'\s*(INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.I)
_READ = re.compile(r"\s*(SELECT|SAVEPOINT|RELEASE|ROLLBACK|PRAGMA)\b", re.I)  # anything else is a write
_CHUNK = 400  # rows per INSERT statement on SQLite
_SMALL = 2_000  # a table this size or smaller is read before the build, to see which old rows it changed
# (The SQL here is built from the table and column names the models and the database give, and on
# SQLite from the literals quote() returned for the build's own rows: nothing comes from outside.)


def _id_tables() -> list[str]:
    """Every table (m2m tables included) whose key is an integer ``id``."""
    tables = set()
    for model in apps.get_models(include_auto_created=True):
        pk = model._meta.pk
        if model._meta.managed and isinstance(pk, models.AutoField | models.BigAutoField | models.SmallAutoField) \
                and pk.column == "id":
            tables.add(model._meta.db_table)
    return sorted(tables)


def _sizes(tables: list[str]) -> dict[str, tuple[int, int]]:
    """Each table's highest id and row count."""
    qn = connection.ops.quote_name
    sql = " UNION ALL ".join(f"SELECT '{t}', MAX(id), COUNT(*) FROM {qn(t)}" for t in tables)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return {table: (top or 0, count) for table, top, count in cursor.fetchall()}


def _columns(cursor, table: str) -> list[str]:
    """The columns a row is written with (generated columns left out)."""
    if connection.vendor == "postgresql":
        cursor.execute("SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
                       "AND table_name = %s AND is_generated = 'NEVER' ORDER BY ordinal_position", [table])
        return [name for (name,) in cursor.fetchall()]
    cursor.execute(f"PRAGMA table_xinfo({connection.ops.quote_name(table)})")
    return [row[1] for row in cursor.fetchall() if row[6] == 0]  # hidden: 0 for a stored column


@dataclass(frozen=True)
class _Rows:
    """Some rows of a table, as a value to compare and as the statements that write them."""

    dump: object  # comparable: the rows' literals (SQLite) or JSON text (PostgreSQL)
    statements: tuple[tuple[str, tuple], ...]


def _rows(table: str, where: str, params: list) -> _Rows:
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        columns = _columns(cursor, table)
        names = ", ".join(qn(c) for c in columns)
        if connection.vendor == "postgresql":
            # JSON keeps every column's type exactly (timestamps, decimals, bytea, jsonb) both ways.
            cursor.execute(f"SELECT json_agg(t ORDER BY id)::text FROM {qn(table)} t WHERE {where}",  # noqa: S608
                           params)
            payload = cursor.fetchone()[0]
            statements = () if payload is None else (
                (f"INSERT INTO {qn(table)} ({names}) SELECT {names} FROM "  # noqa: S608
                 f"json_populate_recordset(NULL::{qn(table)}, %s::json)", (payload,)),)
            return _Rows(payload, statements)
        # quote() gives each value as an SQL literal of its own storage class: written back, it is
        # stored exactly as the build stored it (no converter or adapter in between).
        cursor.execute(f"SELECT {', '.join(f'quote({qn(c)})' for c in columns)} FROM {qn(table)} "  # noqa: S608
                       f"WHERE {where} ORDER BY id", params)
        rows = cursor.fetchall()
    head = f"INSERT INTO {qn(table)} ({names}) VALUES "  # noqa: S608
    statements = tuple((head + ", ".join(f"({', '.join(row)})" for row in rows[i:i + _CHUNK]), ())
                       for i in range(0, len(rows), _CHUNK))
    return _Rows(tuple(rows), statements)


@dataclass(frozen=True)
class _Table:
    name: str
    old_top: int  # the highest id before the build
    new: _Rows  # the rows the build added
    old_before: _Rows | None = None  # the old rows it changed, as they were before the build …
    old_after: _Rows | None = None  # … and after it


class _InTheWay(Exception):
    pass


@dataclass(frozen=True)
class RowSnapshot(Generic[T]):
    vendor: str
    tables: tuple[_Table, ...]
    result: bytes  # the build's return value, pickled

    @classmethod
    def capture(cls, build: Callable[[], T]) -> tuple[T, RowSnapshot[T] | None]:
        """Run ``build`` and return what it returned, with a snapshot of what it wrote (None when it
        cannot be replayed exactly)."""
        id_tables = _id_tables()
        sizes = _sizes(id_tables)
        before = {t: _rows(t, "id <= %s", [top]) for t, (top, count) in sizes.items() if 0 < count <= _SMALL}
        written: list[str] = []
        changed: set[str] = set()
        unreadable: list[str] = []

        def watch(execute, sql, params, many, context):
            match = _WRITE.match(sql)
            if match:
                table = match.group(2)
                if table not in written:
                    written.append(table)
                if not match.group(1).upper().startswith("INSERT"):
                    changed.add(table)
            elif not _READ.match(sql):
                unreadable.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(watch):
            result = build()
        if unreadable or not set(written) <= set(id_tables):
            return result, None
        tables = []
        for name in written:
            top, count = sizes[name]
            old_before = old_after = None
            if name in changed and count:
                if name not in before:
                    return result, None  # a large table whose old rows it may have changed
                now = _rows(name, "id <= %s", [top])
                if now.dump != before[name].dump:
                    old_before, old_after = before[name], now
            tables.append(_Table(name, top, _rows(name, "id > %s", [top]), old_before, old_after))
        return result, cls(connection.vendor, tuple(tables), pickle.dumps(result))

    def restore(self) -> T | None:
        """Write the rows back and return a fresh copy of the build's objects; None (and nothing
        written) when the database is not as it was before the build."""
        if connection.vendor != self.vendor:
            return None
        qn = connection.ops.quote_name
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                for table in self.tables:
                    if table.old_before is not None and table.old_after is not None:
                        if _rows(table.name, "id <= %s", [table.old_top]).dump != table.old_before.dump:
                            raise _InTheWay
                        cursor.execute(f"DELETE FROM {qn(table.name)} WHERE id <= %s", [table.old_top])  # noqa: S608
                        for sql, params in table.old_after.statements:
                            cursor.execute(sql, params)
                    for sql, params in table.new.statements:
                        cursor.execute(sql, params)
                    if self.vendor == "postgresql":
                        # Rows written with their ids leave the id sequence where it was, and a sequence may
                        # have been set back (setval is not rolled back): move it past them, never back.
                        name = qn(table.name)
                        cursor.execute(f"SELECT setval(pg_get_serial_sequence(%s, 'id'), GREATEST(COALESCE("  # noqa: S608
                                       f"MAX(id), 1), nextval(pg_get_serial_sequence(%s, 'id')) - 1)) FROM {name}",
                                       [name, name])
        except (IntegrityError, _InTheWay):
            return None
        return pickle.loads(self.result)  # noqa: S301 - our own bytes, made in this process


class SnapshotBuild(Generic[T]):
    """``build()`` through a snapshot: the first call builds and captures, later calls restore (and
    build when the restore cannot be made)."""

    def __init__(self, build: Callable[[], T]):
        self._build = build
        self._snapshot: RowSnapshot[T] | None = None
        self._replayable = True

    def __call__(self) -> T:
        if os.environ.get("GRADEPATH_TEST_SNAPSHOTS", "on") == "off":
            return self._build()
        if self._snapshot is not None:
            restored = self._snapshot.restore()
            return restored if restored is not None else self._build()
        if not self._replayable:
            return self._build()
        result, self._snapshot = RowSnapshot.capture(self._build)
        self._replayable = self._snapshot is not None
        return result


__all__ = ["RowSnapshot", "SnapshotBuild"]
