"""Words of the accelerated increment process for its templates."""

from django import template

from gradepath.progression.workflow import ROLE_LABELS, STATES

register = template.Library()


@register.filter
def aip_state(state: str) -> str:
    return STATES.get(state, state)


@register.filter
def aip_role(role: str) -> str:
    return ROLE_LABELS.get(role, role)
