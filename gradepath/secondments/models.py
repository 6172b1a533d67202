"""Secondments (policy §4.7): the opportunity board, the redeployment register, and each application
that becomes a secondment.

An :class:`Opportunity` is posted by its host manager (or HR Services for them) and read by everyone
signed in once the redeployment register's head start is over. An application is a
:class:`Secondment`, the process's object on the workflow engine: applied → selected by the host →
released by the home line manager → confirmed by the host with its dates and development plan →
placed by HR Services (a secondment appointment, and pay at the host grade when it is higher; the
substantive appointment is kept) → extended (reviewed) or returned. The legal moves are data in
:mod:`gradepath.secondments.workflow`; every change goes through :mod:`gradepath.secondments.services`.
"""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import Q
from django.utils import timezone

from gradepath.core.dates import add_months, months_between  # noqa: F401 - re-exported: the process reads them here
from gradepath.workflow.models import WorkflowEvent, WorkflowObject

# Where an application ends.
CLOSED_STATES = ("returned", "not_selected", "release_refused", "withdrawn")
# States in which the person is on secondment (or their placement is arranged).
PLACED_STATES = ("placed", "extension_review", "ending", "returned")


class Reason(models.TextChoices):
    VACANT_ROLE = "vacant_role", "To cover a vacant role"
    PROJECT = "project", "To undertake a specific project"
    PEAK_WORKLOAD = "peak_workload", "To assist with a peak in workload"


class RedeploymentEntry(models.Model):
    """A person on the redeployment register (kept by HR Services): they see new opportunities first.

    An entry is never deleted: taking someone off the register dates it (``removed_at``), so the
    register's history stays readable. One entry per person is on the register at a time."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="redeployment_entries")
    since = models.DateField(default=timezone.localdate)
    note = models.CharField(max_length=300, blank=True, help_text="Why they are on the register (for HR).")
    added_by = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    removal_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-since", "-id"]
        verbose_name = "redeployment register entry"
        verbose_name_plural = "redeployment register"
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=Q(removed_at__isnull=True),
                                    name="one_live_redeployment_entry_per_person"),
        ]

    def __str__(self) -> str:
        return f"{self.person} on the redeployment register since {self.since:%d %b %Y}"


class Opportunity(models.Model):
    """A secondment opportunity on the board: why, where (host unit and post), at which grade and FTE,
    from when to when. Under the internal-only length it is advertised internally only (derived)."""

    class Status(models.TextChoices):
        OPEN = "open", "Open for applications"
        CLOSED = "closed", "Closed to applications"
        FILLED = "filled", "Filled"
        WITHDRAWN = "withdrawn", "Withdrawn"

    reference = models.CharField(max_length=20, unique=True)
    title = models.CharField(max_length=200)
    reason = models.CharField(max_length=20, choices=Reason.choices)
    description = models.TextField(help_text="What the secondee will do, and what they will learn.")
    host_unit = models.ForeignKey("people.OrgUnit", on_delete=models.PROTECT, related_name="secondment_opportunities")
    post = models.ForeignKey("people.Post", on_delete=models.PROTECT, related_name="secondment_opportunities")
    grade = models.ForeignKey("grades.Grade", on_delete=models.PROTECT, related_name="+")
    fte = models.DecimalField(max_digits=4, decimal_places=2, default=1, verbose_name="FTE")
    start_date = models.DateField()
    end_date = models.DateField()
    closing_date = models.DateField(help_text="The last day applications are taken.")
    host_manager = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="hosted_opportunities",
                                     help_text="Who selects and manages the secondee in the host unit.")
    posted_by = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    posted_on = models.DateField(default=timezone.localdate)
    register_until = models.DateField(
        help_text="Until this day only people on the redeployment register see it and may apply.")
    created_at = models.DateTimeField(default=timezone.now)
    status_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-posted_on", "-id"]
        verbose_name_plural = "opportunities"
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gt=models.F("start_date")),
                                   name="opportunity_ends_after_it_starts"),
            models.CheckConstraint(condition=Q(fte__gt=0) & Q(fte__lte=1), name="opportunity_fte_between_0_and_1"),
        ]
        indexes = [models.Index(fields=["status", "register_until"], name="opportunity_board_idx")]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def months(self) -> int:
        return months_between(self.start_date, self.end_date)

    @property
    def internal_only(self) -> bool:
        """Under the internal-only length (policy §4.7 step 1): advertised internally only."""
        from django.conf import settings

        return self.months < settings.GRADEPATH_SECONDMENTS["INTERNAL_ONLY_UNDER_MONTHS"]


class Secondment(WorkflowObject):
    """One application for an opportunity, and the secondment it becomes (the engine's object).

    ``home_manager`` is the applicant's line manager when they applied: only they release the applicant.
    ``home_pay`` is the substantive pay line in force before the placement: the return restores it.
    """

    opportunity = models.ForeignKey(Opportunity, on_delete=models.PROTECT, related_name="applications")
    applicant = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="secondments")
    home_manager = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+",
                                     help_text="The applicant's line manager when they applied.")
    host_manager = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    home_unit = models.ForeignKey("people.OrgUnit", on_delete=models.PROTECT, related_name="+")
    host_unit = models.ForeignKey("people.OrgUnit", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200, help_text="The opportunity's title, for the inbox.")
    statement = models.TextField()
    evidence = models.TextField(blank=True)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True, help_text="The last day of the secondment (as extended).")
    original_end_date = models.DateField(null=True, blank=True)
    requested_end_date = models.DateField(null=True, blank=True, help_text="An extension under review.")
    development_plan = models.TextField(blank=True)
    substantive = models.ForeignKey("people.Appointment", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", help_text="The substantive appointment kept: the right to return.")
    appointment = models.ForeignKey("people.Appointment", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", help_text="The secondment appointment in the host post.")
    home_pay = models.ForeignKey("grades.PayRecord", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", help_text="The substantive pay line in force before the start.")
    secondment_pay = models.ForeignKey("grades.PayRecord", null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="+", help_text="The pay line at the host grade, if any.")
    returned_on = models.DateField(null=True, blank=True, help_text="The first day back in the substantive post.")

    tasks = GenericRelation("workflow.Task", related_query_name="secondment")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # A second application to the same opportunity is refused (the service says so first).
            models.UniqueConstraint(fields=["opportunity", "applicant"], name="one_application_per_opportunity"),
            models.CheckConstraint(condition=Q(end_date__isnull=True) | Q(start_date__isnull=True)
                                   | Q(end_date__gt=models.F("start_date")), name="secondment_ends_after_it_starts"),
        ]
        indexes = [models.Index(fields=["state", "-created_at"], name="secondment_state_idx"),
                   # The lists' order: newest first, read from the index a page at a time.
                   models.Index(fields=["-created_at", "-id"], name="secondment_newest_idx")]

    def __str__(self) -> str:
        return f"{self.reference} {self.applicant} – {self.title}"


class SecondmentEvent(WorkflowEvent):
    """One move on a secondment: one per secondment and step, whatever the concurrency."""

    secondment = models.ForeignKey(Secondment, on_delete=models.PROTECT, related_name="events")

    class Meta:
        ordering = ["secondment", "step"]
        constraints = [models.UniqueConstraint(fields=["secondment", "step"], name="one_move_per_secondment_step")]

    def __str__(self) -> str:
        return f"{self.secondment.reference} step {self.step}: {self.action}"
