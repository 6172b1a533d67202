"""Org units, people, posts, appointments and delegations.

Writes go through :mod:`gradepath.people.services`; reads that depend on who is looking go
through the access gates in :mod:`gradepath.people.permissions`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Case, Exists, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone


class User(AbstractUser):
    """A login. The person record (if any) is ``user.person``."""

    class Meta:
        db_table = "people_user"


class OrgUnit(models.Model):
    """A faculty or PS division, a department or institute, or a section, as a tree.

    Who holds a unit role (FM/HPS, HoD or departmental contact, HRBP, Dean …) is a dated
    :class:`UnitRoleAssignment`; a holder named on a unit applies to every unit below it unless a
    lower unit names its own (:func:`gradepath.people.relations.nearest_holder`).
    """

    class Kind(models.TextChoices):
        FACULTY = "faculty", "Academic faculty"
        PS_DIVISION = "ps_division", "Professional services division"
        DEPARTMENT = "department", "Department or institute"
        SECTION = "section", "Section"

    code = models.CharField(max_length=30, unique=True, help_text="The HR system's unit code.")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    # Materialised path of ids ("/3/17/42/"), kept by the services, so "this unit and every
    # unit below it" is one indexed prefix query on both databases.
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(parent__isnull=False) | Q(kind__in=["faculty", "ps_division"]),
                name="orgunit_only_top_level_without_parent",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        return max(self.path.count("/") - 1, 0)

    @property
    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to this unit, inclusive."""
        return [int(part) for part in self.path.strip("/").split("/") if part]

    def root_kind(self) -> str:
        """Faculty or PS division: decides whether the HoD or a departmental contact is copied."""
        root_id = self.ancestor_ids[0] if self.ancestor_ids else self.pk
        if root_id == self.pk:
            return self.kind
        return OrgUnit.objects.only("kind").get(pk=root_id).kind

    @property
    def head_title(self) -> str:
        return self.head_title_for(self.root_kind())

    @staticmethod
    def head_title_for(root_kind: str) -> str:
        """What the ``head`` role is called under a unit whose top unit is of ``root_kind``."""
        return "Head of Department" if root_kind == OrgUnit.Kind.FACULTY else "Departmental contact"


class Person(models.Model):
    """A member of staff, as the HR system knows them."""

    class StaffCategory(models.TextChoices):
        PROFESSIONAL_SERVICES = "pss", "Professional services"
        TECHNICAL = "technical", "Technical"
        ACADEMIC = "academic", "Academic"

    user = models.OneToOneField(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="person")
    employee_number = models.CharField(max_length=20, unique=True)
    title = models.CharField(max_length=20, blank=True, help_text="Dr, Ms, Mr, Prof …")
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    known_as = models.CharField(max_length=100, blank=True)
    work_email = models.EmailField(unique=True)
    staff_category = models.CharField(max_length=20, choices=StaffCategory.choices)
    line_manager = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    probation_end = models.DateField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name_plural = "people"
        constraints = [
            models.CheckConstraint(
                condition=~Q(line_manager=models.F("pk")), name="person_not_own_line_manager"
            ),
        ]
        indexes = [models.Index(fields=["last_name", "first_name"], name="person_name_idx")]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.known_as or self.first_name} {self.last_name}"

    def in_probation(self, on: dt.date) -> bool:
        return self.probation_end is not None and on <= self.probation_end


class EqualityData(models.Model):
    """Equality-monitoring data: special-category personal data (UK GDPR art. 9).

    Kept apart from the person record, visible only to the "Equality data viewer" group,
    and every read is written to the history table (see people.permissions).
    """

    PREFER_NOT = "prefer_not_to_say"

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="equality_data")
    sex = models.CharField(max_length=30, blank=True)
    gender_identity_same_as_birth = models.CharField(max_length=30, blank=True)
    ethnicity = models.CharField(max_length=100, blank=True)
    disability = models.CharField(max_length=30, blank=True)
    sexual_orientation = models.CharField(max_length=50, blank=True)
    religion = models.CharField(max_length=50, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "equality-monitoring data"
        verbose_name_plural = "equality-monitoring data"

    def __str__(self) -> str:
        return f"Equality-monitoring data for {self.person}"


def grade_in_force_annotations(post_path: str, on: dt.date, *, coming: bool = False) -> dict[str, Any]:
    """Annotations giving the grade of a post in force on ``on`` (and, with ``coming``, the next
    change after it), for a queryset whose post id is at ``post_path`` ("pk" on posts, "post_id" on
    appointments). Subqueries, so the query count does not grow with the rows.

    The grade history (:class:`PostGrade`) is the record. A post with no history at all (recorded
    before the history was kept, or made by a factory) falls back to ``Post.grade``.
    """
    rows = PostGrade.objects.live().filter(post=OuterRef(post_path))
    in_force = rows.filter(effective_from__lte=on).order_by("-effective_from", "-pk")
    column = "grade" if post_path == "pk" else post_path.removesuffix("_id") + "__grade"

    def pick(field: str, fallback: str, output: models.Field) -> Coalesce:
        return Coalesce(
            Subquery(in_force.values(field)[:1], output_field=output),
            Case(When(Exists(rows), then=Value(None)), default=F(fallback), output_field=output),
            output_field=output,
        )

    values: dict[str, Any] = {
        "grade_on_id": pick("grade_id", f"{column}_id", models.IntegerField()),
        "grade_on_name": pick("grade__name", f"{column}__name", models.CharField()),
        "grade_on_number": pick("grade__number", f"{column}__number", models.IntegerField()),
        "grade_on_from": Subquery(in_force.values("effective_from")[:1]),
    }
    if coming:
        later = rows.filter(effective_from__gt=on).order_by("effective_from", "pk")
        values["coming_grade_name"] = Subquery(later.values("grade__name")[:1])
        values["coming_grade_from"] = Subquery(later.values("effective_from")[:1])
    return values


class PostQuerySet(models.QuerySet["Post"]):
    def with_grade_on(self, on: dt.date | None = None, *, coming: bool = True) -> PostQuerySet:
        """Each post with ``grade_on_id``/``grade_on_name``/``grade_on_number``/``grade_on_from``:
        its grade in force on the day (today by default), and ``coming_grade_name``/
        ``coming_grade_from``: the next change after it, if one is recorded."""
        return self.annotate(**grade_in_force_annotations("pk", on or timezone.localdate(), coming=coming))


class Post(models.Model):
    """A position in an org unit. Several posts can share one job description version.

    Its grade over time is its grade history (:class:`PostGrade`); ``grade`` is the grade in force
    today, kept for the code that reads it.
    """

    post_number = models.CharField(max_length=30, unique=True, verbose_name="post id")
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="posts")
    title = models.CharField(max_length=200)
    # The grade in force today, kept by people.services from the post's grade history (PostGrade,
    # the record; policy §3.4) and brought into force daily by ``gradepath post-grades-in-force``.
    # Pages read the history for the day they show (PostQuerySet.with_grade_on), never this column.
    grade = models.ForeignKey(
        "grades.Grade", null=True, blank=True, on_delete=models.PROTECT, related_name="posts",
        help_text="The grade in force today. Change it with a dated grade change (post grade history).",
    )
    fte = models.DecimalField(max_digits=4, decimal_places=2, default=1, verbose_name="FTE")
    funding_source = models.CharField(max_length=200, blank=True)
    grant_funded = models.BooleanField(
        default=False, help_text="Grant-funded posts need a finance approval to change grade."
    )
    jd_version = models.ForeignKey(
        "jobs.JDVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="posts",
        verbose_name="JD version", help_text="The job description version this post holds.",
    )
    is_active = models.BooleanField(default=True)

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ["post_number"]
        constraints = [
            models.CheckConstraint(condition=Q(fte__gt=0) & Q(fte__lte=1), name="post_fte_between_0_and_1"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.post_number})"


class PostGradeQuerySet(models.QuerySet["PostGrade"]):
    def live(self) -> PostGradeQuerySet:
        """Lines not superseded by a later line for the same date (a correction or an appeal)."""
        return self.filter(superseded_at__isnull=True)

    def in_force(self, on: dt.date | None = None) -> PostGradeQuerySet:
        """Live lines that have taken effect by ``on``, the one in force first."""
        on = on or timezone.localdate()
        return self.live().filter(effective_from__lte=on).order_by("-effective_from", "-pk")

    def coming(self, on: dt.date | None = None) -> PostGradeQuerySet:
        """Live lines that take effect after ``on``, soonest first."""
        on = on or timezone.localdate()
        return self.live().filter(effective_from__gt=on).order_by("effective_from", "pk")


class PostGrade(models.Model):
    """One line of a post's grade history: the grade from a date, why, and what decided it.

    Grades of posts are effective-dated like pay (policy §3.4): a regrade decided today for
    1 January leaves the old grade in force until 31 December. Lines are never changed; a second
    line for the same date (a correction, or the same case processed again after an appeal)
    supersedes the first, which is kept (``superseded_at``) so the history is never rewritten.
    Written only by :func:`gradepath.people.services.change_post_grade`.
    """

    class Reason(models.TextChoices):
        ESTABLISHED = "established", "Post established"
        REGRADE = "regrade", "Regrade"
        APPEAL = "appeal", "Appeal upheld"
        CORRECTION = "correction", "Correction"
        RECORDED = "recorded", "Grade held before the history was kept"

    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="grade_changes")
    grade = models.ForeignKey("grades.Grade", on_delete=models.PROTECT, related_name="+")
    effective_from = models.DateField()
    reason = models.CharField(max_length=20, choices=Reason.choices)
    source = models.CharField(
        max_length=100, blank=True,
        help_text="What decided it, for example the grading case reference (GC-2026-0009).",
    )
    jd_version = models.ForeignKey(
        "jobs.JDVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name="JD version", help_text="The job description version the grade was decided on.",
    )
    note = models.CharField(max_length=300, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    superseded_at = models.DateTimeField(
        null=True, blank=True, help_text="Set when a later line for the same date replaced this one.",
    )
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by",
    )

    objects = PostGradeQuerySet.as_manager()

    class Meta:
        ordering = ["post", "effective_from", "pk"]
        verbose_name = "post grade change"
        constraints = [
            # No two live changes for one post on one date: which would be in force?
            models.UniqueConstraint(
                fields=["post", "effective_from"], condition=Q(superseded_at__isnull=True),
                name="one_live_post_grade_per_post_and_date",
            ),
        ]
        indexes = [models.Index(fields=["post", "effective_from"], name="postgrade_post_date_idx")]

    def __str__(self) -> str:
        return f"{self.post.post_number}: {self.grade} from {self.effective_from:%d %b %Y}"


class AppointmentQuerySet(models.QuerySet["Appointment"]):
    def current(self, on: dt.date | None = None) -> AppointmentQuerySet:
        on = on or timezone.localdate()
        return self.filter(start_date__lte=on).filter(Q(end_date__isnull=True) | Q(end_date__gte=on))


class Appointment(models.Model):
    """A person in a post for a period: substantive, secondment or acting up."""

    class Kind(models.TextChoices):
        SUBSTANTIVE = "substantive", "Substantive"
        SECONDMENT = "secondment", "Secondment"
        ACTING_UP = "acting_up", "Acting up"

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="appointments")
    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="appointments")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.SUBSTANTIVE)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="appointment_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} in {self.post} ({self.kind_label})"

    @property
    def kind_label(self) -> str:
        """``get_kind_display()``, without its work for every call (the import shows thousands)."""
        return _APPOINTMENT_KINDS.get(self.kind, self.kind)

    def is_current(self, on: dt.date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.start_date <= on and (self.end_date is None or self.end_date >= on)

_APPOINTMENT_KINDS = dict(Appointment.Kind.choices)


class UnitRole(models.TextChoices):
    """The roles a unit names a holder for (:class:`UnitRoleAssignment`), in the university's words.

    A new role is a line here and a line in ``UNIT_ROLE_RULES``: no column, no migration of the
    unit table, no resolver branch. ``head`` reads "Head of Department" or "Departmental contact"
    by the kind of unit (:meth:`label_for`, ``OrgUnit.head_title``).
    """

    FM_HPS = "fm_hps", "FM/HPS"
    HEAD = "head", "HoD or departmental contact"
    HRBP = "hrbp", "HR Business Partner"
    DEAN = "dean", "Dean"
    VICE_PROVOST_OPERATIONS = "vice_provost_operations", "Vice-Provost (Operations)"
    TC_LEAD = "tc_lead", "Technician Commitment lead"
    COP_COORDINATOR = "cop_coordinator", "CoP coordinator"
    EVENT_ORGANISER = "event_organiser", "Event organiser"

    @property
    def delegable(self) -> bool:
        """Whether the holder may lend the role to a delegate (policy §2.3)."""
        return UNIT_ROLE_RULES[self.value].delegable

    @property
    def sees_unit(self) -> bool:
        """Whether holding the role lets the holder (and a delegate) see the records of the people,
        JDs and cases of the unit and every unit below it."""
        return UNIT_ROLE_RULES[self.value].sees_unit

    def label_for(self, unit: OrgUnit | None = None, *, root_kind: str | None = None) -> str:
        """The role's name as the unit calls it: "Head of Department" in an academic faculty,
        "Departmental contact" in a professional services division; the label otherwise."""
        if self is not UnitRole.HEAD or (unit is None and root_kind is None):
            return self.label
        kind = root_kind if root_kind is not None else unit.root_kind()  # type: ignore[union-attr]
        return OrgUnit.head_title_for(kind)


@dataclass(frozen=True)
class UnitRoleRule:
    """What a unit role allows: delegating it, and seeing the unit's records."""

    delegable: bool
    sees_unit: bool


UNIT_ROLE_RULES: dict[str, UnitRoleRule] = {
    UnitRole.FM_HPS: UnitRoleRule(delegable=True, sees_unit=True),
    UnitRole.HEAD: UnitRoleRule(delegable=True, sees_unit=True),
    UnitRole.HRBP: UnitRoleRule(delegable=True, sees_unit=True),
    UnitRole.DEAN: UnitRoleRule(delegable=True, sees_unit=True),
    UnitRole.VICE_PROVOST_OPERATIONS: UnitRoleRule(delegable=True, sees_unit=True),
    UnitRole.TC_LEAD: UnitRoleRule(delegable=False, sees_unit=False),
    UnitRole.COP_COORDINATOR: UnitRoleRule(delegable=False, sees_unit=False),
    UnitRole.EVENT_ORGANISER: UnitRoleRule(delegable=False, sees_unit=False),
}
DELEGABLE_ROLES = tuple(role for role in UnitRole.values if UNIT_ROLE_RULES[role].delegable)
OVERSIGHT_ROLES = tuple(role for role in UnitRole.values if UNIT_ROLE_RULES[role].sees_unit)


class UnitRoleAssignmentQuerySet(models.QuerySet["UnitRoleAssignment"]):
    def on(self, day: dt.date | None = None) -> UnitRoleAssignmentQuerySet:
        """Assignments held on ``day`` (today by default)."""
        day = day or timezone.localdate()
        return self.filter(start_date__lte=day).filter(Q(end_date__isnull=True) | Q(end_date__gte=day))

    def overlapping(self, start: dt.date, end: dt.date | None) -> UnitRoleAssignmentQuerySet:
        """Assignments whose dates share at least one day with ``start``–``end`` (None: open-ended)."""
        qs = self.filter(Q(end_date__isnull=True) | Q(end_date__gte=start))
        return qs if end is None else qs.filter(start_date__lte=end)


class UnitRoleAssignment(models.Model):
    """A person holds a unit role for a unit from a date, until a date or until further notice.

    One holder per unit and role on any day: refused by the database (PostgreSQL: an exclusion
    constraint over the dates; SQLite: triggers; both: one open-ended holder) and, with a sentence
    for the user, by :func:`gradepath.people.services.assign_unit_role`. Rows are never deleted:
    an assignment ends (``end_date``), so who held a role on any past day stays known.
    """

    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="role_assignments")
    # One of UnitRole's values. Not a field choice: the roles are code, so a new one needs no migration
    # (the services refuse anything else).
    role = models.CharField(max_length=30)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="unit_roles")
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True, help_text="Blank: until further notice.")

    objects = UnitRoleAssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["unit", "role", "start_date"]
        verbose_name = "unit role holder"
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="unit_role_ends_after_it_starts",
            ),
            models.UniqueConstraint(
                fields=["unit", "role"], condition=Q(end_date__isnull=True), name="one_open_holder_per_unit_role",
            ),
            models.UniqueConstraint(fields=["unit", "role", "start_date"], name="one_holder_per_unit_role_start"),
        ]
        indexes = [models.Index(fields=["person", "role"], name="unitrole_person_role_idx")]

    def __str__(self) -> str:
        until = f" to {self.end_date:%d %b %Y}" if self.end_date else ""
        return f"{self.person} as {self.get_role_display()} of {self.unit} from {self.start_date:%d %b %Y}{until}"

    def is_current(self, on: dt.date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.start_date <= on and (self.end_date is None or self.end_date >= on)

    def get_role_display(self) -> str:
        return role_label(self.role)


def role_label(role: str) -> str:
    """The label of a unit role value (the value itself for a role no longer known)."""
    return UnitRole(role).label if role in UnitRole.values else role


class DelegationQuerySet(models.QuerySet["Delegation"]):
    def active(self, on: dt.date | None = None) -> DelegationQuerySet:
        on = on or timezone.localdate()
        return self.filter(revoked_at__isnull=True, start_date__lte=on, end_date__gte=on)


class Delegation(models.Model):
    """A person lends one of their delegable unit roles to another person for a date range.

    Revocable and recorded. A delegate never acts on a case about themselves (see
    people.relations.acting_capacity).
    """

    delegator = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="delegations_given")
    delegate = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="delegations_received")
    role = models.CharField(max_length=30)  # a delegable UnitRole value (see UnitRoleAssignment.role)
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="delegations")
    start_date = models.DateField()
    end_date = models.DateField()
    reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = DelegationQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="delegation_ends_after_it_starts"
            ),
            models.CheckConstraint(
                condition=~Q(delegate=models.F("delegator")), name="delegation_not_to_self"
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.delegate} acts as {self.get_role_display()} of {self.org_unit} for {self.delegator} "
            f"({self.start_date:%d %b %Y}–{self.end_date:%d %b %Y})"
        )

    def is_active(self, on: dt.date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.revoked_at is None and self.start_date <= on <= self.end_date

    def get_role_display(self) -> str:
        return role_label(self.role)


class ImportRun(models.Model):
    """One import of the HR extract started on the admin page and carried out by the worker
    (``gradepath db_worker``): the file, the mode, where it stands and what it did.

    The import writes every change with its own history rows; this row is the page's record of the
    run, so the page can follow it after the upload's request has ended and show its report. How far
    a running import has got is not kept here (the import's own transaction would hide it): the
    worker writes it to a small file the page reads (:mod:`gradepath.people.importer.runs`).
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting for the worker"
        RUNNING = "running", "Running"
        FINISHED = "finished", "Finished"
        FAILED = "failed", "Stopped by an error"

    started_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    file_name = models.CharField(max_length=255, blank=True)
    # The file, kept while a run may still need it (a dry run's file, for the import that follows).
    data = models.BinaryField(blank=True, editable=False)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the file and the mode.")
    dry_run = models.BooleanField()
    per_row = models.BooleanField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    ok = models.BooleanField(null=True, blank=True, help_text="Whether every row imported (once finished).")
    summary = models.TextField(blank=True)
    report = models.JSONField(default=dict, blank=True, help_text="Problems and changes, as the page lists them.")
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(finished_at__isnull=True) | Q(status__in=["finished", "failed"]),
                name="importrun_finished_only_when_done",
            ),
        ]

    def __str__(self) -> str:
        what = "Dry run" if self.dry_run else "Import"
        return f"{what} of {self.file_name or 'an HR extract'} ({self.get_status_display().lower()})"
