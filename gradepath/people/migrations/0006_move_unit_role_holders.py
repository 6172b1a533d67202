"""Today's FM/HPS, HoD/departmental contact and HRBP columns become role assignments (ADR 25).

Each holder named on a unit is held from the first day the unit is known to exist (the day it was
recorded, or the first appointment in it or below it, whichever is earlier; the day of the migration
when nothing says), until further notice: the columns said who holds the role with no dates, and this
keeps every earlier day answering as it did. The reverse copies the holders of the day back.
"""

import datetime as dt

from django.db import migrations
from django.utils import timezone

ROLES = ("fm_hps", "head", "hrbp")


def holders_start(unit_path: str, unit_id: int, created: dict[int, dt.date], first_appointment: dict[int, dt.date],
                  paths: dict[int, str], today: dt.date) -> dt.date:
    """The first day the unit (with everything below it) is known to exist, or ``today``."""
    known = [created[unit_id]] if unit_id in created else []
    prefix = unit_path or f"/{unit_id}/"
    known += [day for uid, day in first_appointment.items() if paths.get(uid, "").startswith(prefix)]
    return min(known) if known else today


def move_holders_to_assignments(apps, schema_editor) -> int:
    """Create one open-ended assignment per role column that names someone; returns how many."""
    OrgUnit = apps.get_model("people", "OrgUnit")
    Assignment = apps.get_model("people", "UnitRoleAssignment")
    Appointment = apps.get_model("people", "Appointment")
    HistoryEntry = apps.get_model("core", "HistoryEntry")
    today = timezone.localdate()
    units = list(OrgUnit.objects.values("pk", "path", *(f"{role}_id" for role in ROLES)))
    named = [u for u in units if any(u[f"{role}_id"] for role in ROLES)]
    if not named:
        return 0
    paths = {u["pk"]: u["path"] for u in units}
    created: dict[int, dt.date] = {}
    for object_id, at in (HistoryEntry.objects.filter(object_type="people.orgunit", action="org_unit.created")
                          .values_list("object_id", "created_at")):
        if object_id.isdigit():
            day = timezone.localdate(at)
            created[int(object_id)] = min(day, created.get(int(object_id), day))
    first_appointment: dict[int, dt.date] = {}
    for unit_id, start in Appointment.objects.values_list("post__org_unit_id", "start_date"):
        if unit_id not in first_appointment or start < first_appointment[unit_id]:
            first_appointment[unit_id] = start
    rows = []
    for unit in named:
        start = holders_start(unit["path"], unit["pk"], created, first_appointment, paths, today)
        rows += [Assignment(unit_id=unit["pk"], role=role, person_id=unit[f"{role}_id"], start_date=start)
                 for role in ROLES if unit[f"{role}_id"]]
    Assignment.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def move_holders_back(apps, schema_editor) -> None:
    """Reverse: the holder of each role on the day back into the unit's column; the assignments go."""
    OrgUnit = apps.get_model("people", "OrgUnit")
    Assignment = apps.get_model("people", "UnitRoleAssignment")
    today = timezone.localdate()
    current = (Assignment.objects.filter(role__in=ROLES, start_date__lte=today)
               .exclude(end_date__lt=today).values_list("unit_id", "role", "person_id"))
    for unit_id, role, person_id in current:
        OrgUnit.objects.filter(pk=unit_id).update(**{f"{role}_id": person_id})
    Assignment.objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ("people", "0005_unit_role_assignments"),
        ("core", "0001_initial"),
    ]

    operations = [migrations.RunPython(move_holders_to_assignments, move_holders_back)]
