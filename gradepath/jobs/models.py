"""Job descriptions (JDs): an identity with immutable numbered versions, and the agreed JD library.

A version is a draft until it is submitted; from then on its text never changes (the
database refuses it: triggers in migration 0002). Editing a submitted or agreed version
means starting a new draft from it. Agreed versions are logged in the library
(:class:`AgreedJD`) with a reference number and grade, and new drafts are matched against
them.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

# The text sections of a version, in the order of the university template. ``duties`` and
# ``person_spec`` are ordered lists kept as JSON (portable across SQLite and PostgreSQL).
TEXT_SECTIONS: list[tuple[str, str]] = [
    ("job_title", "Job title"),
    ("purpose", "Purpose of the job"),
    ("duties", "Main duties and responsibilities"),
    ("line_management", "Line management and budget responsibility"),
    ("working_relationships", "Working relationships"),
    ("person_spec", "Person specification"),
    ("additional_information", "Additional information"),
]
SECTION_LABELS = dict(TEXT_SECTIONS)
# Every column the immutability triggers protect once a version is no longer a draft.
CONTENT_FIELDS = [
    "job_title", "job_family_id", "purpose", "duties", "line_management", "working_relationships",
    "person_spec", "additional_information", "grade_id",
]


class JobFamily(models.Model):
    """A job family (e.g. "Technical and experimental", "Professional services: finance")."""

    code = models.CharField(max_length=30, unique=True)
    name = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "job families"

    def __str__(self) -> str:
        return self.name


class JobDescription(models.Model):
    """The identity of a job description; its text lives in numbered versions."""

    reference = models.CharField(max_length=20, unique=True, help_text='For example "JD-000123".')
    org_unit = models.ForeignKey("people.OrgUnit", on_delete=models.PROTECT, related_name="job_descriptions")
    job_family = models.ForeignKey(JobFamily, on_delete=models.PROTECT, related_name="job_descriptions")
    area = models.CharField(max_length=100, blank=True, help_text='For example "Laboratory operations".')
    staff_category = models.CharField(max_length=20, choices=[("pss", "Professional services"),
                                                              ("technical", "Technical")])
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    for_post = models.ForeignKey(
        "people.Post", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="Drafted for this post's regrading (copied from the JD it shared with other posts); "
                  "its holder and their line manager may edit its drafts.")

    class Meta:
        ordering = ["reference"]
        # The JD list and its API: newest first, a page at a time.
        indexes = [models.Index(fields=["-created_at", "-id"], name="jd_created_idx")]

    def __str__(self) -> str:
        latest = self.versions.order_by("-number").first() if self.pk else None
        return f"{self.reference} {latest.job_title if latest else ''}".strip()


class JDVersionQuerySet(models.QuerySet["JDVersion"]):
    def agreed(self) -> JDVersionQuerySet:
        return self.filter(status=JDVersion.Status.AGREED)


class JDVersion(models.Model):
    """One numbered version of a JD. Immutable once submitted (database-enforced).

    ``duties``: a list of strings, in order.
    ``person_spec``: a list of ``{"text", "kind": "essential"|"desirable",
    "assessed": "application"|"interview"|"both"}``.
    ``revision`` counts saves of a draft, so a second writer with a stale copy is told.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        AGREED = "agreed", "Agreed"
        SUPERSEDED = "superseded", "Superseded"

    jd = models.ForeignKey(JobDescription, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    based_on = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    job_title = models.CharField(max_length=200)
    job_family = models.ForeignKey(JobFamily, on_delete=models.PROTECT, related_name="+")
    purpose = models.TextField(blank=True)
    duties = models.JSONField(default=list, blank=True)
    line_management = models.TextField(blank=True)
    working_relationships = models.TextField(blank=True)
    person_spec = models.JSONField(default=list, blank=True)
    additional_information = models.TextField(blank=True)
    grade = models.ForeignKey("grades.Grade", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                              help_text="The recommended (draft) or agreed grade.")

    revision = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    agreed_at = models.DateTimeField(null=True, blank=True)

    objects = JDVersionQuerySet.as_manager()

    class Meta:
        ordering = ["jd", "number"]
        constraints = [
            models.UniqueConstraint(fields=["jd", "number"], name="one_number_per_jd_version"),
            # At most one draft per JD at a time: a second "edit" opens the same draft.
            models.UniqueConstraint(fields=["jd"], condition=Q(status="draft"), name="one_draft_per_jd"),
            models.CheckConstraint(condition=Q(number__gte=1), name="version_number_from_one"),
        ]
        verbose_name = "JD version"

    def __str__(self) -> str:
        return f"{self.jd.reference} v{self.number}: {self.job_title}"

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    def stated_grade(self) -> tuple[str, Any]:
        """(label, grade) a document of this version states: the grade it was agreed at in the library
        (the decided grade, appeals included) once it is agreed, otherwise the recommended grade."""
        if self.status in (self.Status.AGREED, self.Status.SUPERSEDED):
            entry = AgreedJD.objects.filter(version_id=self.pk).select_related("grade").first()
            if entry is not None:
                return "Agreed grade", entry.grade
            return "Agreed grade", self.grade
        return "Recommended grade", self.grade

    def essential_criteria(self) -> list[dict]:
        return [c for c in self.person_spec if c.get("kind") == "essential"]

    def desirable_criteria(self) -> list[dict]:
        return [c for c in self.person_spec if c.get("kind") == "desirable"]

    def plain_text(self) -> str:
        """All sections as plain text (for matching, search and warnings)."""
        parts = [self.job_title, self.purpose, *[str(d) for d in self.duties], self.line_management,
                 self.working_relationships, *[str(c.get("text", "")) for c in self.person_spec],
                 self.additional_information]
        return "\n".join(p for p in parts if p)


class AgreedJD(models.Model):
    """An agreed JD version logged in the library ("database of agreed job descriptions")."""

    version = models.OneToOneField(JDVersion, on_delete=models.PROTECT, related_name="agreed_entry")
    reference = models.CharField(max_length=20, unique=True, help_text='For example "AJD-2026-0042".')
    grade = models.ForeignKey("grades.Grade", on_delete=models.PROTECT, related_name="agreed_jds")
    job_family = models.ForeignKey(JobFamily, on_delete=models.PROTECT, related_name="agreed_jds")
    area = models.CharField(max_length=100, blank=True)
    staff_category = models.CharField(max_length=20)
    logged_at = models.DateTimeField(default=timezone.now)
    logged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    is_current = models.BooleanField(default=True, help_text="False once a later agreed version replaces it.")

    class Meta:
        ordering = ["-logged_at", "-id"]
        verbose_name = "agreed JD"

    def __str__(self) -> str:
        return f"{self.reference} {self.version.job_title} ({self.grade})"


class MatchDecision(models.Model):
    """The agreed JD a draft was "matched to", with the reason; the latest one counts."""

    version = models.ForeignKey(JDVersion, on_delete=models.PROTECT, related_name="match_decisions")
    agreed_jd = models.ForeignKey(AgreedJD, on_delete=models.PROTECT, related_name="+")
    score = models.FloatField(null=True, blank=True)
    reason = models.TextField()
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        ordering = ["-recorded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.version} matched to {self.agreed_jd.reference}"
