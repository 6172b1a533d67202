"""Grading's heading of the career record (policy §4.9): the grading cases about the person, registered
as a :class:`~gradepath.career.sources.CareerSource` in ``GradingConfig.ready()``.

The career record has already checked that the reader may see the person's record; a case's link is
given only when the reader may open the case (:func:`gradepath.grading.permissions.visible_cases`).
Two queries whatever the number of cases: the cases, then which of them the reader may open.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from gradepath.career.sources import CareerEntry, CareerSource
from gradepath.grading import workflow
from gradepath.grading.models import GradingCase
from gradepath.grading.permissions import visible_cases


def _day(value) -> str:
    return f"{value.day} {value:%B %Y}"


def _status(case: GradingCase) -> str:
    """Where the case stands in the policy's words, and what was decided once it was."""
    status = workflow.STATES.get(case.state, case.state)
    if case.decided_at is not None and case.outcome:
        status += f": {case.get_outcome_display().lower()}"
        if case.decided_grade is not None:
            status += f", {case.decided_grade.name}"
    return status


def _detail(case: GradingCase) -> str:
    parts = []
    if case.current_grade is not None:
        parts.append(f"Grade when the case began: {case.current_grade.name}.")
    if case.decided_at is not None:
        parts.append(f"Decided on {_day(timezone.localdate(case.decided_at))}.")
    if case.effective_date is not None:
        parts.append(f"Takes effect from {_day(case.effective_date)}.")
    return " ".join(parts)


def case_entries(person, user) -> list[CareerEntry]:
    """The grading cases about ``person`` (as the subject), newest first; each links to the case only
    when ``user`` may open it."""
    cases = list(GradingCase.objects.filter(subject=person).select_related("current_grade", "decided_grade")
                 .order_by("-created_at", "-id"))
    if not cases:
        return []
    openable = set(visible_cases(user).filter(pk__in=[case.pk for case in cases]).values_list("pk", flat=True))
    return [
        CareerEntry(
            start=timezone.localdate(case.created_at),
            end=timezone.localdate(case.closed_at) if case.closed_at else None,
            title=f"{case.get_route_display()}: {case.title}",
            status=_status(case),
            detail=_detail(case),
            link=reverse("grading:case-detail", args=[case.pk]) if case.pk in openable else "",
            reference=case.reference,
        )
        for case in cases
    ]


GRADING_CASES = CareerSource(key="grading", label="Grading cases", order=50, entries=case_entries)
