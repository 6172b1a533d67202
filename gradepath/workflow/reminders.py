"""Reminders before a task is due, and escalation when it is overdue, for every process.

:func:`send_reminders_and_escalations` runs once a day (``gradepath reminders`` from cron or a
systemd timer, or the ``send_reminders`` background task). Each task is claimed with a conditional
UPDATE (``reminded_at``/``escalated_at`` still empty), so running it twice, or on two machines at
once, sends each reminder and each escalation once.

Who is reminded: the assignee, or every member of the team whose queue holds the task. Who hears
about an overdue task: the first person the task's role resolver names (``Role.escalate_to``: for
grading, the FM/HPS for a line manager's or staff member's task, the HRBP for the FM/HPS's, HR
Services' or the HRBP's own), never the person the object is about, and not the late person
themselves unless nobody sits above them.

Messages name the reference and the title, and link to the object; they never carry pay details or
anything else the recipient does not need to act. They are keyed to the task, so they go with it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from gradepath.core.history import record_history
from gradepath.notifications.services import notify
from gradepath.people.models import Person
from gradepath.workflow.calendar import working_days_between
from gradepath.workflow.engine import task_key
from gradepath.workflow.models import Task
from gradepath.workflow.registry import get_process, processes


@dataclass
class ReminderReport:
    """What one run did: the tasks reminded (with who was told) and the tasks escalated (to whom)."""

    today: dt.date
    reminded: list[tuple[Task, list[Person]]] = field(default_factory=list)
    escalated: list[tuple[Task, Person | None]] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "today": self.today.isoformat(),
            "reminded": [{"task": t.pk, "process": t.process, "reference": t.reference,
                          "recipients": [p.pk for p in people]} for t, people in self.reminded],
            "escalated": [{"task": t.pk, "process": t.process, "reference": t.reference, "to": p.pk if p else None}
                          for t, p in self.escalated],
        }


def team_members(team: str) -> list[Person]:
    """The active people who sign in as members of ``team`` (they share its queue)."""
    users = get_user_model().objects.filter(groups__name=team, is_active=True)
    return list(Person.objects.filter(user__in=users, is_active=True).order_by("last_name", "first_name", "pk"))


def _team(task: Task) -> str:
    process = get_process(task.process)
    return task.team or getattr(process.roles.get(task.role), "team", "")


def _open_tasks(names: list[str]):
    open_states = Task.objects.filter(completed_at__isnull=True, process__in=names).select_related(
        "assignee", "subject", "org_unit")
    return open_states


def _reminder_recipients(task: Task) -> list[Person]:
    if task.assignee is not None:
        return [task.assignee] if task.assignee.is_active else []
    return [p for p in team_members(_team(task)) if p.pk != task.subject_id]


def escalation_target(task: Task) -> Person | None:
    """Who is told that ``task`` is overdue (see the module docstring); never the object's subject."""
    process = get_process(task.process)
    resolver = process.roles.get(task.role)
    candidates = resolver.escalate_to(task.obj) if resolver is not None else []
    last = candidates[-1] if candidates else None
    for person in candidates:
        if person is None or person.pk == task.subject_id or not person.is_active:
            continue
        if person.pk == task.assignee_id and person is not last:
            continue  # escalating to the person who is late helps nobody: go one further up
        return person
    return None


def _who(task: Task) -> str:
    process = get_process(task.process)
    if task.assignee is None:
        return _team(task) or process.role_label(task.role)
    return f"{task.assignee} ({process.role_label(task.role)})"


def _remind(task: Task, now) -> tuple[bool, list[Person]]:
    with transaction.atomic():
        if not Task.objects.filter(pk=task.pk, reminded_at__isnull=True).update(reminded_at=now):
            return False, []  # another run got there first
        recipients = _reminder_recipients(task)
        process = get_process(task.process)
        for person in recipients:
            queue = f" ({_team(task)} team queue)" if task.assignee_id is None else ""
            notify(recipient=person, subject=f"Reminder: {task.reference} is due by {task.due_date:%d %b %Y}",
                   body=(f"A {process.noun} task{queue} is due by {task.due_date:%A %d %B %Y}: "
                         f"{process.states.get(task.state, task.state)} – {task.reference}, {task.title}. "
                         "Please act on it by then."),
                   link=process.link_of(task.obj), key=task_key(task))
    return True, recipients


def _escalate(task: Task, now, today: dt.date) -> tuple[bool, Person | None]:
    with transaction.atomic():
        if not Task.objects.filter(pk=task.pk, escalated_at__isnull=True).update(escalated_at=now):
            return False, None
        process = get_process(task.process)
        obj = task.obj
        if obj is None:
            return False, None  # its record is gone: nothing to follow up
        target = escalation_target(task)
        who = _who(task)
        days = working_days_between(task.due_date, today)
        late = f"{days} working day{'s' if days != 1 else ''} overdue" if days > 0 else "overdue"
        if target is not None:
            notify(recipient=target, subject=f"Overdue: {task.reference} is waiting for {who}",
                   body=(f"A {process.noun} task was due on {task.due_date:%d %B %Y} and is {late}: "
                         f"{process.states.get(task.state, task.state)} – {task.reference}, {task.title}. "
                         f"It is waiting for {who}. Please follow it up."),
                   link=process.link_of(obj), key=task_key(task))
        record_history(actor=None, action=f"{process.name}.task_escalated", obj=obj, person_id=task.subject_id,
                       summary=(f"{task.reference}: the task for {who} due on {task.due_date:%d %b %Y} is {late}; "
                                + (f"escalated to {target}." if target else "nobody to escalate it to.")))
    return True, target


def send_reminders_and_escalations(today: dt.date | None = None, *,
                                   process_names: list[str] | None = None) -> ReminderReport:
    """Remind people of tasks due within their process's reminder lead time (working days), and
    escalate overdue ones, once each. Safe to run as often as you like."""
    today = today or timezone.localdate()
    names = process_names or [p.name for p in processes()]
    report = ReminderReport(today=today)
    now = timezone.now()
    for task in _open_tasks(names).filter(reminded_at__isnull=True, due_date__gte=today).order_by("due_date", "pk"):
        if working_days_between(today, task.due_date) > get_process(task.process).reminder_days():
            continue
        if _closed(task):
            continue
        claimed, recipients = _remind(task, now)
        if claimed:
            report.reminded.append((task, recipients))
    for task in _open_tasks(names).filter(escalated_at__isnull=True, due_date__lt=today).order_by("due_date", "pk"):
        if _closed(task):
            continue
        claimed, target = _escalate(task, now, today)
        if claimed:
            report.escalated.append((task, target))
    return report


def _closed(task: Task) -> bool:
    """An open task of an object already closed (it should not happen: closing completes them)."""
    obj = task.obj
    return obj is None or obj.state in get_process(task.process).closed_states
