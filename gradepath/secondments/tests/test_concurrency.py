"""Concurrency and integrity: twenty identical placements at once make one appointment and one pay line;
twenty simultaneous applications by one person make one application; the same idempotency key twice has one
effect; a rolled-back move sends nothing."""

from __future__ import annotations

import uuid

import pytest

from gradepath.core.errors import ServiceError, StaleStateError
from gradepath.grades.models import PayRecord
from gradepath.notifications.models import Notification, OutboxEmail
from gradepath.people.models import Appointment, User
from gradepath.secondments import services, workflow
from gradepath.secondments.models import Opportunity, Secondment, SecondmentEvent
from gradepath.secondments.tests.conftest import act, make_opportunity, make_secondment
from gradepath.testing.concurrency import THREADS, burst, postgresql_only


@postgresql_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_simultaneous_placements_make_one_appointment_and_one_pay_line(sec):
    p = sec
    s = make_secondment(p, "confirmed")
    pay_lines = PayRecord.objects.filter(person=p.staff_member).count()

    class Place:
        @staticmethod
        def prepare():
            return User.objects.get(pk=p.hr_services.user.pk), Secondment.objects.get(pk=s.pk)

        def __call__(self, prepared):
            user, mine = prepared
            return services.perform_action(actor=user, secondment=mine, action="place", step=0)

    results = burst(Place())
    done = [r for r in results if isinstance(r, Secondment)]
    stale = [r for r in results if isinstance(r, StaleStateError)]
    assert len(done) == 1 and len(stale) == THREADS - 1, results
    s.refresh_from_db()
    assert (s.state, s.step) == ("placed", 1)
    assert Appointment.objects.filter(person=p.staff_member, kind="secondment").count() == 1
    assert PayRecord.objects.filter(person=p.staff_member).count() == pay_lines + 1
    assert SecondmentEvent.objects.filter(secondment=s).count() == 1


@postgresql_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_simultaneous_applications_by_one_person_make_one(sec):
    p = sec
    opportunity = make_opportunity(p)

    class Apply:
        @staticmethod
        def prepare():
            return User.objects.get(pk=p.staff_member.user.pk), Opportunity.objects.get(pk=opportunity.pk)

        def __call__(self, prepared):
            user, mine = prepared
            return services.apply(actor=user, opportunity=mine, data={"statement": "Me, please."})

    results = burst(Apply())
    assert len([r for r in results if isinstance(r, Secondment)]) == 1, results
    assert all(isinstance(r, (Secondment, ServiceError)) for r in results), results
    assert Secondment.objects.filter(opportunity=opportunity, applicant=p.staff_member).count() == 1


@pytest.mark.django_db
def test_the_same_idempotency_key_twice_has_one_effect(sec):
    p = sec
    s = make_secondment(p, "applied")
    key = str(uuid.uuid4())
    first = services.perform_action(actor=p.host.user, secondment=s, action="select", step=0, idempotency_key=key)
    told = Notification.objects.count()
    again = services.perform_action(actor=p.host.user, secondment=s, action="select", step=0, idempotency_key=key)
    assert (first.state, first.step) == (again.state, again.step) == ("selected", 1)
    assert s.events.count() == 1 and Notification.objects.count() == told


@pytest.mark.django_db
def test_a_rolled_back_move_sends_nothing(sec, monkeypatch, mailoutbox, django_capture_on_commit_callbacks):
    p = sec
    s = make_secondment(p, "confirmed")
    notifications, emails = Notification.objects.count(), OutboxEmail.objects.count()
    appointments, pay = Appointment.objects.count(), PayRecord.objects.count()

    def fail(*args, **kwargs):
        raise RuntimeError("The disk is full.")

    monkeypatch.setattr(workflow.SECONDMENTS, "after_move", fail)
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        act(s, p.hr_services, "place")
    assert callbacks == [] and mailoutbox == []
    assert (Notification.objects.count(), OutboxEmail.objects.count()) == (notifications, emails)
    assert (Appointment.objects.count(), PayRecord.objects.count()) == (appointments, pay)
    s.refresh_from_db()
    assert (s.state, s.step, s.appointment_id) == ("confirmed", 0, None)
