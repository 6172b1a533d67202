"""The access gate for acting-up allowances and honoraria (strangers get 404): the person sees their
own, their management chain their reports', the FM/HPS, HoD and HRBP (or an active delegate) their
units', whoever has a task on one, and HR Services and administrators every one."""

from __future__ import annotations

from django.db import connection
from django.db.models import Q, QuerySet
from django.http import Http404

from gradepath.allowances.models import Allowance
from gradepath.people import roles
from gradepath.people.models import OrgUnit, Person
from gradepath.people.relations import MAX_CHAIN, person_of, scope_unit_ids, subtree_q
from gradepath.workflow.models import Task


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


def sees_every_allowance(user) -> bool:
    return bool(user and user.is_authenticated and (
        user.is_superuser or roles.in_group(user, roles.HR_SERVICES, roles.ADMINISTRATOR)))


def visible_allowances(user) -> QuerySet[Allowance]:
    """Allowances a user may see (each way in an indexed semi-join, no DISTINCT)."""
    if not user or not user.is_authenticated:
        return Allowance.objects.none()
    if sees_every_allowance(user):
        return Allowance.objects.all()
    me = person_of(user)
    if me is None:
        return Allowance.objects.none()
    my_tasks = Task.objects.filter(process="allowances", assignee=me).values("object_id")
    allowed = Q(person=me) | Q(line_manager=me) | Q(initiator=me) | Q(pk__in=my_tasks)
    if reports := report_ids_walked(me):
        allowed |= Q(person_id__in=reports)
    if units := scope_unit_ids(me):
        allowed |= Q(org_unit__in=OrgUnit.objects.filter(subtree_q(units)))
    return Allowance.objects.filter(allowed)


def get_allowance_for_user(user, pk) -> Allowance:
    """The access gate for allowances: strangers get 404."""
    try:
        return visible_allowances(user).select_related(
            "person", "line_manager", "initiator", "org_unit", "post__org_unit", "higher_grade", "substantive_grade",
            "pay_record", "restored_record__grade", "appointment").get(pk=pk)
    except (Allowance.DoesNotExist, ValueError, TypeError):
        raise Http404("No such acting-up allowance or honorarium.") from None
