"""Fairness lookup: who else does this job, and at what grade (policy §6).

Every regrade must show the other current holders of the same JD version, and of closely
similar agreed JDs, with their grades and units, so that the HRBP can assess the knock-on
impact. :func:`fairness_lookup` gathers them in a fixed number of queries whatever the
number of holders (one for the holders and their current pay grades, plus the match).

It is a read-only selector: the caller has already passed its access gate (a grading case
page, or ``jobs.permissions.get_version_for_user`` for the JD version's fairness page, so a
proposal is looked up only by the people who may read it; the similar JDs it lists are agreed
JDs, which everyone may read). Pass ``for_user`` to limit holders to the people that user may see.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, F, OuterRef, Subquery, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from gradepath.grades.models import PayRecord
from gradepath.jobs.matching import match_version
from gradepath.jobs.models import AgreedJD, JDVersion
from gradepath.people.models import Appointment, Person

DEFAULT_THRESHOLD = 0.5  # TF-IDF similarity; see docs/performance.md "Matching" for what scores mean
DEFAULT_SIMILAR = 20
# Holders listed per group on a page; the rest on demand (``limit=None``), the counts always whole.
PANEL_LIMIT = 25


def similarity_threshold() -> float:
    return float(getattr(settings, "GRADEPATH_FAIRNESS_SIMILARITY", DEFAULT_THRESHOLD))


@dataclass(frozen=True)
class Holder:
    """A current holder of a post on a JD version: who, which post and unit, and at what grade.

    ``post_grade`` is the grade of the post; ``pay_grade`` the grade the person is paid at now
    (their latest pay record), which differs when they are acting up, on a secondment or
    protected. Grade numbers are None when unknown.
    """

    person_id: int
    name: str
    post_id: int
    post_number: str
    post_title: str
    unit_id: int
    unit_name: str
    appointment_kind: str
    post_grade: int | None
    post_grade_name: str
    pay_grade: int | None
    pay_grade_name: str
    version_id: int

    @property
    def grades_differ(self) -> bool:
        return None not in (self.post_grade, self.pay_grade) and self.post_grade != self.pay_grade


@dataclass(frozen=True)
class SimilarJD:
    """An agreed JD above the similarity threshold, and its current holders."""

    agreed: AgreedJD
    score: float
    holders: list[Holder]
    total: int = -1  # every current holder (the list may stop at a limit); -1: as many as listed

    @property
    def percent(self) -> int:
        return round(self.score * 100)

    @property
    def count(self) -> int:
        return len(self.holders) if self.total < 0 else self.total

    @property
    def more(self) -> int:
        return self.count - len(self.holders)


@dataclass
class FairnessLookup:
    """The other holders of a JD version and of the agreed JDs most like it."""

    version: JDVersion
    threshold: float
    same_version: list[Holder]
    similar: list[SimilarJD]
    note: str = ""
    excluded_person_id: int | None = field(default=None, repr=False)
    same_version_total: int = -1  # every other holder of the version; -1: as many as listed
    limit: int | None = None  # holders listed per group at most (None: all)

    @property
    def same_version_count(self) -> int:
        return len(self.same_version) if self.same_version_total < 0 else self.same_version_total

    @property
    def same_version_more(self) -> int:
        return self.same_version_count - len(self.same_version)

    @property
    def holder_count(self) -> int:
        return self.same_version_count + sum(s.count for s in self.similar)

    @property
    def truncated(self) -> bool:
        return self.same_version_more > 0 or any(s.more for s in self.similar)


def _current_rows(version_ids: list[int], *, on: dt.date, exclude_person: Person | None, for_user):
    rows = Appointment.objects.current(on).filter(post__jd_version_id__in=version_ids, post__is_active=True)
    if exclude_person is not None:
        rows = rows.exclude(person_id=exclude_person.pk)
    if for_user is not None:
        from gradepath.people.permissions import visible_people

        rows = rows.filter(person__in=visible_people(for_user))
    return rows


HOLDER_ORDER = ("post__org_unit__name", "person__last_name", "person__first_name", "post__post_number", "pk")


def current_holders(version_ids: list[int], *, on: dt.date | None = None, exclude_person: Person | None = None,
                    for_user=None, limit: int | None = None) -> dict[int, list[Holder]]:
    """Current holders of posts on each of these JD versions, with grades: one query.

    ``limit``: at most this many holders per version (the first by unit and name), chosen in the
    database, so a JD held by thousands reads only the rows shown."""
    on = on or timezone.localdate()
    if not version_ids:
        return {}
    latest_pay = PayRecord.objects.filter(person=OuterRef("person_id"), effective_from__lte=on).order_by(
        "-effective_from", "-id")
    rows = _current_rows(version_ids, on=on, exclude_person=exclude_person, for_user=for_user)
    if limit is not None:
        rows = rows.annotate(place=Window(RowNumber(), partition_by=F("post__jd_version_id"),
                                          order_by=[F(name).asc() for name in HOLDER_ORDER])).filter(place__lte=limit)
    rows = (rows.annotate(pay_grade_number=Subquery(latest_pay.values("grade__number")[:1]),
                          pay_grade_name=Subquery(latest_pay.values("grade__name")[:1]))
            .order_by(*HOLDER_ORDER))
    holders: dict[int, list[Holder]] = {pk: [] for pk in version_ids}
    seen: set[tuple[int, int]] = set()
    for row in rows.values("person_id", "person__first_name", "person__known_as", "person__last_name", "post_id",
                           "post__post_number", "post__title", "post__org_unit_id", "post__org_unit__name", "kind",
                           "post__grade__number", "post__grade__name", "post__jd_version_id", "pay_grade_number",
                           "pay_grade_name"):
        key = (row["person_id"], row["post_id"])
        if key in seen:  # two current appointments to one post: list the person once
            continue
        seen.add(key)
        holders[row["post__jd_version_id"]].append(Holder(
            person_id=row["person_id"],
            name=f"{row['person__known_as'] or row['person__first_name']} {row['person__last_name']}",
            post_id=row["post_id"], post_number=row["post__post_number"], post_title=row["post__title"],
            unit_id=row["post__org_unit_id"], unit_name=row["post__org_unit__name"],
            appointment_kind=Appointment.Kind(row["kind"]).label,
            post_grade=row["post__grade__number"], post_grade_name=row["post__grade__name"] or "",
            pay_grade=row["pay_grade_number"], pay_grade_name=row["pay_grade_name"] or "",
            version_id=row["post__jd_version_id"],
        ))
    return holders


def holder_counts(version_ids: list[int], *, on: dt.date | None = None, exclude_person: Person | None = None,
                  for_user=None) -> dict[int, int]:
    """How many current holders each version has (that ``for_user`` may see): one query."""
    on = on or timezone.localdate()
    if not version_ids:
        return {}
    rows = (_current_rows(version_ids, on=on, exclude_person=exclude_person, for_user=for_user)
            .order_by().values("post__jd_version_id").annotate(n=Count("pk")))
    return {row["post__jd_version_id"]: row["n"] for row in rows}


def fairness_lookup(version: JDVersion, *, threshold: float | None = None, exclude_person: Person | None = None,
                    on: dt.date | None = None, k: int = DEFAULT_SIMILAR, for_user=None,
                    holders_of: JDVersion | None = None, limit: int | None = None) -> FairnessLookup:
    """Other current holders of ``version`` (leaving out ``exclude_person``, usually the subject of
    the case) and holders of the current agreed JDs at least ``threshold`` similar to it.

    ``holders_of``: whose holders count as "the same JD version" when ``version`` is a proposal
    nobody holds yet (a regrading case: the version the post holds today). ``limit``: list at most
    this many holders per group (the counts stay whole: one more query)."""
    threshold = similarity_threshold() if threshold is None else threshold
    result = match_version(version, k=k)
    similar = [m for m in result.matches if m.score >= threshold]
    same = holders_of or version
    ids = [same.pk, *[m.agreed.version_id for m in similar]]
    holders = current_holders(ids, on=on, exclude_person=exclude_person, for_user=for_user, limit=limit)
    totals = (holder_counts(ids, on=on, exclude_person=exclude_person, for_user=for_user)
              if limit is not None else {})

    def total(pk: int) -> int:
        return totals.get(pk, 0) if limit is not None else -1

    return FairnessLookup(
        version=version, threshold=threshold, same_version=holders.get(same.pk, []),
        similar=[SimilarJD(m.agreed, m.score, holders.get(m.agreed.version_id, []), total(m.agreed.version_id))
                 for m in similar],
        note=result.note, excluded_person_id=exclude_person.pk if exclude_person is not None else None,
        same_version_total=total(same.pk), limit=limit,
    )
