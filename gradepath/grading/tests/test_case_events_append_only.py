"""Grading decisions are append-only in the database, as history is (issue 11 §4): the application never
changes or removes a case event, and the database refuses to, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from gradepath.core.models import HistoryEntry
from gradepath.grading.models import CaseEvent
from gradepath.grading.tests.test_workflow_matrix import act, make_case


def _decided(p) -> CaseEvent:
    case = act(make_case(p, "new_job", "fm_approval"), p.fm_hps, "approve")
    return CaseEvent.objects.get(case=case)


@pytest.mark.django_db
def test_the_database_refuses_to_change_a_decision(grading):
    event = _decided(grading)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        CaseEvent.objects.filter(pk=event.pk).update(action="decline", reason="rewritten")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE grading_caseevent SET reason = %s WHERE id = %s", ["rewritten", event.pk])
    event.refresh_from_db()
    assert (event.action, event.reason) == ("approve", "")


@pytest.mark.django_db
def test_the_database_refuses_to_remove_a_decision(grading):
    event = _decided(grading)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        CaseEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM grading_caseevent WHERE id = %s", [event.pk])
    assert CaseEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_test_harness_can_still_empty_decisions_and_history(grading):
    _decided(grading)
    assert CaseEvent.objects.exists() and HistoryEntry.objects.exists()
    call_command("flush", interactive=False, verbosity=0)
    assert not CaseEvent.objects.exists() and not HistoryEntry.objects.exists()
