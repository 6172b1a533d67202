"""What each move on an accelerated increment request does besides moving the state, and what the process
tells people itself (the staff member copied on the HoD's written comments; the outcome). The engine
(gradepath.workflow.engine) calls these; nothing else does.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from gradepath.core.errors import ServiceError
from gradepath.grades.models import PayRecord, salary_for
from gradepath.grades.services import record_pay_change
from gradepath.notifications.services import notify
from gradepath.people.models import Person
from gradepath.progression import spine
from gradepath.progression.models import ProgressionRequest
from gradepath.workflow.engine import day
from gradepath.workflow.process import Move


def pay_year_end(on: dt.date) -> dt.date:
    month, first = settings.GRADEPATH["INCREMENT_DAY"]
    return spine.pay_year_end(on, int(month), int(first))


def cost_from(request: ProgressionRequest, effective: dt.date) -> Decimal | None:
    """The award's cost from ``effective`` to the end of that pay year (None without salaries)."""
    current, new = salary_for(request.current_point, effective), salary_for(request.new_point, effective)
    if current is None or new is None:
        return None
    return spine.cost_to_year_end(current, new, effective, pay_year_end(effective))


def charged_to(request: ProgressionRequest) -> str:
    """The post's funding: its named source, or the unit's budget."""
    return (request.post.funding_source or f"{request.org_unit} (the unit's budget)")[:200]


def award_words(request: ProgressionRequest) -> str:
    return spine.award_words(request.current_point, request.points, request.kind, request.grade.top_automatic_point)


def _record_comments(request, actor, me, move, data):
    return None, f"{move.label}"


def _apply_approve(request: ProgressionRequest, actor, me, move, data):
    today = timezone.localdate()
    request.decided_at = timezone.now()
    request.approved_on = today
    request.effective_date = spine.first_of_next_month(today)
    request.cost_to_year_end = cost_from(request, request.effective_date)
    request.charged_to = charged_to(request)
    return None, (f"Approved: {award_words(request)}, spine point {request.current_point} → {request.new_point} "
                  f"from {day(request.effective_date)}")


def _apply_decided(request: ProgressionRequest, actor, me, move, data):
    request.decided_at = timezone.now()
    return None, move.label


def _apply_resubmit(request: ProgressionRequest, actor, me, move, data):
    if data.get("objectives_met"):
        request.objectives_met = data["objectives_met"]
    if data.get("evidence"):
        request.evidence = data["evidence"]
    return None, move.label


def _apply_return_to_decider(request: ProgressionRequest, actor, me, move, data):
    request.approved_on = request.effective_date = request.decided_at = None
    return None, move.label


def _apply_validate(request: ProgressionRequest, actor, me, move, data):
    """HR Services validate: the pay history gets the new spine point from the effective date (the 1st of the
    month after approval), and the cost to the end of the pay year is recorded against the post's funding."""
    if request.effective_date is None or request.approved_on is None:
        raise ServiceError("This request has no approval date: return it to the decider.")
    reason = (PayRecord.Reason.CONTRIBUTION_POINT if request.kind == spine.CONTRIBUTION_POINT
              else PayRecord.Reason.ACCELERATED_INCREMENT)
    request.pay_record = record_pay_change(
        actor=actor, person=request.subject, grade=request.grade, spine_point=request.new_point,
        effective_from=request.effective_date, reason=reason, post=request.post,
        note=f"{request.reference}: {award_words(request)}")
    request.cost_to_year_end = cost_from(request, request.effective_date)
    request.charged_to = charged_to(request)
    cost = f", £{request.cost_to_year_end:,.2f} to the end of the pay year" if request.cost_to_year_end else ""
    return None, (f"Validated: spine point {request.new_point} from {day(request.effective_date)}{cost}, charged "
                  f"to {request.charged_to}")


EFFECTS = {
    "fm_comment": _record_comments,
    "give_comments": _record_comments,
    "approve": _apply_approve,
    "decline": _apply_decided,
    "return_for_information": _apply_decided,
    "resubmit": _apply_resubmit,
    "return_to_decider": _apply_return_to_decider,
    "validate": _apply_validate,
}


def after_move(request: ProgressionRequest, move: Move, actor: Person, from_state: str, reason: str) -> None:
    """The process's own telling and records after a move: written comments are kept on the request (by the
    role they were given in), and the staff member is copied on the HoD's; the outcome is told in plain words."""
    link = f"/progression/{request.pk}/"
    if move.action in ("fm_comment", "give_comments"):
        event = request.events.order_by("-step").first()
        role = (event.data or {}).get("role") if event is not None else ""
        text = (event.data or {}).get("comments", "") if event is not None else ""
        field = "hod_comments" if role == "head" else "fm_comments"
        setattr(request, field, text)
        ProgressionRequest.objects.filter(pk=request.pk).update(**{field: text})
        if role == "head" and request.subject_id != actor.pk:
            notify(recipient=request.subject, link=link,
                   subject=f"Copy: the HoD's comments on {request.reference}",
                   body=f"You are copied on the written comments {actor.full_name} gave the Dean on your request "
                        f"{request.reference}: “{text}”")
    if move.action == "validate" and request.effective_date is not None:
        when = day(request.effective_date)
        for person in {request.subject, request.initiator} - {actor}:
            whose = "Your" if person.pk == request.subject_id else f"{request.subject.full_name}'s"
            notify(recipient=person, link=link,
                   subject=f"{request.reference}: spine point {request.new_point} from {when}",
                   body=f"{whose} {award_words(request)} is validated: spine point {request.new_point} of "
                        f"{request.grade} from {when}.")
