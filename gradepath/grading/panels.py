"""What grading shows on pages other apps own, registered in ``GradingConfig.ready()`` through
``core.registry``: My home's "Career and grading" panel and, on a JD draft's editor, the grading
case whose proposal the draft is (jobs does not know cases; grading tells it)."""

from __future__ import annotations

from django.db.models import Prefetch, Q
from django.utils import timezone

from gradepath.grading import workflow
from gradepath.grading.models import CaseTask, GradingCase
from gradepath.grading.selectors import my_open_tasks, open_case_for_draft
from gradepath.people.relations import person_of

HOME_LIMIT = 5


def home_panel(request) -> dict | None:
    """My open grading tasks (and the HR Services queue for its members) in one query, and my own
    requests: for My home's "Career and grading" panel (shown to everyone with a person record)."""
    person = person_of(getattr(request, "user", None))
    if person is None:
        return None
    tasks = list(my_open_tasks(request.user, person)[:HOME_LIMIT + 1])
    return {"grading": {"tasks": tasks[:HOME_LIMIT], "more": len(tasks) > HOME_LIMIT,
                        "today": timezone.localdate(), "mine": my_cases(person, HOME_LIMIT)}}


def my_cases(person, limit: int) -> list[dict]:
    """My own cases (about my job, or a new job I asked for) that are open or still open to appeal:
    where each is, whom it waits for and by when, or what was decided and until when I can appeal."""
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


def jd_version_panel(request, version) -> dict | None:
    """The open grading case, visible to the user, whose proposed JD is this draft: the editor
    then links back to it, and the case (not the editor) submits the draft with its grade
    (``holds_draft``). None when no such case."""
    case = open_case_for_draft(request.user, version)
    if case is None:
        return None
    return {"grading_case": case, "holds_draft": True}
