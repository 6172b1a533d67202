"""Queueing notifications from inside a service transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from gradepath.notifications.models import Notification, OutboxAttachment, OutboxEmail


class Recipient(Protocol):
    """Whom a notification is for: a person (``people.Person``; notifications sits below people,
    so it names only what it reads)."""

    pk: int
    work_email: str


def notify(*, recipient: Recipient, subject: str, body: str, link: str = "", email: bool = True,
           key: str = "") -> Notification:
    """Add an in-app notification and (optionally) an outbox e-mail; sending waits for commit.

    ``key`` names what the message asks the recipient to do when that can stop being needed (a task):
    :func:`withdraw_notifications` removes the in-app message when it is (the e-mail has gone)."""
    note = in_app_notification(recipient_id=recipient.pk, subject=subject, body=body, link=link, key=key)
    note.save(force_insert=True)
    subject = note.subject
    if email and recipient.work_email:
        from django.conf import settings

        url = f"{settings.SITE_URL}{link}" if link else settings.SITE_URL
        OutboxEmail.objects.create(
            to_address=recipient.work_email,
            subject=_headline(f"[Gradepath] {subject}", 200),
            body=f"{body}\n\nOpen Gradepath: {url}\n",
        )
        transaction.on_commit(_enqueue_sending)
    return note


def in_app_notification(*, recipient_id: int, subject: str, body: str, link: str = "", key: str = "") -> Notification:
    """The in-app message :func:`notify` adds, not yet saved (a service telling many people at once
    saves them with ``Notification.objects.bulk_create``)."""
    return Notification(recipient_id=recipient_id, subject=_headline(subject, 200), body=body, link=link, key=key)


def _headline(text: str, limit: int) -> str:
    """A subject within ``limit`` characters (a long job title: the body says it all)."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def withdraw_notifications(*, keys) -> int:
    """Remove the in-app messages asking for things no longer needed (a task done or gone): a
    "needs your action" never outlives its task. Returns how many went."""
    keys = [k for k in keys if k]
    if not keys:
        return 0
    return Notification.objects.filter(key__in=keys).delete()[0]


def send_email(*, to_address: str, subject: str, body: str,
               attachments: Iterable[tuple[str, str, bytes]] = ()) -> OutboxEmail:
    """Queue an e-mail to an address that is not a person (a team mailbox); sent after commit."""
    email = OutboxEmail.objects.create(to_address=to_address, subject=_headline(subject, 200), body=body)
    for filename, content_type, content in attachments:
        OutboxAttachment.objects.create(email=email, filename=filename, content_type=content_type, content=content)
    transaction.on_commit(_enqueue_sending)
    return email


def _enqueue_sending() -> None:
    from gradepath.notifications.tasks import send_pending_emails

    send_pending_emails.enqueue()


def mark_notifications_read(*, actor, notifications: QuerySet[Notification]) -> int:
    """Mark the actor's own notifications read (already-read ones keep their time); returns how many.

    Only the recipient's notifications are touched, whatever queryset is passed. Reading one's own
    messages is not a change to any record, so no history row is written.
    """
    from gradepath.notifications.permissions import my_notifications

    own = notifications.filter(pk__in=my_notifications(actor).values("pk"), read_at__isnull=True)
    return own.update(read_at=timezone.now())
