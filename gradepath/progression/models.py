"""Accelerated increments and contribution points (policy §4.6): one request per award asked for, its
events (one per request and step), its tasks (in the engine's one task table) and the faculties' local
rounds.

The legal moves are data in :mod:`gradepath.progression.workflow`; every change goes through the
workflow engine or :mod:`gradepath.progression.services`.
"""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import Q
from django.utils import timezone

from gradepath.workflow.models import WorkflowEvent, WorkflowObject


class Route(models.TextChoices):
    HOD = "hod", "Applied by the Head of Department"
    DIRECT = "direct", "Applied directly to the Dean"


# Where a request ends: completed (validated and paid), declined or withdrawn.
CLOSED_STATES = ("completed", "declined", "withdrawn")


class DeciderRole(models.TextChoices):
    """Who decides: the Dean for an academic faculty, the Vice-Provost (Operations) for a corporate unit
    (a professional services division, read from the top unit's kind)."""

    DEAN = "dean", "Dean"
    VICE_PROVOST_OPERATIONS = "vice_provost_operations", "Vice-Provost (Operations)"


class LocalRound(models.Model):
    """A faculty's local annual round (optional, policy §4.6 step 7): requests made into it by its
    deadline are ranked on its panel against what remains of its budget."""

    faculty = models.ForeignKey("people.OrgUnit", on_delete=models.PROTECT, related_name="progression_rounds")
    name = models.CharField(max_length=120)
    deadline = models.DateField()
    budget = models.DecimalField(max_digits=12, decimal_places=2,
                                 help_text="For the cost to the end of the pay year of the awards it approves.")
    created_by = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-deadline", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(budget__gt=0), name="progression_round_budget_positive"),
            models.UniqueConstraint(fields=["faculty", "name"], name="progression_round_name_per_faculty"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.faculty})"


class ProgressionRequest(WorkflowObject):
    """One request for an accelerated increment or a contribution point, and everything decided on it
    (reference, state and step: the engine's)."""

    route = models.CharField(max_length=10, choices=Route.choices)
    subject = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="progression_requests")
    initiator = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+",
                                  help_text="Who applied: the HoD, or the staff member directly to the Dean.")
    org_unit = models.ForeignKey("people.OrgUnit", on_delete=models.PROTECT, related_name="progression_requests")
    post = models.ForeignKey("people.Post", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200, help_text="The post's title when the request was made.")
    decider_role = models.CharField(max_length=30, choices=DeciderRole.choices)
    local_round = models.ForeignKey(LocalRound, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="requests")

    grade = models.ForeignKey("grades.Grade", on_delete=models.PROTECT, related_name="+")
    current_point = models.PositiveSmallIntegerField()
    points = models.PositiveSmallIntegerField()
    new_point = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=30, help_text="accelerated_increment or contribution_point")
    exceptional_reason = models.TextField(blank=True, help_text="Why two points (required for two).")

    # The criteria (policy §4.6 step 2), recorded on every request.
    performance_from = models.DateField()
    performance_to = models.DateField()
    performance = models.TextField(help_text="The outstanding performance sustained over the period.")
    objectives_met = models.TextField(help_text="The stretching objectives met.")
    evidence = models.TextField(blank=True, help_text="Links and references: appraisals, secondments, work.")
    review_date = models.DateField(null=True, blank=True,
                                   help_text="The probation or appraisal review within the last 6 months.")
    review_kind = models.CharField(max_length=20, blank=True)  # "appraisal" or "probation"
    review_reference = models.CharField(max_length=40, blank=True)
    review_link = models.CharField(max_length=300, blank=True)
    review_warning = models.TextField(blank=True, help_text="Shown on the request when no review was found.")

    # Comments and the decision.
    fm_comments = models.TextField(blank=True)
    hod_comments = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    approved_on = models.DateField(null=True, blank=True)
    effective_date = models.DateField(null=True, blank=True)
    cost_to_year_end = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True,
                                           help_text="The cost from the effective date to the end of the pay year.")
    charged_to = models.CharField(max_length=200, blank=True, help_text="The post's funding the cost is charged to.")
    pay_record = models.ForeignKey("grades.PayRecord", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    tasks = GenericRelation("workflow.Task", related_query_name="progression_request")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One open request per person at a time (closed states: CLOSED_STATES).
            models.UniqueConstraint(fields=["subject"], condition=~Q(state__in=list(CLOSED_STATES)),
                                    name="one_open_progression_request_per_person"),
            models.CheckConstraint(condition=Q(points__in=[1, 2]), name="progression_one_or_two_points"),
            models.CheckConstraint(condition=Q(performance_to__gte=models.F("performance_from")),
                                   name="progression_period_in_order"),
            models.CheckConstraint(condition=Q(new_point=models.F("current_point") + models.F("points")),
                                   name="progression_new_point_adds_up"),
        ]
        indexes = [
            models.Index(fields=["state"], name="progression_state_idx"),
            models.Index(fields=["-created_at", "-id"], name="progression_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.subject} ({self.get_route_display()})"


class ProgressionEvent(WorkflowEvent):
    """One move on a request: who, in what capacity, from which state to which, and why (one per request and
    step, whatever the concurrency)."""

    request = models.ForeignKey(ProgressionRequest, on_delete=models.PROTECT, related_name="events")

    class Meta:
        ordering = ["request", "step"]
        constraints = [models.UniqueConstraint(fields=["request", "step"], name="one_move_per_progression_step")]

    def __str__(self) -> str:
        return f"{self.request.reference} step {self.step}: {self.action}"
