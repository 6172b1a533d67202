"""Grading cases: starting them, and the process's moves through the workflow engine.

Every move on a case goes through :func:`perform_action` (the engine's ``perform`` with the grading
process of :mod:`gradepath.grading.workflow`): lock, stale step (409), idempotency, declared inputs,
who may act and the conditions, the effect (:mod:`gradepath.grading.effects`), the event, history,
tasks and messages in one transaction. HR Services processing is in :mod:`gradepath.grading.processing`
and the access gate in :mod:`gradepath.grading.permissions`; this module gives the rest of the project
the names it uses for them.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from gradepath.core.errors import PermissionDenied, ServiceError, ValidationError
from gradepath.core.history import record_history
from gradepath.core.text import clean_text
from gradepath.grades.models import Grade, PayRecord
from gradepath.grading import workflow
from gradepath.grading.comments import add_comment
from gradepath.grading.effects import (  # noqa: F401 - the names the pages, API and tests use
    _open_case_on,
    hera_grade,
    involved_people,
    posts_sharing_baseline,
)
from gradepath.grading.models import CLOSED_STATES, GradingCase, Route
from gradepath.grading.permissions import can_see_confidential, get_case_for_user, visible_cases  # noqa: F401
from gradepath.grading.policy import policy  # noqa: F401
from gradepath.grading.processing import (  # noqa: F401
    checked_grade,
    effective_date_for,
    effective_date_rule_words,
    log_and_send_jd,
    new_spine_point,
    process_regrade,
)
from gradepath.grading.workflow import GRADING
from gradepath.jobs import services as jd_services
from gradepath.jobs.matching import match_version, suggest_grade
from gradepath.jobs.models import JDVersion
from gradepath.jobs.permissions import can_edit_jd
from gradepath.people.models import Appointment, OrgUnit, Person, Post
from gradepath.people.relations import person_of
from gradepath.workflow import engine
from gradepath.workflow.engine import AvailableAction, task_key  # noqa: F401


class CaseActs:
    """What has happened on a case (the engine's ``Acts`` for the grading process)."""

    @staticmethod
    def of(case: GradingCase, events: list | None = None) -> engine.Acts:
        return engine.Acts.of(GRADING, case, events)

HERA_ELEMENTS = workflow.HERA_ELEMENTS  # the 14 elements (policy §5), declared with the move that takes them


# --- The process's moves, through the engine ------------------------------------------------------


def perform_action(*, actor, case: GradingCase, action: str, step: int, data: dict[str, Any] | None = None,
                   idempotency_key: str | None = None) -> GradingCase:
    """Take one action on a case. ``step`` is the case step the user saw: if the case has moved on,
    StaleStateError (HTTP 409) and nothing changes. ``data`` is checked against the move's declared
    input fields; who acts, in which role and capacity, is always the server's finding."""
    return engine.perform(GRADING, case, actor=actor, action=action, step=step, data=data,
                          idempotency_key=idempotency_key)


def available_actions(case: GradingCase, user, *, with_unmet: bool = False,
                      acts: engine.Acts | None = None) -> list[AvailableAction]:
    """The buttons this user sees on this case now (the template never decides)."""
    return engine.available_actions(GRADING, case, user, with_unmet=with_unmet, acts=acts)


def unmet_condition(case: GradingCase, move: workflow.Move) -> str | None:
    """Why ``move`` is not possible on ``case`` now although its state allows it, in the user's words."""
    return engine.unmet_condition(GRADING, case, move)


def people_for_role(case: GradingCase, role: str, excluding: set[int] | frozenset[int] = frozenset()):
    """Who must act in ``role`` now, with the capacity in words."""
    return engine.holders(GRADING, case, role, excluding)


def _refresh_tasks(case: GradingCase, **kwargs) -> set[int]:
    return engine.refresh_tasks(GRADING, case, **kwargs)


def what_next(case: GradingCase) -> str:
    """Who acts next on the case and by when, in a sentence."""
    return engine.what_next(GRADING, case)


# --- Starting cases ----------------------------------------------------------------------------


def _next_reference() -> str:
    """The next case reference, from the locked counter every process shares (two cases started at
    the same moment never get the same number); the counter starts after the references made before
    it. Call inside the transaction that creates the case."""
    from gradepath.core.references import allocate_reference, highest_number

    year = timezone.localdate().year
    return allocate_reference("grading-case", year, "GC-{year}-{number:04d}",
                              seed=lambda: highest_number(GradingCase.objects.all(), f"GC-{year}-"))


def _check_interval(post: Post) -> None:
    months = policy("MIN_INTERVAL_MONTHS")
    if not months:
        return
    last = (GradingCase.objects.filter(post=post, state="closed", decided_at__isnull=False)
            .order_by("-decided_at").first())
    if last is None:
        return
    decided = timezone.localdate(last.decided_at)
    year, month = divmod(decided.year * 12 + decided.month - 1 + months, 12)
    # The same day ``months`` later (the last day of the month when that month is shorter).
    last_day = calendar.monthrange(year, month + 1)[1]
    earliest = dt.date(year, month + 1, min(decided.day, last_day))
    if timezone.localdate() < earliest:
        raise ServiceError(
            f"The last grading request for post {post.post_number} ({last.reference}) was decided on "
            f"{last.decided_at:%d %b %Y}. A new request can be made from {earliest:%d %b %Y} "
            f"(a minimum of {months} months between requests)."
        )


def _current_post(person: Person) -> Appointment | None:
    return (Appointment.objects.current().filter(person=person, kind=Appointment.Kind.SUBSTANTIVE)
            .select_related("post__org_unit", "post__grade", "post__jd_version").first())


def _create(*, actor, route: str, org_unit: OrgUnit, initiator: Person, jd_version: JDVersion, title: str,
            subject: Person | None = None, post: Post | None = None, baseline: JDVersion | None = None,
            line_manager: Person | None = None, current_grade: Grade | None = None,
            grant_funded: bool = False, funding_source: str = "") -> GradingCase:
    if post is not None:
        if (other := _open_case_on(post)) is not None:
            raise ServiceError(f"Post {post.post_number} already has an open grading case ({other.reference}). "
                               "One case per post at a time.")
        _check_interval(post)
    try:
        with transaction.atomic():
            case = GradingCase.objects.create(
                reference=_next_reference(), route=route, state=workflow.START_STATE[route], org_unit=org_unit,
                post=post, subject=subject, line_manager=line_manager, initiator=initiator, title=title,
                jd=jd_version.jd, baseline_version=baseline, proposed_version=jd_version,
                current_grade=current_grade, grant_funded=bool(post.grant_funded if post else grant_funded),
                funding_source=post.funding_source if post else funding_source.strip(),
            )
            record_history(actor=actor, action="grading.case_started", obj=case, person_id=case.subject_id,
                           summary=f"Started {case.reference}: {case.get_route_display()} for “{title}”.")
            _refresh_tasks(case, actor=initiator)
    except IntegrityError:
        raise ServiceError("This post already has an open grading case.") from None
    return case


def start_new_job_case(*, actor, jd_version: JDVersion, org_unit: OrgUnit | None = None,
                       grant_funded: bool = False, funding_source: str = "") -> GradingCase:
    """A manager starts grading a new job from its JD draft (4.1 steps 1–2); the funding of the new
    post is given here (a grant-funded post needs a finance approval before HR Services completes)."""
    try:
        funding_source = clean_text(funding_source or "", label="Grant that funds the post", max_length=200)
    except ValidationError as invalid:
        raise ServiceError(invalid.messages) from None
    if grant_funded and not funding_source:
        raise ServiceError("Name the grant that funds the new post.")
    if not grant_funded:
        funding_source = ""
    me = person_of(actor)
    if me is None:
        raise PermissionDenied("You need a staff record to start a grading case.")
    if not can_edit_jd(actor, jd_version.jd):
        raise PermissionDenied("You cannot use this job description.")
    return _create(actor=actor, route=Route.NEW_JOB, org_unit=org_unit or jd_version.jd.org_unit, initiator=me,
                   line_manager=me, jd_version=jd_version, title=jd_version.job_title,
                   grant_funded=grant_funded, funding_source=funding_source)


def _start_existing(*, actor, route: str, subject: Person) -> GradingCase:
    me = person_of(actor)
    if me is None:
        raise PermissionDenied("You need a staff record to start a grading case.")
    if route == Route.DIRECT and me.pk != subject.pk:
        raise PermissionDenied("The Direct Route is started by the staff member.")
    if route == Route.AGREED and me.pk not in (subject.pk, subject.line_manager_id):
        raise PermissionDenied("The Agreed Route is started by the staff member or their line manager.")
    appointment = _current_post(subject)
    if appointment is None:
        raise ServiceError(f"{subject} has no current substantive post to regrade.")
    post = appointment.post
    baseline = post.jd_version
    if baseline is None:
        raise ServiceError(f"Post {post.post_number} has no job description yet. Record its JD first.")
    with transaction.atomic():
        draft = _case_draft(post, baseline)
        current = PayRecord.objects.filter(person=subject, effective_from__lte=timezone.localdate()).order_by(
            "-effective_from", "-id").select_related("grade").first()
        return _create(actor=actor, route=route, org_unit=post.org_unit, initiator=me, subject=subject, post=post,
                       line_manager=subject.line_manager, jd_version=draft, baseline=baseline,
                       title=post.title, current_grade=current.grade if current else post.grade)


def _case_draft(post: Post, baseline: JDVersion) -> JDVersion:
    """The JD draft a regrading case amends.

    A post that holds its JD alone amends that JD (its next numbered version, or the draft
    already open on it). A post that shares its JD version with other posts gets its own copy of
    the JD, drafted for this post: one holder's proposal never changes the JD of the others or
    their cases. (The HRBP may regrade the other posts with this one at the fairness step.)"""
    jd = baseline.jd
    shared = Post.objects.filter(jd_version__jd=jd).exclude(pk=post.pk).exists()
    draft = jd.versions.filter(status=JDVersion.Status.DRAFT).first()
    in_use = draft is not None and GradingCase.objects.filter(proposed_version=draft).exclude(
        state__in=CLOSED_STATES).exists()
    if shared or in_use:
        return jd_services.copy_and_adapt(actor=None, version=baseline, org_unit=post.org_unit, for_post=post)
    return jd_services.start_new_draft(actor=None, version=baseline)


def start_agreed_route_case(*, actor, subject: Person) -> GradingCase:
    """Existing job, Agreed Route (4.2): starts with the three agreements."""
    return _start_existing(actor=actor, route=Route.AGREED, subject=subject)


def start_direct_route_case(*, actor, subject: Person) -> GradingCase:
    """Existing job, Direct Route (4.3): the staff member starts it."""
    return _start_existing(actor=actor, route=Route.DIRECT, subject=subject)


# --- A regrading check flagged by another process (an appraisal's JD review) ------------------------


@dataclass(frozen=True)
class RegradingCheck:
    """What :func:`start_regrading_check` started: the case (its id, reference and page) and the
    matching's grade suggestion for the proposed JD (``suggested_grade`` None when not confident)."""

    case: GradingCase
    id: int
    reference: str
    link: str
    suggested_grade: int | None
    suggestion: str


def start_regrading_check(*, actor, subject: Person, route: str, taken_on: list[str], relinquished: list[str],
                          note: str = "") -> RegradingCheck:
    """Start an Agreed or Direct Route case for ``subject`` (as :func:`start_agreed_route_case` and
    :func:`start_direct_route_case`: the same permission, one open case per post, the minimum interval)
    whose proposed JD is the current JD with the duties ``relinquished`` deleted and those ``taken_on``
    added (tracked changes in the case's redline and Word export), and compute the matching suggestion
    for it (policy §4.5 step 4). Each relinquished duty must be a duty of the current JD, word for word.
    Registered as the starter ``grading.regrading_check`` (grading/apps.py); ``note`` goes on the case
    as a comment by ``actor``. One transaction: a refusal leaves nothing behind."""
    if route not in (Route.AGREED, Route.DIRECT):
        raise ServiceError("Choose the Agreed Route or the Direct Route for a regrading check.")
    if not isinstance(taken_on, (list, tuple)) or not isinstance(relinquished, (list, tuple)):
        raise ServiceError("Give the duties taken on and relinquished as lists.")
    with transaction.atomic():
        case = _start_existing(actor=actor, route=route, subject=subject)
        draft = case.proposed_version
        baseline = case.baseline_version
        baseline_duties = list(baseline.duties) if baseline is not None else []
        unknown = [d for d in relinquished if d not in baseline_duties]
        if unknown:
            raise ServiceError(f"“{str(unknown[0])[:200]}” is not a duty of the current job description, so it "
                               "cannot be relinquished. Choose one of its duties.")
        gone = set(relinquished)
        duties = [d for d in draft.duties if d not in gone] + [d for d in taken_on if d not in draft.duties]
        draft = jd_services.save_draft(actor=None, version=draft, changes={"duties": duties},
                                       base_revision=draft.revision)
        if note.strip():
            add_comment(actor=actor, case=case, text=note)
        suggestion = suggest_grade(match_version(draft, k=10), title=draft.job_title)
        grade = suggestion.grade if suggestion.level in ("high", "medium") else None
        record_history(actor=actor, action="grading.regrading_check_started", obj=case, person_id=case.subject_id,
                       summary=f"{case.reference}: proposed JD drafted from the appraisal's JD review "
                               f"({len(taken_on)} duties taken on, {len(relinquished)} relinquished). "
                               f"Matching: {suggestion.message}")
    return RegradingCheck(case=case, id=case.pk, reference=case.reference, link=f"/grading/{case.pk}/",
                          suggested_grade=grade, suggestion=suggestion.message)
