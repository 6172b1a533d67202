"""What acting up and honoraria show on pages other apps own, registered in ``AllowancesConfig.ready()``:
My home's panel (my tasks on allowances, and my own current ones) and the career record's entries."""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from gradepath.allowances import workflow
from gradepath.allowances.models import Allowance, Kind
from gradepath.allowances.permissions import visible_allowances
from gradepath.career.sources import CareerEntry
from gradepath.people.relations import person_of
from gradepath.workflow import inbox

HOME_LIMIT = 5


def my_open_tasks(user):
    """My open tasks on allowances, and my teams' queue (HR Services): the inbox's, for this process."""
    return inbox.filtered(inbox.waiting_for(user), process=workflow.ALLOWANCES.name)


def home_panel(request) -> dict | None:
    """For My home: what waits for me (two queries), and my own allowances that are current or open (one)."""
    person = person_of(getattr(request, "user", None))
    if person is None:
        return None
    tasks = list(my_open_tasks(request.user)[:HOME_LIMIT + 1])
    today = timezone.localdate()
    mine = list(Allowance.objects.filter(person=person)
                .filter(~Q(state__in=workflow.CLOSED_STATES) | Q(state="agreed", end_date__gte=today)
                        | Q(state="agreed", payment="once", start_date__gte=today))
                .select_related("post").order_by("-start_date", "-id")[:HOME_LIMIT])
    if not tasks and not mine:
        return None
    return {"allowances": {"tasks": tasks[:HOME_LIMIT], "more": len(tasks) > HOME_LIMIT, "today": today,
                           "mine": [{"allowance": a, "state": workflow.STATES[a.state]} for a in mine]}}


def _status(allowance: Allowance) -> str:
    if allowance.kind == Kind.ACTING_UP:
        if allowance.state == "acting":
            return f"Acting up at {allowance.higher_grade}, spine point {allowance.acting_point}"
        if allowance.state == "ended":
            return "Ended: pay back to the substantive grade"
    elif allowance.state == "agreed":
        return f"Agreed: £{allowance.agreed_amount:,}" + (" a month" if allowance.payment == "monthly" else "")
    return workflow.STATES[allowance.state]


def career_entries(person, user) -> list[CareerEntry]:
    """Acting up and honoraria about ``person`` that ``user`` may see, newest first (one query); declined and
    withdrawn proposals are not part of a career."""
    rows = (visible_allowances(user).filter(person=person).exclude(state__in=("declined", "withdrawn", "draft"))
            .select_related("post", "higher_grade").order_by("-start_date", "-id"))
    return [CareerEntry(start=a.start_date, end=a.ended_on or a.end_date, reference=a.reference,
                        title=(f"Acting up as {a.post.title} ({a.higher_grade})" if a.kind == Kind.ACTING_UP and a.post
                               else f"Honorarium: {a.duties.splitlines()[0][:150] if a.duties else ''}"),
                        status=_status(a), link=f"/acting-up/{a.pk}/") for a in rows]
