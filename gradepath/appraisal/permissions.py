"""The access gate for appraisals (strangers get 404), and who sees completion by unit.

The staff member sees their own; the appraiser theirs; a manager their reports' (every level down);
the FM/HPS, HoD and HRBP of a unit (or an active delegate) the unit's and those below it; HR Services
and administrators every appraisal.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from gradepath.appraisal.models import Appraisal
from gradepath.people import roles
from gradepath.people.models import OrgUnit
from gradepath.people.relations import person_of, report_ids_walked, scope_unit_ids, subtree_q


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
