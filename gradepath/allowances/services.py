"""Acting up and honoraria: proposing them, and the process's moves through the workflow engine.

A line manager proposes acting up (:func:`propose_acting_up`) or an honorarium (:func:`propose_honorarium`)
for one of their reports: the record is made and its first move (``propose``) taken through the engine
in one transaction, so its checks, event, history, tasks and messages are the engine's. Every later move
goes through :func:`perform_action` (the engine's ``perform`` with :data:`workflow.ALLOWANCES`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from gradepath.allowances import rules
from gradepath.allowances.models import Allowance, Kind, Payment
from gradepath.allowances.permissions import get_allowance_for_user, visible_allowances  # noqa: F401
from gradepath.allowances.workflow import ALLOWANCES, Move
from gradepath.core.errors import PermissionDenied, ServiceError, ValidationError
from gradepath.core.history import record_history
from gradepath.core.locking import lock
from gradepath.core.references import allocate_reference, highest_number
from gradepath.core.text import clean_text
from gradepath.people.models import Person, Post
from gradepath.people.relations import home_unit, person_of
from gradepath.workflow import engine
from gradepath.workflow.engine import AvailableAction


def perform_action(*, actor, allowance: Allowance, action: str, step: int, data: dict[str, Any] | None = None,
                   idempotency_key: str | None = None) -> Allowance:
    """Take one move on an allowance (stale step: 409 and nothing changes; ``data`` checked against the
    move's declared inputs; who acts, in which role, is the server's finding)."""
    return engine.perform(ALLOWANCES, allowance, actor=actor, action=action, step=step, data=data,
                          idempotency_key=idempotency_key)


def available_actions(allowance: Allowance, user, *, with_unmet: bool = False,
                      acts: engine.Acts | None = None) -> list[AvailableAction]:
    return engine.available_actions(ALLOWANCES, allowance, user, with_unmet=with_unmet, acts=acts)


def unmet_condition(allowance: Allowance, move: Move) -> str | None:
    return engine.unmet_condition(ALLOWANCES, allowance, move)


def what_next(allowance: Allowance) -> str:
    return engine.what_next(ALLOWANCES, allowance)


# --- Proposing ------------------------------------------------------------------------------------


def _text(value: Any, label: str, limit: int, *, required: str = "") -> str:
    try:
        text = clean_text(value if value is not None else "", label=label, max_length=limit)
    except ValidationError as invalid:
        raise ServiceError(invalid.messages) from None
    if required and not text:
        raise ServiceError(required)
    return text


def _date(value: Any, label: str) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ServiceError(f"{label} must be a date (YYYY-MM-DD).")
    return value


def _proposer(actor, person: Person, what: str) -> Person:
    me = person_of(actor)
    if me is None:
        raise PermissionDenied(f"You need a staff record to propose {what}.")
    if me.pk == person.pk:
        raise PermissionDenied(f"You cannot propose {what} for yourself: your line manager proposes it.")
    if person.line_manager_id != me.pk:
        raise PermissionDenied(f"Only {person.full_name}'s line manager can propose {what} for them.")
    if not person.is_active:
        raise ServiceError(f"{person.full_name} has left: nothing can be proposed for them.")
    return me


def _next_reference() -> str:
    year = timezone.localdate().year
    return allocate_reference("allowance", year, "AL-{year}-{number:04d}",
                              seed=lambda: highest_number(Allowance.objects.all(), f"AL-{year}-"))


def _create_and_propose(*, actor, me: Person, person: Person, **fields) -> Allowance:
    unit = home_unit(person, fields["start_date"]) or home_unit(person)
    if unit is None:
        raise ServiceError(f"{person.full_name} has no current post, so there is no unit to approve it.")
    with transaction.atomic():
        person = lock(person)  # one proposal at a time per person: the overlap check holds
        allowance = Allowance.objects.create(reference=_next_reference(), state="draft", person=person,
                                             line_manager=me, initiator=me, org_unit=unit, **fields)
        record_history(actor=actor, action="allowances.started", obj=allowance, person_id=person.pk,
                       summary=f"Started {allowance.reference}: {allowance.title}.")
        return perform_action(actor=actor, allowance=allowance, action="propose", step=0)


def propose_acting_up(*, actor, person: Person, post: Post | None, start_date: Any, end_date: Any,
                      duties: Any = "", long_reason: Any = "") -> Allowance:
    """The line manager proposes that ``person`` acts up in the higher-graded ``post`` from ``start_date`` to
    ``end_date`` (policy §4.8 step 1): more than 6 consecutive weeks, normally up to 12 months (longer with
    ``long_reason``), the post graded above the person's substantive grade, no overlapping acting up. It goes
    to the FM/HPS (or delegate) for approval."""
    me = _proposer(actor, person, "acting up")
    if post is None:
        raise ServiceError("Choose the higher-graded post to act up in.")
    start, end = _date(start_date, "The start date"), _date(end_date, "The end date")
    duties = _text(duties, "Duties taken on", rules.TEXT_LIMIT)
    long_reason = _text(long_reason, "Why it runs longer than normal", rules.REASON_LIMIT)
    rules.check_acting_up_period(start, end, long_reason)
    assert start is not None
    rules.check_higher_post(person, post, start)
    return _create_and_propose(actor=actor, me=me, person=person, kind=Kind.ACTING_UP, post=post,
                               title=f"{person.full_name} acting up as {post.title} ({post.post_number})"[:200],
                               start_date=start, end_date=end, duties=duties, long_reason=long_reason)


def propose_honorarium(*, actor, person: Person, duties: Any, amount: Any, payment: Any, start_date: Any,
                       end_date: Any = None) -> Allowance:
    """The line manager proposes an honorarium for ``person``'s significant extra duties short of a full post
    (policy §4.8 step 3): ``amount`` whole pounds, paid once (on ``start_date``'s payroll) or monthly from
    ``start_date`` to ``end_date``. It goes to HR Services to agree the amount."""
    me = _proposer(actor, person, "an honorarium")
    duties = _text(duties, "The extra duties", rules.TEXT_LIMIT,
                   required="Describe the extra duties the honorarium is for.")
    amount = rules.check_amount(amount)
    start, end = _date(start_date, "The start date"), _date(end_date, "The end date")
    end = rules.check_honorarium(payment if isinstance(payment, str) else "", start, end)
    first_line = duties.splitlines()[0] if duties else ""
    return _create_and_propose(actor=actor, me=me, person=person, kind=Kind.HONORARIUM, payment=payment,
                               title=f"an honorarium for {person.full_name}: {first_line}"[:200],
                               start_date=start, end_date=end, duties=duties, proposed_amount=amount)


# --- Reading -------------------------------------------------------------------------------------------


def payable_in(allowances, month: dt.date):
    """Agreed honoraria payable in the calendar month of ``month`` (a one-off in its start month, a monthly
    one in every month of its period), by person: for payroll (one query)."""
    first = month.replace(day=1)
    after = (first + dt.timedelta(days=32)).replace(day=1)
    due = (Q(payment=Payment.ONCE, start_date__gte=first, start_date__lt=after)
           | Q(payment=Payment.MONTHLY, start_date__lt=after, end_date__gte=first))
    return (allowances.filter(due, kind=Kind.HONORARIUM, state="agreed").select_related("person", "org_unit")
            .order_by("person__last_name", "person__first_name", "reference"))
