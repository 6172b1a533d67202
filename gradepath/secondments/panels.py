"""What secondments show on My home (registered in ``SecondmentsConfig.ready()`` through ``core.registry``):
the secondment tasks waiting for me (and the HR Services queue for its members), my own applications and
secondments, and how many opportunities are open on the board for me."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from gradepath.people import roles
from gradepath.people.relations import person_of
from gradepath.secondments import workflow
from gradepath.secondments.models import CLOSED_STATES, RedeploymentEntry, Secondment
from gradepath.secondments.permissions import visible_opportunities
from gradepath.secondments.services import status_words
from gradepath.workflow.models import Task

HOME_LIMIT = 5


def my_open_tasks(user, person):
    """My secondment tasks, and HR Services' queue for its members, soonest due first."""
    mine = Q(assignee=person)
    if roles.in_group(user, roles.HR_SERVICES):
        mine |= Q(assignee__isnull=True, team=roles.HR_SERVICES)
    return Task.objects.filter(mine, process="secondments", completed_at__isnull=True).order_by("due_date", "id")


def home_panel(request) -> dict | None:
    person = person_of(getattr(request, "user", None))
    if person is None:
        return None
    today = timezone.localdate()
    tasks = list(my_open_tasks(request.user, person)[:HOME_LIMIT + 1])
    mine = list(Secondment.objects.filter(applicant=person).filter(
        ~Q(state__in=CLOSED_STATES) | Q(state="returned", returned_on__gte=today - dt.timedelta(days=90)))
        .order_by("-created_at", "-id")[:HOME_LIMIT])
    open_count = visible_opportunities(request.user).filter(status="open", closing_date__gte=today).count()
    registered = RedeploymentEntry.objects.filter(person=person, removed_at__isnull=True).exists()
    if not tasks and not mine and not open_count and not registered:
        return None
    return {"secondments": {
        "tasks": [{"task": t, "state": workflow.STATES.get(t.state, t.state)} for t in tasks[:HOME_LIMIT]],
        "more": len(tasks) > HOME_LIMIT, "today": today,
        "mine": [{"secondment": s, "status": status_words(s, today)} for s in mine],
        "open_count": open_count, "registered": registered}}
