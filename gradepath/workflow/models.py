"""What every process stores: its objects and events share a shape, and all of them share one task
table (the inbox, reminders and dashboards read it with one query), and the working-day calendar.

A process's object inherits :class:`WorkflowObject`, its event :class:`WorkflowEvent` (with its own
foreign key to the object, named in the process definition).
"""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone


class WorkflowObject(models.Model):
    """The part of a process's record the engine keeps: its reference, state and step.

    ``step`` counts the moves taken: every move names the step it acts on, so a stale page (or a
    second click) is refused instead of pushing the object on twice.
    """

    reference = models.CharField(max_length=20, unique=True)
    state = models.CharField(max_length=40)
    step = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class WorkflowEvent(models.Model):
    """One move on an object: who, in what capacity, from which state to which, and why.

    A concrete event adds the foreign key to its object and the constraint of one event per object
    and step (whatever the concurrency); the optional idempotency key gives a repeated request one
    effect.
    """

    step = models.PositiveIntegerField()
    action = models.CharField(max_length=40)
    actor = models.ForeignKey("people.Person", null=True, on_delete=models.PROTECT, related_name="+")
    capacity = models.CharField(max_length=300, blank=True)
    from_state = models.CharField(max_length=40)
    to_state = models.CharField(max_length=40)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    idempotency_key = models.CharField(max_length=100, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True


class Task(models.Model):
    """Something a person (or a team) must do on an object of a process, by a date: the inbox.

    One table for every process. What the inbox shows without opening the object (its reference,
    title, unit and the person it is about) is copied here when the task is made.
    """

    process = models.CharField(max_length=40, help_text="The registered process (workflow.registry).")
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    obj = GenericForeignKey("content_type", "object_id")
    reference = models.CharField(max_length=20)
    title = models.CharField(max_length=200)
    org_unit = models.ForeignKey("people.OrgUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    subject = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                help_text="The person the object is about, if any.")
    step = models.PositiveIntegerField(help_text="The object's step when the task was made.")
    state = models.CharField(max_length=40, help_text="The object's state when the task was made.")
    assignee = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="workflow_tasks", help_text="Empty: a team's queue.")
    team = models.CharField(max_length=100, blank=True, help_text="The group whose queue holds an unassigned task.")
    role = models.CharField(max_length=30)
    capacity = models.CharField(max_length=300, blank=True)
    description = models.CharField(max_length=300)
    due_date = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_date", "id"]
        indexes = [
            models.Index(fields=["assignee", "completed_at", "due_date"], name="task_open_assignee_idx"),
            models.Index(fields=["team", "completed_at", "due_date"], name="task_open_team_idx"),
            models.Index(fields=["content_type", "object_id"], name="task_object_idx"),
            # One process's "waiting for me" (its list page, its My home panel): the open tasks of a person or a
            # team in that process only, earliest due first, without reading the other processes' tasks.
            models.Index(fields=["assignee", "process", "completed_at", "due_date"], name="task_open_assignee_proc_idx"),
            models.Index(fields=["team", "process", "completed_at", "due_date"], name="task_open_team_proc_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.description} ({self.assignee or self.team}, due {self.due_date})"


class BankHoliday(models.Model):
    """A bank holiday (data, not code): working-day targets skip these."""

    date = models.DateField(unique=True)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["date"]
        db_table = "grading_bankholiday"  # where grading kept them before the engine (the same rows)

    def __str__(self) -> str:
        return f"{self.name} ({self.date})"
