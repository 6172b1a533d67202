"""The grade structure over the pay spine, salaries per pay year, and each person's pay history.

The structure is effective-dated: adding or removing points means a new
:class:`GradeStructure` from a date, so the history of who was on which point stays true.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils import timezone


class SpinePoint(models.Model):
    """A point on the pay spine (the national single pay spine, extended locally)."""

    number = models.PositiveSmallIntegerField(unique=True)

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return f"Spine point {self.number}"


class SpineSalary(models.Model):
    """The annual salary of a spine point for one pay year (pay years start on 1 August)."""

    point = models.ForeignKey(SpinePoint, on_delete=models.PROTECT, related_name="salaries")
    effective_from = models.DateField(help_text="The start of the pay year, normally 1 August.")
    annual_salary = models.DecimalField(max_digits=10, decimal_places=2)

    class Meta:
        ordering = ["point__number", "-effective_from"]
        verbose_name = "spine point salary"
        verbose_name_plural = "spine point salaries"
        constraints = [
            models.UniqueConstraint(fields=["point", "effective_from"], name="one_salary_per_point_and_year"),
            models.CheckConstraint(condition=Q(annual_salary__gt=0), name="salary_positive"),
        ]

    def __str__(self) -> str:
        return f"Point {self.point.number} from {self.effective_from}: £{self.annual_salary:,.0f}"


class GradeStructureQuerySet(models.QuerySet["GradeStructure"]):
    def in_force(self, on: dt.date | None = None) -> GradeStructure | None:
        on = on or timezone.localdate()
        return (
            self.filter(effective_from__lte=on)
            .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on))
            .order_by("-effective_from")
            .first()
        )


class GradeStructure(models.Model):
    """A set of grades in force for a period (a policy setting of each university)."""

    name = models.CharField(max_length=100)
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True)

    objects = GradeStructureQuerySet.as_manager()

    class Meta:
        ordering = ["-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["effective_from"], name="one_structure_per_start_date"),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=models.F("effective_from")),
                name="structure_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (from {self.effective_from:%d %b %Y})"


class Grade(models.Model):
    """A grade in one structure: an automatic zone of points and contribution points above it.

    Points ``bottom_point``..``top_automatic_point`` are reached by annual increments;
    ``top_automatic_point+1``..``top_point`` only by award (contribution points).
    A grade without increments (grade 10) has ``has_increments = False``.
    """

    structure = models.ForeignKey(GradeStructure, on_delete=models.PROTECT, related_name="grades")
    number = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=50)
    bottom_point = models.PositiveSmallIntegerField()
    top_automatic_point = models.PositiveSmallIntegerField()
    top_point = models.PositiveSmallIntegerField(help_text="Highest contribution point.")
    has_increments = models.BooleanField(default=True)

    class Meta:
        ordering = ["structure", "number"]
        constraints = [
            models.UniqueConstraint(fields=["structure", "number"], name="one_grade_number_per_structure"),
            models.CheckConstraint(
                condition=Q(top_automatic_point__gte=models.F("bottom_point"))
                & Q(top_point__gte=models.F("top_automatic_point")),
                name="grade_points_in_order",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def automatic_points(self) -> range:
        return range(self.bottom_point, self.top_automatic_point + 1)

    @property
    def contribution_points(self) -> range:
        return range(self.top_automatic_point + 1, self.top_point + 1)

    def zone_of(self, point: int) -> str:
        if point in self.automatic_points:
            return "automatic"
        if point in self.contribution_points:
            return "contribution"
        return "outside grade"


def salary_for(point: int, on: dt.date) -> Decimal | None:
    """The annual salary of a spine point on a date, or None if no salary is recorded."""
    row = (
        SpineSalary.objects.filter(point__number=point, effective_from__lte=on)
        .order_by("-effective_from")
        .values_list("annual_salary", flat=True)
        .first()
    )
    return row


class PayRecordQuerySet(models.QuerySet["PayRecord"]):
    def as_of(self, on: dt.date) -> PayRecordQuerySet:
        return self.filter(effective_from__lte=on).order_by("-effective_from", "-id")


class PayRecord(models.Model):
    """One line of a person's pay history: grade and spine point from a date, and why."""

    class Reason(models.TextChoices):
        APPOINTMENT = "appointment", "Appointment"
        ANNUAL_INCREMENT = "annual_increment", "Annual increment"
        REGRADE = "regrade", "Regrade"
        ACCELERATED_INCREMENT = "accelerated_increment", "Accelerated increment"
        CONTRIBUTION_POINT = "contribution_point", "Contribution point"
        ACTING_UP = "acting_up", "Acting up"
        SECONDMENT = "secondment", "Secondment"
        CORRECTION = "correction", "Correction"

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="pay_records")
    grade = models.ForeignKey(Grade, on_delete=models.PROTECT, related_name="pay_records")
    spine_point = models.PositiveSmallIntegerField()
    effective_from = models.DateField()
    reason = models.CharField(max_length=30, choices=Reason.choices)
    post = models.ForeignKey("people.Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(max_length=300, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        "people.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = PayRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-effective_from", "-id"]
        constraints = [
            # Running the annual increment twice for one date cannot add a second point.
            models.UniqueConstraint(
                fields=["person", "effective_from"],
                condition=Q(reason="annual_increment"),
                name="one_annual_increment_per_person_and_date",
            ),
        ]
        indexes = [models.Index(fields=["person", "effective_from"], name="payrecord_person_date_idx")]

    def __str__(self) -> str:
        return f"{self.person}: {self.grade}, point {self.spine_point} from {self.effective_from}"

    @property
    def annual_salary(self) -> Decimal | None:
        return salary_for(self.spine_point, self.effective_from)
