"""Accelerated increments and contribution points: applying (on either route), the process's moves
through the workflow engine, and the faculties' local rounds.

Every move on a request goes through :func:`perform_action` (the engine's ``perform`` with the process of
:mod:`gradepath.progression.workflow`): lock, stale step (409), idempotency, declared inputs, who may act
and the conditions, the effect (:mod:`gradepath.progression.effects`), the event, history, tasks and
messages in one transaction. Starting a request and opening a round are the two other verbs here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from gradepath.core.errors import PermissionDenied, ServiceError, ValidationError
from gradepath.core.history import record_history
from gradepath.core.inputs import DATE, INTEGER, TEXT, InputField, clean_input
from gradepath.core.references import allocate_reference, highest_number
from gradepath.grades.models import PayRecord
from gradepath.people import roles
from gradepath.people.models import Appointment, OrgUnit, Person, UnitRole
from gradepath.people.relations import acting_capacity, eligible_holders, person_of
from gradepath.progression import spine
from gradepath.progression.effects import charged_to, cost_from
from gradepath.progression.models import (
    CLOSED_STATES,
    DeciderRole,
    LocalRound,
    ProgressionRequest,
    Route,
)
from gradepath.progression.permissions import (  # noqa: F401 - the names the pages, API and tests use
    get_request_for_user,
    get_round_for_user,
    visible_requests,
    visible_rounds,
)
from gradepath.progression.workflow import PROGRESSION, START_STATE, policy
from gradepath.workflow import engine
from gradepath.workflow.engine import AvailableAction
from gradepath.workflow.registry import get_starter

# --- The process's moves, through the engine -----------------------------------------------------------


def perform_action(*, actor, request: ProgressionRequest, action: str, step: int, data: dict[str, Any] | None = None,
                   idempotency_key: str | None = None) -> ProgressionRequest:
    """Take one move on a request (``step``: the step the user saw; stale → 409, nothing changes)."""
    return engine.perform(PROGRESSION, request, actor=actor, action=action, step=step, data=data,
                          idempotency_key=idempotency_key)


def available_actions(request: ProgressionRequest, user, *, with_unmet: bool = False,
                      acts: engine.Acts | None = None) -> list[AvailableAction]:
    return engine.available_actions(PROGRESSION, request, user, with_unmet=with_unmet, acts=acts)


def what_next(request: ProgressionRequest) -> str:
    return engine.what_next(PROGRESSION, request)


# --- Applying ------------------------------------------------------------------------------------------------

TEXT_LIMIT = 5000
START_INPUTS: tuple[InputField, ...] = (
    InputField("points", INTEGER, "Points asked for", required=True, min_value=1, max_value=2,
               required_message="Say how many points: one, or two in highly exceptional cases.",
               help_text="One point normally; two only in highly exceptional cases, with the reason."),
    InputField("exceptional_reason", TEXT, "The exceptional reason (required for two points)", max_length=2000),
    InputField("performance_from", DATE, "Outstanding performance from", required=True,
               required_message="Give the date the outstanding performance started."),
    InputField("performance_to", DATE, "Outstanding performance to", required=True,
               required_message="Give the date the period of outstanding performance ended."),
    InputField("performance", TEXT, "The outstanding performance sustained over the period", required=True,
               max_length=TEXT_LIMIT, required_message="Describe the outstanding performance."),
    InputField("objectives_met", TEXT, "Stretching objectives met", required=True, max_length=TEXT_LIMIT,
               required_message="Say which stretching objectives were met."),
    InputField("evidence", TEXT, "Evidence: links and references (appraisals, secondments, work)",
               max_length=TEXT_LIMIT),
    InputField("local_round", INTEGER, "Local round (optional)", min_value=1, max_value=2**62),
)


@dataclass(frozen=True)
class Review:
    """The probation or appraisal review a request rests on, or the warning that none was found."""

    date: dt.date | None
    kind: str = ""
    reference: str = ""
    link: str = ""
    warning: str = ""


def latest_review(person: Person, today: dt.date | None = None) -> Review:
    """A probation or appraisal review within the last 6 months (policy §4.6 step 2): the latest completed
    appraisal (from the appraisal process, when it is installed), else the end of probation; otherwise a
    warning shown on the request (never a silent pass, never a refusal)."""
    today = today or timezone.localdate()
    months = policy("REVIEW_WITHIN_MONTHS")
    since = spine.add_months(today, -months)
    try:
        found = get_starter("appraisal.latest_completed").start(person=person)
    except LookupError:
        found = None
    if found is not None:
        when, reference, link = found
        if since <= when <= today:
            return Review(when, "appraisal", str(reference or "")[:40], str(link or "")[:300])
    if person.probation_end is not None and since <= person.probation_end <= today:
        return Review(person.probation_end, "probation")
    last = f" (the last appraisal found was completed on {spine_day(found[0])})" if found is not None else ""
    return Review(None, warning=f"No probation or appraisal review of {person.full_name} within the last {months} "
                                f"months was found{last}. The policy asks for one: the decider should see it "
                                "before deciding.")


def spine_day(day: dt.date) -> str:
    return f"{day.day} {day:%b %Y}"


def _current_appointment(person: Person) -> Appointment | None:
    return (Appointment.objects.current().filter(person=person, kind=Appointment.Kind.SUBSTANTIVE)
            .select_related("post__org_unit").order_by("-start_date", "-id").first())


def current_pay(person: Person, on: dt.date | None = None) -> PayRecord | None:
    """The person's pay record in force today (the latest as of the day)."""
    return PayRecord.objects.as_of(on or timezone.localdate()).filter(person=person).select_related(
        "grade").first()


def decider_role_for(unit: OrgUnit) -> str:
    """The Vice-Provost (Operations) decides for a corporate unit (its top unit is a professional services
    division), the Dean for an academic faculty."""
    return (DeciderRole.VICE_PROVOST_OPERATIONS if unit.root_kind() == OrgUnit.Kind.PS_DIVISION
            else DeciderRole.DEAN)


def _next_reference() -> str:
    year = timezone.localdate().year
    return allocate_reference("progression-request", year, "AIP-{year}-{number:04d}",
                              seed=lambda: highest_number(ProgressionRequest.objects.all(), f"AIP-{year}-"))


def open_request_of(person: Person) -> ProgressionRequest | None:
    return ProgressionRequest.objects.filter(subject=person).exclude(state__in=CLOSED_STATES).first()


def start_request(*, actor, route: str, subject: Person, data: dict[str, Any]) -> ProgressionRequest:
    """Apply for an accelerated increment or a contribution point (policy §4.6).

    ``route`` "hod": the HoD (or departmental contact, or their active delegate) of the staff member's unit
    applies; "direct": the staff member applies to the Dean themselves. ``data`` holds :data:`START_INPUTS`,
    checked the same way for the page and the API. Refused, with nothing written: grade 10, beyond the last
    contribution point, two points without a reason, a second open request, a period out of order or not
    6–12 months, text too long."""
    me = person_of(actor)
    if me is None:
        raise PermissionDenied("You need a staff record to apply for an accelerated increment.")
    if route not in Route.values:
        raise ServiceError("Choose how the request is made: by the HoD, or directly to the Dean.")
    try:
        values = clean_input(START_INPUTS, data, what="the request")
    except ValidationError as invalid:
        raise ServiceError(invalid.messages) from None
    today = timezone.localdate()
    appointment = _current_appointment(subject)
    if appointment is None:
        raise ServiceError(f"{subject.full_name} has no current substantive post.")
    post = appointment.post
    unit = post.org_unit
    if route == Route.DIRECT and me.pk != subject.pk:
        raise PermissionDenied("Only the staff member applies directly to the Dean.")
    if route == Route.HOD and acting_capacity(me, unit, UnitRole.HEAD, subject=subject) is None:
        raise PermissionDenied(f"The {unit.head_title} of {subject.full_name}'s unit applies on this route. If "
                               "they will not support it, the staff member may apply directly to the Dean.")
    pay = current_pay(subject, today)
    if pay is None:
        raise ServiceError(f"{subject.full_name} has no pay record: HR Services must record their grade and spine "
                           "point first.")
    grade = pay.grade
    zone = spine.Zone(number=grade.number, bottom=grade.bottom_point, top_automatic=grade.top_automatic_point,
                      top=grade.top_point, has_increments=grade.has_increments, name=grade.name)
    exceptional = values.get("exceptional_reason") or ""
    try:
        award = spine.award(zone, pay.spine_point, values["points"], exceptional)
        spine.check_period(values["performance_from"], values["performance_to"], today)
    except spine.NotAllowed as refused:
        raise ServiceError(str(refused)) from None
    decider = decider_role_for(unit)
    if not eligible_holders(unit, decider, subject=subject, excluding={me.pk}):
        raise ServiceError(f"No {DeciderRole(decider).label} is named for {unit} who could decide this request: "
                           "ask HR to record one.")
    local_round = None
    if values.get("local_round"):
        local_round = LocalRound.objects.filter(pk=values["local_round"]).first()
        if local_round is None or local_round.faculty_id != unit.ancestor_ids[0]:
            raise ServiceError(f"Choose a local round of {subject.full_name}'s faculty.")
        if local_round.deadline < today:
            raise ServiceError(f"The round “{local_round.name}” closed on {spine_day(local_round.deadline)}.")
    if (other := open_request_of(subject)) is not None:
        raise ServiceError(f"{subject.full_name} already has an open request ({other.reference}): one at a time.")
    review = latest_review(subject, today)
    request = ProgressionRequest(
        route=route, state=START_STATE[route], subject=subject, initiator=me, org_unit=unit, post=post,
        title=post.title[:200], decider_role=decider, local_round=local_round, grade=grade,
        current_point=award.current, points=award.points, new_point=award.new, kind=award.kind,
        exceptional_reason=exceptional if award.points == 2 else "",
        performance_from=values["performance_from"], performance_to=values["performance_to"],
        performance=values["performance"], objectives_met=values["objectives_met"],
        evidence=values.get("evidence") or "", review_date=review.date, review_kind=review.kind,
        review_reference=review.reference, review_link=review.link, review_warning=review.warning)
    request.cost_to_year_end = cost_from(request, spine.first_of_next_month(today))
    request.charged_to = charged_to(request)
    try:
        with transaction.atomic():
            request.reference = _next_reference()
            request.save()
            record_history(actor=actor, action="progression.request_started", obj=request, person_id=subject.pk,
                           summary=f"Applied for {award.words} for {subject.full_name} ({request.reference}, "
                                   f"{request.get_route_display()[:1].lower()}{request.get_route_display()[1:]}).")
            engine.refresh_tasks(PROGRESSION, request, actor=me)
    except IntegrityError:
        raise ServiceError(f"{subject.full_name} already has an open request: one at a time.") from None
    return request


# --- Local rounds ---------------------------------------------------------------------------------------------

ROUND_INPUTS: tuple[InputField, ...] = (
    InputField("name", TEXT, "Name of the round", required=True, max_length=120,
               required_message="Name the round (for example “2026–27 round”)."),
    InputField("deadline", DATE, "Deadline for requests", required=True,
               required_message="Give the deadline for requests."),
    InputField("budget", TEXT, "Budget (£, for the cost to the end of the pay year)", required=True, max_length=15,
               required_message="Give the round's budget in pounds."),
)


def can_open_round(user, faculty: OrgUnit) -> bool:
    """The faculty's Dean or FM/HPS (or their delegate), or HR Services."""
    if roles.in_group(user, roles.HR_SERVICES, roles.ADMINISTRATOR):
        return True
    me = person_of(user)
    return me is not None and any(acting_capacity(me, faculty, role) is not None
                                  for role in (UnitRole.DEAN, UnitRole.FM_HPS))


def open_round(*, actor, faculty: OrgUnit, data: dict[str, Any]) -> LocalRound:
    """Open a faculty's local annual round with its deadline and budget (policy §4.6 step 7)."""
    me = person_of(actor)
    if me is None or faculty.parent_id is not None or faculty.kind != OrgUnit.Kind.FACULTY:
        raise PermissionDenied("A local round belongs to an academic faculty.")
    if not can_open_round(actor, faculty):
        raise PermissionDenied(f"Only the Dean or the FM/HPS of {faculty}, or HR Services, open its rounds.")
    try:
        values = clean_input(ROUND_INPUTS, data, what="the round")
    except ValidationError as invalid:
        raise ServiceError(invalid.messages) from None
    try:
        budget = Decimal(values["budget"].replace(",", "").replace("£", "").strip())
    except InvalidOperation:
        raise ServiceError("Give the budget as an amount in pounds, for example 25000.") from None
    if not budget.is_finite() or budget <= 0 or budget >= Decimal("1e10"):
        raise ServiceError("The budget must be more than £0 and less than £10,000,000,000.")
    if values["deadline"] < timezone.localdate():
        raise ServiceError("The deadline cannot be in the past.")
    if LocalRound.objects.filter(faculty=faculty, name=values["name"]).exists():
        raise ServiceError(f"{faculty} already has a round called “{values['name']}”.")
    with transaction.atomic():
        found = LocalRound.objects.create(faculty=faculty, name=values["name"], deadline=values["deadline"],
                                          budget=budget.quantize(Decimal("0.01")), created_by=me)
        record_history(actor=actor, action="progression.round_opened", obj=found,
                       summary=f"Opened the local round “{found.name}” of {faculty}: deadline "
                               f"{spine_day(found.deadline)}, budget £{found.budget:,.2f}.")
    return found


# States in which a request in a round still waits for (or is at) the decision; those that spend the budget.
AWAITING = ("fm_comments", "dean_intake", "comments", "decision", "returned")
SPENDING = ("hr_validation", "completed")


@dataclass
class PanelRow:
    request: ProgressionRequest
    rank: int
    cumulative: Decimal
    fits: bool


@dataclass
class Panel:
    round: LocalRound
    spent: Decimal
    remaining: Decimal
    ranked: list[PanelRow]
    decided: list[ProgressionRequest]


def round_panel(found: LocalRound) -> Panel:
    """The round's requests ranked against what remains of its budget (one query): the budget less the cost
    of the awards approved so far; the requests still to decide, those with a review on record first, then
    in the order they came in, each with the running total and whether it still fits."""
    requests = list(found.requests.select_related("subject", "grade", "org_unit").order_by("created_at", "id"))
    spent = sum((r.cost_to_year_end or Decimal(0) for r in requests if r.state in SPENDING), Decimal(0))
    remaining = found.budget - spent
    waiting = sorted((r for r in requests if r.state in AWAITING), key=lambda r: (bool(r.review_warning),
                                                                                    r.created_at, r.pk))
    ranked, running = [], Decimal(0)
    for rank, request in enumerate(waiting, start=1):
        running += request.cost_to_year_end or Decimal(0)
        ranked.append(PanelRow(request=request, rank=rank, cumulative=running, fits=running <= remaining))
    decided = [r for r in requests if r.state not in AWAITING]
    return Panel(round=found, spent=spent, remaining=remaining, ranked=ranked, decided=decided)
