"""Role resolvers a process builds its roles from: who holds a role for an object, in what capacity
(in words), and whom to tell when their task is overdue. One resolver per role serves permission,
tasks and escalation alike (:class:`gradepath.workflow.process.Role`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gradepath.people import roles as groups
from gradepath.people.relations import eligible_holders, nearest_holder
from gradepath.workflow.process import Role


class _Escalates:
    """Escalation up the object's unit: the first holder of ``escalate`` (unit roles) who is not the
    person the object is about."""

    def __init__(self, escalate: tuple[str, ...], unit_of: Callable[[Any], Any]):
        self._escalate, self._unit_of = escalate, unit_of

    def escalate_to(self, obj) -> list:
        unit = self._unit_of(obj)
        return [holder for role in self._escalate if (holder := nearest_holder(unit, role)) is not None]


class SubjectRole(_Escalates, Role):
    """The person the object is about (a staff member in their own case)."""

    is_subject = True
    quiet_capacity = True  # "waiting for Sam Patel", not "Sam Patel (staff member)"

    def __init__(self, key: str, label: str, *, subject_of: Callable, unit_of: Callable,
                 capacity: str = "staff member", escalate: tuple[str, ...] = ()):
        super().__init__(escalate, unit_of)
        self.key, self.label, self._subject_of, self._capacity = key, label, subject_of, capacity

    def capacity(self, obj, person, user, excluding):
        subject = self._subject_of(obj)
        if person is None or subject is None or person.pk != subject.pk or person.pk in excluding:
            return None
        return self._capacity

    def holders(self, obj, excluding):
        subject = self._subject_of(obj)
        return [(subject, self._capacity)] if subject is not None and subject.pk not in excluding else []


class PersonFieldRole(_Escalates, Role):
    """The person named in a field of the object (the line manager, whoever started it).
    ``tasks=False``: the role may act but is given no task (an initiator may withdraw, that is all).
    ``subject_may_hold``: the person the object is about may hold it too (they started it)."""

    def __init__(self, key: str, label: str, *, field: str, capacity: str, unit_of: Callable,
                 tasks: bool = True, subject_may_hold: bool = False, escalate: tuple[str, ...] = ()):
        super().__init__(escalate, unit_of)
        self.key, self.label, self._field, self._capacity, self._tasks = key, label, field, capacity, tasks
        self.subject_may_hold = subject_may_hold
        self.quiet_capacity = True

    def capacity(self, obj, person, user, excluding):
        held = getattr(obj, f"{self._field}_id")
        if person is None or held is None or person.pk != held or person.pk in excluding:
            return None
        return self._capacity

    def holders(self, obj, excluding):
        holder = getattr(obj, self._field) if self._tasks else None
        return [(holder, self._capacity)] if holder is not None and holder.pk not in excluding else []


class UnitRoleHolder(_Escalates, Role):
    """The holder of a unit role for the object's unit (the nearest up the tree) or their active
    delegate; when neither may act (the object is about them, or they submitted it), the holder above
    (``people.relations.eligible_holders``). An active delegate takes the task."""

    def __init__(self, key: str, label: str, *, unit_role: str, unit_of: Callable, subject_of: Callable,
                 escalate: tuple[str, ...] = ()):
        super().__init__(escalate, unit_of)
        self.key, self.label, self.unit_role = key, label, unit_role
        self._subject_of = subject_of

    def _candidates(self, obj, excluding):
        return eligible_holders(self._unit_of(obj), self.unit_role, subject=self._subject_of(obj),
                                excluding=excluding)

    def capacity(self, obj, person, user, excluding):
        if person is None:
            return None
        for candidate, capacity in self._candidates(obj, excluding):
            if candidate.pk == person.pk:
                return str(capacity)
        return None

    def holders(self, obj, excluding):
        candidates = self._candidates(obj, excluding)
        if not candidates:
            return []  # nobody acts on their own matter, not even through a delegate
        person, capacity = next(((p, c) for p, c in candidates if c.delegate_of is not None), candidates[0])
        plain = capacity.delegate_of is None and capacity.instead_of is None
        return [(person, "" if plain else str(capacity))]


class GroupRole(_Escalates, Role):
    """Any member of a group (HR Services): its tasks go to the group's queue."""

    def __init__(self, key: str, label: str, *, group: str, unit_of: Callable, escalate: tuple[str, ...] = ()):
        super().__init__(escalate, unit_of)
        self.key, self.label, self.team = key, label, group

    def capacity(self, obj, person, user, excluding):
        if person is None or person.pk in excluding or not groups.in_group(user, self.team):
            return None
        return self.label

    def holders(self, obj, excluding):
        return [(None, self.label)]


class MembersRole(_Escalates, Role):
    """The people on a list of the object's (an appeal panel): each of them."""

    def __init__(self, key: str, label: str, *, people_of: Callable[[Any], Any], capacity: str,
                 unit_of: Callable, escalate: tuple[str, ...] = ()):
        super().__init__(escalate, unit_of)
        self.key, self.label, self._people_of, self._capacity = key, label, people_of, capacity

    def capacity(self, obj, person, user, excluding):
        if person is None or person.pk in excluding:
            return None
        return self._capacity if self._people_of(obj).filter(pk=person.pk).exists() else None

    def holders(self, obj, excluding):
        return [(p, self._capacity) for p in self._people_of(obj) if p.pk not in excluding]
