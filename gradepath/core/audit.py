"""Checking the history chain: ``gradepath audit-verify`` (ADR 15).

The walk recomputes every row's hash in chain order and reports, naming the row, each one changed
or removed behind the application's back, and whether the append-only triggers are still there
and enabled. What a walk cannot see by itself: someone with the owner account who rewrites rows
*and* recomputes every later hash and the head. Record the head the command prints somewhere
the database account cannot write (a log, a ticket); ``--expect POSITION:HASH`` then proves the
chain still runs through it. On PostgreSQL the head's mark of the chain's end is one writing
transaction behind (core.models.AuditChainHead): rows removed from the very end, all written by
the latest transaction, are seen only against such a recorded head.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connections
from django.utils import timezone

from gradepath.core import chain
from gradepath.core.models import AuditChainHead, HistoryEntry

# The database triggers that refuse UPDATE and DELETE on history rows (core migrations 0003/0004).
HISTORY_TRIGGERS = {
    "sqlite": ("core_historyentry_no_update", "core_historyentry_no_delete"),
    "postgresql": ("core_historyentry_append_only",),
}


@dataclass
class ChainReport:
    """What a walk of the chain found."""

    rows: int = 0
    head_seq: int = 0
    head_hash: str = chain.GENESIS
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _describe(row: HistoryEntry) -> str:
    when = timezone.localtime(row.created_at).strftime("%d %b %Y %H:%M")
    return (f"history row {row.pk} (position {row.chain_seq}, {when}, {row.action} "
            f"on {row.object_type} {row.object_id})")


def _missing(first: int, last: int, *, last_rows: bool = False) -> str:
    """ "the history row at position 4 is missing", "the last history rows, at positions 4–5, are missing" """
    which = "the last history row" if last_rows else "the history row"
    if first == last:
        return f"{which}{',' if last_rows else ''} at position {first}{',' if last_rows else ''} is missing"
    return f"{which}s{',' if last_rows else ''} at positions {first}–{last}{',' if last_rows else ''} are missing"


def verify_history_chain(*, using: str = "default", expect: Iterable[tuple[int, str]] = ()) -> ChainReport:
    """Walk the history chain in order; ``expect`` holds (position, hash) pairs recorded earlier."""
    report = ChainReport()
    anchors = dict(expect)
    # Read before the walk: rows the application appends meanwhile are beyond it, never before it.
    head = AuditChainHead.objects.using(using).filter(name=AuditChainHead.HISTORY).first()
    at_head: HistoryEntry | None = None
    prev: HistoryEntry | None = None
    rows = HistoryEntry.objects.using(using).order_by("chain_seq").iterator(chunk_size=5000)
    for row in rows:
        report.rows += 1
        expected_seq = prev.chain_seq + 1 if prev else 1
        if row.chain_seq > expected_seq:
            where = f"between {_describe(prev)} and {_describe(row)}" if prev else f"before {_describe(row)}"
            report.problems.append(f"Removed: {_missing(expected_seq, row.chain_seq - 1)}, {where}.")
        elif row.prev_hash != (prev.row_hash if prev else chain.GENESIS):
            culprit = _describe(prev) if prev else "the start of the chain"
            report.problems.append(f"Changed: {culprit} was changed or replaced after it was written "
                                   f"({_describe(row)}, written after it, holds a different hash for it).")
        if chain.row_hash(row, seq=row.chain_seq, prev_hash=row.prev_hash) != row.row_hash:
            report.problems.append(f"Changed: {_describe(row)} was changed after it was written: its content no "
                                   "longer matches its hash.")
        if row.chain_seq in anchors and anchors.pop(row.chain_seq) != row.row_hash:
            report.problems.append(f"Rewritten: {_describe(row)} no longer has the hash recorded for its position: "
                                   "the chain was rewritten from there on.")
        if head is not None and row.chain_seq == head.seq:
            at_head = row
        prev = row
    for seq in sorted(anchors):
        report.problems.append(f"Removed: there is no history row at position {seq}, whose hash was recorded.")

    last_seq, last_hash = (prev.chain_seq, prev.row_hash) if prev else (0, chain.GENESIS)
    report.head_seq, report.head_hash = last_seq, last_hash
    if head is None:
        if prev is not None:
            report.problems.append("The head of the history chain is missing: rows removed from its end cannot be "
                                   "seen.")
    elif head.seq > last_seq:
        after = f" after {_describe(prev)}" if prev else ""
        report.problems.append(f"Removed: {_missing(last_seq + 1, head.seq, last_rows=True)}{after}.")
    elif at_head is not None and at_head.row_hash != head.last_hash:
        report.problems.append(f"Changed: {_describe(at_head)} was changed or replaced after it was written (the "
                               "head of the chain holds a different hash for it).")
    report.problems.extend(trigger_problems(using=using))
    return report


def trigger_problems(*, using: str = "default") -> list[str]:
    """Append-only triggers that are missing or disabled (history's own, and on PostgreSQL any
    other ``…_append_only`` trigger)."""
    connection = connections[using]
    vendor = connection.vendor
    problems = []
    with connection.cursor() as cursor:
        if vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            present = {name for (name,) in cursor.fetchall()}
            disabled: set[str] = set()
        elif vendor == "postgresql":
            cursor.execute("SELECT tgname, tgenabled FROM pg_trigger WHERE NOT tgisinternal "
                           "AND tgname LIKE %s", ["%\\_append\\_only"])
            found = cursor.fetchall()
            present = {name for name, _ in found}
            disabled = {name for name, enabled in found if enabled == "D"}
        else:  # pragma: no cover - only SQLite and PostgreSQL are supported
            return []
    for name in HISTORY_TRIGGERS.get(vendor, ()):
        if name not in present:
            problems.append(f"The append-only trigger {name} is missing: history rows can be changed or removed.")
    for name in sorted(disabled):
        problems.append(f"The append-only trigger {name} is disabled: its rows can be changed or removed.")
    return problems
