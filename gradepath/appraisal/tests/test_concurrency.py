"""Concurrency: a burst of identical moves on one appraisal has one effect (PostgreSQL: real concurrent
writers), the same idempotency key twice has one effect, and twenty simultaneous flags start one case."""

from __future__ import annotations

import uuid

import pytest
from django.apps import apps

from gradepath.appraisal import services
from gradepath.appraisal.models import Appraisal, AppraisalEvent
from gradepath.appraisal.tests.conftest import make_appraisal
from gradepath.core.errors import PermissionDenied, ServiceError, StaleStateError
from gradepath.notifications.models import Notification
from gradepath.people.models import User
from gradepath.testing.concurrency import burst, postgresql_only

# Grading's cases through the app registry: processes never import one another, not even in their tests.
GradingCase = apps.get_model("grading", "GradingCase")
THREADS = 12


@postgresql_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simultaneous_identical_sign_offs_record_one_sign_off(appraisal_people):
    p = appraisal_people
    appraisal = make_appraisal(p, "sign_off")

    def prepare():
        return User.objects.get(pk=p.line_manager.user.pk), Appraisal.objects.get(pk=appraisal.pk)

    def work(prepared):
        user, mine = prepared
        return services.perform_action(actor=user, appraisal=mine, action="sign_off", step=0)

    results = burst(work, prepare, THREADS)
    succeeded = [r for r in results if isinstance(r, Appraisal)]
    refused = [r for r in results if isinstance(r, (StaleStateError, PermissionDenied))]
    assert len(succeeded) == 1 and len(refused) == THREADS - 1, results
    assert AppraisalEvent.objects.filter(appraisal=appraisal).count() == 1


@postgresql_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simultaneous_flags_start_one_grading_case(appraisal_people):
    p = appraisal_people
    appraisal = make_appraisal(p, "meeting")
    services.add_change(actor=p.staff_member.user, appraisal=appraisal, data={
        "kind": "taken_on", "duty": "Manage the budget.", "evidence": "Reports.", "from_date": "2025-05-01"})

    def prepare():
        return User.objects.get(pk=p.staff_member.user.pk), Appraisal.objects.get(pk=appraisal.pk)

    def work(prepared):
        user, mine = prepared
        return services.flag_regrading_check(actor=user, appraisal=mine, data={"route": "direct"})

    results = burst(work, prepare, THREADS)
    assert len([r for r in results if isinstance(r, Appraisal)]) == 1, results
    assert all(isinstance(r, (Appraisal, ServiceError)) for r in results), results
    assert GradingCase.objects.count() == 1
    appraisal.refresh_from_db()
    assert appraisal.regrading_reference == GradingCase.objects.get().reference


@pytest.mark.django_db
def test_the_same_idempotency_key_twice_has_one_effect(appraisal_people):
    p = appraisal_people
    appraisal = make_appraisal(p, "pre_review")
    key = str(uuid.uuid4())
    first = services.perform_action(actor=p.staff_member.user, appraisal=appraisal, action="submit_pre_review",
                                    step=0, data={"pre_review": "My year."}, idempotency_key=key)
    notes = Notification.objects.count()
    again = services.perform_action(actor=p.staff_member.user, appraisal=appraisal, action="submit_pre_review",
                                    step=0, data={"pre_review": "My year."}, idempotency_key=key)
    assert (first.state, first.step) == (again.state, again.step) == ("meeting", 1)
    assert appraisal.events.count() == 1 and Notification.objects.count() == notes
