"""Secondments: posting, closing and withdrawing opportunities, applying, the redeployment register, and
the process's moves through the workflow engine.

Every move on an application goes through :func:`perform_action` (the engine's ``perform`` with the
process of :mod:`gradepath.secondments.workflow`): lock, stale step (409), idempotency, declared inputs,
who may act and the conditions, the effect (:mod:`gradepath.secondments.effects`), the event, history,
tasks and messages in one transaction. The other changes here are one function each, checking permission
and state under a row lock, writing history and telling people in one transaction. Inputs are declared
with ``core.inputs`` and checked here, so the pages and the API take exactly the same fields.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from gradepath.career.sources import CareerEntry
from gradepath.core.errors import PermissionDenied, ServiceError, ValidationError
from gradepath.core.history import record_history
from gradepath.core.inputs import CHOICE, DATE, INTEGER, TEXT, InputField, clean_input
from gradepath.core.locking import lock
from gradepath.core.references import allocate_reference, highest_number
from gradepath.grades.models import Grade
from gradepath.notifications.services import notify
from gradepath.people.models import Appointment, OrgUnit, Person, Post
from gradepath.people.relations import person_of, scope_unit_ids
from gradepath.secondments import workflow
from gradepath.secondments.effects import ENDING
from gradepath.secondments.models import (
    CLOSED_STATES,
    PLACED_STATES,
    Opportunity,
    Reason,
    RedeploymentEntry,
    Secondment,
    add_months,
    months_between,
)
from gradepath.secondments.permissions import (
    keeps_register,
    manages_opportunity,
    on_register,
    sees_all,
    visible_secondments,
)
from gradepath.secondments.workflow import SECONDMENTS
from gradepath.workflow import engine
from gradepath.workflow.engine import AvailableAction, day

TEXT_LIMIT = workflow.TEXT_LIMIT


def setting(name: str):
    return settings.GRADEPATH_SECONDMENTS[name]


def _clean(fields, data, what: str) -> dict[str, Any]:
    try:
        return clean_input(fields, data, what=what)
    except ValidationError as invalid:
        raise ServiceError(invalid.messages) from None


def _me(actor, what: str) -> Person:
    me = person_of(actor)
    if me is None:
        raise PermissionDenied(f"You need a staff record to {what}.")
    return me


# --- The process's moves, through the engine ----------------------------------------------------------

RELEASE_ACTIONS = ("release", "refuse_release")


def perform_action(*, actor, secondment: Secondment, action: str, step: int, data: dict[str, Any] | None = None,
                   idempotency_key: str | None = None) -> Secondment:
    """Take one move on an application (see the module docstring). A release (or its refusal) by anyone
    but the applicant's home line manager is refused with a sentence saying who may."""
    check_releaser(actor, secondment, action)
    try:
        return engine.perform(SECONDMENTS, secondment, actor=actor, action=action, step=step, data=data,
                              idempotency_key=idempotency_key)
    finally:
        ENDING.set(None)  # a move that failed after entering "placed" leaves no due date behind


def check_releaser(actor, secondment: Secondment, action: str) -> None:
    """Only the home line manager releases the applicant (policy §4.7 step 2): anyone else is told who."""
    if action not in RELEASE_ACTIONS or secondment.state != "selected":
        return
    me = person_of(actor)
    if me is None or me.pk != secondment.home_manager_id:
        raise PermissionDenied(
            f"Only {secondment.home_manager.full_name}, {secondment.applicant.full_name}'s line manager, can release "
            f"them for this secondment or refuse the release.")


def available_actions(secondment: Secondment, user, *, with_unmet: bool = False,
                      acts: engine.Acts | None = None) -> list[AvailableAction]:
    """The buttons this user sees on this application now (the template never decides)."""
    return engine.available_actions(SECONDMENTS, secondment, user, with_unmet=with_unmet, acts=acts)


def what_next(secondment: Secondment) -> str:
    return engine.what_next(SECONDMENTS, secondment)


# --- Opportunities ------------------------------------------------------------------------------------

OPPORTUNITY_INPUTS: tuple[InputField, ...] = (
    InputField("post", INTEGER, "Host post", required=True, min_value=1, max_value=2**62,
               required_message="Choose the host post.", help_text="The id of the post the secondee fills."),
    InputField("title", TEXT, "Title", required=True, max_length=200, required_message="Give the opportunity a title."),
    InputField("reason", CHOICE, "Why the secondment is needed", required=True, choices=tuple(Reason.choices),
               required_message="Say why the secondment is needed."),
    InputField("description", TEXT, "What the secondee will do", required=True, max_length=TEXT_LIMIT,
               required_message="Describe what the secondee will do."),
    InputField("fte", TEXT, "FTE", required=True, max_length=6, required_message="Give the FTE (for example 1 or 0.6).",
               help_text="Between 0.1 and 1."),
    InputField("start_date", DATE, "Start", required=True, required_message="Give the start date."),
    InputField("end_date", DATE, "End", required=True, required_message="Give the end date."),
    InputField("closing_date", DATE, "Closing date for applications", required=True,
               required_message="Give the closing date for applications."),
    InputField("host_manager", INTEGER, "Host manager (HR Services only: who selects and manages the secondee)",
               min_value=1, max_value=2**62),
)

APPLY_INPUTS: tuple[InputField, ...] = (
    InputField("statement", TEXT, "Your statement: why you are applying and what you bring", required=True,
               max_length=TEXT_LIMIT, required_message="Write your statement: why you are applying and what you "
                                                       "bring."),
    InputField("evidence", TEXT, "Evidence (experience, training, links to your records)", max_length=TEXT_LIMIT),
)


def _fte(text: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise ServiceError("FTE: give a number between 0.1 and 1 (for example 0.6).") from None
    if not value.is_finite() or value < Decimal("0.1") or value > 1 or value != value.quantize(Decimal("0.01")):
        raise ServiceError("FTE: give a number between 0.1 and 1, with at most two decimal places.")
    return value


def host_unit_ids(person: Person) -> set[int]:
    """The units a person may host secondments for (with the units below them): those they work in, when they
    line-manage someone, and those they oversee (FM/HPS, HoD, HRBP or their delegate)."""
    units = scope_unit_ids(person)
    if Person.objects.filter(line_manager=person, is_active=True).exists():
        units |= set(Appointment.objects.current().filter(person=person).values_list("post__org_unit_id", flat=True))
    return units


def _may_host(person: Person, unit: OrgUnit) -> bool:
    return bool(host_unit_ids(person) & ({unit.pk} | set(unit.ancestor_ids)))


def _grade_of(post: Post, on: dt.date) -> Grade:
    dated = Post.objects.with_grade_on(on, coming=False).filter(pk=post.pk).first()
    found = getattr(dated, "grade_on_id", None)
    grade = Grade.objects.filter(pk=found).first() if found else post.grade
    if grade is None:
        raise ServiceError(f"Post {post.post_number} has no grade on {day(on)}: record its grade first.")
    return grade


def _next_reference(series: str, prefix: str, queryset) -> str:
    year = timezone.localdate().year
    return allocate_reference(series, year, prefix + "-{year}-{number:04d}",
                              seed=lambda: highest_number(queryset, f"{prefix}-{year}-"))


def post_opportunity(*, actor, data: dict[str, Any]) -> Opportunity:
    """A host manager (or HR Services, naming the host manager) posts an opportunity on the board (policy
    §4.7 step 1). People on the redeployment register are told and see it first, for the set number of
    days; everyone else after that."""
    me = _me(actor, "post a secondment opportunity")
    values = _clean(OPPORTUNITY_INPUTS, data, "Posting an opportunity")
    post = Post.objects.filter(pk=values["post"], is_active=True).select_related("org_unit").first()
    if post is None:
        raise ServiceError("Choose a current post for the secondment.")
    if sees_all(actor):
        if values["host_manager"] is None:
            raise ServiceError("Name the host manager: who selects and manages the secondee.")
        host = Person.objects.filter(pk=values["host_manager"], is_active=True).first()
        if host is None:
            raise ServiceError("The host manager was not found among current staff.")
        if not _may_host(host, post.org_unit):
            raise ServiceError(f"{host.full_name} is not a line manager in {post.org_unit.name} and does not oversee "
                               "it, so cannot host a secondment there.")
    else:
        if values["host_manager"] not in (None, me.pk):
            raise PermissionDenied("You post opportunities as their host manager; HR Services may name someone else.")
        host = me
        if not _may_host(me, post.org_unit):
            raise PermissionDenied(f"You can post opportunities only for posts in your own unit (as a line manager "
                                   f"there) or in units you oversee; {post.post_number} is in {post.org_unit.name}.")
    start, end, closing = values["start_date"], values["end_date"], values["closing_date"]
    today = timezone.localdate()
    if end <= start:
        raise ServiceError(f"The end ({day(end)}) must be after the start ({day(start)}).")
    longest = setting("MAX_MONTHS")
    if months_between(start, end) > longest:
        raise ServiceError(f"A secondment may last at most {longest} months: from {day(start)} to {day(end)} is "
                           f"{months_between(start, end)} months.")
    if closing < today:
        raise ServiceError(f"The closing date ({day(closing)}) has already passed.")
    if closing > start:
        raise ServiceError(f"The closing date ({day(closing)}) must be on or before the start ({day(start)}).")
    fte = _fte(values["fte"])
    grade = _grade_of(post, start)
    with transaction.atomic():
        opportunity = Opportunity.objects.create(
            reference=_next_reference("secondment-opportunity", "SO", Opportunity.objects.all()),
            title=values["title"], reason=values["reason"], description=values["description"], host_unit=post.org_unit,
            post=post, grade=grade, fte=fte, start_date=start, end_date=end, closing_date=closing, host_manager=host,
            posted_by=me, posted_on=today,
            register_until=today + dt.timedelta(days=setting("REDEPLOYMENT_PRIORITY_DAYS")))
        why = opportunity.get_reason_display().lower()
        record_history(actor=actor, action="secondments.opportunity_posted", obj=opportunity,
                       summary=f"{opportunity.reference} {opportunity.title}: posted ({why}), "
                               f"{post.post_number} in {post.org_unit.name}, {grade}, FTE {fte}, "
                               f"{day(start)} to {day(end)}"
                               + (", internal only" if opportunity.internal_only else "") + ".")
        _tell_register(opportunity)
    return opportunity


def _tell_register(opportunity: Opportunity) -> None:
    """People on the redeployment register hear of a new opportunity first (policy §4.7 step 1)."""
    entries = (RedeploymentEntry.objects.filter(removed_at__isnull=True, person__is_active=True)
               .exclude(person_id=opportunity.host_manager_id).select_related("person"))
    for entry in entries:
        notify(recipient=entry.person, link=f"/secondments/opportunities/{opportunity.pk}/",
               subject=f"Secondment opportunity {opportunity.reference}: {opportunity.title}",
               body=f"A secondment opportunity was posted: {opportunity.title} in {opportunity.host_unit.name} "
                    f"({opportunity.grade}), from {day(opportunity.start_date)} to {day(opportunity.end_date)}. "
                    f"As you are on the redeployment register, you can see it and apply before anyone else, until "
                    f"{day(opportunity.register_until)}. Applications close on {day(opportunity.closing_date)}.")


def close_opportunity(*, actor, opportunity: Opportunity) -> Opportunity:
    """No more applications: the host selects from those made."""
    if not manages_opportunity(actor, opportunity):
        raise PermissionDenied("Only the host manager, whoever posted it, or HR Services can close an opportunity.")
    with transaction.atomic():
        opportunity = lock(opportunity)
        if opportunity.status != Opportunity.Status.OPEN:
            raise ServiceError(f"{opportunity.reference} is not open for applications (it is "
                               f"{opportunity.get_status_display().lower()}).")
        opportunity.status = Opportunity.Status.CLOSED
        opportunity.save(update_fields=["status"])
        record_history(actor=actor, action="secondments.opportunity_closed", obj=opportunity,
                       summary=f"{opportunity.reference}: closed to applications.")
    return opportunity


def withdraw_opportunity(*, actor, opportunity: Opportunity, reason: str) -> Opportunity:
    """Take an opportunity off the board, with a reason; its open applications must be decided first."""
    if not manages_opportunity(actor, opportunity):
        raise PermissionDenied("Only the host manager, whoever posted it, or HR Services can withdraw an opportunity.")
    values = _clean((workflow.reason("Why it is withdrawn"),), {"reason": reason}, "Withdrawing an opportunity")
    with transaction.atomic():
        opportunity = lock(opportunity)
        if opportunity.status in (Opportunity.Status.WITHDRAWN, Opportunity.Status.FILLED):
            raise ServiceError(f"{opportunity.reference} is already {opportunity.get_status_display().lower()}.")
        open_ones = list(opportunity.applications.exclude(state__in=CLOSED_STATES).values_list("reference", flat=True))
        if open_ones:
            raise ServiceError(f"Decide the open applications first ({', '.join(open_ones[:5])}): do not select them, "
                               "or ask the applicants to withdraw.")
        opportunity.status, opportunity.status_reason = Opportunity.Status.WITHDRAWN, values["reason"][:300]
        opportunity.save(update_fields=["status", "status_reason"])
        record_history(actor=actor, action="secondments.opportunity_withdrawn", obj=opportunity,
                       summary=f"{opportunity.reference}: withdrawn. Reason: {values['reason']}")
    return opportunity


# --- Applying --------------------------------------------------------------------------------------------


def _substantive(person: Person) -> Appointment | None:
    return (Appointment.objects.current().filter(person=person, kind=Appointment.Kind.SUBSTANTIVE)
            .select_related("post__org_unit").first())


def apply(*, actor, opportunity: Opportunity, data: dict[str, Any]) -> Secondment:
    """A member of staff applies for an opportunity with a statement and evidence (policy §4.7 step 2). The
    host is given the task of selecting; the home line manager is told (they release, if selected)."""
    me = _me(actor, "apply for a secondment")
    values = _clean(APPLY_INPUTS, data, "An application")
    today = timezone.localdate()
    try:
        with transaction.atomic():
            opportunity = lock(opportunity)
            if opportunity.status != Opportunity.Status.OPEN:
                raise ServiceError(f"{opportunity.reference} is not open for applications (it is "
                                   f"{opportunity.get_status_display().lower()}).")
            if opportunity.closing_date < today:
                raise ServiceError(f"Applications for {opportunity.reference} closed on {day(opportunity.closing_date)}.")
            if today <= opportunity.register_until and not on_register(me):
                raise ServiceError(f"Until {day(opportunity.register_until)} {opportunity.reference} is open to people "
                                   "on the redeployment register only.")
            if me.pk in (opportunity.host_manager_id, opportunity.posted_by_id):
                raise ServiceError("You host this opportunity: you cannot apply for it.")
            earlier = Secondment.objects.filter(opportunity=opportunity, applicant=me).first()
            if earlier is not None:
                raise ServiceError(f"You have already applied for {opportunity.reference} ({earlier.reference}, "
                                   f"{workflow.STATES[earlier.state].lower()}): one application per opportunity.")
            home = _substantive(me)
            if home is None:
                raise ServiceError("You need a current substantive post to be seconded from (it is kept for your "
                                   "return).")
            if home.post_id == opportunity.post_id:
                raise ServiceError("This opportunity is in your own post.")
            if me.line_manager_id is None:
                raise ServiceError("You have no line manager recorded, and only your line manager can release you: ask "
                                   "HR Services to record them first.")
            if me.line_manager_id == me.pk:
                raise ServiceError("Your record names you as your own line manager: ask HR Services to correct it.")
            secondment = Secondment.objects.create(
                reference=_next_reference("secondment", "SE", Secondment.objects.all()), state="applied",
                opportunity=opportunity, applicant=me, home_manager_id=me.line_manager_id,
                host_manager_id=opportunity.host_manager_id, home_unit=home.post.org_unit,
                host_unit_id=opportunity.host_unit_id, title=opportunity.title[:200], statement=values["statement"],
                evidence=values["evidence"] or "")
            record_history(actor=actor, action="secondments.applied", obj=secondment, person_id=me.pk,
                           summary=f"{secondment.reference}: {me} applied for {opportunity.reference} "
                                   f"{opportunity.title}.")
            engine.refresh_tasks(SECONDMENTS, secondment, actor=me)
            manager = me.line_manager
            assert manager is not None
            notify(recipient=manager, link=f"/secondments/{secondment.pk}/",
                   subject=f"{secondment.reference}: {me.full_name} applied for a secondment",
                   body=f"{me.full_name} applied for the secondment {opportunity.title} in {opportunity.host_unit.name}"
                        f", from {day(opportunity.start_date)} to {day(opportunity.end_date)}. If the host selects "
                        "them, you will be asked to release them (or to refuse, with a reason). Nothing is needed "
                        "from you now.")
    except IntegrityError:
        raise ServiceError(f"You have already applied for {opportunity.reference}: one application per "
                           "opportunity.") from None
    return secondment


# --- The redeployment register ---------------------------------------------------------------------------

REGISTER_INPUTS: tuple[InputField, ...] = (
    InputField("person", INTEGER, "Member of staff", required=True, min_value=1, max_value=2**62,
               required_message="Choose the member of staff."),
    InputField("note", TEXT, "Why they are on the register (for HR)", max_length=300),
)


def add_to_register(*, actor, data: dict[str, Any]) -> RedeploymentEntry:
    """HR Services put someone on the redeployment register: they see new opportunities first."""
    if not keeps_register(actor):
        raise PermissionDenied("Only HR Services keep the redeployment register.")
    me = person_of(actor)
    values = _clean(REGISTER_INPUTS, data, "Adding to the register")
    person = Person.objects.filter(pk=values["person"], is_active=True).first()
    if person is None:
        raise ServiceError("That member of staff was not found among current staff.")
    try:
        with transaction.atomic():
            person = lock(person)
            if RedeploymentEntry.objects.filter(person=person, removed_at__isnull=True).exists():
                raise ServiceError(f"{person.full_name} is already on the redeployment register.")
            entry = RedeploymentEntry.objects.create(person=person, note=values["note"] or "", added_by=me)
            record_history(actor=actor, action="secondments.register_added", obj=entry, person_id=person.pk,
                           summary=f"{person} added to the redeployment register.")
            days = setting("REDEPLOYMENT_PRIORITY_DAYS")
            notify(recipient=person, link="/secondments/",
                   subject="You are on the redeployment register",
                   body=f"HR Services added you to the redeployment register. You see new secondment opportunities, "
                        f"and may apply, {days} days before everyone else; you are told of each one when it is posted.")
    except IntegrityError:
        raise ServiceError(f"{person.full_name} is already on the redeployment register.") from None
    return entry


def remove_from_register(*, actor, entry: RedeploymentEntry, reason: str) -> RedeploymentEntry:
    if not keeps_register(actor):
        raise PermissionDenied("Only HR Services keep the redeployment register.")
    values = _clean((InputField("reason", TEXT, "Why they come off the register", required=True, max_length=300,
                                required_message="Say why they come off the register."),), {"reason": reason},
                    "Taking someone off the register")
    with transaction.atomic():
        entry = lock(entry)
        if entry.removed_at is not None:
            raise ServiceError(f"{entry.person.full_name} is no longer on the redeployment register.")
        entry.removed_at, entry.removed_by, entry.removal_reason = timezone.now(), person_of(actor), values["reason"]
        entry.save(update_fields=["removed_at", "removed_by", "removal_reason"])
        record_history(actor=actor, action="secondments.register_removed", obj=entry, person_id=entry.person_id,
                       summary=f"{entry.person} taken off the redeployment register. Reason: {values['reason']}")
    return entry


# --- What other processes and the career record read ----------------------------------------------------


def placed_secondments(person) -> list[Secondment]:
    """The person's secondments from placement on (arranged, under way, extended or returned), newest first."""
    return list(Secondment.objects.filter(applicant=person, state__in=PLACED_STATES)
                .select_related("opportunity__grade", "host_unit").order_by("-start_date", "-id"))


def secondment_history(*, person) -> list[tuple[str, str, dt.date | None, dt.date | None, str]]:
    """Secondment history as evidence on regrading and accelerated increment requests (policy §4.7 step 5):
    (reference, title, start, end, link) of each secondment from placement on, newest first. Registered as the
    starter ``secondments.history``: other processes read it without importing secondments."""
    return [(s.reference, f"Secondment to {s.host_unit.name} as {s.title} ({s.opportunity.grade})", s.start_date,
             s.end_date, f"/secondments/{s.pk}/") for s in placed_secondments(person)]


def status_words(secondment: Secondment, today: dt.date | None = None) -> str:
    today = today or timezone.localdate()
    if secondment.state == "returned":
        return f"Returned on {day(secondment.returned_on)}" if secondment.returned_on else "Returned"
    if secondment.start_date and secondment.start_date > today:
        return f"Starts on {day(secondment.start_date)}"
    return workflow.STATES[secondment.state]


def career_entries(person, user) -> list[CareerEntry]:
    """The career record's "Secondments" entries (two queries whatever their number)."""
    rows = placed_secondments(person)
    readable = set(visible_secondments(user).filter(pk__in=[s.pk for s in rows]).values_list("pk", flat=True)) \
        if rows else set()
    return [CareerEntry(start=s.start_date or s.created_at.date(), end=s.end_date, reference=s.reference,
                        title=f"Secondment to {s.host_unit.name} as {s.title} ({s.opportunity.grade})",
                        status=status_words(s), link=f"/secondments/{s.pk}/" if s.pk in readable else "")
            for s in rows]


def latest_end(start: dt.date) -> dt.date:
    """The latest last day a secondment from ``start`` may have (the maximum length)."""
    return add_months(start, setting("MAX_MONTHS")) - dt.timedelta(days=1)

