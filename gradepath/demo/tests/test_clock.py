"""The demo clock: services run under it date what they write at the clock's moment, and the real
clock is back afterwards, whatever happened."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from gradepath.core.history import record_history
from gradepath.core.models import HistoryEntry
from gradepath.demo.clock import demo_clock
from gradepath.notifications.models import Notification
from gradepath.notifications.services import notify

pytestmark = pytest.mark.django_db

REAL_NOW = timezone.now


def test_what_services_write_under_the_clock_is_dated_at_its_moment(personas):
    moment = timezone.make_aware(dt.datetime(2025, 9, 17, 10, 30))
    with demo_clock() as clock:
        clock.set(moment)
        assert timezone.localdate() == dt.date(2025, 9, 17)
        note = notify(recipient=personas.staff_member, subject="Hello", body="A message.")
        row = record_history(actor=None, action="demo.test", obj=personas.staff_member, summary="A test row.")
    assert note.created_at == moment and Notification.objects.get(pk=note.pk).created_at == moment
    assert HistoryEntry.objects.get(pk=row.pk).created_at == moment


def test_the_clock_never_runs_past_the_start_of_the_build():
    with demo_clock() as clock:
        assert clock.set(clock.real_now + dt.timedelta(days=3)) == clock.real_now


def test_the_real_clock_is_back_after_the_build_even_when_it_fails(personas):
    with pytest.raises(RuntimeError), demo_clock() as clock:
        clock.set(timezone.make_aware(dt.datetime(2020, 1, 1, 9, 0)))
        raise RuntimeError("the build failed")
    assert timezone.now is REAL_NOW
    assert Notification._meta.get_field("created_at").default is REAL_NOW
    note = notify(recipient=personas.staff_member, subject="Hello", body="A message.")
    assert abs(note.created_at - REAL_NOW()) < dt.timedelta(minutes=1)
