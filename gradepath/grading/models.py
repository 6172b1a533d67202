"""Grading cases: one record per request (new job, Agreed Route, Direct Route), its events
(one decision per case and step), its tasks (in the engine's one task table) and the people on an
appeal panel.

The legal moves are data in :mod:`gradepath.grading.workflow`; every change goes through the workflow
engine (:func:`gradepath.grading.services.perform_action`).
"""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone

from gradepath.workflow.models import Task, WorkflowEvent, WorkflowObject


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


# Where a case ends: closed (decided), withdrawn, or no agreement to use the Agreed Route.
CLOSED_STATES = ("closed", "withdrawn", "not_agreed")


class GradingCase(WorkflowObject):
    """One grading request and everything decided on it (reference, state and step: the engine's).

    ``step`` counts the actions taken: every action names the step it acts on, so a stale page
    (or a second click) is refused instead of pushing the case on twice.
    """

    route = models.CharField(max_length=10, choices=Route.choices)

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

    tasks = GenericRelation("grading.CaseTask", related_query_name="case")

    # Derived by the database from the state (never written by the application, so bulk inserts
    # and every move keep it right): the case list sorts open cases first through an index.
    is_closed = models.GeneratedField(
        expression=models.Case(models.When(state__in=list(CLOSED_STATES), then=models.Value(True)),
                               default=models.Value(False)),
        output_field=models.BooleanField(), db_persist=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One open case per post (closed states: see workflow.CLOSED_STATES).
            models.UniqueConstraint(
                fields=["post"],
                condition=Q(post__isnull=False) & ~Q(state__in=list(CLOSED_STATES)),
                name="one_open_grading_case_per_post",
            ),
        ]
        indexes = [
            models.Index(fields=["state"], name="gradingcase_state_idx"),
            # The case list: open cases first, most recently changed first (LIMIT served by the index).
            models.Index(fields=["is_closed", "-updated_at", "-id"], name="gradingcase_list_idx"),
            # The API's list and the default ordering: newest first.
            models.Index(fields=["-created_at", "-id"], name="gradingcase_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title} ({self.get_route_display()})"


class CaseEvent(WorkflowEvent):
    """One action on a case: who, in what capacity, from which state to which, and why.

    The unique (case, step) constraint allows one decision per case and step, whatever the
    concurrency; the optional idempotency key makes a repeated request have one effect.
    """

    case = models.ForeignKey(GradingCase, on_delete=models.PROTECT, related_name="events")

    class Meta:
        ordering = ["case", "step"]
        constraints = [models.UniqueConstraint(fields=["case", "step"], name="one_decision_per_case_step")]

    def __str__(self) -> str:
        return f"{self.case.reference} step {self.step}: {self.action}"


class CaseTaskManager(models.Manager):
    """Grading's tasks; ``create(case=…)`` fills in what the engine's task table copies from the case."""

    def get_queryset(self):
        return super().get_queryset().filter(process="grading")

    def create(self, *, case: GradingCase | None = None, **fields):
        if case is not None:
            fields.update(content_type=ContentType.objects.get_for_model(GradingCase), object_id=case.pk,
                          reference=case.reference, title=case.title[:200], org_unit=case.org_unit,
                          subject=case.subject)
            fields.setdefault("state", case.state)
            fields.setdefault("step", case.step)
        fields.setdefault("process", "grading")
        return super().create(**fields)


class CaseTask(Task):
    """A grading case's tasks in the engine's one task table (workflow.Task), seen from grading."""

    objects = CaseTaskManager()

    class Meta:
        proxy = True

    @property
    def case(self) -> GradingCase:
        return self.obj

    @property
    def case_id(self) -> int:
        return self.object_id


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
