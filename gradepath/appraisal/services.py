"""Appraisals: starting one, the process's moves through the workflow engine, the JD review's changes
of responsibility, and flagging a regrading check (policy §4.5).

Every move goes through :func:`perform_action` (the engine's ``perform`` with the process of
:mod:`gradepath.appraisal.workflow`). The other changes here are one service each: permission, state,
the appraisal's row lock, history and messages in one transaction; bad input is refused with a
sentence and nothing is written. A regrading check is started through the starter grading registers
(``gradepath.workflow.registry``): appraisal never imports grading.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from gradepath.appraisal.models import (
    CLOSED_STATES,
    DUTY_LIMIT,
    TEXT_LIMIT,
    Appraisal,
    ResponsibilityChange,
)
from gradepath.appraisal.permissions import get_appraisal_for_user, visible_appraisals  # noqa: F401
from gradepath.appraisal.policy import season
from gradepath.appraisal.workflow import APPRAISAL, FLAG_STATES, REVIEW_STATES
from gradepath.core.errors import PermissionDenied, ServiceError, ValidationError
from gradepath.core.history import record_history
from gradepath.core.inputs import CHOICE, DATE, INTEGER, TEXT, InputField, clean_input
from gradepath.core.locking import lock
from gradepath.core.references import allocate_reference, highest_number
from gradepath.notifications.services import notify
from gradepath.people.models import Appointment, Person
from gradepath.people.permissions import can_view_person
from gradepath.people.relations import person_of
from gradepath.workflow import engine
from gradepath.workflow.engine import AvailableAction
from gradepath.workflow.registry import get_starter

REGRADING_STARTER = "grading.regrading_check"
AGREED, DIRECT = "agreed", "direct"
ROUTE_LABELS = {AGREED: "Agreed Route", DIRECT: "Direct Route"}
DIRECT_ONLY = ("Only the staff member can start the Direct Route. As their appraiser you can flag the Agreed Route, "
               "or the staff member can flag the Direct Route themselves.")


# --- The process's moves, through the engine ------------------------------------------------------


def perform_action(*, actor, appraisal: Appraisal, action: str, step: int, data: dict[str, Any] | None = None,
                   idempotency_key: str | None = None) -> Appraisal:
    """Take one move on an appraisal (stale step: 409; the same idempotency key twice: one effect)."""
    return engine.perform(APPRAISAL, appraisal, actor=actor, action=action, step=step, data=data,
                          idempotency_key=idempotency_key)


def available_actions(appraisal: Appraisal, user, *, acts: engine.Acts | None = None) -> list[AvailableAction]:
    """The buttons this user sees on this appraisal now (the template never decides)."""
    return engine.available_actions(APPRAISAL, appraisal, user, acts=acts)


def what_next(appraisal: Appraisal) -> str:
    return engine.what_next(APPRAISAL, appraisal)


def _refused(error: ValidationError) -> ServiceError:
    return ServiceError(error.messages)


# --- Starting an appraisal --------------------------------------------------------------------------

START_INPUTS = (
    InputField("year", INTEGER, "Appraisal year", required=True, min_value=2000, max_value=2100,
               required_message="Give the year of the appraisal."),
)


def _substantive(person: Person) -> Appointment | None:
    return (Appointment.objects.current().filter(person=person, kind=Appointment.Kind.SUBSTANTIVE)
            .select_related("post__org_unit", "post__jd_version").order_by("start_date", "id").first())


def _next_reference(year: int) -> str:
    return allocate_reference("appraisal", year, "AP-{year}-{number:05d}",
                              seed=lambda: highest_number(Appraisal.objects.all(), f"AP-{year}-"))


def start_appraisal(*, actor, subject: Person, year: int | Any, appraiser: Person | None = None) -> Appraisal:
    """Start ``subject``'s appraisal for ``year`` (policy §4.5 step 1): one per person and year. The
    appraiser is normally the line manager (the default); the staff member writes the pre-review first.
    Whoever may see the staff member's record may start it (themselves, their managers, the unit's
    FM/HPS, HoD or HRBP, HR)."""
    me = person_of(actor)
    if me is None:
        raise PermissionDenied("You need a staff record to start an appraisal.")
    if not can_view_person(actor, subject):
        raise PermissionDenied("You cannot start an appraisal for this member of staff.")
    try:
        year = clean_input(START_INPUTS, {"year": year}, what="Starting an appraisal")["year"]
    except ValidationError as invalid:
        raise _refused(invalid) from None
    this_year = timezone.localdate().year
    if not this_year - 1 <= year <= this_year + 1:
        raise ServiceError(f"An appraisal can be started for {this_year - 1}, {this_year} or {this_year + 1}, "
                           f"not {year}.")
    if not subject.is_active:
        raise ServiceError(f"{subject.full_name} has left: there is no appraisal to start.")
    appraiser = appraiser or subject.line_manager
    if appraiser is None:
        raise ServiceError(f"{subject.full_name} has no line manager on record: choose the appraiser.")
    if appraiser.pk == subject.pk:
        raise ServiceError("Nobody appraises themselves: choose another appraiser (normally the line manager).")
    if not appraiser.is_active:
        raise ServiceError(f"{appraiser.full_name} has left and cannot be the appraiser.")
    appointment = _substantive(subject)
    if appointment is None:
        raise ServiceError(f"{subject.full_name} has no current substantive post: an appraisal reviews the job "
                           "description of that post.")
    existing = Appraisal.objects.filter(subject=subject, year=year).values_list("reference", flat=True).first()
    if existing is not None:
        raise ServiceError(f"{subject.full_name} already has an appraisal for {year} ({existing}): one per person "
                           "and year.")
    try:
        with transaction.atomic():
            appraisal = Appraisal.objects.create(
                reference=_next_reference(year), state=APPRAISAL.start_states["annual"], subject=subject,
                appraiser=appraiser, started_by=me, org_unit=appointment.post.org_unit, year=year,
                due_on=season(year)[1], jd_version=appointment.post.jd_version)
            record_history(actor=actor, action="appraisal.started", obj=appraisal, person_id=subject.pk,
                           summary=f"Started {appraisal.reference}: the {year} appraisal of {subject.full_name}, "
                                   f"appraiser {appraiser.full_name}.")
            engine.refresh_tasks(APPRAISAL, appraisal, actor=me)
    except IntegrityError:
        raise ServiceError(f"{subject.full_name} already has an appraisal for {year}: one per person and year.") from None
    return appraisal


# --- The JD review: changes of responsibility ---------------------------------------------------------

CHANGE_INPUTS = (
    InputField("kind", CHOICE, "Change", required=True, choices=tuple(ResponsibilityChange.Kind.choices),
               required_message="Say whether the responsibility was taken on or relinquished."),
    InputField("duty", TEXT, "The responsibility taken on", max_length=DUTY_LIMIT,
               help_text="For a responsibility taken on: the duty as it would read in the JD."),
    InputField("jd_duty", INTEGER, "The duty of the current JD relinquished", min_value=1, max_value=1000,
               help_text="For a responsibility relinquished: the number of the duty in the current JD."),
    InputField("evidence", TEXT, "Evidence", required=True, max_length=TEXT_LIMIT,
               required_message="Give the evidence for the change (what was done, where it is recorded)."),
    InputField("from_date", DATE, "From", required=True, required_message="Give the date the change began."),
    InputField("to_date", DATE, "To (leave empty if it still holds)"),
)


def jd_duties(appraisal: Appraisal) -> list[str]:
    """The duties of the JD version the review is against, in order (numbered from 1 on the page)."""
    return list(appraisal.jd_version.duties) if appraisal.jd_version_id and appraisal.jd_version else []


def _reviewer(actor, appraisal: Appraisal, doing: str) -> Person:
    me = person_of(actor)
    if me is None or me.pk not in (appraisal.subject_id, appraisal.appraiser_id):
        raise PermissionDenied(f"Only the staff member and their appraiser can {doing} on {appraisal.reference}.")
    return me


def _other_party(appraisal: Appraisal, me: Person) -> Person:
    return appraisal.appraiser if me.pk == appraisal.subject_id else appraisal.subject


def add_change(*, actor, appraisal: Appraisal, data: dict[str, Any] | None) -> ResponsibilityChange:
    """Record one change of responsibility in the JD review (policy §4.5 step 3), by the staff member or
    the appraiser, while the pre-review or the meeting is open."""
    me = _reviewer(actor, appraisal, "record the JD review")
    try:
        values = clean_input(CHANGE_INPUTS, data, what="A change of responsibility")
    except ValidationError as invalid:
        raise _refused(invalid) from None
    with transaction.atomic():
        appraisal = lock(appraisal)
        if appraisal.state not in REVIEW_STATES:
            raise ServiceError(f"The JD review of {appraisal.reference} is closed: changes are recorded before the "
                               "appraisal meeting is written up.")
        kind = values["kind"]
        if kind == ResponsibilityChange.Kind.TAKEN_ON:
            if values["jd_duty"] is not None:
                raise ServiceError("A responsibility taken on is new: describe it, and choose no duty of the current JD.")
            duty = values["duty"] or ""
            if not duty:
                raise ServiceError("Describe the responsibility taken on, as it would read in the JD.")
            if duty in jd_duties(appraisal):
                raise ServiceError("That is already a duty of the current JD: it cannot be taken on again.")
        else:
            if values["duty"]:
                raise ServiceError("A responsibility relinquished is one of the current JD's duties: choose it "
                                   "instead of writing it.")
            duties = jd_duties(appraisal)
            number = values["jd_duty"]
            if number is None:
                raise ServiceError("Choose the duty of the current JD that was relinquished.")
            if number > len(duties):
                raise ServiceError(f"The current JD has {len(duties)} duties: choose one of them (1 to {len(duties)}) "
                                   "as the duty relinquished.")
            duty = duties[number - 1]
        start, end = values["from_date"], values["to_date"]
        today = timezone.localdate()
        if start > today:
            raise ServiceError(f"The change cannot begin in the future ({start:%d %b %Y}).")
        if end is not None and end < start:
            raise ServiceError(f"The dates are the wrong way round: “to” ({end:%d %b %Y}) is before “from” "
                               f"({start:%d %b %Y}).")
        if appraisal.changes.filter(kind=kind, duty=duty).exists():
            raise ServiceError("That change is already recorded in this JD review.")
        change = ResponsibilityChange.objects.create(appraisal=appraisal, kind=kind, duty=duty,
                                                     evidence=values["evidence"], from_date=start, to_date=end,
                                                     recorded_by=me)
        Appraisal.objects.filter(pk=appraisal.pk).update(updated_at=timezone.now())
        record_history(actor=actor, action="appraisal.change_recorded", obj=appraisal, person_id=appraisal.subject_id,
                       summary=f"{appraisal.reference}: JD review: {change.get_kind_display().lower()} “{duty[:200]}” "
                               f"from {start:%d %b %Y}" + (f" to {end:%d %b %Y}." if end else "."))
    return change


def remove_change(*, actor, appraisal: Appraisal, change_id: Any) -> None:
    """Take a change out of the JD review (recorded by mistake), while the review is open."""
    _reviewer(actor, appraisal, "change the JD review")
    with transaction.atomic():
        appraisal = lock(appraisal)
        if appraisal.state not in REVIEW_STATES:
            raise ServiceError(f"The JD review of {appraisal.reference} is closed: its changes stay as recorded.")
        known = isinstance(change_id, int) and not isinstance(change_id, bool) and 0 < change_id < 2**62
        change = appraisal.changes.filter(pk=change_id).first() if known else None
        if change is None:
            raise ServiceError("That change is not part of this JD review.")
        change.delete()
        Appraisal.objects.filter(pk=appraisal.pk).update(updated_at=timezone.now())
        record_history(actor=actor, action="appraisal.change_removed", obj=appraisal, person_id=appraisal.subject_id,
                       summary=f"{appraisal.reference}: JD review: removed {change.get_kind_display().lower()} "
                               f"“{change.duty[:200]}”.")


# --- A regrading check may be due ---------------------------------------------------------------------

FLAG_INPUTS = (
    InputField("route", CHOICE, "Route", required=True, choices=tuple(ROUTE_LABELS.items()),
               required_message="Choose the route: the Agreed Route or the Direct Route."),
    InputField("note", TEXT, "Note for the grading case (optional)", max_length=TEXT_LIMIT),
)


def flag_regrading_check(*, actor, appraisal: Appraisal, data: dict[str, Any] | None) -> Appraisal:
    """The staff member or the appraiser flags that a regrading check may be due (policy §4.5 step 4):
    a grading case starts on the route chosen, its proposed JD the current JD with the duties
    relinquished deleted and those taken on added. The Agreed Route is started by the staff member or
    their line manager, the Direct Route by the staff member only. One check per appraisal."""
    me = _reviewer(actor, appraisal, "flag a regrading check")
    try:
        values = clean_input(FLAG_INPUTS, data, what="Flagging a regrading check")
    except ValidationError as invalid:
        raise _refused(invalid) from None
    route = values["route"]
    with transaction.atomic():
        appraisal = lock(appraisal)
        if appraisal.regrading_reference:
            raise ServiceError(f"A regrading check was already flagged on {appraisal.reference}: "
                               f"{appraisal.regrading_reference}.")
        if appraisal.state not in FLAG_STATES:
            raise ServiceError("A regrading check is flagged from the appraisal meeting on, once the JD review "
                               "is done." if appraisal.state == "pre_review" else
                               f"{appraisal.reference} was cancelled: no regrading check can be flagged on it.")
        if route == DIRECT and me.pk != appraisal.subject_id:
            raise PermissionDenied(DIRECT_ONLY)
        if route == AGREED and me.pk != appraisal.subject_id and me.pk != appraisal.subject.line_manager_id:
            raise PermissionDenied("The Agreed Route is started by the staff member or their line manager: as an "
                                   "appraiser who is not the line manager, ask one of them to flag it.")
        changes = list(appraisal.changes.all())
        if not changes:
            raise ServiceError("Record at least one responsibility taken on or relinquished in the JD review first: "
                               "the regrading check starts from them.")
        started = get_starter(REGRADING_STARTER).start(
            actor=actor, subject=appraisal.subject, route=route,
            taken_on=[c.duty for c in changes if c.kind == ResponsibilityChange.Kind.TAKEN_ON],
            relinquished=[c.duty for c in changes if c.kind == ResponsibilityChange.Kind.RELINQUISHED],
            note=values["note"] or f"Flagged at the {appraisal.year} appraisal ({appraisal.reference}).")
        appraisal.regrading_route, appraisal.regrading_reference = route, started.reference
        appraisal.regrading_case_id, appraisal.regrading_link = started.id, started.link
        appraisal.regrading_flagged_by, appraisal.regrading_suggestion = me, started.suggestion[:300]
        appraisal.updated_at = timezone.now()
        appraisal.save(update_fields=["regrading_route", "regrading_reference", "regrading_case_id", "regrading_link",
                                      "regrading_flagged_by", "regrading_suggestion", "updated_at"])
        record_history(actor=actor, action="appraisal.regrading_flagged", obj=appraisal, person_id=appraisal.subject_id,
                       summary=f"{appraisal.reference}: a regrading check may be due: started {started.reference} "
                               f"on the {ROUTE_LABELS[route]}.")
        other = _other_party(appraisal, me)
        notify(recipient=other, link=started.link,
               subject=f"{appraisal.reference}: regrading check {started.reference} started",
               body=f"{me.full_name} flagged at the {appraisal.year} appraisal of {appraisal.subject.full_name} that "
                    f"a regrading check may be due, and started {started.reference} on the {ROUTE_LABELS[route]}. Its "
                    "proposed job description already shows the responsibilities taken on and relinquished as "
                    "tracked changes.")
    return appraisal


# --- Evidence for other processes, and the career record -----------------------------------------------


def latest_completed(*, person: Person, within_days: int | None = None,
                     on: dt.date | None = None) -> tuple[dt.date, str, str] | None:
    """The person's latest completed appraisal as (completion date, reference, link), or None; with
    ``within_days``, only one completed within that many days before ``on`` (today). Registered as the
    starter ``appraisal.latest_completed`` (one query)."""
    rows = Appraisal.objects.filter(subject=person, state="completed", completed_on__isnull=False)
    if within_days is not None:
        rows = rows.filter(completed_on__gte=(on or timezone.localdate()) - dt.timedelta(days=within_days))
    found = rows.order_by("-completed_on", "-id").values_list("pk", "completed_on", "reference").first()
    if found is None:
        return None
    pk, completed_on, reference = found
    if completed_on is None:  # pragma: no cover - filtered out above
        return None
    return completed_on, reference, f"/appraisals/{pk}/"


def is_closed(appraisal: Appraisal) -> bool:
    return appraisal.state in CLOSED_STATES
