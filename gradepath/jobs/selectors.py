"""Multi-model reads for the job description pages."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from gradepath.jobs.models import AgreedJD, JDVersion, JobDescription
from gradepath.people.models import Appointment, Person, Post
from gradepath.people.permissions import visible_people


@dataclass
class HolderRow:
    post: Post
    people: list[Person] = field(default_factory=list)
    hidden: int = 0  # current holders the viewer may not see


def holders_by_version(user, versions: list[JDVersion]) -> dict[int, list[HolderRow]]:
    """Posts holding each version and their current holders (only those the user may see;
    the others are counted). Three queries whatever the number of posts."""
    ids = [v.pk for v in versions]
    posts = list(Post.objects.filter(jd_version_id__in=ids).select_related("org_unit", "grade").order_by("post_number"))
    today = timezone.localdate()
    appointments = list(
        Appointment.objects.current(today).filter(post__in=posts).select_related("person").order_by("person__last_name")
    )
    visible = set(visible_people(user).filter(pk__in=[a.person_id for a in appointments]).values_list("pk", flat=True))
    rows: dict[int, HolderRow] = {p.pk: HolderRow(post=p) for p in posts}
    for appointment in appointments:
        row = rows[appointment.post_id]
        if appointment.person_id in visible:
            row.people.append(appointment.person)
        else:
            row.hidden += 1
    result: dict[int, list[HolderRow]] = defaultdict(list)
    for post in posts:
        result[post.jd_version_id].append(rows[post.pk])
    return result


def jd_list(queryset: QuerySet[JobDescription], q: str = "",
            versions: QuerySet[JDVersion] | None = None) -> QuerySet[JobDescription]:
    """JDs with their latest version's title and status, in one query.

    ``versions``: the versions the viewer may read (``jobs.permissions.visible_versions``);
    the latest title, status and count, and the title search, see only those, so a JD listed
    for its agreed versions never shows the title of someone's proposal. None: every version."""
    source = JDVersion.objects.all() if versions is None else versions
    latest = source.filter(jd=OuterRef("pk")).order_by("-number")
    counted = (source.filter(jd=OuterRef("pk")).order_by().values("jd")
               .annotate(n=Count("pk")).values("n"))
    qs = queryset.select_related("org_unit", "job_family").annotate(
        latest_title=Subquery(latest.values("job_title")[:1]),
        latest_number=Subquery(latest.values("number")[:1]),
        latest_status=Subquery(latest.values("status")[:1]),
        version_count=Coalesce(Subquery(counted), 0),
    )
    if q:
        qs = qs.filter(Q(reference__icontains=q) | Q(pk__in=source.filter(job_title__icontains=q).values("jd_id")))
    return qs.order_by("-created_at", "-pk")


LIBRARY_TEXT_FIELDS = ("purpose", "duties", "line_management", "working_relationships", "person_spec",
                       "additional_information")


def library_queryset(*, job_family=None, grade: int | None = None, area: str = "",
                     staff_category: str = "") -> QuerySet[AgreedJD]:
    """Current agreed JDs with what the library list shows, filtered. The holders are counted for
    the rows on the page only (:func:`add_holder_counts`), never for the whole library."""
    # The list shows the title, grade and family: the versions' texts stay behind (a search sorts
    # thousands of matching rows before it cuts the page, and narrow rows sort in memory).
    qs = (AgreedJD.objects.filter(is_current=True).select_related("version", "grade", "job_family")
          .defer(*(f"version__{name}" for name in LIBRARY_TEXT_FIELDS)))
    if job_family is not None:
        qs = qs.filter(job_family=job_family)
    if grade is not None:
        qs = qs.filter(grade__number=grade)
    if area:
        qs = qs.filter(area__icontains=area)
    if staff_category:
        qs = qs.filter(staff_category=staff_category)
    return qs


def add_holder_counts(entries) -> None:
    """Set ``holder_count`` on each agreed JD of a page: the current appointments to posts holding
    its version, in one query for the page."""
    entries = list(entries)
    today = timezone.localdate()
    counts = dict(
        Appointment.objects.current(today).filter(post__jd_version_id__in={e.version_id for e in entries})
        .order_by().values("post__jd_version_id").annotate(n=Count("pk")).values_list("post__jd_version_id", "n")
    )
    for entry in entries:
        entry.holder_count = counts.get(entry.version_id, 0)
