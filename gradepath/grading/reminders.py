"""Reminders before a grading task is due, and escalation when it is overdue (issue 4 item 5).

:func:`send_reminders_and_escalations` is run once a day (``gradepath grading-reminders`` from
cron or a systemd timer, or the ``send_grading_reminders`` background task). Each task is
claimed with a conditional UPDATE (``reminded_at``/``escalated_at`` still empty), so running it
twice, or on two machines at once, sends each reminder and each escalation once.

Who hears about an overdue task:

* a line manager's, staff member's, initiator's or panel member's task → the FM/HPS of the
  case's unit (the HRBP when the unit has no FM/HPS, or when the FM/HPS is the person it is about);
* the FM/HPS's (or their delegate's) task → the HRBP of the unit;
* HR Services' team-queue task → the HRBP of the unit;
* the HRBP's (or their delegate's) task → nobody sits above the HRBP in Gradepath, so the
  HRBP themselves is told it is overdue (a delegate's overdue task goes to the HRBP they stand in for).

Messages name the case reference and the job title, and link to the case; they never carry
pay details or anything else the recipient does not need to act.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from gradepath.core.history import record_history
from gradepath.grading import workflow
from gradepath.grading.dates import working_days_between
from gradepath.grading.models import CaseTask
from gradepath.grading.services import task_key
from gradepath.notifications.services import notify
from gradepath.people import roles
from gradepath.people.models import Person
from gradepath.people.relations import nearest_holder

ESCALATE_TO_FM_HPS = ("line_manager", "staff_member", "initiator", "panel")


@dataclass
class ReminderReport:
    """What one run did: the tasks reminded (with who was told) and the tasks escalated (to whom)."""

    today: dt.date
    reminded: list[tuple[CaseTask, list[Person]]] = field(default_factory=list)
    escalated: list[tuple[CaseTask, Person | None]] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "today": self.today.isoformat(),
            "reminded": [{"task": t.pk, "case": t.case.reference, "recipients": [p.pk for p in people]}
                         for t, people in self.reminded],
            "escalated": [{"task": t.pk, "case": t.case.reference, "to": p.pk if p else None}
                          for t, p in self.escalated],
        }


def hr_services_members() -> list[Person]:
    """The active people who sign in as members of HR Services (they share the team queue)."""
    users = get_user_model().objects.filter(groups__name=roles.HR_SERVICES, is_active=True)
    return list(Person.objects.filter(user__in=users, is_active=True).order_by("last_name", "first_name", "pk"))


def _open_tasks():
    return (CaseTask.objects.filter(completed_at__isnull=True)
            .exclude(case__state__in=workflow.CLOSED_STATES)
            .select_related("case", "case__org_unit", "assignee"))


def _link(task: CaseTask) -> str:
    return f"/grading/{task.case_id}/"


def _reminder_recipients(task: CaseTask) -> list[Person]:
    if task.assignee is not None:
        return [task.assignee] if task.assignee.is_active else []
    return [p for p in hr_services_members() if p.pk != task.case.subject_id]


def escalation_target(task: CaseTask) -> Person | None:
    """Who is told that ``task`` is overdue (see the module docstring); never the case's subject."""
    case = task.case
    fm_hps = nearest_holder(case.org_unit, "fm_hps")
    hrbp = nearest_holder(case.org_unit, "hrbp")
    if task.role in ESCALATE_TO_FM_HPS:
        candidates = [fm_hps, hrbp]
    elif task.role == "hrbp":
        candidates = [hrbp]
    else:  # fm_hps, hr_services and anything else
        candidates = [hrbp]
    for person in candidates:
        if person is None or person.pk == case.subject_id or not person.is_active:
            continue
        if person.pk == task.assignee_id and task.role != "hrbp":
            continue  # escalating to the person who is late helps nobody: go one further up
        return person
    return None


def _remind(task: CaseTask, now) -> tuple[bool, list[Person]]:
    with transaction.atomic():
        if not CaseTask.objects.filter(pk=task.pk, reminded_at__isnull=True).update(reminded_at=now):
            return False, []  # another run got there first
        recipients = _reminder_recipients(task)
        case = task.case
        for person in recipients:
            queue = " (HR Services team queue)" if task.assignee_id is None else ""
            notify(recipient=person, subject=f"Reminder: {case.reference} is due by {task.due_date:%d %b %Y}",
                   body=(f"A grading task{queue} is due by {task.due_date:%A %d %B %Y}: "
                         f"{workflow.STATES.get(case.state, case.state)} – {case.reference}, {case.title}. "
                         "Please act on it by then."),
                   link=_link(task), key=task_key(task))
    return True, recipients


def _escalate(task: CaseTask, now, today: dt.date) -> tuple[bool, Person | None]:
    with transaction.atomic():
        if not CaseTask.objects.filter(pk=task.pk, escalated_at__isnull=True).update(escalated_at=now):
            return False, None
        case = task.case
        target = escalation_target(task)
        who = "HR Services" if task.assignee is None else f"{task.assignee} ({workflow.ROLE_LABELS.get(task.role, task.role)})"
        days = working_days_between(task.due_date, today)
        late = f"{days} working day{'s' if days != 1 else ''} overdue" if days > 0 else "overdue"
        if target is not None:
            notify(recipient=target, subject=f"Overdue: {case.reference} is waiting for {who}",
                   body=(f"A grading task was due on {task.due_date:%d %B %Y} and is {late}: "
                         f"{workflow.STATES.get(case.state, case.state)} – {case.reference}, {case.title}. "
                         f"It is waiting for {who}. Please follow it up."),
                   link=_link(task), key=task_key(task))
        record_history(actor=None, action="grading.task_escalated", obj=case, person_id=case.subject_id,
                       summary=(f"{case.reference}: the task for {who} due on {task.due_date:%d %b %Y} is {late}; "
                                + (f"escalated to {target}." if target else "nobody to escalate it to.")))
    return True, target


def send_reminders_and_escalations(today: dt.date | None = None) -> ReminderReport:
    """Remind people of grading tasks due within REMIND_BEFORE_WORKING_DAYS working days, and
    escalate overdue ones, once each. Safe to run as often as you like."""
    today = today or timezone.localdate()
    before = settings.GRADEPATH_GRADING["REMIND_BEFORE_WORKING_DAYS"]
    report = ReminderReport(today=today)
    now = timezone.now()
    for task in _open_tasks().filter(reminded_at__isnull=True, due_date__gte=today).order_by("due_date", "pk"):
        if working_days_between(today, task.due_date) > before:
            continue
        claimed, recipients = _remind(task, now)
        if claimed:
            report.reminded.append((task, recipients))
    for task in _open_tasks().filter(escalated_at__isnull=True, due_date__lt=today).order_by("due_date", "pk"):
        claimed, target = _escalate(task, now, today)
        if claimed:
            report.escalated.append((task, target))
    return report
