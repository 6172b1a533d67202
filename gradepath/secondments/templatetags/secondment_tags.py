"""Template filters of the secondment pages: a state's and a role's words."""

from django import template

from gradepath.secondments import workflow

register = template.Library()


@register.filter
def secondment_state(state: str) -> str:
    return workflow.STATES.get(state, state)


@register.filter
def secondment_role(role: str) -> str:
    return workflow.ROLE_LABELS.get(role, role)
