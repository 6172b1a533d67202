"""Access gates for job descriptions, their versions and the agreed JD library (policy §3.5–3.6).

* Agreed JDs in the library are reference documents: every signed-in member of staff may read
  them (the policy points staff to "examples available"), and with them the agreed versions
  (those with a library entry) of any JD. Their holders are personal data and are filtered
  through ``people.permissions.visible_people``.
* Everything else about a JD (drafts, submitted proposals, its whole version list and its
  history) is for the people with a part in it: HR and administrators; the FM/HPS,
  HoD/departmental contact and HRBP of its unit (or their active delegates); holders of the
  posts on any of its versions and their line managers; its author; and, for a JD drafted for
  a post's regrading, that post's holder and their line manager. :func:`fully_visible_jds`.
* The gate therefore works per version: :func:`visible_versions` is every version of a JD the
  user may read in full plus the agreed versions of any JD. A JD that a user may open only
  because of its agreed versions shows only those (:func:`versions_for_user`) and only the
  history about them (:func:`jd_timeline_for_user`): someone else's open regrading proposal on
  the same JD, and who made it, stay hidden.
* Drafts may be edited by the same people, except that a holder's line manager and the holder
  edit only drafts they started or that were started for their post.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from gradepath.core.history import timeline_for
from gradepath.core.models import HistoryEntry
from gradepath.jobs.models import AgreedJD, JDVersion, JobDescription
from gradepath.people import roles
from gradepath.people.models import Appointment, Post
from gradepath.people.permissions import sees_everyone
from gradepath.people.relations import person_of, scope_unit_ids

EDITORS = {roles.HR_BUSINESS_PARTNER, roles.HR_SERVICES, roles.ADMINISTRATOR}


def fully_visible_jds(user) -> QuerySet[JobDescription]:
    """JDs this user may read in full: every version, drafts and proposals included, and the
    whole history (the post and case rules above; not the library rule)."""
    if not user or not user.is_authenticated:
        return JobDescription.objects.none()
    if sees_everyone(user):
        return JobDescription.objects.all()
    me = person_of(user)
    allowed = Q(created_by=user)
    if me is not None:
        units = scope_unit_ids(me)
        if units:
            allowed |= Q(org_unit_id__in=units)
        today = timezone.localdate()
        held_posts = (Appointment.objects.current(today).filter(Q(person=me) | Q(person__line_manager=me))
                      .values("post_id"))
        # Semi-joins on the few posts I (or my reports) hold, not a join of every JD to its versions,
        # posts and appointments with a DISTINCT over them (300 ms a check at 50,000 staff).
        allowed |= Q(pk__in=Post.objects.filter(pk__in=held_posts, jd_version__isnull=False)
                     .values("jd_version__jd_id"))
        allowed |= Q(for_post_id__in=held_posts)  # drafted for my (or my report's) post's regrading
    return JobDescription.objects.filter(allowed)


def _agreed_versions() -> QuerySet[JDVersion]:
    """Versions logged in the agreed JD library (current or replaced): reference documents."""
    return JDVersion.objects.filter(agreed_entry__isnull=False)


def visible_jds(user) -> QuerySet[JobDescription]:
    """JDs this user may open: those they may read in full, and any JD with an agreed version
    (which then shows only its agreed versions: see :func:`versions_for_user`)."""
    if not user or not user.is_authenticated:
        return JobDescription.objects.none()
    if sees_everyone(user):
        return JobDescription.objects.all()
    return JobDescription.objects.filter(
        Q(pk__in=fully_visible_jds(user).values("pk")) | Q(pk__in=_agreed_versions().values("jd_id"))
    )


def get_jd_for_user(user, pk) -> JobDescription:
    """The access gate for job descriptions. What of the JD the user may read comes from
    :func:`versions_for_user` and :func:`jd_timeline_for_user`."""
    try:
        return visible_jds(user).select_related("org_unit", "job_family", "for_post").get(pk=pk)
    except (JobDescription.DoesNotExist, ValueError, TypeError):
        raise Http404("No such job description.") from None


def can_read_jd_in_full(user, jd: JobDescription) -> bool:
    """Every version and the whole history of this JD (not only its agreed versions).
    Remembered on the JD object for the request."""
    if not user or not user.is_authenticated:
        return False
    cache = jd.__dict__.setdefault("_gp_read_in_full", {})
    if user.pk not in cache:
        cache[user.pk] = sees_everyone(user) or fully_visible_jds(user).filter(pk=jd.pk).exists()
    return cache[user.pk]


def visible_versions(user) -> QuerySet[JDVersion]:
    """Versions this user may read: every version of a JD they may read in full, and the
    agreed versions of any JD. Drafts and submitted versions never reach anyone else."""
    if not user or not user.is_authenticated:
        return JDVersion.objects.none()
    if sees_everyone(user):
        return JDVersion.objects.all()
    return JDVersion.objects.filter(Q(jd__in=fully_visible_jds(user).values("pk")) | Q(agreed_entry__isnull=False))


def can_read_version(user, version: JDVersion) -> bool:
    """One version, as :func:`visible_versions` decides it for many: agreed versions for everyone
    signed in, the others for those who may read the JD in full. Checked on the one row (the list's
    subquery over every JD costs tens of milliseconds at 50,000 staff)."""
    if not user or not user.is_authenticated:
        return False
    if sees_everyone(user) or AgreedJD.objects.filter(version_id=version.pk).exists():
        return True
    return can_read_jd_in_full(user, version.jd)


def get_version_for_user(user, pk) -> JDVersion:
    """The access gate for JD versions (per version: see :func:`can_read_version`)."""
    try:
        version = JDVersion.objects.select_related("jd", "jd__org_unit", "job_family", "grade").get(pk=pk)
    except (JDVersion.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404("No such job description version.") from None
    if not can_read_version(user, version):
        raise Http404("No such job description version.")
    return version


def versions_for_user(user, jd: JobDescription) -> QuerySet[JDVersion]:
    """The versions of ``jd`` this user may read (all of them, or only the agreed ones): every
    page, export and API answer that lists a JD's versions or picks one by number uses this."""
    versions = jd.versions.all()
    return versions if can_read_jd_in_full(user, jd) else versions.filter(agreed_entry__isnull=False)


# History rows about a JD that concern only its agreed versions (readable by everyone who may
# read those versions). Every other row (drafts saved, submitted, matched, copied, imported)
# says who is changing the JD and why, so it stays with the people who may read it in full.
AGREED_HISTORY_ACTIONS = ("jd.agreed_logged", "jd.agreed_grade_changed")


def jd_timeline_for_user(user, jd: JobDescription) -> QuerySet[HistoryEntry]:
    """The JD's history, newest first, as far as this user may read it."""
    entries = timeline_for(jd).order_by("-created_at", "-id")
    return entries if can_read_jd_in_full(user, jd) else entries.filter(action__in=AGREED_HISTORY_ACTIONS)


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
