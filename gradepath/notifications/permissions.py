"""The access gate for notifications: only the recipient ever sees one."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from gradepath.notifications.models import Notification
from gradepath.people.relations import person_of


def my_notifications(user) -> QuerySet[Notification]:
    """The signed-in person's own notifications, newest first."""
    me = person_of(user)
    if me is None:
        return Notification.objects.none()
    return Notification.objects.filter(recipient=me).order_by("-created_at", "-id")


def get_notification_for_user(user, pk: int) -> Notification:
    try:
        return my_notifications(user).get(pk=pk)
    except (Notification.DoesNotExist, ValueError, TypeError):
        raise Http404("No such notification.") from None
