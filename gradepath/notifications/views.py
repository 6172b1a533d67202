"""My notifications: read them, mark them as read. Only the recipient ever sees one."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from gradepath.notifications.models import Notification
from gradepath.notifications.permissions import get_notification_for_user, my_notifications
from gradepath.notifications.services import mark_notifications_read

PAGE_SIZE = 50


def notification_list(request: HttpRequest) -> HttpResponse:
    notifications = my_notifications(request.user)
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/notification_list.html", {
        "page_obj": page,
        "unread_total": notifications.filter(read_at__isnull=True).count(),
    })


def _safe_link(request: HttpRequest, link: str) -> str | None:
    if link and link.startswith("/") and url_has_allowed_host_and_scheme(
            link, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return link
    return None


@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one notification read; with ``open`` in the form, then follow its link."""
    note = get_notification_for_user(request.user, pk)
    mark_notifications_read(actor=request.user, notifications=Notification.objects.filter(pk=note.pk))
    if "open" in request.POST and (link := _safe_link(request, note.link)):
        return redirect(link)
    if request.htmx:
        note.refresh_from_db()
        unread = my_notifications(request.user).filter(read_at__isnull=True).count()
        return render(request, "notifications/_notification_read.html", {"note": note, "unread_total": unread})
    return redirect("notifications:list")


@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = mark_notifications_read(actor=request.user, notifications=my_notifications(request.user))
    if count:
        messages.success(request, f"Marked {count} notification{'s' if count != 1 else ''} as read.")
    else:
        messages.info(request, "You have no unread notifications.")
    return redirect("notifications:list")
