"""Every change to job descriptions, versions and the agreed JD library.

Each function checks permission and state, locks the row it changes, writes a history row
and queues side effects after commit, in one transaction.
"""

from __future__ import annotations

import re
from typing import Any

import nh3
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from gradepath.core.errors import PermissionDenied, ServiceError, StaleStateError
from gradepath.core.history import record_history
from gradepath.core.locking import lock
from gradepath.core.references import allocate_reference, highest_number
from gradepath.grades.models import Grade
from gradepath.jobs.models import (
    SECTION_LABELS,
    AgreedJD,
    JDVersion,
    JobDescription,
    JobFamily,
    MatchDecision,
)
from gradepath.jobs.permissions import can_create_jd, can_edit_jd, can_log_agreed
from gradepath.jobs.tasks import refresh_matching_index
from gradepath.people.models import OrgUnit

# Length limits per section, in characters (a clear message beyond them).
MAX_TITLE = 200
MAX_TEXT = 10_000
MAX_ITEM = 2_000
MAX_ITEMS = 60
EDITABLE_TEXT = ("purpose", "line_management", "working_relationships", "additional_information")
CRITERION_KINDS = ("essential", "desirable")
ASSESSED = ("application", "interview", "both")


def clean_text(value: Any, *, label: str, limit: int) -> str:
    """Plain text only: HTML tags are stripped (not escaped twice), whitespace tidied."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ServiceError(f"{label} must be text.")
    text = nh3.clean(value, tags=set(), attributes={}) if "<" in value else value
    text = text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("\r\n", "\n")
    text = re.sub(r"[ \t]+\n", "\n", text).strip()
    if len(text) > limit:
        raise ServiceError(f"{label} is {len(text):,} characters long; the limit is {limit:,}. Shorten it and save again.")
    return text


def clean_duties(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [line for line in value.splitlines()]
    if not isinstance(value, list):
        raise ServiceError("Main duties must be a list, one duty per line.")
    duties = [clean_text(d, label=f"Duty {i}", limit=MAX_ITEM) for i, d in enumerate(value, start=1)]
    duties = [re.sub(r"^\s*(?:[-•*]|\d+[.)])\s*", "", d) for d in duties]
    duties = [d for d in duties if d]
    if len(duties) > MAX_ITEMS:
        raise ServiceError(f"There are {len(duties)} duties; the limit is {MAX_ITEMS}. Group related duties together.")
    return duties


def clean_person_spec(value: Any) -> list[dict[str, str]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ServiceError("The person specification must be a list of criteria.")
    criteria = []
    for i, item in enumerate(value, start=1):
        if not isinstance(item, dict):
            raise ServiceError(f"Criterion {i} of the person specification is not in the expected form.")
        text = clean_text(item.get("text", ""), label=f"Criterion {i}", limit=MAX_ITEM)
        if not text:
            continue
        kind = item.get("kind", "essential")
        assessed = item.get("assessed", "application")
        if kind not in CRITERION_KINDS:
            raise ServiceError(f"Criterion {i} must be essential or desirable.")
        if assessed not in ASSESSED:
            raise ServiceError(f"Criterion {i} must be assessed at application, at interview, or both.")
        criteria.append({"text": text, "kind": kind, "assessed": assessed})
    if len(criteria) > MAX_ITEMS:
        raise ServiceError(f"There are {len(criteria)} criteria; the limit is {MAX_ITEMS}.")
    return criteria


def clean_sections(changes: dict[str, Any]) -> dict[str, Any]:
    """Validate and tidy section values; unknown keys are refused."""
    allowed = set(EDITABLE_TEXT) | {"job_title", "duties", "person_spec", "job_family", "grade"}
    unknown = set(changes) - allowed
    if unknown:
        raise ServiceError(f"These parts of a job description cannot be changed here: {', '.join(sorted(unknown))}.")
    cleaned: dict[str, Any] = {}
    for key, value in changes.items():
        if key == "job_title":
            title = clean_text(value, label="The job title", limit=MAX_TITLE)
            if not title:
                raise ServiceError("Give the job a title.")
            cleaned[key] = title
        elif key in EDITABLE_TEXT:
            cleaned[key] = clean_text(value, label=SECTION_LABELS[key], limit=MAX_TEXT)
        elif key == "duties":
            cleaned[key] = clean_duties(value)
        elif key == "person_spec":
            cleaned[key] = clean_person_spec(value)
        elif key == "job_family":
            if not isinstance(value, JobFamily):
                raise ServiceError("Choose a job family.")
            cleaned[key] = value
        elif key == "grade":
            if value is not None and not isinstance(value, Grade):
                raise ServiceError("Choose a grade.")
            cleaned[key] = value
    return cleaned


def _next_jd_reference() -> str:
    """The next JD reference (``JD-000042``), from the locked counter every series shares: two JDs
    started at once never get the same number. Call inside the transaction that stores it."""
    return allocate_reference("jd", 0, "JD-{number:06d}",
                              seed=lambda: highest_number(JobDescription.objects.all(), "JD-"))


def _next_agreed_reference(year: int) -> str:
    """The next agreed JD reference of the year (``AJD-2026-0042``; past 9999 it grows a digit)."""
    return allocate_reference("agreed-jd", year, "AJD-{year}-{number:04d}",
                              seed=lambda: highest_number(AgreedJD.objects.all(), f"AJD-{year}-"))


def create_job_description(*, actor, org_unit: OrgUnit, job_family: JobFamily, staff_category: str,
                           job_title: str, area: str = "", **sections: Any) -> JDVersion:
    """A new JD with its first draft version."""
    if not can_create_jd(actor):
        raise PermissionDenied("You need a staff record to draft a job description.")
    if staff_category not in ("pss", "technical"):
        raise ServiceError("Choose professional services or technical as the staff category.")
    cleaned = clean_sections({"job_title": job_title, **sections})
    with transaction.atomic():
        jd = JobDescription.objects.create(
            reference=_next_jd_reference(), org_unit=org_unit, job_family=job_family,
            area=clean_text(area, label="The area", limit=100), staff_category=staff_category,
            created_by=actor if actor is not None else None,
        )
        version = JDVersion.objects.create(jd=jd, number=1, job_family=job_family,
                                           created_by=actor, **cleaned)
        record_history(actor=actor, action="jd.created", obj=jd,
                       summary=f"Started job description {jd.reference} “{version.job_title}”.")
    return version


def save_draft(*, actor, version: JDVersion, changes: dict[str, Any], base_revision: int | None = None,
               base_values: dict[str, Any] | None = None) -> JDVersion:
    """Save edits to a draft, refusing to overwrite someone else's change.

    Either ``base_values`` (the sections as the editor first showed them: the check is per
    section, so two people editing different sections do not collide) or ``base_revision``
    (the whole draft's revision the editor started from). If the draft changed underneath,
    nothing is written and StaleStateError carries the current version and the sections
    in conflict, so the page can show the other writer's text beside the user's.
    """
    if not can_edit_jd(actor, version.jd):
        raise PermissionDenied("You cannot edit this job description.")
    cleaned = clean_sections(changes)
    with transaction.atomic():
        version = lock(version)
        if version.status != JDVersion.Status.DRAFT:
            raise ServiceError(
                f"Version {version.number} has been {version.get_status_display().lower()} and can no longer be "
                "edited. Start a new draft from it."
            )
        if base_values is not None:
            base = clean_sections(base_values)
            conflicts = [k for k in cleaned if k in base and getattr(version, k) != base[k]
                         and getattr(version, k) != cleaned[k]]
        elif base_revision is not None:
            conflicts = list(cleaned) if version.revision != base_revision else []
        else:
            raise ServiceError("The page did not say which version of the draft it was editing. Reload it.")
        if conflicts:
            error = StaleStateError(
                "Someone else saved this part of the draft while you were editing it. Your text has not been "
                "lost: compare it with theirs, then save again to keep yours."
            )
            error.current = version  # type: ignore[attr-defined]
            error.sections = conflicts  # type: ignore[attr-defined]
            raise error
        if "grade" in cleaned and cleaned["grade"] != version.grade:
            _refuse_grade_of_a_case_proposal(version)
        changed = [k for k, v in cleaned.items() if getattr(version, k) != v]
        if not changed:
            return version
        for key in changed:
            setattr(version, key, cleaned[key])
        version.revision += 1
        version.updated_at = timezone.now()
        version.save(update_fields=[*changed, "revision", "updated_at"])
        record_history(actor=actor, action="jd.draft_saved", obj=version.jd,
                       summary=f"Saved draft v{version.number}: "
                               f"{', '.join(SECTION_LABELS.get(k, k.replace('_', ' ')) for k in changed)}.")
    return version


def _refuse_grade_of_a_case_proposal(version: JDVersion) -> None:
    """The recommended grade of a draft that is an open grading case's proposal is given on the case
    page, with the submission (one place for it: the case sets the version's grade when it is
    submitted). The editor (web or API) cannot change it. Read through the case's relation to the JD,
    by name: grading builds on jobs, so jobs does not import it."""
    reference = (version.jd.grading_cases.filter(proposed_version=version, closed_at__isnull=True)
                 .values_list("reference", flat=True).first())
    if reference is not None:
        raise ServiceError(f"This draft is the proposed job description of grading case {reference}: its "
                           "recommended grade is given on the case page when the JD is submitted, not here.")


def _copy_fields(source: JDVersion) -> dict[str, Any]:
    return {
        "job_title": source.job_title, "job_family": source.job_family, "purpose": source.purpose,
        "duties": list(source.duties), "line_management": source.line_management,
        "working_relationships": source.working_relationships, "person_spec": [dict(c) for c in source.person_spec],
        "additional_information": source.additional_information, "grade": source.grade,
    }


def start_new_draft(*, actor, version: JDVersion) -> JDVersion:
    """Edit a submitted or agreed version: a new draft copied from it (or the open draft, if any)."""
    jd = version.jd
    if not can_edit_jd(actor, jd):
        raise PermissionDenied("You cannot edit this job description.")
    with transaction.atomic():
        lock(jd)
        existing = jd.versions.filter(status=JDVersion.Status.DRAFT).first()
        if existing is not None:
            return existing
        number = (jd.versions.aggregate(m=Max("number"))["m"] or 0) + 1
        draft = JDVersion.objects.create(jd=jd, number=number, based_on=version, created_by=actor,
                                         **_copy_fields(version))
        record_history(actor=actor, action="jd.draft_started", obj=jd,
                       summary=f"Started draft v{number} from v{version.number}.")
    return draft


def copy_and_adapt(*, actor, version: JDVersion, org_unit: OrgUnit, area: str | None = None,
                   for_post=None) -> JDVersion:
    """A new JD for another post, starting from an existing (usually agreed) version.

    ``for_post``: the JD is drafted for that post's regrading (its holder and their line manager
    may edit it), because the post's own JD is shared with other posts."""
    if not can_create_jd(actor):
        raise PermissionDenied("You need a staff record to draft a job description.")
    with transaction.atomic():
        fields = _copy_fields(version)
        jd = JobDescription.objects.create(
            reference=_next_jd_reference(), org_unit=org_unit, job_family=version.job_family,
            area=version.jd.area if area is None else area, staff_category=version.jd.staff_category,
            created_by=actor, for_post=for_post,
        )
        draft = JDVersion.objects.create(jd=jd, number=1, based_on=version, created_by=actor, **fields)
        summary = f"Started {jd.reference} by copying {version.jd.reference} v{version.number}"
        if for_post is not None:
            summary += f" for the regrading of post {for_post.post_number}"
        record_history(actor=actor, action="jd.copied", obj=jd, summary=summary + ".")
    return draft


def submit_version(*, actor, version: JDVersion, grade: Grade | None = None) -> JDVersion:
    """Freeze a draft: from now on its text cannot change. ``grade``, when given, is the recommended
    grade it is submitted with (a grading case's recommendation: one place for it, the case)."""
    if not can_edit_jd(actor, version.jd):
        raise PermissionDenied("You cannot submit this job description.")
    with transaction.atomic():
        version = lock(version)
        if version.status != JDVersion.Status.DRAFT:
            raise ServiceError(f"Version {version.number} has already been submitted.")
        if not version.purpose or not version.duties:
            raise ServiceError("A job description needs a purpose and at least one duty before it is submitted.")
        version.status = JDVersion.Status.SUBMITTED
        version.submitted_at = timezone.now()
        fields = ["status", "submitted_at"]
        if grade is not None and version.grade_id != grade.pk:
            version.grade = grade
            fields.append("grade")
        version.save(update_fields=fields)
        record_history(actor=actor, action="jd.submitted", obj=version.jd,
                       summary=f"Submitted v{version.number} “{version.job_title}”.")
    return version


def log_agreed_jd(*, actor, version: JDVersion, grade: Grade, area: str | None = None) -> AgreedJD:
    """Agree a submitted version at a grade and log it in the library with a reference number.

    The JD's previous agreed version becomes superseded and leaves the current library.
    """
    if not can_log_agreed(actor):
        raise PermissionDenied("Only an HR Business Partner can log an agreed job description.")
    with transaction.atomic():
        version = lock(version)
        if version.status == JDVersion.Status.DRAFT:
            raise ServiceError("Submit the draft before it is agreed.")
        if version.status != JDVersion.Status.SUBMITTED:
            raise ServiceError(f"Version {version.number} is already {version.get_status_display().lower()}.")
        now = timezone.now()
        for old in JDVersion.objects.select_for_update().filter(jd=version.jd, status=JDVersion.Status.AGREED):
            old.status = JDVersion.Status.SUPERSEDED
            old.save(update_fields=["status"])
        AgreedJD.objects.filter(version__jd=version.jd, is_current=True).update(is_current=False)
        version.status = JDVersion.Status.AGREED
        version.agreed_at = now
        version.save(update_fields=["status", "agreed_at"])
        entry = AgreedJD.objects.create(
            version=version, reference=_next_agreed_reference(now.year), grade=grade,
            job_family=version.job_family, area=version.jd.area if area is None else area,
            staff_category=version.jd.staff_category, logged_at=now, logged_by=actor,
        )
        record_history(actor=actor, action="jd.agreed_logged", obj=version.jd,
                       summary=f"Logged v{version.number} in the agreed JD library as {entry.reference} at {grade}.")
        # Once per transaction, however many JDs it logs (a bulk load logs hundreds).
        pending = transaction.get_connection().run_on_commit
        if not any(item[1] is _refresh_matching_index for item in pending):
            transaction.on_commit(_refresh_matching_index)
    return entry


def record_final_grade(*, actor, entry: AgreedJD, grade: Grade, reason: str) -> AgreedJD:
    """The grade finally decided for a logged agreed JD (an appeal upheld at another grade): the library
    says that grade, and the change and its reason stay in the JD's history (policy §3.6)."""
    with transaction.atomic():
        entry = lock(entry)
        if entry.grade_id == grade.pk:
            return entry
        before = entry.grade
        entry.grade = grade
        entry.save(update_fields=["grade"])
        record_history(actor=actor, action="jd.agreed_grade_changed", obj=entry.version.jd,
                       before={"grade": str(before)}, after={"grade": str(grade)},
                       summary=f"{entry.reference} (v{entry.version.number}) is now at {grade}, was {before}: "
                               f"{reason}")
        transaction.on_commit(_refresh_matching_index)
    return entry


def _refresh_matching_index() -> None:
    refresh_matching_index.enqueue()


def record_match(*, actor, version: JDVersion, agreed_jd: AgreedJD, reason: str,
                 score: float | None = None) -> MatchDecision:
    """Record the agreed JD this draft was "matched to", and why. Kept with the draft."""
    if not can_edit_jd(actor, version.jd):
        raise PermissionDenied("You cannot record a match for this job description.")
    reason = clean_text(reason, label="The reason", limit=MAX_ITEM)
    if not reason:
        raise ServiceError("Say why this agreed job description is the right match.")
    if agreed_jd.version.jd_id == version.jd_id:
        raise ServiceError("A job description cannot be matched to its own agreed version.")
    with transaction.atomic():
        decision = MatchDecision.objects.create(version=version, agreed_jd=agreed_jd, reason=reason,
                                                score=score, recorded_by=actor)
        record_history(actor=actor, action="jd.matched", obj=version.jd,
                       summary=f"Matched v{version.number} to {agreed_jd.reference} "
                               f"“{agreed_jd.version.job_title}” ({agreed_jd.grade}): {reason}")
    return decision


# --- Warnings (shown, never blocking) -------------------------------------------------------------

GENDERED = re.compile(
    r"\b(he|she|him|her|his|hers|himself|herself|chairman|chairwoman|manpower|foreman|"
    r"salesman|workman|headmaster|headmistress)\b",
    re.IGNORECASE,
)
GRADE_MENTION = re.compile(r"\bgrade\s*(?:[1-9]|10)\b", re.IGNORECASE)
TITLED_NAME = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\.?\s+[A-Z][a-z]+", re.UNICODE)


def text_warnings(version: JDVersion, people_names: set[str] | None = None) -> list[str]:
    """Plain-language warnings: a good JD names no holder, grade or gender."""
    text = version.plain_text()
    warnings: list[str] = []
    if m := GRADE_MENTION.search(text):
        warnings.append(f"The text mentions “{m.group(0)}”. A job description should not state a grade; the "
                        "grade is decided by matching or evaluation.")
    if m := GENDERED.search(text):
        warnings.append(f"The text uses the gendered word “{m.group(0)}”. Use “they” or the job title instead.")
    if m := TITLED_NAME.search(text):
        warnings.append(f"The text seems to name a person (“{m.group(0)}”). Describe the role, not the holder.")
    elif people_names:
        lowered = text.lower()
        for name in people_names:
            if len(name) > 5 and name.lower() in lowered:
                warnings.append(f"The text names {name}. Describe the role, not the holder.")
                break
    return warnings
