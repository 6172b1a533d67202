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
    return {"tasks": tasks[:limit], "more": len(tasks) > limit, "today": timezone.localdate(),
            "mine": _my_cases(person, limit) if person is not None else []}


def _my_cases(person, limit: int) -> list[dict]:
    """My own cases (about my job, or a new job I asked for) that are open or still open to appeal:
    where each is, whom it waits for and by when, or what was decided and until when I can appeal."""
    from django.db.models import Prefetch, Q

    from gradepath.grading.models import CaseTask, GradingCase

    today = timezone.localdate()
    cases = (GradingCase.objects.filter(Q(subject=person) | Q(initiator=person, subject__isnull=True))
             .filter(~Q(state__in=workflow.CLOSED_STATES) | Q(state="closed", appeal_deadline__gte=today))
             .select_related("decided_grade")
             .prefetch_related(Prefetch("tasks", to_attr="open_tasks", queryset=CaseTask.objects.filter(
                 completed_at__isnull=True).select_related("assignee").order_by("due_date", "id")))
             .order_by("-updated_at", "-id")[:limit])
    rows = []
    for case in cases:
        waiting = [t.assignee.full_name if t.assignee else "HR Services" for t in case.open_tasks
                   if t.assignee_id != person.pk]
        rows.append({"case": case, "state": workflow.STATES.get(case.state, case.state), "waiting": waiting,
                     "due": case.open_tasks[0].due_date if case.open_tasks else None,
                     "mine": any(t.assignee_id == person.pk for t in case.open_tasks)})
    return rows
