"""Admin pages for notifications and the e-mail outbox: read-only (services and the worker write them)."""

from __future__ import annotations

from django.contrib import admin

from gradepath.core.admin import AdministratorAdmin
from gradepath.notifications.models import Notification, OutboxEmail


@admin.register(Notification)
class NotificationAdmin(AdministratorAdmin):
    """In-app notifications, as sent (read-only)."""

    list_display = ("created_at", "recipient", "subject", "read_at")
    list_filter = (("read_at", admin.EmptyFieldListFilter),)
    search_fields = ("subject", "recipient__last_name", "recipient__employee_number")
    list_select_related = ("recipient",)
    raw_id_fields = ("recipient",)
    date_hierarchy = "created_at"
    fields = ("recipient", "subject", "body", "link", "created_at", "read_at")


@admin.register(OutboxEmail)
class OutboxEmailAdmin(AdministratorAdmin):
    """E-mails waiting, sent or failed (read-only: the worker sends and retries them)."""

    list_display = ("created_at", "to_address", "subject", "status", "attempts", "sent_at")
    list_filter = ("status",)
    search_fields = ("to_address", "subject")
    date_hierarchy = "created_at"
    fields = ("to_address", "subject", "body", "created_at", "status", "attempts", "sent_at", "last_error")
