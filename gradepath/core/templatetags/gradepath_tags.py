"""Template tags for the base layout and shared components."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.template.loader import get_template
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import mark_safe

from gradepath.core import registry
from gradepath.core.text import lower_first as text_lower_first

register = template.Library()


@register.simple_tag(takes_context=True)
def menu_entries(context) -> list[dict]:
    """The main menu for the signed-in user, from what each app registered (core.registry):
    rows of ``entry``, ``url``, ``active`` and ``badge``, or of a ``group`` with its ``children`` rows."""
    return registry.menu_tree(registry.menu_for(context.get("request")))


@register.simple_tag(takes_context=True)
def render_panels(context, slot: str, **page_objects) -> str:
    """Render every panel registered to ``slot`` that has something to show for this page
    (``page_objects`` go to each panel's context function), in their order."""
    request = context.get("request")
    rendered = [get_template(panel.template).render(panel_context, request)
                for panel, panel_context in registry.shown_panels(slot, request, **page_objects)]
    return mark_safe("".join(rendered))  # noqa: S308 - each piece is a template's own output


@register.simple_tag(takes_context=True)
def pop_session_flag(context, key: str) -> str:
    """Read a one-time flag from the session and remove it (e.g. why a session expired)."""
    request = context.get("request")
    if request is None or not hasattr(request, "session"):
        return ""
    return request.session.pop(key, "") or ""


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


@register.filter
def lower_first(text) -> str:
    """A label inside a sentence: its first letter lower case unless it starts an abbreviation (core.text)."""
    return text_lower_first(str(text))
