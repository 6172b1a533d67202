"""Admin pages for notifications and the e-mail outbox: delivery status only, never content.

A notification or e-mail is for its recipient alone (notifications.permissions). Administrators
need to know whether messages reach people — to whom, when, sent or failed, how many attempts —
not what they say, so these pages show no subject, body, link or attachment, offer no search on
them, and have no detail page (its title would be the subject). Read-only: services and the
worker write these rows.
"""

from __future__ import annotations

from django.contrib import admin
from django.urls import path

from gradepath.core.admin import AdministratorAdmin
from gradepath.notifications.models import Notification, OutboxEmail


class DeliveryStatusAdmin(AdministratorAdmin):
    """A list of delivery status without links to a detail page, actions or content."""

    list_display_links = None
    actions = None
    list_per_page = 100

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_changelist"
        return [path("", self.admin_site.admin_view(self.changelist_view), name=name)]


@admin.register(Notification)
class NotificationAdmin(DeliveryStatusAdmin):
    """In-app notifications: to whom, when, and whether they have been read."""

    list_display = ("created_at", "recipient", "read_at")
    list_filter = (("read_at", admin.EmptyFieldListFilter),)
    search_fields = ("recipient__last_name", "recipient__employee_number")
    list_select_related = ("recipient",)
    date_hierarchy = "created_at"


@admin.register(OutboxEmail)
class OutboxEmailAdmin(DeliveryStatusAdmin):
    """E-mails waiting, sent or failed: to which address, when, how many attempts, the last error."""

    list_display = ("created_at", "to_address", "status", "attempts", "sent_at", "last_error")
    list_filter = ("status",)
    search_fields = ("to_address",)
    date_hierarchy = "created_at"
