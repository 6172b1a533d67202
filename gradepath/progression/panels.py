"""What accelerated increments show on pages other apps own, registered in ``ProgressionConfig.ready()``:
My home's panel (my requests and what waits for me) and the career record's entries."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from gradepath.career.sources import CareerEntry
from gradepath.people.relations import person_of
from gradepath.progression import spine
from gradepath.progression.models import ProgressionRequest
from gradepath.progression.permissions import visible_requests
from gradepath.progression.workflow import STATES
from gradepath.workflow.models import Task

HOME_LIMIT = 5


def home_panel(request) -> dict | None:
    """My open tasks on requests (and the HR Services queue's) and my own requests, in two queries; nothing
    when there is neither."""
    person = person_of(getattr(request, "user", None))
    if person is None:
        return None
    tasks = list(Task.objects.filter(process="progression", completed_at__isnull=True, assignee=person)
                 .order_by("due_date", "id")[:HOME_LIMIT])
    mine = list(ProgressionRequest.objects.filter(subject=person).order_by("-created_at", "-id")[:HOME_LIMIT])
    return {"progression": {"tasks": tasks, "mine": [(r, STATES.get(r.state, r.state)) for r in mine],
                            "today": timezone.localdate()}}


def career_entries(person, user) -> list[CareerEntry]:
    """The person's requests the reader may see, newest first (one query)."""
    rows = (visible_requests(user).filter(subject=person).select_related("grade")
            .order_by("-created_at", "-id"))
    entries = []
    for r in rows:
        words = spine.award_words(r.current_point, r.points, r.kind, r.grade.top_automatic_point)
        if r.state == "completed" and r.effective_date:
            status = f"Awarded: spine point {r.new_point} from {r.effective_date.day} {r.effective_date:%b %Y}"
        else:
            status = STATES.get(r.state, r.state)
        entries.append(CareerEntry(start=r.effective_date or timezone.localdate(r.created_at),
                                   title=f"{words.capitalize()} on {r.grade} (spine point {r.current_point} → "
                                         f"{r.new_point})", status=status, reference=r.reference,
                                   link=reverse("progression:request-detail", args=[r.pk])))
    return entries
