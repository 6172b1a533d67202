"""The inbox: everything waiting for me across every registered process, from the one task table.

One query for the page of rows, whatever the number of processes: what the inbox shows is copied on
each task when it is made (reference, title, unit, the person it is about), and each row links to its
object's page by the process's URL name, without loading the object.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from gradepath.core.groups import group_names
from gradepath.people.models import OrgUnit
from gradepath.people.relations import person_of, subtree_q
from gradepath.workflow.models import Task
from gradepath.workflow.registry import get_process, processes


def waiting_for(user) -> QuerySet[Task]:
    """Open tasks of this user: their own, and their teams' queues (never about themselves); earliest due
    first, so overdue ones lead."""
    person = person_of(user)
    if person is None:
        return Task.objects.none()
    names = [p.name for p in processes()]
    mine = Q(assignee=person)
    if teams := sorted(group_names(user)):
        mine |= Q(assignee__isnull=True, team__in=teams) & ~Q(subject=person)
    return (Task.objects.filter(mine, completed_at__isnull=True, process__in=names)
            .select_related("org_unit", "subject").order_by("due_date", "id"))


def filtered(tasks: QuerySet[Task], *, process: str = "", unit: OrgUnit | None = None) -> QuerySet[Task]:
    if process:
        tasks = tasks.filter(process=process)
    if unit is not None:
        tasks = tasks.filter(org_unit__in=OrgUnit.objects.filter(subtree_q({unit.pk})))
    return tasks


def count_waiting(user) -> int:
    """For the menu's badge: one COUNT."""
    return waiting_for(user).count() if getattr(user, "is_authenticated", False) else 0


@dataclass
class InboxRow:
    """One line of the inbox, in the words of its process."""

    task: Task
    process_label: str
    step_label: str
    link: str
    acting_as: str  # "" in one's own right; "delegate of Fiona Marsh (FM/HPS of …)", "HR Services team"
    overdue: bool


def rows(tasks, today: dt.date | None = None) -> list[InboxRow]:
    """The page's rows (no query beyond the tasks themselves)."""
    today = today or timezone.localdate()
    found = []
    for task in tasks:
        process = get_process(task.process)
        acting = task.capacity if task.capacity.startswith(("delegate of", process.role_label(task.role) + " above")) \
            else ""
        if task.assignee_id is None:
            acting = f"{task.team or process.role_label(task.role)} team queue"
        found.append(InboxRow(
            task=task, process_label=process.label, step_label=process.states.get(task.state, task.state),
            link=reverse(process.detail_url_name, args=[task.object_id]) if process.detail_url_name else "",
            acting_as=acting, overdue=task.due_date < today))
    return found


def units_of(tasks: QuerySet[Task]) -> QuerySet[OrgUnit]:
    """The units the user's tasks are in (for the filter): one query."""
    return OrgUnit.objects.filter(pk__in=tasks.order_by().values("org_unit_id")).order_by("name")


def home_panel(request) -> dict | None:
    """My home's summary: how many things wait, how many are overdue, the next due (two queries)."""
    if person_of(getattr(request, "user", None)) is None:
        return None
    mine = waiting_for(request.user)
    today = timezone.localdate()
    total = mine.count()
    return {"inbox": {"total": total, "overdue": mine.filter(due_date__lt=today).count() if total else 0,
                      "next": mine.first() if total else None}}
