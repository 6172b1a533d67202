"""Multi-model reads for the people pages: a fixed number of queries, whatever the data size.

Every function takes querysets that already went through an access gate in
:mod:`gradepath.people.permissions`; nothing here decides who may see what.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import (
    Case,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone

from gradepath.core.history import timeline_for
from gradepath.core.models import HistoryEntry
from gradepath.notifications.models import Notification
from gradepath.people.lookup import people_q
from gradepath.people.models import (
    DELEGABLE_ROLES,
    Appointment,
    Delegation,
    OrgUnit,
    Person,
    Post,
    PostGrade,
    UnitRole,
    UnitRoleAssignment,
    grade_in_force_annotations,
)
from gradepath.people.relations import holders_up, subtree_q

if TYPE_CHECKING:  # a post's grade is a grades.Grade, reached through people's own foreign keys
    from gradepath.grades.models import Grade


def _current_appointments(on: dt.date):
    """Current appointments of the outer person, substantive first, then the most recent."""
    return (
        Appointment.objects.current(on)
        .filter(person=OuterRef("pk"))
        .annotate(
            _rank=Case(When(kind=Appointment.Kind.SUBSTANTIVE, then=Value(0)), default=Value(1),
                       output_field=IntegerField())
        )
        .order_by("_rank", "-start_date", "-pk")
    )


def with_job_facts(people: QuerySet[Person], on: dt.date | None = None) -> QuerySet[Person]:
    """Annotate each person with the job title, unit id and unit name of their current
    appointment on the day (substantive first, then the most recent; subqueries, so the query
    count does not grow with the rows)."""
    on = on or timezone.localdate()
    appointments = _current_appointments(on)
    return people.annotate(
        job_title=Subquery(appointments.values("post__title")[:1]),
        unit_id=Subquery(appointments.values("post__org_unit_id")[:1]),
        unit_name=Subquery(appointments.values("post__org_unit__name")[:1]),
    )


def with_post_grade(people: QuerySet[Person], on: dt.date | None = None) -> QuerySet[Person]:
    """Annotate each person with the grade of the post of that same current appointment, in force
    on the day (``grade_id``, ``grade_name``), and the post's next grade change after it
    (``coming_grade_name``, ``coming_grade_from``), read from the post's grade history
    (:func:`gradepath.people.models.grade_in_force_annotations`, ADR 18): the grade of the job
    the row names. A person's pay (grade and spine point) is the grades app's, on the person page.
    Subqueries, so the query count does not grow with the rows."""
    on = on or timezone.localdate()
    appointments = _current_appointments(on).annotate(**grade_in_force_annotations("post_id", on, coming=True))
    return people.annotate(
        grade_id=Subquery(appointments.values("grade_on_id")[:1]),
        grade_name=Subquery(appointments.values("grade_on_name")[:1]),
        coming_grade_name=Subquery(appointments.values("coming_grade_name")[:1]),
        coming_grade_from=Subquery(appointments.values("coming_grade_from")[:1]),
    )


def people_in_posts_of_grade(people: QuerySet[Person], grade_id: int, on: dt.date | None = None) -> QuerySet[Person]:
    """Of these people, those with a current appointment on the day (today) in a post whose grade
    in force is this grade, as :func:`~gradepath.people.models.grade_in_force_annotations` reads
    it: the live history line in force, or ``Post.grade`` for a post with no history. Someone in
    two posts is found under the grade of each (the directory's row shows the first, see
    :func:`with_post_grade`). Semi-joins, not a subquery per person: the directory's grade
    filter stays fast at 50,000 people."""
    on = on or timezone.localdate()
    lines = PostGrade.objects.live()
    later = lines.filter(post=OuterRef("post"), effective_from__gt=OuterRef("effective_from"), effective_from__lte=on)
    in_force = lines.filter(grade_id=grade_id, effective_from__lte=on).filter(~Exists(later))
    current = Appointment.objects.current(on)
    by_history = current.filter(post__in=in_force.values("post_id"))
    by_column = current.filter(post__grade_id=grade_id).filter(~Exists(lines.filter(post=OuterRef("post_id"))))
    return people.filter(Q(pk__in=by_history.values("person_id")) | Q(pk__in=by_column.values("person_id")))


def directory(people: QuerySet[Person], on: dt.date | None = None) -> QuerySet[Person]:
    """The people directory: visible people with their job facts and their post's grade, by name."""
    return with_post_grade(with_job_facts(people, on), on).order_by("last_name", "first_name", "pk")


def search_people(people: QuerySet[Person], text: str) -> QuerySet[Person]:
    """The directory's search: a surname that starts with one of the words, the other words starting
    the first, known-as or surname; or, for one word, the start of a staff number or work e-mail
    ("patel", "sam patel", "Patel, Sam", "E0001", "sam.patel@"). Index range lookups only, so a
    search at 50,000 people reads the rows it finds, not every row (people.lookup.people_q)."""
    found = people_q(text, emails=True)
    return people.none() if found is None else people.filter(found)


def people_in_unit_tree(people: QuerySet[Person], units: QuerySet[OrgUnit],
                        on: dt.date | None = None) -> QuerySet[Person]:
    """Of these people, those with a current appointment in one of these units (pass
    ``people.permissions.unit_subtree(unit)`` for a unit and everything below it)."""
    on = on or timezone.localdate()
    current = Appointment.objects.current(on).filter(post__org_unit__in=units)
    return people.filter(pk__in=current.values("person_id"))


# --- Grades of posts over time (policy §3.4) ------------------------------------------------------


@dataclass
class GradeSpan:
    """A post's grade for a period: from ``start`` (None: a grade recorded without a date) to
    ``until`` inclusive (None: until further notice)."""

    grade: Grade
    start: dt.date | None
    until: dt.date | None
    reason: str = ""
    source: str = ""
    coming: bool = False  # starts after the day the page shows

    def covers(self, on: dt.date) -> bool:
        return (self.start is None or self.start <= on) and (self.until is None or on <= self.until)

    def overlaps(self, start: dt.date, end: dt.date | None) -> bool:
        return (self.until is None or self.until >= start) and (end is None or self.start is None
                                                                   or self.start <= end)


@dataclass
class PostGrades:
    """A post's grade history read on a day: what is in force, what is coming, and the spans
    within any period (an appointment's)."""

    spans: list[GradeSpan]
    on: dt.date

    @property
    def in_force(self) -> GradeSpan | None:
        return next((span for span in self.spans if span.covers(self.on)), None)

    @property
    def coming(self) -> list[GradeSpan]:
        return [span for span in self.spans if span.start is not None and span.start > self.on]

    def during(self, start: dt.date, end: dt.date | None) -> list[GradeSpan]:
        return [span for span in self.spans if span.overlaps(start, end)]


def _spans(lines: list[PostGrade]) -> list[GradeSpan]:
    spans = []
    for i, line in enumerate(lines):
        after = lines[i + 1].effective_from if i + 1 < len(lines) else None
        spans.append(GradeSpan(grade=line.grade, start=line.effective_from,
                               until=after - dt.timedelta(days=1) if after else None,
                               reason=line.get_reason_display(), source=line.source))
    return spans


def post_grades(posts: list[Post], on: dt.date | None = None) -> dict[int, PostGrades]:
    """The grade history of each post, read on ``on`` (today), from one query. A post without
    a history falls back to ``Post.grade`` (select_related ``grade`` to keep it one query)."""
    on = on or timezone.localdate()
    by_post: dict[int, list[PostGrade]] = {}
    ids = {post.pk for post in posts}
    for line in (PostGrade.objects.live().filter(post_id__in=ids).select_related("grade")
                 .order_by("post_id", "effective_from", "pk")):
        by_post.setdefault(line.post_id, []).append(line)
    result = {}
    for post in posts:
        lines = by_post.get(post.pk)
        if lines:
            spans = _spans(lines)
        elif post.grade_id is not None:
            spans = [GradeSpan(grade=post.grade, start=None, until=None)]
        else:
            spans = []
        for span in spans:
            span.coming = span.start is not None and span.start > on
        result[post.pk] = PostGrades(spans=spans, on=on)
    return result


def _with_post_grades(appointments: list[Appointment], on: dt.date) -> list[Appointment]:
    """Give each appointment ``post_grades`` (the post's history), ``grade_spans`` (the spans
    within the appointment), ``grade_now`` (in force on the day, or at the end of a past
    appointment), ``grade_coming`` (changes after the day within the appointment) and
    ``grade_outlook`` (the two together)."""
    histories = post_grades([a.post for a in appointments], on)
    for appointment in appointments:
        history = histories[appointment.post_id]
        appointment.post_grades = history
        appointment.grade_spans = history.during(appointment.start_date, appointment.end_date)
        ended = appointment.end_date is not None and appointment.end_date < on
        day = appointment.end_date if ended else max(on, appointment.start_date)
        appointment.grade_now = next((span for span in history.spans if span.covers(day)), None)
        appointment.grade_coming = [span for span in appointment.grade_spans
                                    if span.start is not None and span.start > day]
        # What is in force and what is coming: "Grade 5 until 31 Dec 2026; Grade 6 from 1 Jan 2027".
        appointment.grade_outlook = [span for span in [appointment.grade_now] if span] + appointment.grade_coming
    return appointments


def current_appointments(person: Person, on: dt.date | None = None) -> list[Appointment]:
    """The person's appointments on the day, substantive first, each with its post's grade
    in force and coming (see :func:`_with_post_grades`): two queries."""
    on = on or timezone.localdate()
    items = list(
        Appointment.objects.current(on).filter(person=person).select_related("post__org_unit", "post__grade")
    )
    items.sort(key=lambda a: (a.kind != Appointment.Kind.SUBSTANTIVE, -a.start_date.toordinal()))
    return _with_post_grades(items, on)


def career_appointments(person: Person, on: dt.date | None = None) -> list[Appointment]:
    """Every appointment of the person, newest first, each with the grades of its post during
    it (see :func:`_with_post_grades`): two queries."""
    on = on or timezone.localdate()
    return _with_post_grades(list(
        Appointment.objects.filter(person=person).select_related("post__org_unit", "post__grade")
        .order_by("-start_date", "-pk")
    ), on)


def person_timeline(person: Person, *, include_equality_reads: bool, limit: int = 100) -> list[HistoryEntry]:
    """History about the person: rows naming them (person_id) and rows about the person
    record itself, newest first. Reads of equality data are listed only for those who may
    see equality data."""
    entries = HistoryEntry.objects.filter(
        Q(person_id=person.pk) | Q(object_type=Person._meta.label_lower, object_id=str(person.pk))
    )
    if not include_equality_reads:
        entries = entries.exclude(action__startswith="equality_data.")
    return list(entries.order_by("-created_at", "-id")[:limit])


@dataclass
class WaitingForMe:
    """The "Things waiting for me" panel of My home."""

    unread_count: int = 0
    unread: list[Notification] = field(default_factory=list)
    delegations_held: list[Delegation] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.unread_count and not self.delegations_held


def waiting_for(person: Person, on: dt.date | None = None, show: int = 5) -> WaitingForMe:
    unread = Notification.objects.filter(recipient=person, read_at__isnull=True).order_by("-created_at", "-id")
    return WaitingForMe(
        unread_count=unread.count(),
        unread=list(unread[:show]),
        delegations_held=list(
            Delegation.objects.active(on).filter(delegate=person).select_related("delegator", "org_unit")
            .order_by("end_date")
        ),
    )


@dataclass
class RoleHolder:
    """Who holds a unit role for a unit on a day: named on the unit itself, or inherited from the
    nearest unit above that names one (``from_unit``), since when and until when."""

    role: str
    label: str
    person: Person | None
    inherited: bool
    from_unit: OrgUnit | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None


ALWAYS_SHOWN = (UnitRole.FM_HPS, UnitRole.HEAD, UnitRole.HRBP)


def _root_kind(unit: OrgUnit, units: dict[int, OrgUnit]) -> str:
    ids = unit.ancestor_ids or [unit.pk]
    root = units.get(ids[0])
    return root.kind if root is not None else unit.root_kind()


def unit_role_holders(unit: OrgUnit, on: dt.date | None = None) -> list[RoleHolder]:
    """Every role held for the unit on ``on`` (today), nearest up the tree, in the unit's words ("Head
    of Department" or "Departmental contact"): FM/HPS, HoD or departmental contact and HRBP always
    (nobody named: ``person`` None), the other roles when someone holds them. Two queries."""
    chain = list(reversed(unit.ancestor_ids or [unit.pk]))
    units = {u.pk: u for u in OrgUnit.objects.filter(pk__in=chain)}
    units[unit.pk] = unit
    held = holders_up(unit, on)
    root_kind = _root_kind(unit, units)
    result = []
    for role in UnitRole:
        rows = held.get(role.value, [])
        if not rows and role not in ALWAYS_SHOWN:
            continue
        label = role.label_for(root_kind=root_kind)
        if not rows:
            result.append(RoleHolder(role=role.value, label=label, person=None, inherited=False))
            continue
        nearest = rows[0]
        result.append(RoleHolder(role=role.value, label=label, person=nearest.person,
                                 inherited=nearest.unit_id != unit.pk, from_unit=units.get(nearest.unit_id),
                                 start_date=nearest.start_date, end_date=nearest.end_date))
    return result


def unit_role_history(unit: OrgUnit, on: dt.date | None = None) -> list[UnitRoleAssignment]:
    """The roles named on the unit itself, past, current and coming, by role then date (one query);
    each with ``status`` ("past", "current" or "coming") and ``label`` in the unit's words."""
    on = on or timezone.localdate()
    rows = list(UnitRoleAssignment.objects.filter(unit=unit).select_related("person").order_by("role", "start_date"))
    order = {role: i for i, role in enumerate(UnitRole.values)}
    rows.sort(key=lambda a: (order.get(a.role, len(order)), a.start_date))
    root_kind = unit.root_kind() if rows else ""
    for row in rows:
        row.status = "coming" if row.start_date > on else ("past" if row.end_date and row.end_date < on else "current")
        row.label = UnitRole(row.role).label_for(root_kind=root_kind) if row.role in UnitRole.values else row.role
    return rows


def person_unit_roles(person: Person, on: dt.date | None = None) -> list[UnitRoleAssignment]:
    """The unit roles the person holds on ``on`` (today) or will hold, soonest first, each with ``label``
    in its unit's words and ``coming`` (two queries: the assignments, and the top units' kinds)."""
    on = on or timezone.localdate()
    rows = list(UnitRoleAssignment.objects.filter(person=person).filter(Q(end_date__isnull=True) | Q(end_date__gte=on))
                .select_related("unit").order_by("start_date", "pk"))
    roots = {row.unit.ancestor_ids[0] if row.unit.ancestor_ids else row.unit_id for row in rows}
    kinds = dict(OrgUnit.objects.filter(pk__in=roots).values_list("pk", "kind")) if rows else {}
    for row in rows:
        root = row.unit.ancestor_ids[0] if row.unit.ancestor_ids else row.unit_id
        row.label = (UnitRole(row.role).label_for(root_kind=kinds.get(root, row.unit.kind))
                     if row.role in UnitRole.values else row.role)
        row.coming = row.start_date > on
    return rows


def timeline_for_delegation(delegation: Delegation) -> list[HistoryEntry]:
    return list(timeline_for(delegation).order_by("-created_at", "-id")[:50])


def delegations_covering(unit: OrgUnit, on: dt.date | None = None) -> QuerySet[Delegation]:
    """Active delegations that cover this unit (named on it or on a unit above it)."""
    ids = unit.ancestor_ids or [unit.pk]
    return (
        Delegation.objects.active(on).filter(org_unit_id__in=ids)
        .select_related("delegator", "delegate", "org_unit").order_by("end_date")
    )


@dataclass
class TreeNode:
    unit: OrgUnit
    children: list[TreeNode] = field(default_factory=list)


def unit_tree(units: QuerySet[OrgUnit]) -> list[TreeNode]:
    """The given units as a forest: each unit sits under its nearest ancestor in the set."""
    rows = list(units.order_by("path"))
    nodes = {u.pk: TreeNode(unit=u) for u in rows}
    roots: list[TreeNode] = []
    for unit in rows:
        parent = next((nodes[a] for a in reversed(unit.ancestor_ids[:-1]) if a in nodes), None)
        (parent.children if parent else roots).append(nodes[unit.pk])

    def sort(branch: list[TreeNode]) -> None:
        branch.sort(key=lambda n: n.unit.name.lower())
        for node in branch:
            sort(node.children)

    sort(roots)
    return roots


def delegable_roles(person: Person, on: dt.date | None = None) -> list[tuple[str, OrgUnit]]:
    """(role, unit) pairs the person can delegate on ``on`` (today): units where they are the nearest
    holder of a delegable role, including the units below the ones that name them (three queries)."""
    on = on or timezone.localdate()
    named = UnitRoleAssignment.objects.on(on).filter(person=person, role__in=DELEGABLE_ROLES)
    root_ids = set(named.values_list("unit_id", flat=True))
    if not root_ids:
        return []
    units = list(OrgUnit.objects.filter(subtree_q(root_ids), is_active=True).order_by("path"))
    held = {(a.unit_id, a.role): a.person_id for a in UnitRoleAssignment.objects.on(on).filter(
        unit_id__in=[u.pk for u in units], role__in=DELEGABLE_ROLES)}
    pairs: list[tuple[str, OrgUnit]] = []
    for role in DELEGABLE_ROLES:
        for unit in units:
            holder_id = next((held[(uid, role)] for uid in reversed(unit.ancestor_ids or [unit.pk])
                              if (uid, role) in held), None)
            if holder_id == person.pk:
                pairs.append((role, unit))
    return pairs
