"""Background work for notifications, run by `gradepath db_worker`."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from gradepath.notifications.models import OutboxEmail

MAX_ATTEMPTS = 5


@task()
def send_pending_emails() -> int:
    """Send every pending outbox e-mail; each row is claimed with a conditional UPDATE."""
    sent = 0
    for pk in list(OutboxEmail.objects.filter(status=OutboxEmail.Status.PENDING).values_list("pk", flat=True)):
        # Claim: only one worker moves attempts from n to n+1 for a pending row.
        row = OutboxEmail.objects.filter(pk=pk, status=OutboxEmail.Status.PENDING).first()
        if row is None:
            continue
        claimed = OutboxEmail.objects.filter(pk=pk, status=OutboxEmail.Status.PENDING, attempts=row.attempts).update(
            attempts=row.attempts + 1
        )
        if not claimed:
            continue
        try:
            message = EmailMessage(row.subject, row.body, settings.DEFAULT_FROM_EMAIL, [row.to_address])
            for attachment in row.attachments.all():
                message.attach(attachment.filename, bytes(attachment.content), attachment.content_type)
            message.send()
        except Exception as exc:  # noqa: BLE001 - any transport error is recorded and retried
            status = OutboxEmail.Status.FAILED if row.attempts + 1 >= MAX_ATTEMPTS else OutboxEmail.Status.PENDING
            OutboxEmail.objects.filter(pk=pk).update(status=status, last_error=str(exc)[:500])
            continue
        with transaction.atomic():
            OutboxEmail.objects.filter(pk=pk).update(status=OutboxEmail.Status.SENT, sent_at=timezone.now())
        sent += 1
    return sent
