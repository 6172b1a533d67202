"""The access gate for acting-up allowances and honoraria (strangers get 404): the person sees their
own, their management chain their reports', the FM/HPS, HoD and HRBP (or an active delegate) their
units', whoever has a task on one, and HR Services and administrators every one."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from gradepath.allowances.models import Allowance
from gradepath.people import roles
from gradepath.people.models import OrgUnit
from gradepath.people.relations import person_of, report_ids_walked, scope_unit_ids, subtree_q
from gradepath.workflow.models import Task


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
