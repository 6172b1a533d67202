import pytest
from django.db import DatabaseError, connection, transaction

from gradepath.core.history import record_history, timeline_for
from gradepath.core.models import HistoryEntry

pytestmark = pytest.mark.django_db


def _entry(personas):
    return record_history(actor=personas.administrator.user, action="test.done", obj=personas.staff_member,
                          person_id=personas.staff_member.pk, summary="Something happened.")


def test_history_row_records_actor_and_object(personas):
    entry = _entry(personas)
    assert entry.actor_label == "Ada Minter"
    assert list(timeline_for(personas.staff_member)) == [entry]


def test_database_refuses_update_of_history_rows(personas):
    entry = _entry(personas)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        HistoryEntry.objects.filter(pk=entry.pk).update(summary="rewritten")
    entry.refresh_from_db()
    assert entry.summary == "Something happened."


def test_database_refuses_delete_of_history_rows(personas):
    entry = _entry(personas)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        HistoryEntry.objects.filter(pk=entry.pk).delete()
    assert HistoryEntry.objects.filter(pk=entry.pk).exists()


def test_database_refuses_raw_sql_update_of_history_rows(personas):
    entry = _entry(personas)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_historyentry SET summary = %s WHERE id = %s", ["x", entry.pk])
    entry.refresh_from_db()
    assert entry.summary == "Something happened."
