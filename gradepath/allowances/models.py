"""Acting up and honoraria: one record per allowance (policy §4.8), its events (one move per
allowance and step) and its tasks (in the engine's one task table).

An **acting-up allowance** pays someone who does the full duties of a higher-graded post for more than
6 consecutive weeks: while it runs there is an acting-up appointment on that post and a pay record at
the acting-up point; when it ends the pay returns to the substantive grade and point (the history is
kept). An **honorarium** pays for significant extra duties short of a full post: an amount agreed
between the line manager and HR, once or monthly over a period; it is recorded here (no spine point,
so no pay record).

The legal moves are data in :mod:`gradepath.allowances.workflow`; every change goes through the
workflow engine (:func:`gradepath.allowances.services.perform_action`) or a service.
"""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import Q

from gradepath.workflow.models import WorkflowEvent, WorkflowObject


class Kind(models.TextChoices):
    ACTING_UP = "acting_up", "Acting up"
    HONORARIUM = "honorarium", "Honorarium"


class Payment(models.TextChoices):
    ONCE = "once", "Paid once"
    MONTHLY = "monthly", "Paid monthly over a period"


# Where an allowance ends: acting up ended, an honorarium agreed, declined or withdrawn.
CLOSED_STATES = ("ended", "agreed", "declined", "withdrawn")


class Allowance(WorkflowObject):
    """One acting-up allowance or honorarium and everything decided on it (reference, state, step: the
    engine's)."""

    kind = models.CharField(max_length=20, choices=Kind.choices)
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="allowances",
                               help_text="The member of staff who acts up or is paid the honorarium.")
    line_manager = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+",
                                     help_text="Their line manager, who proposed it.")
    initiator = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    org_unit = models.ForeignKey("people.OrgUnit", on_delete=models.PROTECT, related_name="allowances",
                                 help_text="The unit of the person's substantive post (its FM/HPS approves).")
    title = models.CharField(max_length=200, help_text="What it is, in a line (the post acted up in, or the duties).")
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True, help_text="Empty for an honorarium paid once.")
    duties = models.TextField(blank=True, help_text="The duties: the higher post's, or the extra duties paid for.")
    long_reason = models.TextField(blank=True, help_text="Why acting up runs beyond the normal maximum.")

    # Acting up
    post = models.ForeignKey("people.Post", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             help_text="The higher-graded post acted up in.")
    higher_grade = models.ForeignKey("grades.Grade", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    substantive_grade = models.ForeignKey("grades.Grade", null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="+")
    substantive_point = models.PositiveSmallIntegerField(null=True, blank=True)
    acting_point = models.PositiveSmallIntegerField(null=True, blank=True)
    pay_record = models.ForeignKey("grades.PayRecord", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", help_text="The pay record at the acting-up point.")
    restored_record = models.ForeignKey("grades.PayRecord", null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="+", help_text="The pay record back at the substantive grade.")
    appointment = models.ForeignKey("people.Appointment", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    ended_on = models.DateField(null=True, blank=True, help_text="The last day of acting up.")

    # Honorarium (whole pounds: an honorarium is not a spine point)
    payment = models.CharField(max_length=10, choices=Payment.choices, blank=True)
    proposed_amount = models.PositiveIntegerField(null=True, blank=True, help_text="The line manager's proposal (£).")
    hr_amount = models.PositiveIntegerField(null=True, blank=True, help_text="HR Services' counter-proposal (£).")
    agreed_amount = models.PositiveIntegerField(null=True, blank=True, help_text="The amount agreed (£).")
    agreed_at = models.DateTimeField(null=True, blank=True)

    tasks = GenericRelation("workflow.Task", related_query_name="allowance")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                                   name="allowance_ends_after_it_starts"),
            models.CheckConstraint(condition=~Q(kind="acting_up") | (Q(post__isnull=False) & Q(end_date__isnull=False)),
                                   name="acting_up_has_a_post_and_an_end"),
            models.CheckConstraint(condition=~Q(kind="honorarium") | (Q(proposed_amount__gt=0) & ~Q(payment="")),
                                   name="honorarium_has_an_amount_and_payment"),
            models.CheckConstraint(condition=Q(agreed_amount__isnull=True) | Q(agreed_amount__gt=0),
                                   name="honorarium_agreed_amount_positive"),
            models.CheckConstraint(condition=~Q(payment="monthly") | Q(end_date__isnull=False),
                                   name="monthly_honorarium_has_an_end"),
        ]
        indexes = [
            models.Index(fields=["person", "kind"], name="allowance_person_idx"),
            models.Index(fields=["state"], name="allowance_state_idx"),
            models.Index(fields=["-updated_at", "-id"], name="allowance_list_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.get_kind_display()}: {self.title}"

    @property
    def amount(self) -> int | None:
        """The amount as it stands: agreed, else HR Services' counter-proposal, else the manager's."""
        return self.agreed_amount or self.hr_amount or self.proposed_amount


class AllowanceEvent(WorkflowEvent):
    """One move on an allowance; the unique (allowance, step) allows one move per step whatever the
    concurrency."""

    allowance = models.ForeignKey(Allowance, on_delete=models.PROTECT, related_name="events")

    class Meta:
        ordering = ["allowance", "step"]
        constraints = [models.UniqueConstraint(fields=["allowance", "step"], name="one_move_per_allowance_step")]

    def __str__(self) -> str:
        return f"{self.allowance.reference} step {self.step}: {self.action}"
