"""Reads for the grading pages: the case list, "waiting for me", and the parts of a case page
(process map, open tasks, agreements so far, timeline). No writes here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Case, IntegerField, Min, Q, QuerySet, Value, When

from gradepath.core.history import timeline_for
from gradepath.core.models import HistoryEntry
from gradepath.grading import services, workflow
from gradepath.grading.comments import CONFIDENTIAL_ACTION
from gradepath.grading.models import CaseComment, CaseEvent, CaseTask, GradingCase
from gradepath.people import roles
from gradepath.people.models import Person


def my_open_tasks(user, person: Person | None) -> QuerySet[CaseTask]:
    """Open grading tasks of this person, and the HR Services team queue for HR Services members."""
    if person is None:
        return CaseTask.objects.none()
    mine = Q(assignee=person)
    if roles.in_group(user, roles.HR_SERVICES):
        mine |= Q(assignee__isnull=True, role="hr_services")
    return (CaseTask.objects.filter(mine, completed_at__isnull=True)
            .exclude(case__state__in=workflow.CLOSED_STATES)
            .select_related("subject").order_by("due_date", "id"))


def case_list(cases: QuerySet[GradingCase], *, route: str = "", state: str = "", status: str = "",
              q: str = "") -> QuerySet[GradingCase]:
    """Visible cases filtered for the list page, with the subject, unit and the next due date
    in the same query (the page's query count does not grow with its rows). Open cases first."""
    if route:
        cases = cases.filter(route=route)
    if state:
        cases = cases.filter(state=state)
    if status == "open":
        cases = cases.exclude(state__in=workflow.CLOSED_STATES)
    elif status == "closed":
        cases = cases.filter(state__in=workflow.CLOSED_STATES)
    if q:
        cases = cases.filter(Q(reference__icontains=q) | Q(title__icontains=q))
    return (cases.select_related("subject", "org_unit")
            .annotate(next_due=Min("tasks__due_date", filter=Q(tasks__completed_at__isnull=True)),
                      is_closed=Case(When(state__in=workflow.CLOSED_STATES, then=Value(1)), default=Value(0),
                                     output_field=IntegerField()))
            .order_by("is_closed", "-updated_at", "-id"))


@dataclass
class MapStep:
    """One state on a route's process map."""

    state: str
    label: str
    current: bool
    visited: bool


def process_map(case: GradingCase, events: list[CaseEvent]) -> list[MapStep]:
    """The route's states in order, the current one and those the case has been through marked.
    A state off the main line (an appeal, a withdrawal) is added at the end when the case is in it."""
    visited = {workflow.START_STATE[case.route]}
    for event in events:
        visited.add(event.from_state)
        visited.add(event.to_state)
    order = list(workflow.PROCESS_MAP[case.route])
    for state in ("appeal", "appeal_hearing", "withdrawn", "not_agreed"):
        if state in visited and state not in order:
            order.append(state)
    if case.state not in order:
        order.append(case.state)
    return [MapStep(state=s, label=workflow.STATES.get(s, s), current=s == case.state,
                    visited=s in visited and s != case.state) for s in order]


@dataclass
class Agreement:
    """Whether one of the three people has agreed, on an Agreed Route state that needs all three."""

    role: str
    label: str
    event: CaseEvent | None


AGREEMENT_ACTIONS = {"agreements": "agree_duties_changed", "jd_agreement": "agree_amended_jd"}


def agreements_so_far(case: GradingCase, events: list[CaseEvent]) -> list[Agreement]:
    """On the Agreed Route's agreement states: who of the staff member, line manager and FM/HPS
    has agreed since the case entered the state (empty on any other state)."""
    action = AGREEMENT_ACTIONS.get(case.state)
    if action is None:
        return []
    entered = max((e.step for e in events if e.to_state == case.state and e.from_state != case.state), default=-1)
    done = {e.data.get("role"): e for e in events if e.action == action and e.step > entered}
    move = workflow.MOVES_BY_ACTION[action]
    return [Agreement(role=r, label=workflow.ROLE_LABELS[r], event=done.get(r)) for r in move.roles]


@dataclass
class TimelineItem:
    """One line of a case's timeline: an action (with its step and reason) or another history row."""

    created_at: dt.datetime
    actor: str
    capacity: str
    summary: str
    reason: str = ""
    step: int | None = None
    states: tuple[str, str] | None = None
    extra: dict = field(default_factory=dict)


def case_timeline(case: GradingCase, events: list[CaseEvent], *, confidential: bool) -> list[TimelineItem]:
    """Every action on the case (who, in what capacity, why) and the other history rows about it
    (started, comments, reminders...), newest first. Confidential notes only for HR."""
    items = [
        TimelineItem(created_at=e.created_at, actor=str(e.actor) if e.actor else "System", capacity=e.capacity,
                     summary=workflow.MOVES_BY_ACTION[e.action].label if e.action in workflow.MOVES_BY_ACTION
                     else e.action, reason=e.reason, step=e.step,
                     states=(workflow.STATES.get(e.from_state, e.from_state),
                             workflow.STATES.get(e.to_state, e.to_state)))
        for e in events
    ]
    actions = {f"grading.{a}" for a in workflow.MOVES_BY_ACTION}  # shown through their events above
    rows: QuerySet[HistoryEntry] = timeline_for(case).exclude(action__in=actions)
    if not confidential:
        rows = rows.exclude(action=CONFIDENTIAL_ACTION)
    items += [TimelineItem(created_at=h.created_at, actor=h.actor_label, capacity=h.capacity, summary=h.summary)
              for h in rows[:200]]
    items.sort(key=lambda i: (i.created_at, i.step if i.step is not None else -1), reverse=True)
    return items


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
