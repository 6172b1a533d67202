"""Concurrency and integrity: a burst of identical moves has one effect (one event, one pay record, one
appointment); the same idempotency key twice has one effect; a rolled-back move sends nothing."""

from __future__ import annotations

import uuid

import pytest

from gradepath.allowances import services, workflow
from gradepath.allowances.models import Allowance, AllowanceEvent
from gradepath.allowances.tests.conftest import make_allowance
from gradepath.core.errors import StaleStateError
from gradepath.grades.models import PayRecord
from gradepath.notifications.models import Notification, OutboxEmail
from gradepath.people.models import Appointment, User
from gradepath.testing.concurrency import burst, postgresql_only

THREADS = 12


@postgresql_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simultaneous_pay_confirmations_write_the_pay_and_the_appointment_once(allowances):
    p = allowances
    allowance = make_allowance(p, "acting_up", "pay_confirmation")

    def prepare():
        return User.objects.get(pk=p.hr_services.user.pk), Allowance.objects.get(pk=allowance.pk)

    def work(prepared):
        user, mine = prepared
        return services.perform_action(actor=user, allowance=mine, action="confirm_pay", step=0)

    results = burst(work, prepare, THREADS)
    succeeded = [r for r in results if isinstance(r, Allowance)]
    stale = [r for r in results if isinstance(r, StaleStateError)]
    assert len(succeeded) == 1 and len(stale) == THREADS - 1, results
    allowance.refresh_from_db()
    assert (allowance.state, allowance.step) == ("acting", 1)
    assert AllowanceEvent.objects.filter(allowance=allowance).count() == 1
    assert PayRecord.objects.filter(person=p.staff_member, reason=PayRecord.Reason.ACTING_UP).count() == 1
    assert Appointment.objects.filter(person=p.staff_member, kind=Appointment.Kind.ACTING_UP).count() == 1


@postgresql_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simultaneous_repeats_of_one_agreement_have_one_effect(allowances):
    p = allowances
    allowance = make_allowance(p, "honorarium", "hr_agreement")
    key = str(uuid.uuid4())

    def prepare():
        return User.objects.get(pk=p.hr_services.user.pk), Allowance.objects.get(pk=allowance.pk)

    def work(prepared):
        user, mine = prepared
        return services.perform_action(actor=user, allowance=mine, action="agree_amount", step=0, idempotency_key=key)

    results = burst(work, prepare, THREADS)
    assert all(isinstance(r, Allowance) and (r.state, r.step) == ("agreed", 1) for r in results), results
    assert AllowanceEvent.objects.filter(allowance=allowance).count() == 1


@pytest.mark.django_db
def test_the_same_idempotency_key_twice_has_one_effect(allowances):
    p = allowances
    allowance = make_allowance(p, "acting_up", "pay_confirmation")
    key = str(uuid.uuid4())
    first = services.perform_action(actor=p.hr_services.user, allowance=allowance, action="confirm_pay", step=0,
                                    idempotency_key=key)
    notifications = Notification.objects.count()
    again = services.perform_action(actor=p.hr_services.user, allowance=allowance, action="confirm_pay", step=0,
                                    idempotency_key=key)
    assert (first.state, first.step) == (again.state, again.step) == ("acting", 1)
    assert PayRecord.objects.filter(reason=PayRecord.Reason.ACTING_UP).count() == 1
    assert Notification.objects.count() == notifications


@pytest.mark.django_db
def test_a_rolled_back_move_writes_and_sends_nothing(allowances, monkeypatch, mailoutbox,
                                                     django_capture_on_commit_callbacks):
    p = allowances
    allowance = make_allowance(p, "acting_up", "pay_confirmation")
    notifications, emails = Notification.objects.count(), OutboxEmail.objects.count()
    original = workflow.ALLOWANCES.after_move

    def tell_then_fail(*args, **kwargs):
        original(*args, **kwargs)
        raise RuntimeError("The disk is full.")

    monkeypatch.setattr(workflow.ALLOWANCES, "after_move", tell_then_fail)
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        services.perform_action(actor=p.hr_services.user, allowance=allowance, action="confirm_pay", step=0)
    assert callbacks == [] and mailoutbox == []
    assert Notification.objects.count() == notifications and OutboxEmail.objects.count() == emails
    assert not PayRecord.objects.filter(reason=PayRecord.Reason.ACTING_UP).exists()
    assert not Appointment.objects.filter(kind=Appointment.Kind.ACTING_UP).exists()
    allowance.refresh_from_db()
    assert (allowance.state, allowance.step, allowance.events.count()) == ("pay_confirmation", 0, 0)
