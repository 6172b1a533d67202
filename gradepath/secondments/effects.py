"""What each secondment move does besides moving the state (the process's effects), and the process's
own telling. The engine (:func:`gradepath.workflow.engine.perform`) calls these inside its transaction,
after the lock; nothing else does.

Pay (policy §4.7 step 3–4): when the host post's grade is higher than the secondee's substantive grade,
HR Services' placement writes a pay line at the host grade from the first day (the bottom of the host
grade or one point above the current point, whichever is higher, within its automatic zone); the return
writes a line back to the substantive grade and the spine point held before the secondment, from the
first day back. A host grade that is the same or lower leaves pay as it is (the substantive pay is kept).
"""

from __future__ import annotations

import datetime as dt
from contextvars import ContextVar

from django.conf import settings
from django.db.models import Q

from gradepath.core.errors import ServiceError
from gradepath.core.history import record_history
from gradepath.grades.models import Grade, GradeStructure, PayRecord
from gradepath.grades.services import record_pay_change
from gradepath.people.models import Appointment, Person
from gradepath.secondments.models import Opportunity, Secondment, add_months, months_between
from gradepath.workflow.engine import day
from gradepath.workflow.process import Move

# While a move enters "placed" or "ending", the secondment's last day: the host's decision is due a set
# number of working days before it and HR Services' return on it (the engine asks a process for a state's
# due days only: ``ending_on`` sets this in the move's own transaction, ``after_move`` clears it).
ENDING: ContextVar[dt.date | None] = ContextVar("secondment_ending", default=None)

# States in which a secondment holds (or is about to hold) its dates: they may not overlap another's.
HOLDS_DATES = ("confirmed", "placed", "extension_review", "ending")


def ending_on(secondment: Secondment) -> None:
    ENDING.set(secondment.end_date)


def max_months() -> int:
    return settings.GRADEPATH_SECONDMENTS["MAX_MONTHS"]


def check_dates(start: dt.date | None, end: dt.date | None) -> None:
    """Start and end in order, and no longer than the maximum (extensions included): a sentence if not."""
    if start is None or end is None:
        raise ServiceError("Give the first and the last day of the secondment.")
    if end <= start:
        raise ServiceError(f"The last day ({day(end)}) must be after the first day ({day(start)}).")
    longest = max_months()
    if months_between(start, end) > longest:
        latest = add_months(start, longest) - dt.timedelta(days=1)
        raise ServiceError(f"A secondment may last at most {longest} months, extensions included: from {day(start)} "
                           f"to {day(end)} is {months_between(start, end)} months. The latest last day is "
                           f"{day(latest)}.")


def check_no_overlap(person: Person, start: dt.date, end: dt.date, *, secondment: Secondment | None = None) -> None:
    """Secondments of one person may not overlap: neither a secondment appointment nor another placement
    being arranged (policy §4.7; one appointment of a kind at a time)."""
    clash = (Appointment.objects.filter(person=person, kind=Appointment.Kind.SECONDMENT, start_date__lte=end)
             .filter(Q(end_date__isnull=True) | Q(end_date__gte=start)).select_related("post"))
    if secondment is not None and secondment.appointment_id:
        clash = clash.exclude(pk=secondment.appointment_id)
    if (found := clash.first()) is not None:
        until = f" to {day(found.end_date)}" if found.end_date else ""
        raise ServiceError(f"{person.full_name} already has a secondment in {found.post.title} from "
                           f"{day(found.start_date)}{until}: secondments cannot overlap.")
    others = (Secondment.objects.filter(applicant=person, state__in=HOLDS_DATES, start_date__lte=end,
                                        end_date__gte=start))
    if secondment is not None:
        others = others.exclude(pk=secondment.pk)
    if (other := others.first()) is not None and other.start_date and other.end_date:
        raise ServiceError(f"{person.full_name} already has a secondment arranged from {day(other.start_date)} to "
                           f"{day(other.end_date)} ({other.reference}): secondments cannot overlap.")


def grade_on(number: int, on: dt.date) -> Grade:
    """The grade ``number`` of the structure in force on ``on``."""
    structure = GradeStructure.objects.in_force(on)
    grade = Grade.objects.filter(structure=structure, number=number).first() if structure else None
    if grade is None:
        raise ServiceError(f"There is no grade {number} in the grade structure in force on {day(on)}.")
    return grade


def host_point(current: int, host: Grade) -> int:
    """The spine point at a higher host grade: its bottom, or one point above the current point, whichever is
    higher, within the host grade's automatic zone."""
    return min(max(host.bottom_point, current + 1), host.top_automatic_point)


def pay_in_force(person: Person, on: dt.date) -> PayRecord | None:
    return PayRecord.objects.filter(person=person).as_of(on).select_related("grade").first()


# --- Effects --------------------------------------------------------------------------------------


def _confirm_placement(s: Secondment, actor, me, move: Move, data: dict):
    start, end = data["start_date"], data["end_date"]
    check_dates(start, end)
    check_no_overlap(s.applicant, start, end, secondment=s)
    s.start_date, s.end_date, s.original_end_date = start, end, end
    s.development_plan = data["development_plan"]
    return None, f"Placement confirmed from {day(start)} to {day(end)}"


def _substantive(person: Person, on: dt.date) -> Appointment | None:
    found = (Appointment.objects.current(on).filter(person=person, kind=Appointment.Kind.SUBSTANTIVE)
             .select_related("post").first())
    return found or (Appointment.objects.current().filter(person=person, kind=Appointment.Kind.SUBSTANTIVE)
                     .select_related("post").first())


def _place(s: Secondment, actor, me, move: Move, data: dict):
    assert s.start_date is not None and s.end_date is not None  # confirmed: the dates are set
    check_dates(s.start_date, s.end_date)
    check_no_overlap(s.applicant, s.start_date, s.end_date, secondment=s)
    substantive = _substantive(s.applicant, s.start_date)
    if substantive is None:
        raise ServiceError(f"{s.applicant.full_name} has no substantive post on {day(s.start_date)}: a secondment "
                           "keeps the substantive appointment to return to, so record it first.")
    opportunity = s.opportunity
    s.substantive = substantive
    s.appointment = Appointment.objects.create(person=s.applicant, post=opportunity.post,
                                               kind=Appointment.Kind.SECONDMENT, start_date=s.start_date,
                                               end_date=s.end_date)
    record_history(actor=actor, action="people.appointment_added", obj=s.appointment, person_id=s.applicant_id,
                   summary=f"{s.applicant}: secondment to {opportunity.post} from {day(s.start_date)} to "
                           f"{day(s.end_date)} ({s.reference}); the substantive appointment in {substantive.post} is "
                           "kept.")
    home = pay_in_force(s.applicant, s.start_date)
    s.home_pay = home
    summary = f"Placed in {opportunity.post.title} from {day(s.start_date)} to {day(s.end_date)}"
    if home is not None and opportunity.grade.number > home.grade.number:
        host = grade_on(opportunity.grade.number, s.start_date)
        point = host_point(home.spine_point, host)
        s.secondment_pay = record_pay_change(
            actor=actor, person=s.applicant, grade=host, spine_point=point, effective_from=s.start_date,
            reason=PayRecord.Reason.SECONDMENT, post=opportunity.post,
            note=f"Secondment {s.reference}: paid at {host} while seconded")
        summary += f"; paid at {host}, spine point {point}, while seconded"
    else:
        summary += "; pay stays at the substantive grade and point"
    Opportunity.objects.filter(pk=opportunity.pk).update(status=Opportunity.Status.FILLED)
    record_history(actor=actor, action="secondments.opportunity_filled", obj=opportunity,
                   summary=f"{opportunity.reference} {opportunity.title}: filled by {s.reference}.")
    return None, summary


def _request_extension(s: Secondment, actor, me, move: Move, data: dict):
    new_end = data["new_end_date"]
    assert s.start_date is not None and s.end_date is not None
    if new_end <= s.end_date:
        raise ServiceError(f"The new last day must be after the present one ({day(s.end_date)}).")
    check_dates(s.start_date, new_end)
    check_no_overlap(s.applicant, s.start_date, new_end, secondment=s)
    s.requested_end_date = new_end
    return None, f"Extension to {day(new_end)} requested"


def _approve_extension(s: Secondment, actor, me, move: Move, data: dict):
    new_end = s.requested_end_date
    assert s.start_date is not None and new_end is not None  # requested: checked when it was asked for
    check_dates(s.start_date, new_end)  # the maximum may have changed since
    check_no_overlap(s.applicant, s.start_date, new_end, secondment=s)
    s.end_date, s.requested_end_date = new_end, None
    if s.appointment_id:
        Appointment.objects.filter(pk=s.appointment_id).update(end_date=new_end)
    return None, f"Extension approved: the secondment now ends on {day(new_end)}"


def _refuse_extension(s: Secondment, actor, me, move: Move, data: dict):
    s.requested_end_date = None
    return None, "Extension refused"


def _confirm_end(s: Secondment, actor, me, move: Move, data: dict):
    last = data.get("last_day")
    assert s.start_date is not None and s.end_date is not None
    if last is not None and last != s.end_date:
        if last < s.start_date or last > s.end_date:
            raise ServiceError(f"An early last day must fall within the secondment, from {day(s.start_date)} to "
                               f"{day(s.end_date)}; to go on longer, request an extension.")
        s.end_date = last
        if s.appointment_id:
            Appointment.objects.filter(pk=s.appointment_id).update(end_date=last)
        return None, f"Return confirmed: the last day is {day(last)} (earlier than planned)"
    return None, f"Return confirmed: the last day is {day(s.end_date)}"


def _record_return(s: Secondment, actor, me, move: Move, data: dict):
    assert s.end_date is not None
    back = s.end_date + dt.timedelta(days=1)
    s.returned_on = back
    summary = f"Returned to the substantive post from {day(back)}"
    if s.secondment_pay_id and s.home_pay is not None:
        home = s.home_pay
        grade = grade_on(home.grade.number, back)
        point = min(home.spine_point, grade.top_point)
        record_pay_change(actor=actor, person=s.applicant, grade=grade, spine_point=point, effective_from=back,
                          reason=PayRecord.Reason.SECONDMENT, post=s.substantive.post if s.substantive else None,
                          note=f"Return from secondment {s.reference}: the substantive grade and spine point held "
                               "before")
        summary += f"; pay back to {grade}, spine point {point}"
    return None, summary


EFFECTS = {
    "confirm_placement": _confirm_placement,
    "place": _place,
    "request_extension": _request_extension,
    "approve_extension": _approve_extension,
    "refuse_extension": _refuse_extension,
    "confirm_end": _confirm_end,
    "record_return": _record_return,
}


def after_move(s: Secondment, move: Move, actor: Person, from_state: str, reason: str) -> None:
    """The due date before the end has been used: clear it for whatever the thread does next."""
    ENDING.set(None)
