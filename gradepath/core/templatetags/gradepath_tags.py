"""Template tags for the base layout and shared components."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.urls import NoReverseMatch, reverse

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications_count(context) -> int:
    """How many unread notifications the signed-in person has (one COUNT query)."""
    from gradepath.notifications.models import Notification

    me = context.get("me")
    if me is None:
        return 0
    return Notification.objects.filter(recipient=me, read_at__isnull=True).count()


@register.simple_tag(takes_context=True)
def pop_session_flag(context, key: str) -> str:
    """Read a one-time flag from the session and remove it (e.g. why a session expired)."""
    request = context.get("request")
    if request is None or not hasattr(request, "session"):
        return ""
    return request.session.pop(key, "") or ""


@register.simple_tag
def demo_logins():
    """The demo university's logins (demo mode only; the templates check demo_mode)."""
    from gradepath.demo.logins import DEMO_LOGINS

    return DEMO_LOGINS


@register.simple_tag
def demo_password() -> str:
    from gradepath.demo.logins import DEMO_PASSWORD

    return DEMO_PASSWORD


@register.simple_tag
def optional_url(*names: str) -> str:
    """The first of these URL names that resolves, or "" (for links to parts built elsewhere)."""
    for name in names:
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return ""


@register.filter
def money(value) -> str:
    """£12,345 for an annual salary; an empty string when there is none."""
    if value in (None, ""):
        return ""
    amount = Decimal(value)
    if amount == amount.to_integral_value():
        return f"£{amount:,.0f}"
    return f"£{amount:,.2f}"
