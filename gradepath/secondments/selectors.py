"""Reads for the secondment pages and the API, with a fixed number of queries whatever the rows (pinned
in the tests). No writes here."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone

from gradepath.people import roles
from gradepath.people.models import OrgUnit, Post
from gradepath.people.relations import subtree_q
from gradepath.secondments import services
from gradepath.secondments.models import Opportunity, Secondment, SecondmentEvent
from gradepath.secondments.permissions import visible_opportunities, visible_secondments
from gradepath.workflow.models import Task


def board(user, *, q: str = ""):
    """Open opportunities this user may see and apply for now, soonest closing first."""
    rows = (visible_opportunities(user).filter(status=Opportunity.Status.OPEN, closing_date__gte=timezone.localdate())
            .select_related("host_unit", "grade", "post"))
    if q:
        rows = rows.filter(Q(title__icontains=q) | Q(reference__iexact=q) | Q(host_unit__name__icontains=q))
    return rows.order_by("closing_date", "id")


def hosted(user, person):
    """Opportunities I host or posted (any status), with the number of applications, newest first."""
    return (Opportunity.objects.filter(Q(host_manager=person) | Q(posted_by=person))
            .select_related("host_unit", "grade").annotate(applications_count=Count("applications"))
            .order_by("-posted_on", "-id"))


def _next_due():
    return Subquery(Task.objects.filter(
        content_type=ContentType.objects.get_for_model(Secondment), object_id=OuterRef("pk"),
        completed_at__isnull=True).order_by("due_date").values("due_date")[:1])


def secondment_list(user, *, state: str = "", opportunity: Opportunity | None = None):
    """Applications and secondments this user may see, newest first, with the next task's due date."""
    rows = visible_secondments(user)
    if state:
        rows = rows.filter(state=state)
    if opportunity is not None:
        rows = rows.filter(opportunity=opportunity)
    return (rows.select_related("applicant", "host_unit", "home_unit", "opportunity__grade")
            .annotate(next_due=_next_due()).order_by("-created_at", "-id"))


def my_tasks(user, person):
    mine = Q(assignee=person)
    if roles.in_group(user, roles.HR_SERVICES):
        mine |= Q(assignee__isnull=True, team=roles.HR_SERVICES)
    return (Task.objects.filter(mine, process="secondments", completed_at__isnull=True)
            .select_related("subject").order_by("due_date", "id"))


def events_of(secondment: Secondment) -> list[SecondmentEvent]:
    return list(SecondmentEvent.objects.filter(secondment=secondment).select_related("actor").order_by("step"))


def postable_posts(person):
    """The active posts of the units a host may post for (and the units below them), for the form."""
    units = services.host_unit_ids(person)
    if not units:
        return Post.objects.none()
    return (Post.objects.filter(is_active=True, org_unit__in=OrgUnit.objects.filter(subtree_q(units)))
            .select_related("org_unit").order_by("post_number"))
