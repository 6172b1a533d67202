import pytest
from django.core import mail
from django.db import transaction

from gradepath.notifications.models import Notification, OutboxEmail
from gradepath.notifications.services import notify
from gradepath.notifications.tasks import send_pending_emails

pytestmark = pytest.mark.django_db


def test_notification_email_is_sent_only_after_commit(personas, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify(recipient=personas.staff_member, subject="Your case moved", body="It moved.", link="/x/")
    assert OutboxEmail.objects.get().status == OutboxEmail.Status.PENDING
    assert mail.outbox == []
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["sam.patel@example.ac.uk"]
    assert "http://127.0.0.1:8000/x/" in mail.outbox[0].body
    assert OutboxEmail.objects.get().status == OutboxEmail.Status.SENT


def test_rolled_back_change_sends_nothing(personas, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            notify(recipient=personas.staff_member, subject="Never", body="Rolled back.")
            raise RuntimeError("the service failed after queueing")
    assert not Notification.objects.exists()
    assert not OutboxEmail.objects.exists()
    assert mail.outbox == []


def test_sending_twice_sends_each_email_once(personas, django_capture_on_commit_callbacks):
    notify(recipient=personas.staff_member, subject="Once", body="Only once.")
    send_pending_emails.call()
    send_pending_emails.call()
    assert len(mail.outbox) == 1


def test_failed_send_is_retried_and_recorded(personas, settings, monkeypatch):
    notify(recipient=personas.staff_member, subject="Flaky", body="Try again.")

    def broken(*args, **kwargs):
        raise OSError("SMTP server unreachable")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", broken)
    assert send_pending_emails.call() == 0
    row = OutboxEmail.objects.get()
    assert row.status == OutboxEmail.Status.PENDING
    assert row.attempts == 1
    assert "unreachable" in row.last_error
