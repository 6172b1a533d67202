"""What each move on an allowance does besides moving the state, and what the process tells people
itself (the pay and the amount in plain words). The engine (gradepath.workflow.engine) calls these."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from gradepath.allowances import rules
from gradepath.allowances.models import Allowance, Kind
from gradepath.allowances.pay import increments_between, restored_point
from gradepath.core.errors import ServiceError
from gradepath.grades.models import PayRecord
from gradepath.grades.services import record_pay_change
from gradepath.notifications.services import notify
from gradepath.people import services as people_services
from gradepath.people.models import Person
from gradepath.workflow.engine import tasks_of
from gradepath.workflow.process import Move

day = rules.day


def check_acting_up(allowance: Allowance) -> tuple:
    """Every rule of an acting-up proposal, against the record as it stands (under the engine's lock)."""
    rules.check_acting_up_period(allowance.start_date, allowance.end_date, allowance.long_reason)
    assert allowance.post is not None and allowance.end_date is not None
    found = rules.check_higher_post(allowance.person, allowance.post, allowance.start_date)
    rules.check_no_overlap(allowance.person, allowance.post, allowance.start_date, allowance.end_date,
                           exclude=allowance.pk)
    return found


def _apply_propose(allowance: Allowance, actor, me, move: Move, data):
    if allowance.kind == Kind.ACTING_UP:
        higher, _, _ = check_acting_up(allowance)
        allowance.higher_grade = higher
        return "fm_approval", (f"Proposed acting up in {allowance.post} at {higher.name} from "
                               f"{day(allowance.start_date)} to {day(allowance.end_date or allowance.start_date)}")
    rules.check_amount(allowance.proposed_amount)
    rules.check_honorarium(allowance.payment, allowance.start_date, allowance.end_date)
    return "hr_agreement", f"Proposed an honorarium of £{allowance.proposed_amount:,} ({allowance.get_payment_display().lower()})"


def _apply_confirm_pay(allowance: Allowance, actor, me, move: Move, data):
    higher, pay, point = check_acting_up(allowance)
    assert allowance.post is not None and allowance.end_date is not None
    appointment = people_services.start_appointment(
        actor=actor, person=allowance.person, post=allowance.post, kind="acting_up",
        start_date=allowance.start_date, end_date=allowance.end_date)
    record = record_pay_change(
        actor=actor, person=allowance.person, grade=higher, spine_point=point, effective_from=allowance.start_date,
        reason=PayRecord.Reason.ACTING_UP, post=allowance.post,
        note=f"Acting up {allowance.reference} in {allowance.post.post_number} to {day(allowance.end_date)}")
    allowance.higher_grade, allowance.substantive_grade, allowance.substantive_point = higher, pay.grade, pay.spine_point
    allowance.acting_point, allowance.pay_record, allowance.appointment = point, record, appointment
    return None, (f"Acting-up pay confirmed: {higher.name}, spine point {point} from {day(allowance.start_date)} "
                  f"(substantive {pay.grade.name}, spine point {pay.spine_point})")


def _restore(allowance: Allowance, actor, last_day: dt.date) -> str:
    """Pay back to the substantive grade and point from the day after ``last_day`` (moved up by the annual
    increments that fell due meanwhile), the acting-up appointment ending on ``last_day``."""
    grade, point = allowance.substantive_grade, allowance.substantive_point
    if grade is None or point is None or allowance.appointment is None:
        raise ServiceError("The acting-up pay was never confirmed, so there is no pay to return.")
    back = last_day + dt.timedelta(days=1)
    before = (PayRecord.objects.as_of(allowance.start_date - dt.timedelta(days=1)).filter(person=allowance.person)
              .select_related("post").first())
    month, day_of_month = settings.GRADEPATH["INCREMENT_DAY"]
    new_point = restored_point(point, grade.top_automatic_point,
                               increments_between(allowance.start_date, back, (int(month), int(day_of_month))),
                               has_increments=grade.has_increments)
    if allowance.appointment.end_date != last_day:
        people_services.end_appointment(actor=actor, appointment=allowance.appointment, end_date=last_day)
    allowance.restored_record = record_pay_change(
        actor=actor, person=allowance.person, grade=grade, spine_point=new_point, effective_from=back,
        reason=PayRecord.Reason.ACTING_UP, post=before.post if before is not None else None,
        note=f"Acting up {allowance.reference} ended on {day(last_day)}: back to the substantive grade and point")
    allowance.ended_on = last_day
    return f"{grade.name}, spine point {new_point} from {day(back)}"


def _apply_end(allowance: Allowance, actor, me, move: Move, data):
    assert allowance.end_date is not None
    back = _restore(allowance, actor, allowance.end_date)
    return None, f"Acting up ended on {day(allowance.end_date)}; pay back to {back}"


def _apply_end_early(allowance: Allowance, actor, me, move: Move, data):
    last_day: dt.date = data["last_day"]
    assert allowance.end_date is not None
    if last_day < allowance.start_date:
        raise ServiceError(f"The last day ({day(last_day)}) is before acting up started ({day(allowance.start_date)}).")
    if last_day >= allowance.end_date:
        raise ServiceError(f"The last day ({day(last_day)}) is not before the end date ({day(allowance.end_date)}): "
                           "acting up ends on its own date then.")
    back = _restore(allowance, actor, last_day)
    return None, f"Acting up ended early on {day(last_day)}; pay back to {back}"


def _apply_agree_amount(allowance: Allowance, actor, me, move: Move, data):
    allowance.agreed_amount = rules.check_amount(allowance.proposed_amount)
    allowance.agreed_at = timezone.now()
    return None, f"Amount agreed: £{allowance.agreed_amount:,} ({allowance.get_payment_display().lower()})"


def _apply_propose_amount(allowance: Allowance, actor, me, move: Move, data):
    amount = rules.check_amount(data["amount"])
    if amount == allowance.proposed_amount:
        raise ServiceError(f"£{amount:,} is the amount the line manager proposed: agree it instead.")
    allowance.hr_amount = amount
    return None, f"HR Services proposed £{amount:,} instead of £{allowance.proposed_amount:,}"


def _apply_accept_amount(allowance: Allowance, actor, me, move: Move, data):
    allowance.agreed_amount = rules.check_amount(allowance.hr_amount)
    allowance.agreed_at = timezone.now()
    return None, f"Amount agreed: £{allowance.agreed_amount:,} ({allowance.get_payment_display().lower()})"


EFFECTS = {
    "propose": _apply_propose,
    "confirm_pay": _apply_confirm_pay,
    "end": _apply_end,
    "end_early": _apply_end_early,
    "agree_amount": _apply_agree_amount,
    "propose_amount": _apply_propose_amount,
    "accept_amount": _apply_accept_amount,
}


def outcome(allowance: Allowance, action: str) -> tuple[str, str] | None:
    """What the member of staff and line manager are told after an outcome (subject, sentence), or None."""
    ref, who = allowance.reference, allowance.person.full_name
    if action == "confirm_pay":
        return (f"{ref}: acting up confirmed from {day(allowance.start_date)}",
                f"{who} acts up in {allowance.post} from {day(allowance.start_date)} to "
                f"{day(allowance.end_date or allowance.start_date)}, paid at {allowance.higher_grade}, spine point "
                f"{allowance.acting_point} (from {allowance.substantive_grade}, spine point "
                f"{allowance.substantive_point}). On the end date pay returns to the substantive grade.")
    if action in ("end", "end_early"):
        record = allowance.restored_record
        return (f"{ref}: acting up ended",
                f"{who}'s acting up in {allowance.post} ended on {day(allowance.ended_on or allowance.start_date)}. "
                + (f"Pay returns to {record.grade}, spine point {record.spine_point}, from "
                   f"{day(record.effective_from)}." if record else ""))
    if action in ("agree_amount", "accept_amount"):
        when = (f"paid once, in {allowance.start_date:%B %Y}" if allowance.payment == "once" else
                f"paid monthly from {allowance.start_date:%B %Y} to {(allowance.end_date or allowance.start_date):%B %Y}")
        return (f"{ref}: honorarium agreed, £{allowance.agreed_amount:,}",
                f"The honorarium for {who} is agreed: £{allowance.agreed_amount:,}"
                + (" a month" if allowance.payment == "monthly" else "") + f", {when}.")
    return None


def after_move(allowance: Allowance, move: Move, actor: Person, from_state: str, reason: str) -> None:
    """The outcome in plain words to the member of staff and the line manager; while acting up runs, HR
    Services' task to end it is due on its end date (an overdue end shows in their queue)."""
    if allowance.state == "acting" and allowance.end_date is not None:
        tasks_of(allowance).filter(completed_at__isnull=True).update(due_date=allowance.end_date)
    told = outcome(allowance, move.action)
    if told is None:
        return
    subject, body = told
    for person in {p for p in (allowance.person, allowance.line_manager) if p.pk != actor.pk}:
        notify(recipient=person, link=f"/acting-up/{allowance.pk}/", subject=subject[:200], body=body)
