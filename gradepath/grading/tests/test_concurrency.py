"""Concurrency and integrity (issue 4 §7): a burst of identical actions moves a case one step; a
rolled-back action sends nothing; the same idempotency key twice has one effect."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client

from gradepath.core.errors import ServiceError, StaleStateError
from gradepath.grading import services, workflow
from gradepath.grading.models import CaseEvent, GradingCase, Route
from gradepath.grading.tests.test_workflow_matrix import act, make_case
from gradepath.notifications.models import Notification, OutboxEmail
from gradepath.people.models import User
from gradepath.testing.concurrency import THREADS, burst, postgresql_only


@postgresql_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_simultaneous_approvals_move_the_case_exactly_one_step(grading):
    p = grading
    case = make_case(p, Route.NEW_JOB, "fm_approval")

    class Approve:
        @staticmethod
        def prepare():
            return User.objects.get(pk=p.fm_hps.user.pk), GradingCase.objects.get(pk=case.pk)

        def __call__(self, prepared):
            user, mine = prepared
            return services.perform_action(actor=user, case=mine, action="approve", step=0)

    results = burst(Approve())
    succeeded = [r for r in results if isinstance(r, GradingCase)]
    stale = [r for r in results if isinstance(r, StaleStateError)]
    others = [r for r in results if not isinstance(r, (GradingCase, StaleStateError))]
    assert others == [] and len(succeeded) == 1 and len(stale) == THREADS - 1
    case.refresh_from_db()
    assert (case.state, case.step) == ("hrbp_review", 1)
    assert CaseEvent.objects.filter(case=case, step=0).count() == 1 == CaseEvent.objects.filter(case=case).count()


@postgresql_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_simultaneous_repeats_of_one_request_have_one_effect(grading):
    p = grading
    case = make_case(p, Route.NEW_JOB, "fm_approval")
    key = str(uuid.uuid4())

    class Repeat:
        @staticmethod
        def prepare():
            return User.objects.get(pk=p.fm_hps.user.pk), GradingCase.objects.get(pk=case.pk)

        def __call__(self, prepared):
            user, mine = prepared
            return services.perform_action(actor=user, case=mine, action="approve", step=0, idempotency_key=key)

    results = burst(Repeat())
    # Every repeat waits for the first under the row lock, then finds it done: all answer with the case.
    assert all(isinstance(r, GradingCase) and (r.state, r.step) == ("hrbp_review", 1) for r in results), results
    assert CaseEvent.objects.filter(case=case).count() == 1


@postgresql_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_simultaneous_posts_of_the_case_page_give_one_success_and_409s(grading):
    p = grading
    case = make_case(p, Route.NEW_JOB, "fm_approval")

    class Post:
        @staticmethod
        def prepare():
            client = Client()
            client.force_login(User.objects.get(pk=p.fm_hps.user.pk))
            return client

        def __call__(self, client):
            response = client.post(f"/grading/{case.pk}/act/approve/",
                                   {"approve-step": "0", "approve-idempotency_key": str(uuid.uuid4())})
            return response.status_code

    codes = burst(Post())
    assert sorted(codes) == [302] + [409] * (THREADS - 1), codes
    case.refresh_from_db()
    assert (case.state, case.step) == ("hrbp_review", 1) and case.events.count() == 1


@pytest.mark.django_db
def test_a_rolled_back_action_sends_nothing(grading, monkeypatch, mailoutbox, django_capture_on_commit_callbacks):
    p = grading
    case = make_case(p, Route.DIRECT, "logging")
    notifications, emails = Notification.objects.count(), OutboxEmail.objects.count()
    original = workflow.GRADING.after_move  # grading's own telling, the last thing a move does

    def notify_then_fail(*args, **kwargs):
        original(*args, **kwargs)  # the mailbox e-mail and the notifications are written ...
        raise RuntimeError("The disk is full.")  # ... then the action fails before it commits

    monkeypatch.setattr(workflow.GRADING, "after_move", notify_then_fail)
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        act(case, p.hrbp, "log_and_send")
    assert callbacks == [] and mailoutbox == []
    assert Notification.objects.count() == notifications and OutboxEmail.objects.count() == emails
    case.refresh_from_db()
    assert (case.state, case.step, case.events.count()) == ("logging", 0, 0)


@pytest.mark.django_db
def test_a_committed_action_sends_its_emails_after_commit(grading, mailoutbox, django_capture_on_commit_callbacks):
    p = grading
    case = make_case(p, Route.DIRECT, "logging")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        act(case, p.hrbp, "log_and_send")
        assert mailoutbox == []  # nothing leaves before the transaction commits
    assert callbacks
    for callback in callbacks:
        callback()
    assert any(m.to == ["job-evaluation@example.ac.uk"] for m in mailoutbox)


@pytest.mark.django_db
def test_the_same_idempotency_key_twice_has_one_effect(grading):
    p = grading
    case = make_case(p, Route.NEW_JOB, "fm_approval")
    key = str(uuid.uuid4())
    first = services.perform_action(actor=p.fm_hps.user, case=case, action="approve", step=0, idempotency_key=key)
    notifications = Notification.objects.count()
    again = services.perform_action(actor=p.fm_hps.user, case=case, action="approve", step=0, idempotency_key=key)
    assert (first.state, first.step) == (again.state, again.step) == ("hrbp_review", 1)
    assert CaseEvent.objects.filter(case=case).count() == 1 and Notification.objects.count() == notifications
    # A key belongs to one case.
    other = make_case(p, Route.DIRECT, "discussion")
    with pytest.raises(ServiceError, match="already used for another case"):
        services.perform_action(actor=p.line_manager.user, case=other, action="record_discussion", step=0,
                                data={"reason": "Talked."}, idempotency_key=key)
    assert other.events.count() == 0


@pytest.mark.django_db
def test_the_database_allows_one_decision_per_case_and_step(grading):
    from django.db import IntegrityError, transaction

    p = grading
    case = make_case(p, Route.NEW_JOB, "fm_approval")
    act(case, p.fm_hps, "approve")
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseEvent.objects.create(case=case, step=0, action="approve", actor=p.delegate, from_state="fm_approval",
                                 to_state="hrbp_review")
