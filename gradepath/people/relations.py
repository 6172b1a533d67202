"""Relationship roles, computed from the records: who is whose line manager, who holds a unit role
(FM/HPS, HoD/departmental contact, HRBP, Dean, …) for a unit on a day, directly or as an active
delegate.

Unit roles are dated assignments (:class:`~gradepath.people.models.UnitRoleAssignment`). A holder
named on a unit applies to the units below it unless a lower unit names its own holder for that
day ("nearest holder up the tree"): one query reads every holder from a unit up to the top. A
delegation of a delegable role covers the unit it names and the units below it, while the delegator
is still the holder there and the dates include the day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from gradepath.people.models import (
    OVERSIGHT_ROLES,
    Appointment,
    Delegation,
    OrgUnit,
    Person,
    UnitRole,
    UnitRoleAssignment,
)

MAX_CHAIN = 50  # longest management chain followed; cycles are refused on write anyway


def person_of(user) -> Person | None:
    """The person record of a login, or None (cached on the user for the request)."""
    if user is None or not user.is_authenticated:
        return None
    if not hasattr(user, "_gradepath_person"):
        user._gradepath_person = Person.objects.filter(user=user).first()
    return user._gradepath_person


def home_unit(person: Person, on: dt.date | None = None) -> OrgUnit | None:
    """The org unit of the person's current substantive post (or any current post)."""
    current = (
        Appointment.objects.current(on)
        .filter(person=person)
        .select_related("post__org_unit")
    )
    appointments = list(current)
    appointments.sort(key=lambda a: (a.kind != Appointment.Kind.SUBSTANTIVE, -a.start_date.toordinal()))
    return appointments[0].post.org_unit if appointments else None


def subtree_q(unit_ids: set[int] | list[int], field: str = "") -> Q:
    """Q matching the given units and every unit below them, via the materialised path."""
    prefix = f"{field}__" if field else ""
    q = Q(**{f"{prefix}pk__in": []})
    for uid in unit_ids:
        q |= Q(**{f"{prefix}path__contains": f"/{uid}/"})
    return q


def _chain(unit: OrgUnit) -> list[int]:
    """The unit's ids from itself up to the top of the tree."""
    return list(reversed(unit.ancestor_ids or [unit.pk]))


def holders_up(unit: OrgUnit, on: dt.date | None = None,
               roles: tuple[str, ...] | list[str] | None = None) -> dict[str, list[UnitRoleAssignment]]:
    """For each role (all, or ``roles``), the assignments held on ``on`` (today) from ``unit`` up to the
    top, nearest first: one query whatever the depth and the number of roles."""
    chain = _chain(unit)
    rows = UnitRoleAssignment.objects.on(on).filter(unit_id__in=chain).select_related("person")
    if roles is not None:
        rows = rows.filter(role__in=list(roles))
    position = {uid: i for i, uid in enumerate(chain)}
    found: dict[str, list[UnitRoleAssignment]] = {}
    for row in sorted(rows, key=lambda a: position[a.unit_id]):
        found.setdefault(row.role, []).append(row)
    return found


def nearest_holder(unit: OrgUnit, role: str, *, on: dt.date | None = None) -> Person | None:
    """The person who holds ``role`` on ``on`` (today) for this unit or the nearest unit above it
    (one query)."""
    chain = _chain(unit)
    rows = {a.unit_id: a.person for a in UnitRoleAssignment.objects.on(on).filter(unit_id__in=chain, role=role)
            .select_related("person")}
    return next((rows[uid] for uid in chain if uid in rows), None)


@dataclass(frozen=True)
class Capacity:
    """How a person holds a role for a unit: in their own right, as someone's delegate, or as the
    holder above standing in for a holder who may not act on this matter."""

    role: str
    unit: OrgUnit
    delegate_of: Person | None = None
    instead_of: Person | None = None

    def __str__(self) -> str:
        label = UnitRole(self.role).label if self.role in UnitRole.values else self.role
        if self.delegate_of is not None:
            return f"delegate of {self.delegate_of} ({label} of {self.unit})"
        if self.instead_of is not None:
            return f"{label} above {self.instead_of} (who may not act on this), for {self.unit}"
        return f"{label} of {self.unit}"


def _holders_up(unit: OrgUnit, role: str, on: dt.date | None = None) -> list[tuple[Person, list[int]]]:
    """The distinct holders of ``role`` on ``on`` from ``unit`` up the tree, nearest first, each with the
    ids of the units from ``unit`` up to where they are named (their delegations must cover one of those)."""
    chain = _chain(unit)
    found: list[tuple[Person, list[int]]] = []
    for assignment in holders_up(unit, on, roles=(role,)).get(role, []):
        if all(assignment.person_id != h.pk for h, _ in found):
            found.append((assignment.person, chain[: chain.index(assignment.unit_id) + 1]))
    return found


def eligible_holders(
    unit: OrgUnit,
    role: str,
    *,
    on: dt.date | None = None,
    subject: Person | None = None,
    excluding: set[int] | frozenset[int] = frozenset(),
) -> list[tuple[Person, Capacity]]:
    """Everyone who may act as ``role`` for ``unit`` on a matter, with the capacity they act in.

    The nearest holder and their active delegates. Nobody acts on a matter about themselves, and a
    delegate never acts on a matter about the holder they stand in for. People in ``excluding`` (those
    who submitted what is to be approved: nobody approves their own submission) may not act either.
    When nobody at the nearest level may act, the role passes to the holder above (and their
    delegates), and so on up the tree.
    """
    on = on or timezone.localdate()
    barred = set(excluding) | ({subject.pk} if subject is not None else set())
    holders = _holders_up(unit, role, on)
    delegable = role in UnitRole.values and UnitRole(role).delegable
    delegations: list[Delegation] = []
    if holders and delegable:  # every level's delegations in one query
        delegations = list(Delegation.objects.active(on)
                           .filter(delegator_id__in=[h.pk for h, _ in holders], role=role,
                                   org_unit_id__in=holders[-1][1])
                           .exclude(delegate_id__in=barred).select_related("delegate", "delegator")
                           .order_by("start_date", "pk"))
    passed_over: Person | None = None
    for holder, covered in holders:
        found: list[tuple[Person, Capacity]] = []
        if holder.pk not in barred:
            found.append((holder, Capacity(role=role, unit=unit, instead_of=passed_over)))
        if subject is None or holder.pk != subject.pk:
            found += [(d.delegate, Capacity(role=role, unit=unit, delegate_of=d.delegator)) for d in delegations
                      if d.delegator_id == holder.pk and d.org_unit_id in covered]
        if found:
            return found
        passed_over = passed_over or holder
    return []


def acting_capacity(
    person: Person | None,
    unit: OrgUnit,
    role: str,
    *,
    on: dt.date | None = None,
    subject: Person | None = None,
    excluding: set[int] | frozenset[int] = frozenset(),
) -> Capacity | None:
    """How ``person`` may act as ``role`` for ``unit`` on a date, or None if they may not
    (see :func:`eligible_holders`).

    ``subject`` is the person the matter is about: nobody acts on a matter about themselves,
    whether in their own right or as a delegate.
    """
    if person is None:
        return None
    for candidate, capacity in eligible_holders(unit, role, on=on, subject=subject, excluding=excluding):
        if candidate.pk == person.pk:
            return capacity
    return None


def scope_unit_ids(person: Person, on: dt.date | None = None) -> set[int]:
    """Units (with everything below them) where the person holds a unit role that sees the unit's
    records (``UnitRole.sees_unit``: FM/HPS, HoD/contact, HRBP, Dean, Vice-Provost (Operations)) or a
    live delegation of one (a fixed number of queries).

    Cached on the person object, which lives for one request (``person_of`` caches it on the user).
    """
    on = on or timezone.localdate()
    cache = person.__dict__.setdefault("_gp_scope_cache", {})
    if on not in cache:
        cache[on] = _scope_unit_ids(person, on)
    return set(cache[on])


def _scope_unit_ids(person: Person, on: dt.date) -> set[int]:
    direct = set(UnitRoleAssignment.objects.on(on).filter(person=person, role__in=OVERSIGHT_ROLES)
                 .values_list("unit_id", flat=True))
    # A delegation counts only while the delegator still holds the role for the unit: the holders of
    # every delegated unit and the units above it, in one query.
    live = [d for d in Delegation.objects.active(on).filter(delegate=person, role__in=OVERSIGHT_ROLES)
            .select_related("org_unit")]
    delegated: set[int] = set()
    if live:
        chains = {d.pk: _chain(d.org_unit) for d in live}
        held = {(a.unit_id, a.role): a.person_id for a in UnitRoleAssignment.objects.on(on).filter(
            unit_id__in={uid for chain in chains.values() for uid in chain}, role__in={d.role for d in live})}
        for d in live:
            holder = next((held[(uid, d.role)] for uid in chains[d.pk] if (uid, d.role) in held), None)
            if holder == d.delegator_id:
                delegated.add(d.org_unit_id)
    roots = direct | delegated
    if not roots:
        return set()
    return set(OrgUnit.objects.filter(subtree_q(roots)).values_list("pk", flat=True))


def report_ids(manager: Person) -> set[int]:
    """Everyone below the manager in the line-management tree (one query per level; cached on the
    person object for the request)."""
    if "_gp_reports_cache" not in manager.__dict__:
        manager.__dict__["_gp_reports_cache"] = _report_ids(manager)
    return set(manager.__dict__["_gp_reports_cache"])


def _report_ids(manager: Person) -> set[int]:
    found: set[int] = set()
    frontier = {manager.pk}
    for _ in range(MAX_CHAIN):
        # No ordering: the default (by name) would sort every level instead of reading the line-manager index.
        nxt = set(Person.objects.filter(line_manager_id__in=frontier).order_by().values_list("pk", flat=True)) - found
        nxt.discard(manager.pk)
        if not nxt:
            break
        found |= nxt
        frontier = nxt
    return found


def _reports_walk() -> str:
    """The recursive walk down the line-management tree, in SQL: ``%s`` the manager, ``%s`` the depth limit,
    ``%s`` the manager again. UNION ALL: each person has one line manager, so nobody is reached twice (a
    cycle, refused on write, stops at ``MAX_CHAIN``), and the walk keeps no table of the rows seen (half the
    time of UNION for a Dean's 4,600 reports on SQLite). Only the model's own table and column names."""
    table = connection.ops.quote_name(Person._meta.db_table)
    column = connection.ops.quote_name(Person._meta.get_field("line_manager").column)
    return (f"WITH RECURSIVE reports(id, depth) AS (SELECT id, 1 FROM {table} WHERE {column} = %s "  # noqa: S608
            f"UNION ALL SELECT p.id, r.depth + 1 FROM {table} p JOIN reports r ON p.{column} = r.id "
            "WHERE r.depth < %s) SELECT id FROM reports WHERE id <> %s")


def report_ids_walked(manager: Person) -> list[int]:
    """Everyone below ``manager`` in the line-management tree (as :func:`report_ids`), walked by the database
    in one query whatever the chain's depth, cached on the person for the request. For a list's query as
    values: PostgreSQL cannot estimate a recursive subquery, so for a manager's few reports it read a whole
    table (all 115,000 appraisals at 50,000 staff) instead of an index; see :func:`reports_subquery` for the
    thousands a Dean manages."""
    if "_gp_reports_walked" not in manager.__dict__:
        with connection.cursor() as cursor:
            cursor.execute(_reports_walk(), [manager.pk, MAX_CHAIN, manager.pk])
            manager.__dict__["_gp_reports_walked"] = [row[0] for row in cursor.fetchall()]
    return list(manager.__dict__["_gp_reports_walked"])


def reports_subquery(manager: Person) -> RawSQL:
    """Everyone below ``manager`` in the line-management tree as a subquery the database walks itself
    (``pk__in=reports_subquery(me)``): a Dean manages thousands through the chain, and their ids written
    into every list query cost a second at 50,000 people."""
    return RawSQL(_reports_walk(), (manager.pk, MAX_CHAIN, manager.pk))  # noqa: S611 - values are parameters


def management_chain(person: Person) -> list[Person]:
    """The person's line manager, their manager, and so on up."""
    chain: list[Person] = []
    seen = {person.pk}
    current = person.line_manager
    while current is not None and current.pk not in seen and len(chain) < MAX_CHAIN:
        chain.append(current)
        seen.add(current.pk)
        current = current.line_manager
    return chain


def is_line_manager_of(manager: Person | None, person: Person) -> bool:
    return manager is not None and person.line_manager_id == manager.pk


def people_in_units(unit_ids: set[int], on: dt.date | None = None) -> QuerySet[Person]:
    """People with a current appointment to a post in any of these units."""
    current = Appointment.objects.current(on).filter(post__org_unit_id__in=unit_ids)
    return Person.objects.filter(pk__in=current.values("person_id"))
