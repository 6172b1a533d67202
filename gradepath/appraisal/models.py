"""Appraisals: one record per member of staff and year (policy §4.5), its events (one per appraisal and
step), its tasks (in the engine's one task table) and the JD review's changes of responsibility.

The legal moves are data in :mod:`gradepath.appraisal.workflow`; every change goes through the workflow
engine (:func:`gradepath.appraisal.services.perform_action`). A regrading check the appraisal flagged is
a grading case, kept here as a plain reference and id (processes never point at each other's tables).
"""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from gradepath.workflow.models import WorkflowEvent, WorkflowObject

# Where an appraisal ends: completed (both signed it off) or cancelled by HR Services.
CLOSED_STATES = ("completed", "cancelled")
TEXT_LIMIT = 5000
DUTY_LIMIT = 500  # a JD's duty (jobs.services.MAX_ITEM)


class Appraisal(WorkflowObject):
    """One member of staff's appraisal for one year: who appraises, what each wrote, when it was
    completed and signed off, and the regrading check it flagged (if any)."""

    subject = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="appraisals",
                                help_text="The member of staff appraised.")
    appraiser = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="appraisals_as_appraiser",
                                  help_text="Normally the line manager.")
    started_by = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    org_unit = models.ForeignKey("people.OrgUnit", on_delete=models.PROTECT, related_name="appraisals",
                                 help_text="The unit of the substantive post when the appraisal began.")
    year = models.PositiveSmallIntegerField()
    due_on = models.DateField(help_text="The last day of the appraisal season of its year.")
    jd_version = models.ForeignKey("jobs.JDVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                   help_text="The JD version of the substantive post the review is against.")
    pre_review = models.TextField(blank=True, help_text="The staff member's pre-review.")
    summary = models.TextField(blank=True, help_text="The appraiser's summary.")
    objectives = models.TextField(blank=True, help_text="The objectives agreed.")
    training_needs = models.TextField(blank=True)
    completed_on = models.DateField(null=True, blank=True, help_text="The day of the appraisal meeting.")
    staff_signed_at = models.DateTimeField(null=True, blank=True)
    appraiser_signed_at = models.DateTimeField(null=True, blank=True)
    # The regrading check flagged at the appraisal: a grading case, by reference (no key to grading's table).
    regrading_route = models.CharField(max_length=10, blank=True)
    regrading_reference = models.CharField(max_length=20, blank=True)
    regrading_case_id = models.PositiveBigIntegerField(null=True, blank=True)
    regrading_link = models.CharField(max_length=200, blank=True)
    regrading_flagged_by = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT,
                                             related_name="+")
    regrading_suggestion = models.CharField(max_length=300, blank=True)

    tasks = GenericRelation("workflow.Task", related_query_name="appraisal")

    class Meta:
        ordering = ["-year", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["subject", "year"], name="one_appraisal_per_person_and_year"),
            models.CheckConstraint(condition=~Q(appraiser=F("subject")), name="appraiser_is_not_the_subject"),
        ]
        indexes = [
            # Completion by unit counts a season's appraisals per unit and state, and which open ones are past
            # the season's last day, from this index alone (due_on in it: no table read per appraisal; the id
            # too, for the late-task check: SQLite's indexes hold the row id anyway, PostgreSQL's need it for
            # an index-only scan).
            models.Index(fields=["year", "org_unit", "state", "due_on", "id"], name="appraisal_season_unit_idx"),
            models.Index(fields=["subject", "-year"], name="appraisal_subject_idx"),
            models.Index(fields=["appraiser", "-year"], name="appraisal_appraiser_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} appraisal {self.year} of {self.subject}"

    @property
    def is_closed(self) -> bool:
        return self.state in CLOSED_STATES

    def is_overdue(self, today=None) -> bool:
        return self.state not in CLOSED_STATES and (today or timezone.localdate()) > self.due_on


class AppraisalEvent(WorkflowEvent):
    """One move on an appraisal; one per appraisal and step, whatever the concurrency."""

    appraisal = models.ForeignKey(Appraisal, on_delete=models.PROTECT, related_name="events")

    class Meta:
        ordering = ["appraisal", "step"]
        constraints = [models.UniqueConstraint(fields=["appraisal", "step"], name="one_move_per_appraisal_step")]

    def __str__(self) -> str:
        return f"{self.appraisal.reference} step {self.step}: {self.action}"


class ResponsibilityChange(models.Model):
    """One change of responsibility found in the JD review: a duty taken on (new text) or a duty of the
    current JD relinquished, with the evidence and the dates."""

    class Kind(models.TextChoices):
        TAKEN_ON = "taken_on", "Taken on"
        RELINQUISHED = "relinquished", "Relinquished"

    appraisal = models.ForeignKey(Appraisal, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    duty = models.CharField(max_length=DUTY_LIMIT)
    evidence = models.TextField()
    from_date = models.DateField()
    to_date = models.DateField(null=True, blank=True, help_text="Empty: still the case.")
    recorded_by = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["appraisal", "kind", "from_date", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(to_date__isnull=True) | Q(to_date__gte=F("from_date")),
                                   name="responsibility_dates_in_order"),
            models.UniqueConstraint(fields=["appraisal", "kind", "duty"], name="one_change_per_duty"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.duty[:60]}"
