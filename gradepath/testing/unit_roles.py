"""Naming unit role holders in a test's set-up (records built directly, as fixtures)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from gradepath.people.models import OrgUnit, Person, UnitRoleAssignment


def assign_unit_role(unit: OrgUnit, role: str, person: Person, *, start_date: dt.date | None = None,
                     end_date: dt.date | None = None) -> UnitRoleAssignment:
    """Make ``person`` the holder of ``role`` for ``unit`` from ``start_date`` (today), the way setting
    the unit's column did: whoever held it until then stops the day before (a row that would start on
    or after that day is dropped). Behaviour under test goes through
    :func:`gradepath.people.services.assign_unit_role`; this is set-up."""
    start_date = start_date or timezone.localdate()
    others = UnitRoleAssignment.objects.filter(unit=unit, role=role).overlapping(start_date, end_date)
    others.filter(start_date__gte=start_date).delete()
    for row in others.filter(start_date__lt=start_date):
        row.end_date = start_date - dt.timedelta(days=1)
        row.save(update_fields=["end_date"])
    return UnitRoleAssignment.objects.create(unit=unit, role=role, person=person, start_date=start_date,
                                             end_date=end_date)
