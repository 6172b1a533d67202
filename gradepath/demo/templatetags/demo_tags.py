"""Template tags of the demo site: the demo logins offered on the login page and the persona
switcher (the templates show them only when ``demo_mode`` is on)."""

from __future__ import annotations

from django import template

from gradepath.demo.logins import DEMO_LOGINS, DEMO_PASSWORD

register = template.Library()


@register.simple_tag
def demo_logins():
    """The demo university's logins."""
    return DEMO_LOGINS


@register.simple_tag
def demo_password() -> str:
    return DEMO_PASSWORD
