"""In-app notifications and the e-mail outbox.

Services add rows inside their transaction (:func:`gradepath.notifications.services.notify`);
e-mails are sent by the background worker only after the transaction commits, so a
rolled-back change sends nothing.
"""

from django.db import models
from django.utils import timezone


class Notification(models.Model):
    """A message shown to one person in the app (and mirrored as an e-mail if asked)."""

    recipient = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="notifications")
    subject = models.CharField(max_length=200)
    body = models.TextField()
    link = models.CharField(max_length=300, blank=True, help_text="Path inside Gradepath, e.g. /people/12/.")
    key = models.CharField(
        max_length=100, blank=True,
        help_text='What the message asks for, when that can stop being needed (e.g. "grading.task:42"): '
                  "the message goes when it does (notifications.services.withdraw_notifications).")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread_idx"),
                   models.Index(fields=["key"], name="notification_key_idx", condition=~models.Q(key=""))]

    def __str__(self) -> str:
        return f"To {self.recipient}: {self.subject}"


class OutboxEmail(models.Model):
    """An e-mail waiting to be sent (or sent). Holds no more personal data than the message needs."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    to_address = models.EmailField()
    subject = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="outbox_pending_idx")]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to_address} ({self.get_status_display()})"


class OutboxAttachment(models.Model):
    """A file sent with an outbox e-mail (for example the approved JD as .docx and PDF)."""

    email = models.ForeignKey(OutboxEmail, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    content = models.BinaryField()

    def __str__(self) -> str:
        return self.filename
