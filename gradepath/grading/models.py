"""Grading cases: one record per request (new job, Agreed Route, Direct Route), its events
(one decision per case and step), the tasks it creates and the people on an appeal panel.

The legal moves are data in :mod:`gradepath.grading.workflow`; every change goes through
:func:`gradepath.grading.services.perform_action`.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone


class Route(models.TextChoices):
    NEW_JOB = "new_job", "New job"
    AGREED = "agreed", "Agreed Route"
    DIRECT = "direct", "Direct Route"


class Outcome(models.TextChoices):
    GRADE_CONFIRMED = "grade_confirmed", "Grade confirmed"
    HIGHER_GRADE = "higher_grade", "Higher grade"
    LOWER_GRADE = "lower_grade", "Lower grade"
    REALLOCATION = "reallocation", "Reallocation of the additional duties"
    NO_CHANGE = "no_change", "No change"


class GradingCase(models.Model):
    """One grading request and everything decided on it.

    ``step`` counts the actions taken: every action names the step it acts on, so a stale page
    (or a second click) is refused instead of pushing the case on twice.
    """

    reference = models.CharField(max_length=20, unique=True)
    route = models.CharField(max_length=10, choices=Route.choices)
    state = models.CharField(max_length=40)
    step = models.PositiveIntegerField(default=0)

    org_unit = models.ForeignKey("people.OrgUnit", on_delete=models.PROTECT, related_name="grading_cases")
    post = models.ForeignKey("people.Post", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="grading_cases")
    subject = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="grading_cases", help_text="The post holder (existing jobs).")
    line_manager = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", help_text="The subject's line manager when the case began.")
    initiator = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200, help_text="The job title the case is about.")

    jd = models.ForeignKey("jobs.JobDescription", on_delete=models.PROTECT, related_name="grading_cases")
    baseline_version = models.ForeignKey("jobs.JDVersion", null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="+", help_text="The agreed version before the case.")
    proposed_version = models.ForeignKey("jobs.JDVersion", on_delete=models.PROTECT, related_name="+",
                                         help_text="The version under review (a draft until submitted).")
    current_grade = models.ForeignKey("grades.Grade", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+")
    recommended_grade = models.ForeignKey("grades.Grade", null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="+")
    matched_agreed = models.ForeignKey("jobs.AgreedJD", null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="+")
    checked_grade = models.ForeignKey(
        "grades.Grade", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="The grade the HRBP's check gave: the matched agreed JD's grade, or the HERA band.")
    grant_funded = models.BooleanField(default=False)
    funding_source = models.CharField(max_length=200, blank=True)

    evaluation = models.JSONField(default=dict, blank=True,
                                  help_text="HERA element levels and scores as entered, and the total.")
    fairness_issue = models.BooleanField(null=True, blank=True)
    fairness_assessment = models.TextField(blank=True)
    fairness_resolution = models.TextField(blank=True)
    also_regraded = models.ManyToManyField(
        "people.Post", blank=True, related_name="+",
        help_text="Other posts on the same JD version regraded with this one (the fairness resolution); "
                  "HR Services processing updates them and their holders too.")
    decided_grade = models.ForeignKey("grades.Grade", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+")
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    grade_difference_reason = models.TextField(
        blank=True, help_text="Why the decided grade differs from the grade the check gave (the HRBP's reason).")
    decided_at = models.DateTimeField(null=True, blank=True)
    finance_approved_at = models.DateTimeField(null=True, blank=True)
    finance_approval_note = models.CharField(max_length=300, blank=True)
    complete_submission_on = models.DateField(null=True, blank=True,
                                              help_text="When the complete application reached the HRBP.")
    effective_date = models.DateField(null=True, blank=True)
    new_spine_point = models.PositiveSmallIntegerField(null=True, blank=True)
    pay_protected = models.BooleanField(default=False)
    allowances_stopped = models.TextField(blank=True)
    appeal_deadline = models.DateField(null=True, blank=True)
    confidential_hr_notes = models.TextField(blank=True, help_text="Never shown to the staff member.")

    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One open case per post (closed states: see workflow.CLOSED_STATES).
            models.UniqueConstraint(
                fields=["post"],
                condition=Q(post__isnull=False) & ~Q(state__in=["closed", "withdrawn", "not_agreed"]),
                name="one_open_grading_case_per_post",
            ),
        ]
        indexes = [models.Index(fields=["state"], name="gradingcase_state_idx")]

    def __str__(self) -> str:
        return f"{self.reference} {self.title} ({self.get_route_display()})"


class CaseEvent(models.Model):
    """One action on a case: who, in what capacity, from which state to which, and why.

    The unique (case, step) constraint allows one decision per case and step, whatever the
    concurrency; the optional idempotency key makes a repeated request have one effect.
    """

    case = models.ForeignKey(GradingCase, on_delete=models.PROTECT, related_name="events")
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
        ordering = ["case", "step"]
        constraints = [models.UniqueConstraint(fields=["case", "step"], name="one_decision_per_case_step")]

    def __str__(self) -> str:
        return f"{self.case.reference} step {self.step}: {self.action}"


class CaseTask(models.Model):
    """Something a person must do on a case, with a due date (the inbox)."""

    case = models.ForeignKey(GradingCase, on_delete=models.CASCADE, related_name="tasks")
    step = models.PositiveIntegerField(help_text="The case step the task was created at.")
    assignee = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="grading_tasks", help_text="Empty: a team queue (HR Services).")
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
        indexes = [models.Index(fields=["assignee", "completed_at"], name="casetask_open_idx")]

    def __str__(self) -> str:
        return f"{self.description} ({self.assignee}, due {self.due_date})"


class CaseComment(models.Model):
    """A comment on a case; ``confidential`` ones (HR notes) are never shown to the staff member."""

    case = models.ForeignKey(GradingCase, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    confidential = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Comment on {self.case.reference} by {self.author}"


class AppealPanelMember(models.Model):
    """A member of the panel hearing a case's appeal (never someone involved in the case)."""

    case = models.ForeignKey(GradingCase, on_delete=models.CASCADE, related_name="panel")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "person"], name="one_panel_seat_per_person")]

    def __str__(self) -> str:
        return f"{self.person} on the appeal panel of {self.case.reference}"


class BankHoliday(models.Model):
    """A UK bank holiday (data, not code): working-day targets skip these."""

    date = models.DateField(unique=True)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.name} ({self.date})"

