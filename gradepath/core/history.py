"""Writing history rows, and the switch that lets a test harness empty the table.

Every row is linked into the hash chain as it is inserted (core.models, core.chain): the head of
the chain is locked until the transaction ends, so appends are serialised and the chain never
forks. ``gradepath audit-verify`` walks it (core.audit).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any, cast

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import models
from django.utils import timezone

from gradepath.core.models import HistoryEntry

_purge_allowed = False


def register_sqlite_functions(sender: Any, connection: Any, **kwargs: Any) -> None:
    """Give SQLite connections the function the DELETE triggers of the append-only tables (history,
    grading case events) consult."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "gradepath_history_purge_allowed", 0, lambda: 1 if _purge_allowed else 0
        )


@contextlib.contextmanager
def history_purge_allowed() -> Iterator[None]:
    """Allow DELETE on history rows and grading case events for the duration (only the test
    harness's flush uses this).

    UPDATE is never allowed. On PostgreSQL a flush uses TRUNCATE, which row triggers do not see.
    """
    global _purge_allowed
    previous, _purge_allowed = _purge_allowed, True
    try:
        yield
    finally:
        _purge_allowed = previous


_AS_IS = (str, int, bool, type(None))


def _plain(value: Any) -> Any:
    if type(value) in _AS_IS:  # most values (and the quickest test)
        return value
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    return value


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """A JSON-safe {field: value} dict, following foreign keys to their string form."""
    return {name: _plain(getattr(instance, name)) for name in fields}


def diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the keys whose values changed, as (before, after)."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def field_labels(model: type[models.Model], names: Iterable[str]) -> str:
    """ "line manager, probation end" — the fields' own labels, for history summaries."""
    labels = []
    for name in sorted(names):
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            field = None
        # Not a model field, or a reverse relation (which has no label of its own): show its name.
        labels.append(str(field.verbose_name) if isinstance(field, models.Field) else name.replace("_", " "))
    return ", ".join(labels)


def actor_label(actor: Any) -> str:
    """The name a history row gives its actor: "System" for none, else their person's name or login."""
    if actor is None:
        return "System"
    person = getattr(actor, "person", None) if hasattr(actor, "person") else None
    return (str(person) if person else (actor.get_full_name() or actor.get_username()))[:200]


def history_entry(
    *,
    actor: Any,
    action: str,
    obj: models.Model,
    summary: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    capacity: str = "",
    person_id: int | None = None,
    label: str | None = None,
) -> HistoryEntry:
    """The history row :func:`record_history` writes, not yet saved: for a service writing many
    records at once, which saves its rows with ``HistoryEntry.objects.bulk_create`` (that links them
    into the chain too). ``label`` is :func:`actor_label` of the actor, if already known."""
    values: list[Any] = [
        None, timezone.now(), actor.pk if actor is not None and actor.pk else None,
        label if label is not None else actor_label(actor), capacity[:300], action, obj._meta.label_lower,
        str(obj.pk), str(obj)[:300], person_id, summary, before or {}, after or {}, None, "", "",
    ]
    entry: HistoryEntry = cast(Any, HistoryEntry)(*values)  # by position, in the fields' order (checked below): quicker than by name
    if actor is not None and actor.pk:
        entry.actor = actor
    return entry


# history_entry gives HistoryEntry's fields by position: they must be in this order.
if [f.attname for f in HistoryEntry._meta.concrete_fields] != [
        "id", "created_at", "actor_id", "actor_label", "capacity", "action", "object_type", "object_id",
        "object_repr", "person_id", "summary", "before", "after", "chain_seq", "prev_hash", "row_hash"]:
    raise ImproperlyConfigured("HistoryEntry's fields changed: give them to HistoryEntry() in history_entry's order.")


def record_history(
    *,
    actor: Any,
    action: str,
    obj: models.Model,
    summary: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    capacity: str = "",
    person_id: int | None = None,
) -> HistoryEntry:
    """Append one history row, linked into the hash chain. Call inside the service's transaction
    (the chain's head stays locked until it ends)."""
    entry = history_entry(actor=actor, action=action, obj=obj, summary=summary, before=before, after=after,
                          capacity=capacity, person_id=person_id)
    entry.save(force_insert=True)
    return entry


def timeline_for(obj: models.Model) -> models.QuerySet[HistoryEntry]:
    """History rows about one object, newest first."""
    return HistoryEntry.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
