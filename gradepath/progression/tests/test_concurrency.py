"""Concurrency and integrity: twenty identical validations write one pay record; the same request key twice
has one effect; two applications for one person at the same moment give one open request (the database
constraint); a rolled-back move sends nothing."""

from __future__ import annotations

import uuid

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from gradepath.core.errors import ServiceError, StaleStateError
from gradepath.grades.models import PayRecord
from gradepath.notifications.models import Notification
from gradepath.people.models import User
from gradepath.progression import services, workflow
from gradepath.progression.models import ProgressionEvent, ProgressionRequest
from gradepath.progression.tests.conftest import good_data
from gradepath.progression.tests.helpers import act, make_request
from gradepath.testing.concurrency import THREADS, burst, postgresql_only


@postgresql_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_simultaneous_validations_write_one_pay_record(matrix):
    p = matrix
    obj = make_request(p, "hod", "hr_validation")
    before = PayRecord.objects.filter(person=p.staff_member).count()

    def prepare():
        return User.objects.get(pk=p.hr_services.user.pk), ProgressionRequest.objects.get(pk=obj.pk)

    def work(prepared):
        user, mine = prepared
        return services.perform_action(actor=user, request=mine, action="validate", step=0)

    results = burst(work, prepare)
    succeeded = [r for r in results if isinstance(r, ProgressionRequest)]
    stale = [r for r in results if isinstance(r, StaleStateError)]
    assert len(succeeded) == 1 and len(stale) == THREADS - 1, results
    obj.refresh_from_db()
    assert (obj.state, obj.step) == ("completed", 1)
    assert PayRecord.objects.filter(person=p.staff_member).count() == before + 1
    assert ProgressionEvent.objects.filter(request=obj).count() == 1


@postgresql_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_simultaneous_applications_for_one_person_make_one_open_request(aip):
    p = aip
    data = good_data(timezone.localdate())

    def prepare():
        return User.objects.get(pk=p.hod.user.pk), p.staff_member.__class__.objects.get(pk=p.staff_member.pk)

    def work(prepared):
        user, subject = prepared
        return services.start_request(actor=user, route="hod", subject=subject, data=data)

    results = burst(work, prepare)
    made = [r for r in results if isinstance(r, ProgressionRequest)]
    refused = [r for r in results if isinstance(r, ServiceError)]
    assert len(made) == 1 and len(refused) == THREADS - 1, results
    assert all("already has an open request" in str(r) for r in refused)
    assert ProgressionRequest.objects.filter(subject=p.staff_member).count() == 1


@pytest.mark.django_db
def test_the_same_request_key_twice_has_one_effect(matrix):
    p = matrix
    obj = make_request(p, "hod", "hr_validation")
    key = str(uuid.uuid4())
    first = services.perform_action(actor=p.hr_services.user, request=obj, action="validate", step=0,
                                    idempotency_key=key)
    again = services.perform_action(actor=p.hr_services.user, request=obj, action="validate", step=0,
                                    idempotency_key=key)
    assert (first.state, again.state) == ("completed", "completed")
    assert PayRecord.objects.filter(person=p.staff_member, reason="accelerated_increment").count() == 1


@pytest.mark.django_db
def test_a_rolled_back_move_writes_and_sends_nothing(matrix, monkeypatch):
    p = matrix
    obj = make_request(p, "hod", "hr_validation")
    notifications = Notification.objects.count()
    original = workflow.PROGRESSION.after_move

    def tell_then_fail(*args, **kwargs):
        original(*args, **kwargs)
        raise RuntimeError("The disk is full.")

    monkeypatch.setattr(workflow.PROGRESSION, "after_move", tell_then_fail)
    with pytest.raises(RuntimeError):
        act(obj, p.hr_services, "validate")
    obj.refresh_from_db()
    assert (obj.state, obj.step, obj.pay_record_id) == ("hr_validation", 0, None)
    assert Notification.objects.count() == notifications
    assert not PayRecord.objects.filter(person=p.staff_member, reason="accelerated_increment").exists()


@pytest.mark.django_db
def test_the_database_allows_one_open_request_per_person(matrix):
    p = matrix
    make_request(p, "hod", "decision")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_request(p, "direct", "dean_intake")
    make_request(p, "hod", "declined")  # a closed one beside it is fine
