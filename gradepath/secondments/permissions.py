"""The access gates of secondments (strangers get 404).

* An application (a :class:`Secondment`): the applicant; the host manager (and whoever posted the
  opportunity); the home line manager, and the applicant's management chain; the FM/HPS, HoD or HRBP
  (or their delegate) of the home or the host unit; HR Services and Administrators; anyone holding one of
  its tasks.
* An opportunity: everyone signed in while it is open, once the redeployment register's head start is over
  (people on the register see it from the day it is posted); its host manager, whoever posted it, the
  host unit's FM/HPS, HoD or HRBP, HR Services and Administrators always; an applicant sees the
  opportunity they applied for.
* The redeployment register: HR Services and Administrators (each person sees their own entry).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from gradepath.people import roles
from gradepath.people.models import OrgUnit
from gradepath.people.relations import person_of, report_ids, scope_unit_ids, subtree_q
from gradepath.secondments.models import Opportunity, RedeploymentEntry, Secondment
from gradepath.workflow.models import Task


def sees_all(user) -> bool:
    """HR Services and Administrators see every secondment record."""
    return bool(user and user.is_authenticated
                and (user.is_superuser or roles.in_group(user, roles.HR_SERVICES, roles.ADMINISTRATOR)))


def keeps_register(user) -> bool:
    """HR Services (and Administrators) keep the redeployment register."""
    return sees_all(user)


def _scope_units(me) -> QuerySet[OrgUnit] | None:
    units = scope_unit_ids(me)
    return OrgUnit.objects.filter(subtree_q(units)) if units else None


def visible_secondments(user) -> QuerySet[Secondment]:
    """Applications and secondments this user may see (each way in an indexed semi-join)."""
    if not user or not user.is_authenticated:
        return Secondment.objects.none()
    if sees_all(user):
        return Secondment.objects.all()
    me = person_of(user)
    if me is None:
        return Secondment.objects.none()
    my_tasks = Task.objects.filter(process="secondments", assignee=me).values("object_id")
    allowed = (Q(applicant=me) | Q(host_manager=me) | Q(home_manager=me) | Q(opportunity__posted_by=me)
               | Q(pk__in=my_tasks))
    if reports := report_ids(me):
        allowed |= Q(applicant_id__in=reports)
    if (units := _scope_units(me)) is not None:
        allowed |= Q(home_unit__in=units) | Q(host_unit__in=units)
    return Secondment.objects.filter(allowed)


def get_secondment_for_user(user, pk) -> Secondment:
    try:
        return visible_secondments(user).select_related(
            "opportunity__post", "opportunity__grade", "opportunity__host_unit", "applicant", "home_manager",
            "host_manager", "home_unit", "host_unit", "appointment__post", "substantive__post", "home_pay__grade",
            "secondment_pay__grade").get(pk=pk)
    except (Secondment.DoesNotExist, ValueError, TypeError):
        raise Http404("No such secondment.") from None


def on_register(person) -> bool:
    return person is not None and RedeploymentEntry.objects.filter(person=person, removed_at__isnull=True).exists()


def visible_opportunities(user) -> QuerySet[Opportunity]:
    """Opportunities this user may see: open ones on the board (after the register's head start, unless
    they are on the register), and any they host, posted, oversee or applied for."""
    if not user or not user.is_authenticated:
        return Opportunity.objects.none()
    if sees_all(user):
        return Opportunity.objects.all()
    me = person_of(user)
    if me is None:
        return Opportunity.objects.none()
    board = Q(status=Opportunity.Status.OPEN)
    if not on_register(me):
        board &= Q(register_until__lt=timezone.localdate())
    allowed = board | Q(host_manager=me) | Q(posted_by=me) | Q(
        pk__in=Secondment.objects.filter(applicant=me).values("opportunity_id"))
    if (units := _scope_units(me)) is not None:
        allowed |= Q(host_unit__in=units)
    return Opportunity.objects.filter(allowed)


def get_opportunity_for_user(user, pk) -> Opportunity:
    try:
        return visible_opportunities(user).select_related(
            "host_unit", "post", "grade", "host_manager", "posted_by").get(pk=pk)
    except (Opportunity.DoesNotExist, ValueError, TypeError):
        raise Http404("No such opportunity.") from None


def manages_opportunity(user, opportunity: Opportunity) -> bool:
    """Its host manager, whoever posted it, and HR Services: they close or withdraw it and see every
    application to it."""
    me = person_of(user)
    return sees_all(user) or (me is not None and me.pk in (opportunity.host_manager_id, opportunity.posted_by_id))


def visible_register(user) -> QuerySet[RedeploymentEntry]:
    if keeps_register(user):
        return RedeploymentEntry.objects.all()
    me = person_of(user)
    return RedeploymentEntry.objects.filter(person=me) if me is not None else RedeploymentEntry.objects.none()
