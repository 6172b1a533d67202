"""Multi-model reads for the people pages: a fixed number of queries, whatever the data size.

Every function takes querysets that already went through an access gate in
:mod:`gradepath.people.permissions`; nothing here decides who may see what.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils import timezone

from gradepath.core.history import timeline_for
from gradepath.core.models import HistoryEntry
from gradepath.grades.models import PayRecord, SpineSalary, salary_for
from gradepath.notifications.models import Notification
from gradepath.people.models import Appointment, Delegation, OrgUnit, Person, UnitRole
from gradepath.people.relations import nearest_holder, subtree_q


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


def _latest_pay(on: dt.date):
    return PayRecord.objects.as_of(on).filter(person=OuterRef("pk"))


def with_job_facts(people: QuerySet[Person], on: dt.date | None = None) -> QuerySet[Person]:
    """Annotate each person with their current job title, unit and grade (three subqueries,
    so the query count does not grow with the number of rows)."""
    on = on or timezone.localdate()
    appointments = _current_appointments(on)
    pay = _latest_pay(on)
    return people.annotate(
        job_title=Subquery(appointments.values("post__title")[:1]),
        unit_id=Subquery(appointments.values("post__org_unit_id")[:1]),
        unit_name=Subquery(appointments.values("post__org_unit__name")[:1]),
        grade_id=Subquery(pay.values("grade_id")[:1]),
        grade_name=Subquery(pay.values("grade__name")[:1]),
    )


def directory(people: QuerySet[Person], on: dt.date | None = None) -> QuerySet[Person]:
    """The people directory: visible people with their job facts, by name."""
    return with_job_facts(people, on).order_by("last_name", "first_name", "pk")


def search_people(people: QuerySet[Person], text: str) -> QuerySet[Person]:
    """Every word must match a name, the known-as name, the employee number or the e-mail."""
    for word in text.split()[:6]:
        people = people.filter(
            Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(known_as__icontains=word)
            | Q(employee_number__icontains=word) | Q(work_email__icontains=word)
        )
    return people


def people_in_unit_tree(people: QuerySet[Person], units: QuerySet[OrgUnit],
                        on: dt.date | None = None) -> QuerySet[Person]:
    """Of these people, those with a current appointment in one of these units (pass
    ``people.permissions.unit_subtree(unit)`` for a unit and everything below it)."""
    on = on or timezone.localdate()
    current = Appointment.objects.current(on).filter(post__org_unit__in=units)
    return people.filter(pk__in=current.values("person_id"))


@dataclass
class PayLine:
    """A pay history line with the salary of its spine point on its date."""

    record: PayRecord
    annual_salary: Decimal | None


def pay_history(person: Person) -> list[PayLine]:
    """The person's pay history, newest first, with salaries (two queries in all)."""
    records = list(PayRecord.objects.filter(person=person).select_related("grade", "post"))
    points = {r.spine_point for r in records}
    salaries: dict[int, list[tuple[dt.date, Decimal]]] = {}
    for number, start, amount in (
        SpineSalary.objects.filter(point__number__in=points)
        .order_by("point__number", "-effective_from")
        .values_list("point__number", "effective_from", "annual_salary")
    ):
        salaries.setdefault(number, []).append((start, amount))

    def salary(record: PayRecord) -> Decimal | None:
        for start, amount in salaries.get(record.spine_point, []):
            if start <= record.effective_from:
                return amount
        return None

    return [PayLine(record=r, annual_salary=salary(r)) for r in records]


@dataclass
class CurrentPay:
    """Where a person is on the pay spine today."""

    record: PayRecord
    annual_salary: Decimal | None

    @property
    def zone_label(self) -> str:
        zone = self.record.grade.zone_of(self.record.spine_point)
        return {"automatic": "automatic zone", "contribution": "contribution point"}.get(zone, "outside the grade")


def current_pay(person: Person, on: dt.date | None = None) -> CurrentPay | None:
    """The latest pay record in force and today's salary for its spine point."""
    on = on or timezone.localdate()
    record = PayRecord.objects.as_of(on).filter(person=person).select_related("grade").first()
    if record is None:
        return None
    return CurrentPay(record=record, annual_salary=salary_for(record.spine_point, on))


def current_appointments(person: Person, on: dt.date | None = None) -> list[Appointment]:
    on = on or timezone.localdate()
    items = list(
        Appointment.objects.current(on).filter(person=person).select_related("post__org_unit", "post__grade")
    )
    items.sort(key=lambda a: (a.kind != Appointment.Kind.SUBSTANTIVE, -a.start_date.toordinal()))
    return items


def career_appointments(person: Person) -> list[Appointment]:
    return list(
        Appointment.objects.filter(person=person).select_related("post__org_unit", "post__grade")
        .order_by("-start_date", "-pk")
    )


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
    """Who holds a unit role for a unit, and whether it is named on the unit or inherited."""

    role: str
    label: str
    person: Person | None
    inherited: bool


def unit_role_holders(unit: OrgUnit) -> list[RoleHolder]:
    """FM/HPS, HoD or departmental contact (as the unit calls it), and HRBP: nearest up the tree."""
    labels = {
        UnitRole.FM_HPS: "FM/HPS",
        UnitRole.HEAD: unit.head_title,
        UnitRole.HRBP: "HR Business Partner",
    }
    return [
        RoleHolder(role=role, label=label, person=nearest_holder(unit, role),
                   inherited=getattr(unit, f"{role}_id") is None)
        for role, label in labels.items()
    ]


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


def delegable_roles(person: Person) -> list[tuple[str, OrgUnit]]:
    """(role, unit) pairs the person can delegate: units where they are the nearest holder
    of the role, including the units below the ones that name them (a fixed number of queries)."""
    named = OrgUnit.objects.filter(Q(fm_hps=person) | Q(head=person) | Q(hrbp=person))
    root_ids = set(named.values_list("pk", flat=True))
    if not root_ids:
        return []
    units = list(OrgUnit.objects.filter(subtree_q(root_ids), is_active=True).order_by("path"))
    by_id = {u.pk: u for u in units}
    pairs: list[tuple[str, OrgUnit]] = []
    for role in UnitRole.values:
        for unit in units:
            holder_id = None
            for uid in reversed(unit.ancestor_ids or [unit.pk]):
                ancestor = by_id.get(uid)
                if ancestor is not None and getattr(ancestor, f"{role}_id") is not None:
                    holder_id = getattr(ancestor, f"{role}_id")
                    break
            if holder_id == person.pk:
                pairs.append((role, unit))
    return pairs
