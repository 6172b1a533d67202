"""The access gates of accelerated increment requests and local rounds (strangers get 404).

Who sees a request: the staff member it is about and whoever applied; their line manager and the
management chain above; the unit's HoD or departmental contact, FM/HPS, Dean or Vice-Provost
(Operations) and HRBP (each for the units they hold the role for, and every unit below, or as an active
delegate); whoever has a task on it; HR Services and Administrators: all.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from gradepath.people import roles
from gradepath.people.models import OrgUnit
from gradepath.people.relations import person_of, reports_subquery, scope_unit_ids, subtree_q
from gradepath.progression.models import LocalRound, ProgressionRequest
from gradepath.workflow.models import Task


def sees_all(user) -> bool:
    """HR Services and Administrators see every request (an HRBP sees their units')."""
    return bool(user and user.is_authenticated and (
        user.is_superuser or roles.in_group(user, roles.HR_SERVICES, roles.ADMINISTRATOR)))


def visible_requests(user) -> QuerySet[ProgressionRequest]:
    """Requests a user may see (each way in an indexed semi-join; no DISTINCT over every request)."""
    if not user or not user.is_authenticated:
        return ProgressionRequest.objects.none()
    if sees_all(user):
        return ProgressionRequest.objects.all()
    me = person_of(user)
    if me is None:
        return ProgressionRequest.objects.none()
    my_tasks = Task.objects.filter(process="progression", assignee=me).values("object_id")
    allowed = Q(subject=me) | Q(initiator=me) | Q(pk__in=my_tasks)
    allowed |= Q(subject_id__in=reports_subquery(me))
    if units := scope_unit_ids(me):
        allowed |= Q(org_unit__in=OrgUnit.objects.filter(subtree_q(units)))
    return ProgressionRequest.objects.filter(allowed)


def get_request_for_user(user, pk) -> ProgressionRequest:
    """The access gate of one request: strangers get 404."""
    try:
        return visible_requests(user).select_related(
            "subject", "initiator", "org_unit", "post", "grade", "local_round", "pay_record").get(pk=pk)
    except (ProgressionRequest.DoesNotExist, ValueError, TypeError):
        raise Http404("No such request.") from None


def visible_rounds(user) -> QuerySet[LocalRound]:
    """Local rounds a user may see: HR Services and Administrators all; anyone holding a unit role over the
    faculty (its Dean, FM/HPS, HoDs, HRBP, or a delegate) that faculty's."""
    if not user or not user.is_authenticated:
        return LocalRound.objects.none()
    if sees_all(user):
        return LocalRound.objects.all()
    me = person_of(user)
    if me is None:
        return LocalRound.objects.none()
    units = scope_unit_ids(me)
    if not units:
        return LocalRound.objects.none()
    # The faculty itself is in scope (its Dean, FM/HPS, HRBP) or a unit below it is (a HoD's department).
    paths = OrgUnit.objects.filter(pk__in=units).values_list("path", flat=True)
    faculties = {int(path.strip("/").split("/")[0]) for path in paths if path.strip("/")}
    return LocalRound.objects.filter(faculty_id__in=faculties)


def get_round_for_user(user, pk) -> LocalRound:
    try:
        return visible_rounds(user).select_related("faculty", "created_by").get(pk=pk)
    except (LocalRound.DoesNotExist, ValueError, TypeError):
        raise Http404("No such round.") from None
