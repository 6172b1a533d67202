"""History rows are chained by hash, and `gradepath audit-verify` finds a row changed or removed
behind the application's back (issue 11 §4): done here exactly that way, as the table's owner, with
the append-only trigger dropped (SQLite) or disabled (PostgreSQL)."""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import io
import threading
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from gradepath.core import chain
from gradepath.core.history import record_history, snapshot
from gradepath.core.models import AuditChainHead, HistoryEntry

pytestmark = pytest.mark.django_db


def _record(personas, count: int, **extra) -> list[HistoryEntry]:
    return [record_history(actor=personas.administrator.user, action="test.done", obj=personas.staff_member,
                           person_id=personas.staff_member.pk, summary=f"Something happened ({n}).", **extra)
            for n in range(count)]


def _verify(*args: str) -> tuple[int, str]:
    """(exit status, everything the command wrote) of `gradepath audit-verify`."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit-verify", *args, stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, err.getvalue() + str(exc)
    return 0, out.getvalue() + err.getvalue()


@contextlib.contextmanager
def _as_owner_without_the_trigger():
    """What the table's owner can do: drop (SQLite) or disable (PostgreSQL) the append-only trigger.
    Put back afterwards."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_historyentry DISABLE TRIGGER core_historyentry_append_only")
        else:
            cursor.execute("DROP TRIGGER core_historyentry_no_update")
            cursor.execute("DROP TRIGGER core_historyentry_no_delete")
        try:
            yield cursor
        finally:
            _put_the_trigger_back(cursor)


def _put_the_trigger_back(cursor) -> None:
    if connection.vendor == "postgresql":
        cursor.execute("ALTER TABLE core_historyentry ENABLE TRIGGER core_historyentry_append_only")
    else:  # as migration 0004 makes them
        for sql in importlib.import_module("gradepath.core.migrations.0004_history_chain").SQLITE_TRIGGERS:
            cursor.execute(sql)


def _end() -> tuple[int, str]:
    """(position, hash) of the last history row."""
    return HistoryEntry.objects.order_by("-chain_seq").values_list("chain_seq", "row_hash").first()


def _sql_update(cursor, entry: HistoryEntry, **values) -> None:
    assignments = ", ".join(f"{connection.ops.quote_name(name)} = %s" for name in values)
    cursor.execute(f"UPDATE core_historyentry SET {assignments} WHERE id = %s",  # noqa: S608 - names are ours
                   [*values.values(), entry.pk])


# --- The chain ------------------------------------------------------------------------------------------


def test_each_history_row_is_linked_to_the_one_before_it(personas):
    _record(personas, 1)
    seq, last = _end()
    first, second, third = _record(personas, 3)
    assert [first.chain_seq, second.chain_seq, third.chain_seq] == [seq + 1, seq + 2, seq + 3]
    assert first.prev_hash == last
    assert second.prev_hash == first.row_hash and third.prev_hash == second.row_hash
    assert _end() == (third.chain_seq, third.row_hash)


def test_rows_added_in_bulk_are_chained_too(personas):
    HistoryEntry.objects.bulk_create([
        HistoryEntry(actor_label="System", action="person.imported", object_type="people.person",
                     object_id=str(n), object_repr=f"Person {n}", summary="Imported.") for n in range(5)
    ], batch_size=2)
    assert _verify()[0] == 0
    rows = list(HistoryEntry.objects.filter(action="person.imported").order_by("chain_seq"))
    assert [r.prev_hash for r in rows[1:]] == [r.row_hash for r in rows[:-1]]


def test_values_hash_the_same_after_the_database_gives_them_back(personas):
    odd = {"whole float": 1.0, "big float": 1e20, "fraction": 0.1, "tuple": (1, "two"), "nested": {"b": [1.5, None]},
           "text": "Zoë — 日本語 \u2028 tab\there", "money": str(Decimal("31415.92")), 7: "an integer key",
           "day": dt.date(2027, 1, 1).isoformat(), "flag": True}
    _record(personas, 1, before=snapshot(personas.staff_post, ["grade", "title"]), after=odd)
    code, output = _verify()
    assert code == 0, output  # the chain, and the triggers put back


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="Real concurrent writers need PostgreSQL (SQLite serialises them with immediate transactions).")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_simultaneous_appends_make_one_unbroken_chain(personas):
    threads, barrier = 20, threading.Barrier(20)
    errors: list[Exception] = []
    user_pk, person = personas.administrator.user.pk, personas.staff_member

    def append() -> None:
        from gradepath.people.models import User

        try:
            user = User.objects.get(pk=user_pk)
            barrier.wait(timeout=30)
            record_history(actor=user, action="test.burst", obj=person, summary="At the same moment.")
        except Exception as exc:  # noqa: BLE001 - checked below
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=append) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert errors == []
    assert HistoryEntry.objects.filter(action="test.burst").count() == threads
    code, output = _verify()
    assert code == 0, output  # the chain, and the triggers put back


def test_the_chain_continues_from_the_last_row_when_its_head_is_missing(personas):
    # After a test harness flush (or if the head row were lost) the chain continues from the last row.
    _record(personas, 2)
    last = HistoryEntry.objects.order_by("-chain_seq").first()
    AuditChainHead.objects.all().delete()
    (entry,) = _record(personas, 1)
    assert (entry.chain_seq, entry.prev_hash) == (last.chain_seq + 1, last.row_hash)
    assert _verify()[0] == 0


# --- audit-verify ---------------------------------------------------------------------------------------


def test_audit_verify_passes_untouched_history_and_prints_the_head(personas):
    _record(personas, 3)
    seq, last = _end()
    code, output = _verify()
    assert code == 0
    assert "History intact" in output and f"Head: {seq}:{last}" in output
    assert _verify("--expect", f"{seq}:{last}")[0] == 0


def test_audit_verify_names_a_row_the_owner_changed(personas):
    _, changed, _ = _record(personas, 3)
    with _as_owner_without_the_trigger() as cursor:
        _sql_update(cursor, changed, summary="Nothing happened.")
    code, output = _verify()
    assert code == 1
    assert f"Changed: history row {changed.pk} (position {changed.chain_seq}," in output
    assert "was changed after it was written" in output


def test_audit_verify_names_a_row_the_owner_removed(personas):
    before, removed, after = _record(personas, 3)
    with _as_owner_without_the_trigger() as cursor:
        cursor.execute("DELETE FROM core_historyentry WHERE id = %s", [removed.pk])
    code, output = _verify()
    assert code == 1
    assert (f"Removed: the history row at position {removed.chain_seq} is missing, between history row "
            f"{before.pk} (position {before.chain_seq}," in output)
    assert f"and history row {after.pk} (position {after.chain_seq}," in output


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_audit_verify_finds_the_last_rows_removed(personas):
    kept, *removed = _record(personas, 3)  # each in its own transaction
    with _as_owner_without_the_trigger() as cursor:
        cursor.execute("DELETE FROM core_historyentry WHERE id IN (%s, %s)", [r.pk for r in removed])
    code, output = _verify()
    assert code == 1
    # SQLite's head marks the very end; PostgreSQL's the end before the latest writing transaction.
    last = removed[-1] if connection.vendor == "sqlite" else removed[0]
    assert (f"Removed: the last history row{'s' if last != removed[0] else ''}, at position"
            f"{'s' if last != removed[0] else ''} {kept.chain_seq + 1}") in output
    assert f"after history row {kept.pk}" in output


def test_audit_verify_finds_a_changed_row_whose_hash_was_recomputed(personas):
    _, changed, follower = _record(personas, 3)
    changed.summary = "Nothing happened."
    forged = chain.row_hash(changed, seq=changed.chain_seq, prev_hash=changed.prev_hash)
    with _as_owner_without_the_trigger() as cursor:
        _sql_update(cursor, changed, summary=changed.summary, row_hash=forged)
    code, output = _verify()
    assert code == 1
    assert (f"Changed: history row {changed.pk} (position {changed.chain_seq}," in output
            and f"history row {follower.pk} (position {follower.chain_seq}" in output)


def test_audit_verify_reports_the_trigger_the_owner_switched_off(personas):
    _record(personas, 1)
    with _as_owner_without_the_trigger():
        code, output = _verify()
    assert _verify()[0] == 0
    assert code == 1
    trigger = "core_historyentry_append_only is disabled" if connection.vendor == "postgresql" else \
        "core_historyentry_no_update is missing"
    assert trigger in output


def test_a_recorded_head_catches_a_chain_rewritten_from_a_row_on(personas):
    rows = _record(personas, 3)
    recorded = _end()
    head = AuditChainHead.objects.get(name="history")
    # The owner rewrites the first of the three and recomputes every hash after it, and the head.
    with _as_owner_without_the_trigger() as cursor:
        prev = rows[0].prev_hash
        for n, row in enumerate(rows):
            if n == 0:
                row.summary = "Nothing happened."
            row.prev_hash, row.row_hash = prev, chain.row_hash(row, seq=row.chain_seq, prev_hash=prev)
            _sql_update(cursor, row, summary=row.summary, prev_hash=row.prev_hash, row_hash=row.row_hash)
            prev = row.row_hash
            if row.chain_seq == head.seq:
                AuditChainHead.objects.filter(pk=head.pk).update(last_hash=row.row_hash)
    assert _verify()[0] == 0  # a full rewrite is consistent with itself ...
    code, output = _verify("--expect", f"{recorded[0]}:{recorded[1]}")
    assert code == 1  # ... but not with the head recorded before it
    assert f"Rewritten: history row {rows[-1].pk} (position {recorded[0]}," in output


def test_audit_verify_refuses_a_malformed_expected_head(personas):
    code, output = _verify("--expect", "12:not-a-hash")
    assert code == 1 and "POSITION:HASH" in output


# --- The triggers are there after every migration -----------------------------------------------------------


def test_the_append_only_triggers_exist_after_all_migrations():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgenabled <> 'D' AND NOT tgisinternal")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        names = {name for (name,) in cursor.fetchall()}
    expected = ({"core_historyentry_append_only", "grading_caseevent_append_only"}
                if connection.vendor == "postgresql" else
                {"core_historyentry_no_update", "core_historyentry_no_delete",
                 "grading_caseevent_no_update", "grading_caseevent_no_delete"})
    assert expected <= names


# --- Rows written before the chain ------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_chains_the_rows_written_before_it():
    from django.db.migrations.executor import MigrationExecutor

    def migrate(target: str) -> None:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate([("core", target)])

    latest = MigrationExecutor(connection).loader.graph.leaf_nodes("core")[0][1]
    migrate("0003_history_append_only")
    try:
        with connection.cursor() as cursor:
            for n in range(3):
                cursor.execute(
                    "INSERT INTO core_historyentry (created_at, actor_id, actor_label, capacity, action, object_type, "
                    "object_id, object_repr, person_id, summary, before, after) VALUES "
                    "(%s, NULL, 'System', '', 'person.updated', 'people.person', %s, 'Sam Patel', 1, %s, %s, %s)",
                    [dt.datetime(2025, 1, n + 1, 10, 0, 0, 123456, tzinfo=dt.UTC), str(n), f"Old change {n}.", "{}",
                     '{"spine_point": 1.0, "grade": "Grade 5"}'],
                )
    finally:
        migrate(latest)
    rows = list(HistoryEntry.objects.order_by("chain_seq"))
    assert [(r.chain_seq, r.summary) for r in rows] == [(1, "Old change 0."), (2, "Old change 1."), (3, "Old change 2.")]
    assert rows[0].prev_hash == chain.GENESIS and rows[1].prev_hash == rows[0].row_hash
    code, output = _verify()
    assert code == 0, output  # the chain, and the triggers put back
