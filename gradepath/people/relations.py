"""Relationship roles, computed from the records: who is whose line manager, who is the FM/HPS,
HoD/departmental contact or HRBP of a unit (directly or as an active delegate).

A role named on a unit applies to the units below it unless a lower unit names its own
holder ("nearest holder up the tree"). A delegation covers the unit it names and the units
below it, while the delegator is still the holder there and the dates include the day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from gradepath.people.models import Appointment, Delegation, OrgUnit, Person, UnitRole

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


def nearest_holder(unit: OrgUnit, role: str) -> Person | None:
    """The person named for ``role`` on this unit or the nearest unit above it."""
    ids = unit.ancestor_ids or [unit.pk]
    units = {u.pk: u for u in OrgUnit.objects.filter(pk__in=ids).select_related(role)}
    for uid in reversed(ids):
        holder = getattr(units[uid], role) if uid in units else None
        if holder is not None:
            return holder
    return None


@dataclass(frozen=True)
class Capacity:
    """How a person holds a role for a unit: in their own right, as someone's delegate, or as the
    holder above standing in for a holder who may not act on this matter."""

    role: str
    unit: OrgUnit
    delegate_of: Person | None = None
    instead_of: Person | None = None

    def __str__(self) -> str:
        label = UnitRole(self.role).label
        if self.delegate_of is not None:
            return f"delegate of {self.delegate_of} ({label} of {self.unit})"
        if self.instead_of is not None:
            return f"{label} above {self.instead_of} (who may not act on this), for {self.unit}"
        return f"{label} of {self.unit}"


def _holders_up(unit: OrgUnit, role: str) -> list[tuple[Person, list[int]]]:
    """The distinct holders of ``role`` from ``unit`` up the tree, nearest first, each with the ids of
    the units from ``unit`` up to where they are named (their delegations must cover one of those)."""
    ids = unit.ancestor_ids or [unit.pk]
    units = {u.pk: u for u in OrgUnit.objects.filter(pk__in=ids).select_related(role)}
    found: list[tuple[Person, list[int]]] = []
    for position, uid in enumerate(reversed(ids)):
        holder = getattr(units[uid], role) if uid in units else None
        if holder is not None and all(holder.pk != h.pk for h, _ in found):
            found.append((holder, list(reversed(ids))[: position + 1]))
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
    passed_over: Person | None = None
    for holder, covered in _holders_up(unit, role):
        found: list[tuple[Person, Capacity]] = []
        if holder.pk not in barred:
            found.append((holder, Capacity(role=role, unit=unit, instead_of=passed_over)))
        if subject is None or holder.pk != subject.pk:
            delegations = (Delegation.objects.active(on)
                           .filter(delegator=holder, role=role, org_unit_id__in=covered)
                           .exclude(delegate_id__in=barred).select_related("delegate", "delegator")
                           .order_by("start_date", "pk"))
            found += [(d.delegate, Capacity(role=role, unit=unit, delegate_of=d.delegator)) for d in delegations]
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
    """Units (with everything below them) where the person holds a unit role or a live delegation.

    Cached on the person object, which lives for one request (``person_of`` caches it on the user).
    """
    on = on or timezone.localdate()
    cache = person.__dict__.setdefault("_gp_scope_cache", {})
    if on not in cache:
        cache[on] = _scope_unit_ids(person, on)
    return set(cache[on])


def _scope_unit_ids(person: Person, on: dt.date) -> set[int]:
    direct = set(
        OrgUnit.objects.filter(Q(fm_hps=person) | Q(head=person) | Q(hrbp=person)).values_list("pk", flat=True)
    )
    # A delegation counts only while the delegator still holds the role for the unit.
    delegated = {
        d.org_unit_id
        for d in Delegation.objects.active(on).filter(delegate=person).select_related("org_unit")
        if (holder := nearest_holder(d.org_unit, d.role)) is not None and holder.pk == d.delegator_id
    }
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
        nxt = set(Person.objects.filter(line_manager_id__in=frontier).values_list("pk", flat=True)) - found
        nxt.discard(manager.pk)
        if not nxt:
            break
        found |= nxt
        frontier = nxt
    return found


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
