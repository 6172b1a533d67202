"""Putting a request straight into a state for the matrix and the state machine (no events): the fields a
request in that state would have are filled in."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from gradepath.grades.models import Grade
from gradepath.progression import services, spine
from gradepath.progression.models import CLOSED_STATES, ProgressionRequest
from gradepath.progression.workflow import PROGRESSION
from gradepath.workflow import engine

DECIDED = ("hr_validation", "completed")


def make_request(p, route: str, state: str, *, initiator=None, subject=None, post=None, unit=None,
                 decider_role: str = "dean") -> ProgressionRequest:
    today = timezone.localdate()
    subject = subject or p.staff_member
    grade = Grade.objects.get(number=5)
    decided = state in DECIDED
    obj = ProgressionRequest.objects.create(
        reference=f"AIP-T-{ProgressionRequest.objects.count() + 1:04d}", route=route, state=state, subject=subject,
        initiator=initiator or (subject if route == "direct" else p.applicant), org_unit=unit or p.department,
        post=post or p.staff_post, title="Research Technician", decider_role=decider_role, grade=grade,
        current_point=17, points=1, new_point=18, kind=spine.ACCELERATED_INCREMENT,
        performance_from=today - dt.timedelta(days=280), performance_to=today - dt.timedelta(days=7),
        performance="Outstanding.", objectives_met="All of them.", cost_to_year_end=Decimal("500.00"),
        charged_to="Division of Biosciences (the unit's budget)",
        approved_on=today if decided else None, effective_date=spine.first_of_next_month(today) if decided else None,
        decided_at=timezone.now() if decided else None)
    if state not in CLOSED_STATES:
        engine.refresh_tasks(PROGRESSION, obj)
    return obj


def act(obj, person, action, **data):
    return services.perform_action(actor=person.user, request=obj, action=action, step=obj.step, data=data)
