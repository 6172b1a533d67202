"""The access gate for notifications: only the recipient ever sees one.

The recipient is a person (``"people.Person"``, whose ``user`` is their login); notifications sits
below people, so it reaches the person through the foreign key, never by importing people.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from gradepath.notifications.models import Notification


def my_notifications(user) -> QuerySet[Notification]:
    """The signed-in person's own notifications, newest first."""
    if user is None or not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(recipient__user=user).order_by("-created_at", "-id")


def unread_count(user) -> int:
    """How many unread notifications the signed-in person has (one COUNT query): the menu's badge."""
    if user is None or not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient__user=user, read_at__isnull=True).count()


def get_notification_for_user(user, pk: int) -> Notification:
    try:
        return my_notifications(user).get(pk=pk)
    except (Notification.DoesNotExist, ValueError, TypeError):
        raise Http404("No such notification.") from None
