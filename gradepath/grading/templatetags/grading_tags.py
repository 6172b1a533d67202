"""Template helpers of the grading pages: state and role labels."""

from __future__ import annotations

from django import template

from gradepath.grading import workflow

register = template.Library()


@register.filter
def state_label(state: str) -> str:
    """The label of a case state, as the policy words it."""
    return workflow.STATES.get(state, state)


@register.filter
def role_label(role: str) -> str:
    return workflow.ROLE_LABELS.get(role, role)
