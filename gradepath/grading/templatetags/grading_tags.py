"""Template helpers of the grading pages: state and role labels, and My home's grading panel."""

from __future__ import annotations

from django import template
from django.utils import timezone

from gradepath.grading import workflow

register = template.Library()


@register.filter
def state_label(state: str) -> str:
    """The label of a case state, as the policy words it."""
    return workflow.STATES.get(state, state)


@register.filter
def role_label(role: str) -> str:
    return workflow.ROLE_LABELS.get(role, role)


@register.simple_tag(takes_context=True)
def my_grading_tasks(context, limit: int = 5) -> dict:
    """My open grading tasks (and the HR Services queue for its members) for My home: one query."""
    from gradepath.grading.selectors import my_open_tasks
    from gradepath.people.relations import person_of

    request = context.get("request")
    user = getattr(request, "user", None)
    person = person_of(user) if user is not None else None
    tasks = list(my_open_tasks(user, person)[:limit + 1]) if person is not None else []
    return {"tasks": tasks[:limit], "more": len(tasks) > limit, "today": timezone.localdate()}
