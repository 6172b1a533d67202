"""What appraisal shows on pages other apps own, registered in ``AppraisalConfig.ready()``: My home's
"Appraisals" panel and the "Appraisals" heading of the career record."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from gradepath.appraisal import selectors
from gradepath.appraisal.permissions import completion_units, visible_appraisals
from gradepath.career.sources import CareerEntry
from gradepath.people.relations import person_of

HOME_LIMIT = 5
CAREER_LIMIT = 50


def home_panel(request) -> dict | None:
    """My own appraisal this year, and the appraisal tasks waiting for me (two queries)."""
    person = person_of(getattr(request, "user", None))
    if person is None:
        return None
    today = timezone.localdate()
    tasks = selectors.my_open_tasks(person, HOME_LIMIT + 1)
    mine = selectors.my_appraisal(person, today.year)
    return {"appraisal": {"tasks": tasks[:HOME_LIMIT], "more": len(tasks) > HOME_LIMIT, "today": today,
                          "mine": mine, "mine_state": selectors.state_label(mine.state) if mine else "",
                          "year": today.year, "follows_units": completion_units(request.user) is not None}}


def career_entries(person, user) -> list[CareerEntry]:
    """The person's appraisals this user may see, newest first (one query, at most CAREER_LIMIT)."""
    rows = (visible_appraisals(user).filter(subject=person).select_related("appraiser")
            .order_by("-year", "-id")[:CAREER_LIMIT])
    entries = []
    for appraisal in rows:
        detail = f"Appraiser: {appraisal.appraiser.full_name}."
        if appraisal.regrading_reference:
            detail += f" A regrading check was flagged: {appraisal.regrading_reference}."
        status = selectors.state_label(appraisal.state)
        if appraisal.state == "completed" and appraisal.completed_on:
            status += f" on {appraisal.completed_on.day} {appraisal.completed_on:%b %Y}"
        entries.append(CareerEntry(start=appraisal.completed_on or dt.date(appraisal.year, 1, 1),
                                   title=f"Appraisal {appraisal.year}", status=status, detail=detail,
                                   link=f"/appraisals/{appraisal.pk}/", reference=appraisal.reference))
    return entries
