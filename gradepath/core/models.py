"""The append-only history table that gives every record its timeline.

Rows are written only by :func:`gradepath.core.history.record_history`, always inside the
service transaction that made the change. The database refuses UPDATE and DELETE on this
table (triggers created in migration 0002, on SQLite and PostgreSQL).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class HistoryEntry(models.Model):
    """One change made through a service: who, in what capacity, what, before and after."""

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_label = models.CharField(max_length=200, help_text="The actor's name when the change was made.")
    capacity = models.CharField(
        max_length=300, blank=True, help_text='For example "delegate of Dr Jane Smith (FM/HPS)".'
    )
    action = models.CharField(max_length=100, help_text='Dotted verb, e.g. "person.updated".')
    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=300)
    person_id = models.BigIntegerField(
        null=True, blank=True, db_index=True, help_text="The person this change concerns, if any."
    )
    summary = models.TextField()
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id", "created_at"], name="history_object_idx")]
        verbose_name_plural = "history entries"

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label}: {self.summary}"
