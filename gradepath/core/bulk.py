"""Inserting many model instances at once, fast: :func:`reserve_ids` and :func:`insert`.

``QuerySet.bulk_create`` prepares every value of every row through the field's generic
``get_db_prep_save`` and compiles each batch's SQL field by field; for a few hundred thousand rows (an
HR import of 50,000 people and their history) that costs more than the database's own work. Here each
column's conversion is chosen once (most values go to the driver as they are: text, numbers, booleans,
foreign key ids) and the rows go in with one ``executemany`` on SQLite and one ``COPY`` on PostgreSQL.

Each instance gets its primary key *before* its row goes in (:func:`reserve_ids`; PostgreSQL: from the
table's sequence; SQLite: after the highest id the table has had, under the write lock the transaction
holds), so instances that point at each other (a person and their new line manager, a unit and its new
parent) go in together: foreign keys are checked when the transaction commits (Django makes them
``DEFERRABLE INITIALLY DEFERRED`` on both databases). The number of statements does not depend on the
number of rows.

What it does not do, which ``bulk_create`` does: ``pre_save`` of fields that set their own value
(``auto_now``), conflict handling and multi-table models. Instances are taken as they are: defaults were
set when each was made. Call both inside ``transaction.atomic()``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from django.db import connections, models


def _converter(field: models.Field, connection: Any) -> Callable[[Any], Any] | None:
    """How a value of ``field`` goes to the driver; None when as it is."""
    ops = connection.ops
    if isinstance(field, models.DateTimeField):
        return ops.adapt_datetimefield_value
    if isinstance(field, models.DateField):
        return ops.adapt_datefield_value
    if isinstance(field, models.JSONField):
        encoder = field.encoder
        if connection.vendor == "postgresql":  # COPY takes the JSON text (quicker than psycopg's Jsonb)
            return lambda value: json.dumps(value, cls=encoder)
        return lambda value: ops.adapt_json_value(value, encoder)
    if isinstance(field, (models.CharField, models.TextField, models.IntegerField, models.BooleanField,
                          models.ForeignKey)):
        return None
    return lambda value: field.get_db_prep_save(value, connection)


def _require_transaction(connection: Any) -> None:
    if not connection.in_atomic_block:
        raise RuntimeError("core.bulk writes inside transaction.atomic() (ids are reserved under its lock).")


def new_ids(model: type[models.Model], count: int, *, using: str = "default",
            advance: bool = True) -> Sequence[int]:
    """``count`` primary keys for ``model`` never used in its table before, taken from the table's own
    counter so that rows the ORM adds meanwhile or later never collide with them: PostgreSQL's
    sequence; on SQLite after the highest id the table has had (AUTOINCREMENT never reuses the id of a
    removed row), with its counter moved past them unless ``advance`` is false (the rows go in within
    the same transaction, which moves it). Inside ``transaction.atomic()``: on SQLite the
    transaction (BEGIN IMMEDIATE) holds the database, so nobody takes them meanwhile."""
    if count <= 0:
        return []
    connection = connections[using]
    _require_transaction(connection)
    meta = model._meta
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                           [meta.db_table, meta.pk.column, count])
            return [pk for (pk,) in cursor.fetchall()]
        quote = connection.ops.quote_name
        cursor.execute(f"SELECT MAX({quote(str(meta.pk.column))}) FROM {quote(meta.db_table)}")  # noqa: S608
        highest = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [meta.db_table])
        row = cursor.fetchone()
        start = max(highest, row[0] if row else 0) + 1
        end = start + count - 1
        if advance and row is None:
            cursor.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [meta.db_table, end])
        elif advance:
            cursor.execute("UPDATE sqlite_sequence SET seq = %s WHERE name = %s", [end, meta.db_table])
    return range(start, end + 1)


def reserve_ids(objs: Sequence[models.Model], *, using: str = "default") -> None:
    """Give every instance without a primary key a new one, never used in its table before."""
    pending = [obj for obj in objs if obj.pk is None]
    if not pending:
        return
    ids = new_ids(type(pending[0]), len(pending), using=using, advance=False)
    for obj, pk in zip(pending, ids, strict=True):
        setattr(obj, pending[0]._meta.pk.attname, pk)


def insert(objs: Sequence[models.Model], *, using: str = "default") -> None:
    """Insert unsaved instances of one model (see the module docstring); ids are reserved for those
    without one first."""
    if not objs:
        return
    reserve_ids(objs, using=using)
    meta = objs[0]._meta
    connection = connections[using]
    fields = list(meta.concrete_fields)
    quote = connection.ops.quote_name
    table, columns = quote(meta.db_table), ", ".join(quote(str(f.column)) for f in fields)
    rows = _rows(objs, fields, connection)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", list(rows))  # noqa: S608
    for obj in objs:
        obj._state.adding = False
        obj._state.db = using


def _rows(objs: Sequence[models.Model], fields: list[models.Field], connection: Any) -> Iterator[list[Any]]:
    """Each instance's values for ``fields``, as the driver takes them."""
    attnames = [f.attname for f in fields]
    converters = [(i, conv) for i, f in enumerate(fields) if (conv := _converter(f, connection)) is not None]
    relations = [f for f in fields if isinstance(f, models.ForeignKey)]
    for obj in objs:
        for relation in relations:  # a related instance given an id since it was assigned: take it now
            if getattr(obj, relation.attname) is None and relation.is_cached(obj):
                related = relation.get_cached_value(obj)
                if related is not None:
                    if related.pk is None:
                        raise ValueError(f"{type(obj).__name__}.{relation.name} is an unsaved "
                                         f"{related._meta.object_name} without an id (reserve_ids first).")
                    setattr(obj, relation.attname, related.pk)
        row = [getattr(obj, name) for name in attnames]
        for i, conv in converters:
            if row[i] is not None:
                row[i] = conv(row[i])
        yield row
