"""Reads for the grading pages: the case list, "waiting for me", and the parts of a case page
(process map, open tasks, agreements so far, timeline). No writes here."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import OuterRef, Q, QuerySet, Subquery

from gradepath.grading import services, workflow
from gradepath.grading.comments import CONFIDENTIAL_ACTION
from gradepath.grading.models import CaseComment, CaseEvent, CaseTask, GradingCase
from gradepath.people.models import Person
from gradepath.workflow import inbox
from gradepath.workflow import selectors as wf_selectors


def my_open_tasks(user, person: Person | None = None):
    """My open grading tasks, and my teams' queues (HR Services): the inbox's, for grading only."""
    return inbox.filtered(inbox.waiting_for(user), process=workflow.GRADING.name)


def case_list(cases: QuerySet[GradingCase], *, route: str = "", state: str = "", status: str = "",
              q: str = "") -> QuerySet[GradingCase]:
    """Visible cases filtered for the list page, with the subject, unit and the next due date
    in the same query (the page's query count does not grow with its rows). Open cases first.

    The next due date is a correlated subquery (worked out only for the rows on the page, through
    the task table's object index), and the order is the case table's own index (``is_closed``,
    ``updated_at``, ``id``), so neither the page nor its count groups every visible case."""
    if route:
        cases = cases.filter(route=route)
    if state:
        cases = cases.filter(state=state)
    if status == "open":
        cases = cases.filter(is_closed=False)
    elif status == "closed":
        cases = cases.filter(is_closed=True)
    if q:
        cases = cases.filter(Q(reference__icontains=q) | Q(title__icontains=q))
    due = (CaseTask.objects.filter(content_type=ContentType.objects.get_for_model(GradingCase),
                                   object_id=OuterRef("pk"), completed_at__isnull=True)
           .order_by("due_date").values("due_date")[:1])
    return (cases.select_related("subject", "org_unit")
            .annotate(next_due=Subquery(due))
            .order_by("is_closed", "-updated_at", "-id"))


def process_map(case: GradingCase, events: list[CaseEvent]):
    """The route's states in order, the current one and those passed marked (the engine's map)."""
    return wf_selectors.process_map(workflow.GRADING, case, events)


def agreements_so_far(case: GradingCase, events: list[CaseEvent]):
    """On the Agreed Route's agreement states: who of the three has agreed so far (the engine's)."""
    return wf_selectors.agreements_so_far(workflow.GRADING, case, events)


def case_timeline(case: GradingCase, events: list[CaseEvent], *, confidential: bool):
    """Every action on the case and the other history rows about it, newest first; confidential notes
    only for HR."""
    return wf_selectors.timeline(workflow.GRADING, case, events,
                                 hidden_actions=() if confidential else (CONFIDENTIAL_ACTION,))


def case_events(case: GradingCase) -> list[CaseEvent]:
    return list(case.events.select_related("actor").order_by("step"))


def open_tasks(case: GradingCase) -> list[CaseTask]:
    return list(case.tasks.filter(completed_at__isnull=True).select_related("assignee").order_by("due_date", "id"))


def case_comments(case: GradingCase, *, confidential: bool) -> list[CaseComment]:
    comments = case.comments.select_related("author")
    if not confidential:
        comments = comments.filter(confidential=False)
    return list(comments)


def open_case_for_draft(user, version) -> GradingCase | None:
    """The open grading case, visible to ``user``, whose proposed JD is ``version`` (the editor links back)."""
    return (services.visible_cases(user).filter(proposed_version=version)
            .exclude(state__in=workflow.CLOSED_STATES).only("pk", "reference").first())
