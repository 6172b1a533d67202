"""The hash that chains history rows (ADR 15): pure functions, no database access.

Each history row stores its position in the chain (``chain_seq``), the hash of the row before it
(``prev_hash``) and the SHA-256 of its own content plus that link (``row_hash``). A row changed
after it was written no longer matches its hash; a row removed leaves a gap in the positions and a
link that points nowhere. :mod:`gradepath.core.audit` walks the chain; the history manager
(:class:`gradepath.core.models.HistoryEntryQuerySet`) links every new row.

The hash is computed from the values as the database gives them back, so it is the same on SQLite
and PostgreSQL: times in UTC to the microsecond, JSON with sorted keys after a JSON round trip
(tuples become lists, keys become strings) and whole-number floats as integers (PostgreSQL's
``jsonb`` keeps ``1e20`` as ``100000000000000000000``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.utils import timezone

#: The link of the first row: there is no row before it.
GENESIS = "0" * 64

#: The fields whose values the hash covers, besides the position and the link.
CHAINED_FIELDS = ("created_at", "actor_id", "actor_label", "capacity", "action", "object_type", "object_id",
                  "object_repr", "person_id", "summary", "before", "after")


def aware_utc(value: dt.datetime) -> dt.datetime:
    """``value`` as the database stores it: aware, in UTC (a naive time is taken as local time)."""
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value.astimezone(dt.UTC)


def _json_as_is(value: Any) -> bool:
    """Whether ``value`` comes back from a JSON column exactly as it is: text, whole numbers, booleans
    and None, in lists and in dicts with text keys (no floats, tuples or other keys)."""
    if value is None or type(value) in (str, int, bool):
        return True
    if type(value) is dict:
        return all(type(key) is str and _json_as_is(inner) for key, inner in value.items())
    if type(value) is list:
        return all(_json_as_is(inner) for inner in value)
    return False


def _json(value: Any) -> Any:
    """``value`` after a trip through a JSON column, with whole-number floats as integers."""
    if _json_as_is(value):  # most rows: the trip would change nothing
        return value

    def normalise(item: Any) -> Any:
        if isinstance(item, float) and item.is_integer():
            return int(item)
        if isinstance(item, dict):
            return {key: normalise(inner) for key, inner in item.items()}
        if isinstance(item, list):
            return [normalise(inner) for inner in item]
        return item

    return normalise(json.loads(json.dumps(value)))


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def row_content(row: Any) -> dict[str, Any]:
    """The chained fields of a history row (saved or not) in their canonical form."""
    return {
        "created_at": aware_utc(row.created_at).isoformat(timespec="microseconds"),
        "actor_id": _int(row.actor_id),
        "actor_label": str(row.actor_label),
        "capacity": str(row.capacity),
        "action": str(row.action),
        "object_type": str(row.object_type),
        "object_id": str(row.object_id),
        "object_repr": str(row.object_repr),
        "person_id": _int(row.person_id),
        "summary": str(row.summary),
        "before": _json(row.before),
        "after": _json(row.after),
    }


def row_hash(row: Any, *, seq: int, prev_hash: str) -> str:
    """The SHA-256 (hex) of a row's content at position ``seq`` following ``prev_hash``."""
    payload = {"seq": seq, "prev": prev_hash, **row_content(row)}
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def link(rows: list[Any], *, after_seq: int, after_hash: str) -> tuple[int, str]:
    """Give each unsaved row its position, link and hash, continuing the chain after
    (``after_seq``, ``after_hash``); returns the new end of the chain."""
    seq, prev = after_seq, after_hash
    for row in rows:
        row.created_at = aware_utc(row.created_at)
        seq += 1
        row.chain_seq, row.prev_hash = seq, prev
        row.row_hash = prev = row_hash(row, seq=seq, prev_hash=prev)
    return seq, prev
