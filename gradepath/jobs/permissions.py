"""Access gates for job descriptions and the agreed JD library.

* Agreed JDs in the library are reference documents: every signed-in member of staff may read
  them (the policy points staff to "examples available"). Their holders are personal data and
  are filtered through ``people.permissions.visible_people``.
* A job description (and every version, drafts included) is visible to HR and
  administrators; to the FM/HPS, HoD/departmental contact and HRBP of its unit (or their
  active delegates); to holders of its posts and their line managers; and to its author.
* Drafts may be edited by the same people, except that a holder's line manager and the holder
  edit only drafts they started or that were started for their post.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from gradepath.jobs.models import AgreedJD, JDVersion, JobDescription
from gradepath.people import roles
from gradepath.people.models import Appointment
from gradepath.people.permissions import sees_everyone
from gradepath.people.relations import person_of, scope_unit_ids

EDITORS = {roles.HR_BUSINESS_PARTNER, roles.HR_SERVICES, roles.ADMINISTRATOR}


def visible_jds(user) -> QuerySet[JobDescription]:
    if not user or not user.is_authenticated:
        return JobDescription.objects.none()
    if sees_everyone(user):
        return JobDescription.objects.all()
    me = person_of(user)
    allowed = Q(created_by=user)
    # Every JD in the library is a reference document.
    allowed |= Q(versions__agreed_entry__isnull=False)
    if me is not None:
        units = scope_unit_ids(me)
        if units:
            allowed |= Q(org_unit_id__in=units)
        today = timezone.localdate()
        held = Appointment.objects.current(today).filter(Q(person=me) | Q(person__line_manager=me))
        allowed |= Q(versions__posts__appointments__in=held)
        allowed |= Q(for_post__appointments__in=held)  # drafted for my (or my report's) post's regrading
    return JobDescription.objects.filter(
        pk__in=JobDescription.objects.filter(allowed).values("pk")
    )


def get_jd_for_user(user, pk) -> JobDescription:
    """The access gate for job descriptions."""
    try:
        return visible_jds(user).select_related("org_unit", "job_family", "for_post").get(pk=pk)
    except (JobDescription.DoesNotExist, ValueError, TypeError):
        raise Http404("No such job description.") from None


def visible_versions(user) -> QuerySet[JDVersion]:
    return JDVersion.objects.filter(jd__in=visible_jds(user))


def get_version_for_user(user, pk) -> JDVersion:
    """The access gate for JD versions (a version is visible with its JD)."""
    try:
        return visible_versions(user).select_related("jd", "jd__org_unit", "job_family", "grade").get(pk=pk)
    except (JDVersion.DoesNotExist, ValueError, TypeError):
        raise Http404("No such job description version.") from None


def visible_agreed(user) -> QuerySet[AgreedJD]:
    if not user or not user.is_authenticated:
        return AgreedJD.objects.none()
    return AgreedJD.objects.all()


def get_agreed_for_user(user, pk) -> AgreedJD:
    """The access gate for the agreed JD library."""
    try:
        return visible_agreed(user).select_related("version", "version__jd", "grade", "job_family").get(pk=pk)
    except (AgreedJD.DoesNotExist, ValueError, TypeError):
        raise Http404("No such agreed job description.") from None


def can_edit_jd(user, jd: JobDescription) -> bool:
    """Start or edit drafts of this JD."""
    if user is None:
        return True
    if not user.is_authenticated:
        return False
    if user.is_superuser or roles.group_names(user) & EDITORS:
        return True
    if jd.created_by_id == user.pk:
        return True
    me = person_of(user)
    if me is None:
        return False
    if jd.org_unit_id in scope_unit_ids(me):
        return True
    today = timezone.localdate()
    held = Q(post__jd_version__jd=jd)
    if jd.for_post_id is not None:
        held |= Q(post_id=jd.for_post_id)  # a JD drafted for this post's regrading
    return Appointment.objects.current(today).filter(Q(person=me) | Q(person__line_manager=me), held).exists()


def can_create_jd(user) -> bool:
    """Anyone with a person record may draft a new JD (a manager for a new post, staff for a proposal)."""
    return user is None or (user.is_authenticated and (user.is_superuser or person_of(user) is not None
                                                       or bool(roles.group_names(user) & EDITORS)))


def can_log_agreed(user) -> bool:
    """Logging in the library is the HRBP's step (administrators may too)."""
    return user is None or roles.in_group(user, roles.HR_BUSINESS_PARTNER, roles.ADMINISTRATOR)
