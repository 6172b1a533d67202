"""The access gate for appraisals (strangers get 404), and who sees completion by unit.

The staff member sees their own; the appraiser theirs; a manager their reports' (every level down);
the FM/HPS, HoD and HRBP of a unit (or an active delegate) the unit's and those below it; HR Services
and administrators every appraisal.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Q, QuerySet
from django.http import Http404

from gradepath.appraisal.models import Appraisal
from gradepath.people import roles
from gradepath.people.models import OrgUnit, Person
from gradepath.people.relations import MAX_CHAIN, person_of, scope_unit_ids, subtree_q


def report_ids_walked(manager: Person) -> list[int]:
    """Everyone below ``manager`` in the line-management tree (``people.relations.report_ids``), walked by the
    database in one query whatever the chain's depth (``report_ids`` reads one a level, so a manager's pages
    made one query more for each level of their chain), cached on the person for the request. The ids go into
    the list's query as values, not as a subquery: PostgreSQL cannot estimate a recursive subquery, so it read
    the whole table (all 115,000 appraisals at 50,000 staff) instead of an index for a manager's few reports.
    UNION ALL: each person has one line manager, so nobody is reached twice (a cycle, refused on write, stops
    at ``MAX_CHAIN``). The same walk as ``progression.permissions.reports_of`` (processes do not import one
    another; the appraisals' and acting-up gates share the cached result)."""
    if "_gp_reports_walked" not in manager.__dict__:
        table = connection.ops.quote_name(Person._meta.db_table)
        column = connection.ops.quote_name(Person._meta.get_field("line_manager").column)
        with connection.cursor() as cursor:
            cursor.execute(  # only the model's own table and column names; the values are parameters
                f"WITH RECURSIVE reports(id, depth) AS (SELECT id, 1 FROM {table} WHERE {column} = %s "  # noqa: S608
                f"UNION ALL SELECT p.id, r.depth + 1 FROM {table} p JOIN reports r ON p.{column} = r.id "
                "WHERE r.depth < %s) SELECT id FROM reports WHERE id <> %s", [manager.pk, MAX_CHAIN, manager.pk])
            manager.__dict__["_gp_reports_walked"] = [row[0] for row in cursor.fetchall()]
    return list(manager.__dict__["_gp_reports_walked"])


def sees_every_appraisal(user) -> bool:
    return bool(user and user.is_authenticated and (
        user.is_superuser or roles.in_group(user, roles.HR_SERVICES, roles.ADMINISTRATOR)))


def visible_appraisals(user) -> QuerySet[Appraisal]:
    """Appraisals a user may see: each way in an indexed condition (no join that multiplies rows)."""
    if not user or not user.is_authenticated:
        return Appraisal.objects.none()
    if sees_every_appraisal(user):
        return Appraisal.objects.all()
    me = person_of(user)
    if me is None:
        return Appraisal.objects.none()
    allowed = Q(subject=me) | Q(appraiser=me)
    if reports := report_ids_walked(me):
        allowed |= Q(subject_id__in=reports)
    if units := scope_unit_ids(me):
        allowed |= Q(org_unit__in=OrgUnit.objects.filter(subtree_q(units)))
    return Appraisal.objects.filter(allowed)


def get_appraisal_for_user(user, pk) -> Appraisal:
    """The access gate for appraisals: strangers get 404."""
    try:
        return visible_appraisals(user).select_related(
            "subject", "appraiser", "started_by", "org_unit", "jd_version__jd", "regrading_flagged_by").get(pk=pk)
    except (Appraisal.DoesNotExist, ValueError, TypeError):
        raise Http404("No such appraisal.") from None


def completion_units(user) -> QuerySet[OrgUnit] | None:
    """The units whose completion this user follows: every unit for HR Services and administrators, the
    units (and those below) where they are FM/HPS, HoD or HRBP (or an active delegate); None for
    everyone else (the page is not theirs: 404)."""
    if sees_every_appraisal(user):
        return OrgUnit.objects.all()
    me = person_of(user)
    if me is None:
        return None
    units = scope_unit_ids(me)
    if not units:
        return None
    return OrgUnit.objects.filter(subtree_q(units))
