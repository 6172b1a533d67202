"""Grading cases: starting them, and every action on them through one transition function.

:func:`perform_action` locks the case row, refuses a stale step (409), checks the move against
the workflow table and who may take it, applies the action, writes the event (one per case
and step), the history row, the tasks and the notifications in one transaction. E-mails go
out after commit.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone

from gradepath.core.errors import PermissionDenied, ServiceError, StaleStateError, ValidationError
from gradepath.core.history import record_history
from gradepath.core.inputs import clean_input
from gradepath.core.locking import lock
from gradepath.core.text import clean_text, text_problem
from gradepath.grades.models import Grade, GradeStructure, PayRecord
from gradepath.grading import workflow
from gradepath.grading.dates import add_working_days, first_of_next_month
from gradepath.grading.models import (
    AppealPanelMember,
    CaseEvent,
    CaseTask,
    GradingCase,
    Outcome,
    Route,
)
from gradepath.jobs import services as jd_services
from gradepath.jobs.models import AgreedJD, JDVersion
from gradepath.jobs.permissions import can_edit_jd
from gradepath.notifications.services import notify, send_email, withdraw_notifications
from gradepath.people import roles
from gradepath.people.models import Appointment, OrgUnit, Person, Post, PostGrade
from gradepath.people.relations import acting_capacity, eligible_holders, nearest_holder, person_of


def policy(name: str) -> Any:
    return settings.GRADEPATH_GRADING[name]


# --- Who may act ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseActs:
    """The actions taken on a case so far, read once per request: who took which move, in which role,
    and which moves were taken since the case entered its current state (agreements are counted
    there)."""

    events: tuple[tuple[int, str, int | None, str], ...]  # (step, action, actor id, role)
    entered_step: int | None

    @classmethod
    def of(cls, case: GradingCase, events: list[CaseEvent] | None = None) -> CaseActs:
        """From the case's events (``events``: already loaded by the page, in step order, saves a query)."""
        if events is None:
            rows = list(case.events.order_by("step").values_list("step", "action", "actor_id", "from_state",
                                                                 "to_state", "data"))
        else:
            rows = [(e.step, e.action, e.actor_id, e.from_state, e.to_state, e.data) for e in events]
        entered = max((step for step, _, _, frm, to, _ in rows if to == case.state and frm != case.state),
                      default=None)
        return cls(events=tuple((step, action, actor, (data or {}).get("role", "")) for step, action, actor, _, _, data
                                in rows), entered_step=entered)

    def actors_of(self, actions: tuple[str, ...]) -> set[int]:
        """People who took any of ``actions`` on the case."""
        return {actor for _, action, actor, _ in self.events if action in actions and actor is not None}

    def this_round(self, action: str) -> list[tuple[int | None, str]]:
        """(actor, role) of each ``action`` taken since the case entered its current state."""
        return [(actor, role) for step, act, actor, role in self.events
                if act == action and (self.entered_step is None or step > self.entered_step)]


def ineligible(move: workflow.Move, acts: CaseActs) -> set[int]:
    """People who may not take ``move``: those who took a move it must be independent of (nobody approves
    their own submission, policy §2) and, for an agreement, those who already agreed in this round (three
    agreements are three people)."""
    barred = acts.actors_of(move.independent_of) if move.independent_of else set()
    if move.once_per_role:
        barred |= {actor for actor, _ in acts.this_round(move.action) if actor is not None}
    return barred


def role_capacity(case: GradingCase, person: Person | None, user, role: str,
                  excluding: set[int] | frozenset[int] = frozenset()) -> str | None:
    """The capacity in which ``person`` holds ``role`` on ``case`` today, or None.

    Nobody holds an approving role on a case about themselves; a delegate never acts on a
    case about themselves or about the person they stand in for. People in ``excluding`` (see
    :func:`ineligible`) hold no role for this move: an FM/HPS or HRBP role passes to a delegate or
    the holder above.
    """
    if person is None:
        return None
    is_subject = case.subject_id is not None and person.pk == case.subject_id
    if role in ("fm_hps", "hrbp"):
        if is_subject:
            return None
        capacity = acting_capacity(person, case.org_unit, role, subject=case.subject, excluding=excluding)
        return str(capacity) if capacity is not None else None
    if person.pk in excluding:
        return None
    if role == "staff_member":
        return "staff member" if is_subject else None
    if role == "initiator":
        return "initiator" if person.pk == case.initiator_id else None
    if is_subject:
        return None
    if role == "line_manager":
        return "line manager" if person.pk == case.line_manager_id else None
    if role == "hr_services":
        return "HR Services" if roles.in_group(user, roles.HR_SERVICES) else None
    if role == "panel":
        return "appeal panel member" if case.panel.filter(person=person).exists() else None
    return None


def _agreed_roles(case: GradingCase, action: str, acts: CaseActs | None = None) -> set[str]:
    """Roles that already recorded ``action`` since the case entered its current state."""
    return {role for _, role in (acts or CaseActs.of(case)).this_round(action)}


@dataclass(frozen=True)
class AvailableAction:
    move: workflow.Move
    role: str
    capacity: str


def unmet_condition(case: GradingCase, move: workflow.Move) -> str | None:
    """Why ``move`` is not possible on ``case`` now although its state allows it (its ``when``
    conditions, see workflow.CONDITIONS), in the user's words; None when it is possible."""
    for condition in move.when:
        if condition == "finance_pending":
            if not case.grant_funded:
                return "This post is not grant-funded: no finance approval is needed."
            if case.finance_approved_at is not None:
                return f"The finance approval was recorded on {timezone.localdate(case.finance_approved_at):%d %b %Y}."
        elif condition == "finance_if_grant_funded":
            if case.grant_funded and case.finance_approved_at is None:
                return "This post is grant-funded: record the finance approval before processing the change."
        elif condition == "appeal_window_open":
            if case.decided_at is None:
                return "There is no decision to appeal against."
            if case.events.filter(action="lodge_appeal").exists():
                return "An appeal has already been heard on this case: its outcome is final."
            if case.appeal_deadline is None:
                return "The appeal window is not open."
            if timezone.localdate() > case.appeal_deadline:
                return f"The appeal window closed on {case.appeal_deadline:%d %b %Y}."
        else:  # pragma: no cover - a condition named in the table without a check here
            raise AssertionError(f"unknown condition {condition!r}")
    return None


def available_actions(case: GradingCase, user, *, with_unmet: bool = False,
                      acts: CaseActs | None = None) -> list[AvailableAction]:
    """The buttons this user sees on this case now (the template never decides).

    ``with_unmet`` also lists moves the user's role allows whose conditions do not hold (so the
    transition can say why instead of "you cannot")."""
    person = person_of(user)
    if person is None or case.state in ("withdrawn", "not_agreed"):
        return []
    moves = workflow.moves_from(case.route, case.state)
    if not moves:
        return []
    acts = acts or CaseActs.of(case)
    found: list[AvailableAction] = []
    for move in moves:
        if not with_unmet and unmet_condition(case, move) is not None:
            continue
        done = _agreed_roles(case, move.action, acts) if move.once_per_role else set()
        barred = ineligible(move, acts)
        for role in move.roles:
            if role in done:
                continue
            capacity = role_capacity(case, person, user, role, barred)
            if capacity is not None:
                found.append(AvailableAction(move, role, capacity))
                break
    return found


def _refusal(case: GradingCase, move: workflow.Move, person: Person, user, acts: CaseActs) -> str:
    """Why ``person`` may not take ``move``, in their words."""
    if person.pk in ineligible(move, acts):
        if move.once_per_role:
            return (f"You have already given your agreement on {case.reference}: each of the three agreements "
                    "comes from a different person.")
        if any(role_capacity(case, person, user, role) for role in move.roles):
            return (f"You submitted {case.reference} at an earlier step, so you cannot also "
                    f"“{move.label.lower()}”: nobody approves their own submission. It goes to someone else "
                    "who holds the role (a delegate, or the holder above).")
    return f"You cannot “{move.label.lower()}” on {case.reference}."


# --- Starting cases ----------------------------------------------------------------------------


def _next_reference() -> str:
    """The next case reference, from the locked counter every process shares (two cases started at
    the same moment never get the same number); the counter starts after the references made before
    it. Call inside the transaction that creates the case."""
    from gradepath.core.references import allocate_reference

    year = timezone.localdate().year
    prefix = f"GC-{year}-"

    def highest() -> int:
        last = GradingCase.objects.filter(reference__startswith=prefix).aggregate(m=Max("reference"))["m"]
        return int(last[len(prefix):]) if last and last[len(prefix):].isdigit() else 0

    return allocate_reference("grading-case", year, "GC-{year}-{number:04d}", seed=highest)


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


def _open_case_on(post: Post) -> GradingCase | None:
    return GradingCase.objects.filter(post=post).exclude(state__in=workflow.CLOSED_STATES).first()


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
        state__in=workflow.CLOSED_STATES).exists()
    if shared or in_use:
        return jd_services.copy_and_adapt(actor=None, version=baseline, org_unit=post.org_unit, for_post=post)
    return jd_services.start_new_draft(actor=None, version=baseline)


def start_agreed_route_case(*, actor, subject: Person) -> GradingCase:
    """Existing job, Agreed Route (4.2): starts with the three agreements."""
    return _start_existing(actor=actor, route=Route.AGREED, subject=subject)


def start_direct_route_case(*, actor, subject: Person) -> GradingCase:
    """Existing job, Direct Route (4.3): the staff member starts it."""
    return _start_existing(actor=actor, route=Route.DIRECT, subject=subject)


# --- The transition function -------------------------------------------------------------------


def perform_action(*, actor, case: GradingCase, action: str, step: int, data: dict[str, Any] | None = None,
                   idempotency_key: str | None = None) -> GradingCase:
    """Take one action on a case. ``step`` is the case step the user saw: if the case has moved
    on, StaleStateError (HTTP 409) and nothing changes.

    ``data`` is checked against the move's declared input fields (``Move.inputs``): an unknown
    field, a wrong type or a value out of its limits is refused with a message and changes nothing.
    Who acts, in which role and capacity, is always the server's finding, never the client's."""
    me = person_of(actor)
    if me is None:
        raise PermissionDenied("You need a staff record to act on grading cases.")
    move = workflow.MOVES_BY_ACTION.get(action) if isinstance(action, str) else None
    if move is None:
        raise ServiceError("That is not an action on grading cases.")
    if idempotency_key is not None and (not isinstance(idempotency_key, str) or len(idempotency_key) > 100
                                        or text_problem(idempotency_key) is not None):
        raise ServiceError("The request key must be text of at most 100 characters.")
    with transaction.atomic():
        case = lock(case)  # the history chain, then the case row (one lock order: core.locking)
        # Checked under the lock, so a repeat sent while the first request is still running waits for it.
        if idempotency_key and (done := CaseEvent.objects.filter(idempotency_key=idempotency_key).first()):
            if done.case_id != case.pk:
                raise ServiceError("That request key was already used for another case.")
            return case  # the same request again: one effect
        if case.step != step:
            raise StaleStateError(
                f"{case.reference} has moved on since you opened it (it is now: "
                f"{workflow.STATES.get(case.state, case.state).lower()}). Reload the page to see what happened."
            )
        if case.route not in move.routes or case.state not in move.sources:
            raise StaleStateError(
                f"“{move.label}” is not possible now: {case.reference} is "
                f"{workflow.STATES.get(case.state, case.state).lower()}."
            )
        acts = CaseActs.of(case)
        chosen = next((a for a in available_actions(case, actor, with_unmet=True, acts=acts)
                       if a.move.action == action), None)
        if chosen is None:
            raise PermissionDenied(_refusal(case, move, me, actor, acts))
        if (why := unmet_condition(case, move)) is not None:
            raise ServiceError(why)
        try:
            values = clean_input(move.inputs, data, what=f"“{move.label}”")
        except ValidationError as invalid:
            raise ServiceError(invalid.messages) from None
        reason = values.get("reason") or ""
        from_state = case.state
        target, summary = APPLY.get(action, _apply_nothing)(case, actor, me, move, values)
        target = target or move.target
        if move.once_per_role:
            done = _agreed_roles(case, action, acts) | {chosen.role}
            target = _AGREEMENT_NEXT[action] if done >= set(move.roles) else case.state
        if target == "hrbp_review" and from_state != "hrbp_review":
            _enter_hrbp_review(case)  # the complete submission reaches the HRBP now (it dates the regrade)
        case.state = target
        case.step += 1
        case.updated_at = timezone.now()
        if target in workflow.CLOSED_STATES and case.closed_at is None:
            case.closed_at = timezone.now()
        case.save()
        # What the client sent (checked), then what the server found: the role can never come from the client.
        record = {**_plain({k: v for k, v in values.items() if v is not None}), "role": chosen.role}
        CaseEvent.objects.create(case=case, step=step, action=action, actor=me, capacity=chosen.capacity,
                                 from_state=from_state, to_state=target, reason=reason,
                                 data=record, idempotency_key=idempotency_key)
        record_history(actor=actor, action=f"grading.{action}", obj=case, person_id=case.subject_id,
                       capacity=chosen.capacity if chosen.capacity not in ("staff member", "initiator") else "",
                       summary=f"{case.reference}: {summary or move.label}."
                               + (f" Reason: {reason}" if reason else ""))
        told = _refresh_tasks(case, stayed=target == from_state, actor=me, news=_news(case, move, me, reason),
                              news_to=frozenset(p.pk for p in _those_involved(case, me))
                              if move.action in workflow.TOLD_TO_THOSE_INVOLVED else frozenset())
        _notify_transition(case, move, me, from_state, reason, already_told=told)
    return case


_AGREEMENT_NEXT = {"agree_duties_changed": "jd_amendment", "agree_amended_jd": "hrbp_review"}


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in data.items():
        if key == "reason":
            continue
        if hasattr(value, "pk"):
            out[key] = value.pk
        elif isinstance(value, (dt.date, dt.datetime)):
            out[key] = value.isoformat()
        elif isinstance(value, (str, int, float, bool, list, dict)) or value is None:
            out[key] = value
    return out


# --- What each action does (besides moving the state) -------------------------------------------


def _apply_nothing(case, actor, me, move, data):
    return None, ""


def _grade_from(value, *, label: str = "grade") -> Grade:
    structure = GradeStructure.objects.in_force()
    grade = None
    if isinstance(value, Grade):
        grade = value
    elif value not in (None, ""):
        try:
            grade = Grade.objects.filter(structure=structure, number=int(value)).first()
        except (TypeError, ValueError):
            grade = None
    if grade is None:
        raise ServiceError(f"Choose the {label} (1 to 10).")
    return grade


def _set_recommendation(case: GradingCase, actor, data) -> None:
    """Recommended grade and matched agreed JD, and freeze the proposed JD version."""
    if data.get("recommended_grade") not in (None, ""):
        case.recommended_grade = _grade_from(data["recommended_grade"], label="recommended grade")
    if case.recommended_grade is None:
        raise ServiceError("Choose a recommended grade before submitting.")
    if data.get("matched_agreed"):
        case.matched_agreed = _agreed(data["matched_agreed"])
    version = case.proposed_version
    if version.status == JDVersion.Status.DRAFT:
        # The JD carries the case's recommended grade: one place for it (the editor does not set one).
        jd_services.submit_version(actor=None, version=version, grade=case.recommended_grade)


def _agreed(value) -> AgreedJD:
    if isinstance(value, AgreedJD):
        return value
    entry = AgreedJD.objects.filter(pk=value, is_current=True).first() if str(value).isdigit() else None
    if entry is None:
        raise ServiceError("Choose an agreed job description from the library.")
    return entry


def _apply_submit(case, actor, me, move, data):
    _set_recommendation(case, actor, data)
    return None, f"{move.label} (recommended {case.recommended_grade})"


def _reopen_draft(case: GradingCase) -> None:
    """A returned JD gets a new draft from the submitted one: every round is kept as a version."""
    if case.proposed_version.status != JDVersion.Status.DRAFT:
        case.proposed_version = jd_services.start_new_draft(actor=None, version=case.proposed_version)


def _apply_return(case, actor, me, move, data):
    _reopen_draft(case)
    return None, move.label


def _apply_return_to_submitter(case, actor, me, move, data):
    _reopen_draft(case)
    case.complete_submission_on = None  # it was not complete: the resubmission date counts
    target = {Route.NEW_JOB: "draft", Route.AGREED: "jd_amendment", Route.DIRECT: "staff_proposal"}[case.route]
    return target, "Returned to the submitter for more information"


def _enter_hrbp_review(case: GradingCase) -> None:
    if case.complete_submission_on is None:
        case.complete_submission_on = timezone.localdate()


def _apply_to_hrbp(case, actor, me, move, data):
    if data.get("matched_agreed"):
        case.matched_agreed = _agreed(data["matched_agreed"])
    if data.get("recommended_grade") not in (None, ""):
        case.recommended_grade = _grade_from(data["recommended_grade"], label="recommended grade")
    _enter_hrbp_review(case)
    return None, move.label


def _apply_agreement(case, actor, me, move, data):
    return None, move.label  # the third agreement moves the case on (perform_action, _AGREEMENT_NEXT)


def _apply_confirm_by_match(case, actor, me, move, data):
    if data.get("matched_agreed"):
        case.matched_agreed = _agreed(data["matched_agreed"])
    if case.matched_agreed is None:
        raise ServiceError("Choose the agreed job description the grade was checked against.")
    case.checked_grade = case.matched_agreed.grade
    return None, f"Grade checked against {case.matched_agreed.reference} ({case.matched_agreed.grade})"


def hera_grade(total: int) -> int:
    """The grade band a HERA total score falls into (policy setting)."""
    for grade, low, high in policy("HERA_BANDS"):
        if low <= total <= high:
            return grade
    raise ServiceError(f"A total score of {total} is outside every grade band.")


HERA_ELEMENTS = workflow.HERA_ELEMENTS  # the 14 elements (policy §5), declared with the move that takes them


def _apply_evaluation(case, actor, me, move, data):
    values = data["scores"]  # every element, whole numbers in range: checked against the move's inputs
    total = sum(values.values())
    grade = hera_grade(total)
    case.evaluation = {"scores": values, "levels": data.get("levels") or {}, "total": total, "grade": grade}
    case.checked_grade = _grade_from(grade)
    return None, f"HERA evaluation recorded: total {total}, grade {grade}"


def checked_grade(case: GradingCase) -> Grade | None:
    """The grade the HRBP's check gave (the matched agreed JD's grade, or the HERA band); before the check,
    the recommended grade."""
    return case.checked_grade or case.recommended_grade


def _is_new_grade(case: GradingCase) -> bool:
    grade = checked_grade(case)
    return grade is not None and case.current_grade is not None and grade.number != case.current_grade.number


def _after_fairness(case: GradingCase) -> str:
    """A new grade on the Direct Route is discussed with the line manager first (policy §4.3 step 8)."""
    return "manager_discussion" if case.route == Route.DIRECT and _is_new_grade(case) else "decision"


def _apply_fairness(case, actor, me, move, data):
    issue = data["fairness_issue"]
    assessment = data["assessment"]
    resolution = data.get("resolution") or ""
    case.fairness_issue, case.fairness_assessment, case.fairness_resolution = issue, assessment, resolution
    case.also_regraded.set(_posts_also_regraded(case, data.get("also_regrade") or []))
    if issue and not resolution:
        # Open while the HRBP assesses the other holders: the case waits here and HR Services cannot act.
        return "fairness_issue_open", "Fairness assessment recorded: a knock-on issue is open"
    return _after_fairness(case), "Fairness assessment recorded" + (" (issue resolved)" if issue else
                                                                      " (no knock-on issue)")


def _apply_resolve_fairness(case, actor, me, move, data):
    case.fairness_resolution = data["resolution"]
    if data.get("also_regrade") is not None:
        case.also_regraded.set(_posts_also_regraded(case, data["also_regrade"]))
    return _after_fairness(case), "Knock-on fairness issue resolved"


def posts_sharing_baseline(case: GradingCase):
    """Other posts holding the case's current JD version: the knock-on candidates of a regrade."""
    if case.baseline_version_id is None:
        return Post.objects.none()
    return (Post.objects.filter(jd_version_id=case.baseline_version_id).exclude(pk=case.post_id)
            .select_related("org_unit").order_by("post_number"))


def _posts_also_regraded(case: GradingCase, ids) -> list[Post]:
    """The other posts the HRBP regrades with this one; each must hold the same JD version and have
    no grading case of its own open."""
    if not isinstance(ids, (list, tuple)):
        raise ServiceError("Give the other posts as a list of post ids from the same JD version.")
    try:
        wanted = {int(i) for i in ids}
    except (TypeError, ValueError):
        raise ServiceError("Choose the other posts from the list of posts on the same JD version.") from None
    if not wanted:
        return []
    posts = list(posts_sharing_baseline(case).filter(pk__in=wanted))
    if len(posts) != len(wanted):
        raise ServiceError("Only other posts on the same JD version can be regraded with this one.")
    for post in posts:
        if (other := _open_case_on(post)) is not None:
            raise ServiceError(f"Post {post.post_number} has its own open grading case ({other.reference}): "
                               "it is decided there.")
    return posts


def _apply_decide(case, actor, me, move, data):
    outcome = data["outcome"]
    if case.route == Route.NEW_JOB and outcome in (Outcome.REALLOCATION, Outcome.NO_CHANGE):
        raise ServiceError("A new job is given a grade: choose grade confirmed or a different grade.")
    if outcome in (Outcome.REALLOCATION, Outcome.NO_CHANGE):
        case.decided_grade = case.current_grade
    else:
        case.decided_grade = _grade_from(data.get("grade") or checked_grade(case), label="decided grade")
    if case.current_grade is not None and outcome == Outcome.HIGHER_GRADE and \
            case.decided_grade.number <= case.current_grade.number:
        raise ServiceError(f"A higher grade must be above the current {case.current_grade}.")
    if case.current_grade is not None and outcome == Outcome.LOWER_GRADE and \
            case.decided_grade.number >= case.current_grade.number:
        raise ServiceError(f"A lower grade must be below the current {case.current_grade}.")
    check = case.checked_grade
    explained = data.get("grade_difference_reason") or ""
    differs = (check is not None and case.decided_grade is not None
               and outcome not in (Outcome.REALLOCATION, Outcome.NO_CHANGE) and case.decided_grade != check)
    if differs and not explained:
        source = (f"the matched agreed JD {case.matched_agreed.reference}" if case.matched_agreed_id
                  and case.matched_agreed.grade_id == check.pk else "the job evaluation")
        raise ServiceError(f"The decided grade ({case.decided_grade}) differs from the grade of {source} "
                           f"({check}): give the reason for the difference.")
    case.grade_difference_reason = explained if differs else ""
    case.outcome = outcome
    case.decided_at = timezone.now()
    if outcome == Outcome.REALLOCATION:
        _reopen_draft(case)  # the JD is adjusted (the reallocated duties taken out) before it is logged
    target = "logging" if outcome in (Outcome.REALLOCATION, Outcome.NO_CHANGE) else "hr_processing"
    if outcome == Outcome.GRADE_CONFIRMED and case.current_grade and case.decided_grade == case.current_grade:
        target = "logging"
    return target, f"Decision: {Outcome(outcome).label.lower()}, {case.decided_grade}"


def _apply_finance(case, actor, me, move, data):
    case.finance_approved_at = timezone.now()
    case.finance_approval_note = (data.get("reason") or "")[:300]
    return "hr_processing", "Finance approval recorded"


def _apply_process(case, actor, me, move, data):
    change = process_regrade(case, actor=actor, data=data)
    return None, change


def _apply_log_and_send(case, actor, me, move, data):
    log_and_send_jd(case, actor=actor)
    case.appeal_deadline = add_working_days(timezone.localdate(), policy("APPEAL_WORKING_DAYS"))
    return None, "Approved JD logged in the agreed JD library and sent to the job evaluation mailbox"


def _apply_lodge_appeal(case, actor, me, move, data):
    return None, "Appeal lodged"  # the window and "one appeal per case" are the move's conditions


def involved_people(case: GradingCase) -> set[int]:
    """Everyone involved in the case: no appeal panel member may be one of them."""
    ids = {case.subject_id, case.line_manager_id, case.initiator_id}
    ids |= set(case.events.values_list("actor_id", flat=True))
    for role in ("fm_hps", "head", "hrbp"):
        if (holder := nearest_holder(case.org_unit, role)) is not None:
            ids.add(holder.pk)
    return {i for i in ids if i is not None}


def _apply_convene_panel(case, actor, me, move, data):
    ids = data.get("panel") or []
    people = list(Person.objects.filter(pk__in=ids, is_active=True).order_by("last_name", "first_name"))
    if len(people) != len(ids):
        raise ServiceError("Some of the people chosen for the panel were not found or have left: choose again.")
    if len(people) < 2:
        raise ServiceError("An appeal panel needs at least two members.")
    involved = involved_people(case) | {me.pk}
    clash = [p for p in people if p.pk in involved]
    if clash:
        raise ServiceError(f"{', '.join(str(p) for p in clash)} took part in this case and cannot sit on its panel.")
    case.panel.all().delete()
    AppealPanelMember.objects.bulk_create([AppealPanelMember(case=case, person=p) for p in people])
    return None, f"Appeal panel convened: {', '.join(str(p) for p in people)}"


def _apply_uphold(case, actor, me, move, data):
    case.decided_grade = _grade_from(data.get("grade"), label="grade decided on appeal")
    case.outcome = (Outcome.HIGHER_GRADE if case.current_grade and case.decided_grade.number > case.current_grade.number
                    else Outcome.GRADE_CONFIRMED)
    case.decided_at = timezone.now()
    case.effective_date = None
    return None, f"Appeal upheld: {case.decided_grade}"


APPLY = {
    "submit_for_approval": _apply_submit,
    "submit_amended_jd": _apply_submit,
    "submit_proposal": _apply_submit,
    "return_to_manager": _apply_return,
    "return_for_amendment": _apply_return,
    "return_to_staff": _apply_return,
    "return_to_submitter": _apply_return_to_submitter,
    "approve": _apply_to_hrbp,
    "record_grade_agreement": _apply_to_hrbp,
    "submit_to_hrbp": _apply_to_hrbp,
    "agree_duties_changed": _apply_agreement,
    "agree_amended_jd": _apply_agreement,
    "confirm_by_match": _apply_confirm_by_match,
    "record_evaluation": _apply_evaluation,
    "record_fairness": _apply_fairness,
    "resolve_fairness_issue": _apply_resolve_fairness,
    "decide": _apply_decide,
    "record_finance_approval": _apply_finance,
    "process": _apply_process,
    "log_and_send": _apply_log_and_send,
    "lodge_appeal": _apply_lodge_appeal,
    "convene_panel": _apply_convene_panel,
    "uphold_appeal": _apply_uphold,
}


# --- HR Services processing -------------------------------------------------------------------


# The rules a university may choose for the date a regrade takes effect (setting EFFECTIVE_DATE_RULE,
# policy §4.4): each gives the date from the case, and the words that explain it on the page.
EFFECTIVE_DATE_RULES = {
    "first_of_next_month": (
        lambda case: first_of_next_month(case.complete_submission_on or timezone.localdate()),
        "the 1st of the month after the complete application reached the HRBP"),
    "complete_submission": (
        lambda case: case.complete_submission_on or timezone.localdate(),
        "the day the complete application reached the HRBP"),
    "first_of_month_after_decision": (
        lambda case: first_of_next_month(timezone.localdate(case.decided_at) if case.decided_at
                                         else timezone.localdate()),
        "the 1st of the month after the decision"),
}


def _effective_date_rule():
    rule = policy("EFFECTIVE_DATE_RULE")
    if rule not in EFFECTIVE_DATE_RULES:
        raise ImproperlyConfigured(f"GRADEPATH_GRADING['EFFECTIVE_DATE_RULE'] is {rule!r}: use one of "
                                   f"{', '.join(EFFECTIVE_DATE_RULES)}.")
    return EFFECTIVE_DATE_RULES[rule]


def effective_date_for(case: GradingCase) -> dt.date:
    """The date a regrade takes effect by the policy setting (default: the 1st of the month after the
    complete submission); HR Services may record another."""
    return _effective_date_rule()[0](case)


def effective_date_rule_words() -> str:
    return _effective_date_rule()[1]


def new_spine_point(*, current_point: int | None, new_grade: Grade) -> int:
    """The bottom of the new grade or two points up from the current point, whichever is higher,
    never above the top of the new grade's automatic zone."""
    if current_point is None:
        return new_grade.bottom_point
    up = current_point + policy("POINTS_UP_ON_REGRADE")
    return min(max(new_grade.bottom_point, up), new_grade.top_automatic_point)


def process_regrade(case: GradingCase, *, actor, data: dict[str, Any]) -> str:
    """Carry out the decision: pay history, the post's grade and JD version, in this transaction."""
    grade = case.decided_grade
    if grade is None:
        raise ServiceError("There is no decided grade to process.")
    effective = data.get("effective_date") or effective_date_for(case)
    if isinstance(effective, str):
        try:
            effective = dt.date.fromisoformat(effective)
        except ValueError:
            raise ServiceError("The effective date must be a date (YYYY-MM-DD).") from None
    case.effective_date = effective
    case.allowances_stopped = (data.get("allowances_stopped") or "").strip()
    protect = bool(data.get("pay_protection"))
    summary = f"Processed from {effective:%d %b %Y}: {grade}"
    if case.subject is not None:
        point, case.pay_protected = _regrade_pay(case, case.subject, case.post, grade, effective, protect, actor)
        case.new_spine_point = point
        summary += f", spine point {point}"
    if case.post is not None:
        from gradepath.people.services import change_post_grade, update_post

        version = case.proposed_version
        if version.status == JDVersion.Status.DRAFT:
            jd_services.submit_version(actor=None, version=version)
        # The approved JD is the post's from now; the grade from the effective date (policy §3.4).
        reason = PostGrade.Reason.APPEAL if case.events.filter(action="uphold_appeal").exists() \
            else PostGrade.Reason.REGRADE
        update_post(actor=None, post=case.post, changes={"jd_version": version})
        change_post_grade(actor=None, post=case.post, grade=grade, effective_from=effective, reason=reason,
                          source=case.reference, jd_version=version)
        others = list(case.also_regraded.order_by("post_number"))
        for post in others:  # the knock-on regrades the HRBP recorded at the fairness step
            for appointment in Appointment.objects.current(effective).filter(
                    post=post, kind=Appointment.Kind.SUBSTANTIVE).select_related("person"):
                point, _ = _regrade_pay(case, appointment.person, post, grade, effective, protect, actor)
                # They did not ask: tell them (their own record, not the other person's case).
                notify(recipient=appointment.person, subject=f"Your post {post.post_number} is regraded to {grade}",
                       body=f"Your post {post.post_number} ({post.title}) shares its job description with a post "
                            f"that was regraded, and your HR Business Partner included yours: from "
                            f"{effective:%d %b %Y} it is {grade}, spine point {point}, with the approved job "
                            f"description. Ask your line manager or HR Business Partner if you have questions.",
                       link=reverse("people:person-detail", args=[appointment.person.pk]))
            update_post(actor=None, post=post, changes={"jd_version": version})
            change_post_grade(actor=None, post=post, grade=grade, effective_from=effective, reason=reason,
                              source=case.reference, jd_version=version)
        if others:
            summary += f"; also post{'s' if len(others) > 1 else ''} " + ", ".join(p.post_number for p in others)
    return summary


def _regrade_pay(case: GradingCase, person: Person, post: Post | None, grade: Grade, effective: dt.date,
                 protect: bool, actor) -> tuple[int, bool]:
    """One holder's new pay record: the policy spine point, never a pay cut without pay protection."""
    current = PayRecord.objects.filter(person=person, effective_from__lte=effective).order_by(
        "-effective_from", "-id").first()
    point = new_spine_point(current_point=current.spine_point if current else None, new_grade=grade)
    protected = False
    if current is not None and point < current.spine_point:
        if not protect:
            who = "" if person.pk == case.subject_id else f" for {person}"
            raise ServiceError(
                f"Spine point {point} is below the current point {current.spine_point}{who}: that is a pay cut. "
                "Record pay protection to keep the current point."
            )
        point, protected = current.spine_point, True  # the current point is kept, whatever the new grade's range
    PayRecord.objects.create(person=person, grade=grade, spine_point=point, effective_from=effective,
                             reason=PayRecord.Reason.REGRADE, post=post,
                             note=case.reference + (" (pay protected)" if protected else ""), recorded_by=actor)
    return point, protected


def log_and_send_jd(case: GradingCase, *, actor) -> None:
    """Log the approved JD in the agreed JD library and send it to the job evaluation mailbox."""
    from gradepath.jobs.pdf import version_pdf, version_pdf_filename
    from gradepath.jobs.word import DOCX_CONTENT_TYPE, version_docx, version_filename

    version = case.proposed_version
    if case.outcome == Outcome.NO_CHANGE:
        return
    if version.status == JDVersion.Status.DRAFT:
        jd_services.submit_version(actor=None, version=version)
        version.refresh_from_db()
    grade = case.decided_grade or checked_grade(case)
    if version.status == JDVersion.Status.SUBMITTED:
        entry = jd_services.log_agreed_jd(actor=None, version=version, grade=grade)
        logged = f"It is logged in the agreed JD library as {entry.reference}."
    elif (entry := AgreedJD.objects.filter(version=version).first()) is not None and entry.grade_id != grade.pk:
        # Logged before an appeal that was upheld at another grade: the library says the grade finally decided.
        jd_services.record_final_grade(actor=actor, entry=entry, grade=grade,
                                       reason=f"the appeal on {case.reference} was upheld at {grade}")
        logged = (f"Its entry {entry.reference} in the agreed JD library now states {grade}, the grade decided on "
                  "appeal.")
    else:
        logged = "It was already in the agreed JD library."
    version.refresh_from_db()  # as logged: agreed, at the grade the library states (for its Word and PDF)
    if case.post is not None and case.post.jd_version_id != version.pk:
        # No HR processing (reallocation, or the same grade confirmed): the post still gets its approved JD,
        # and with the same grade confirmed so do the other posts the HRBP included at the fairness step.
        from gradepath.people.services import update_post

        update_post(actor=None, post=case.post, changes={"jd_version": version})
        if case.outcome == Outcome.GRADE_CONFIRMED:
            for post in case.also_regraded.exclude(jd_version=version):
                update_post(actor=None, post=post, changes={"jd_version": version})
    send_email(
        to_address=policy("JOB_EVALUATION_MAILBOX"),
        subject=f"[Gradepath] Approved JD: {version.job_title} ({grade}) – {case.reference}",
        body=(f"The approved job description for {version.job_title}, {case.org_unit}, at {grade}, from grading "
              f"case {case.reference} ({case.get_route_display()}).\n{logged}\n\n"
              f"Open the case: {settings.SITE_URL}/grading/{case.pk}/\n"),
        attachments=[(version_filename(version), DOCX_CONTENT_TYPE, version_docx(version)),
                     (version_pdf_filename(version), "application/pdf", version_pdf(version))],
    )


# --- Tasks and notifications ---------------------------------------------------------------------


def due_date_for(state: str, start: dt.date | None = None) -> dt.date:
    targets = policy("STEP_TARGETS")
    return add_working_days(start or timezone.localdate(), targets.get(state, targets["default"]))


def people_for_role(case: GradingCase, role: str,
                    excluding: set[int] | frozenset[int] = frozenset()) -> list[tuple[Person | None, str]]:
    """Who must act in ``role`` now, with the capacity in words: delegation resolved today (an active
    delegate takes the task); people in ``excluding`` (see :func:`ineligible`) never, the FM/HPS or HRBP
    role then passing to a delegate or the holder above."""
    if role == "staff_member":
        return [(case.subject, "staff member")] if case.subject and case.subject_id not in excluding else []
    if role == "line_manager":
        return ([(case.line_manager, "line manager")] if case.line_manager
                and case.line_manager_id not in excluding else [])
    if role == "initiator":
        return []
    if role in ("fm_hps", "hrbp"):
        candidates = eligible_holders(case.org_unit, role, subject=case.subject, excluding=excluding)
        if not candidates:
            return []  # nobody acts on their own case, not even through a delegate
        person, capacity = next(((p, c) for p, c in candidates if c.delegate_of is not None), candidates[0])
        plain = capacity.delegate_of is None and capacity.instead_of is None
        return [(person, "" if plain else str(capacity))]
    if role == "hr_services":
        return [(None, "HR Services")]
    if role == "panel":
        return [(m.person, "appeal panel member") for m in case.panel.select_related("person")
                if m.person_id not in excluding]
    return []


def _day(date: dt.date) -> str:
    return f"{date.day} {date:%b %Y}"


def task_key(task: CaseTask) -> str:
    """The key of a task's "waiting for you" message: it goes when the task does."""
    return f"grading.task:{task.pk}"


def _role_moves(case: GradingCase, role: str) -> list[str]:
    """What a person in ``role`` can do now, as words: "approve the JD … or return to the manager"."""
    labels = [m.label[:1].lower() + m.label[1:] for m in workflow.moves_from(case.route, case.state)
              if role in m.roles and m.style != "danger" and unmet_condition(case, m) is None]
    return labels


def _refresh_tasks(case: GradingCase, *, stayed: bool = False, actor: Person | None = None,
                   news: str = "", news_to: frozenset[int] = frozenset()) -> set[int]:
    """Make the open tasks match who must act now, and tell each new assignee.

    A task still needed when the case stays in its state (an agreement recorded, a finance approval)
    stays as it is, due date included; every other open task is completed and its "waiting for you"
    message withdrawn, so a message never outlives its task. One task (and one message) per person and
    role. ``news`` (what just happened) opens the message of the people in ``news_to``; returns who got it."""
    now = timezone.now()
    wanted: list[tuple[Person | None, str, str]] = []
    if case.state not in workflow.CLOSED_STATES:
        acts = CaseActs.of(case)
        seen: set[tuple[int | None, str]] = set()
        moves = workflow.moves_from(case.route, case.state)
        # Someone who has given their agreement here has nothing left to do in this round (they may still
        # return the JD, but that is no task of theirs).
        agreed = {actor for m in moves if m.once_per_role for actor, _ in acts.this_round(m.action) if actor}
        for move in moves:
            if move.action in ("withdraw",) or move.style == "danger" or unmet_condition(case, move) is not None:
                continue
            done = _agreed_roles(case, move.action, acts) if move.once_per_role else set()
            barred = ineligible(move, acts)
            for role in move.roles:
                if role in done:
                    continue
                for person, capacity in people_for_role(case, role, barred):
                    key = (person.pk if person else None, role)
                    if person is not None and person.pk in agreed:
                        continue
                    if key not in seen:
                        seen.add(key)
                        wanted.append((person, role, capacity))
                if not move.once_per_role:
                    break
    open_tasks = list(case.tasks.filter(completed_at__isnull=True))
    kept: dict[tuple[int | None, str], CaseTask] = {}
    if stayed:
        wanted_keys = {(p.pk if p else None, role) for p, role, _ in wanted}
        kept = {(t.assignee_id, t.role): t for t in open_tasks if (t.assignee_id, t.role) in wanted_keys}
    finished = [t for t in open_tasks if t not in kept.values()]
    if finished:
        CaseTask.objects.filter(pk__in=[t.pk for t in finished]).update(completed_at=now)
        withdraw_notifications(keys=[task_key(t) for t in finished])
    told: set[int] = set()
    if not wanted:
        return told
    due = due_date_for(case.state)
    link = f"/grading/{case.pk}/"
    for person, role, capacity in wanted:
        if (person.pk if person else None, role) in kept:
            continue
        task = CaseTask.objects.create(case=case, step=case.step, assignee=person, role=role, capacity=capacity,
                                       description=f"{workflow.STATES[case.state]}: {case.reference} {case.title}",
                                       due_date=due)
        if person is None or (actor is not None and person.pk == actor.pk):
            continue  # the HR Services queue is on their case list; nobody is told about their own move
        can = _role_moves(case, role)
        acting = capacity or workflow.ROLE_LABELS.get(role, role).lower()
        opening = news + " " if news and person.pk in news_to else ""
        if opening:
            told.add(person.pk)
        notify(recipient=person, key=task_key(task), link=link,
               subject=f"{case.reference} {case.title}: waiting for you by {_day(due)}",
               body=f"{opening}Grading case {case.reference} ({case.title}) is at the step "
                    f"“{workflow.STATES[case.state]}”. As {acting}, you can {' or '.join(can) if can else 'act on it'}."
                    f" Please act by {_day(due)}.")
    return told


def what_next(case: GradingCase) -> str:
    """Who acts next and by when, in a sentence ("" when nobody has to)."""
    if case.state in workflow.CLOSED_STATES:
        return ""
    tasks = list(case.tasks.filter(completed_at__isnull=True).select_related("assignee").order_by("due_date", "id"))
    if not tasks:
        return f"{case.reference} is now at the step “{workflow.STATES[case.state]}”."
    who = ", ".join(t.assignee.full_name + (f" ({t.capacity})" if t.capacity and t.capacity != "line manager"
                                            and not t.capacity.startswith("staff") else "")
                    if t.assignee else "HR Services" for t in tasks)
    return (f"{case.reference} is now at the step “{workflow.STATES[case.state]}”, waiting for {who}, "
            f"by {_day(tasks[0].due_date)}.")


def _news(case: GradingCase, move: workflow.Move, actor: Person, reason: str) -> str:
    """What the people involved are told about ``move`` (a sentence written for them, with the reason)."""
    news = workflow.SENTENCES[move.action][1].format(actor=actor.full_name, title=case.title)
    return news + (f" The reason given: “{reason}”." if reason else "")


def _those_involved(case: GradingCase, actor: Person) -> set[Person]:
    return {case.subject, case.line_manager, case.initiator} - {None, actor}


def _notify_transition(case: GradingCase, move: workflow.Move, actor: Person, from_state: str, reason: str,
                       *, already_told: set[int] = frozenset()) -> None:
    """Tell the people involved what happened, in sentences written for them (workflow.SENTENCES); those with a
    new task were told in its message (``already_told``)."""
    link = f"/grading/{case.pk}/"
    if case.state in ("fm_approval", "fm_brokering") and case.state != from_state:
        head = nearest_holder(case.org_unit, "head")
        if head is not None and head.pk not in (actor.pk, case.subject_id):
            notify(recipient=head, link=link,
                   subject=f"For information: {case.reference} {case.title} went to the FM/HPS",
                   body=f"You are copied for information as {case.org_unit.head_title}: the JD of {case.title} "
                        f"({case.reference}) and its recommended grade went to the FM/HPS for approval. "
                        "Nothing is needed from you.")
    if move.action in workflow.TELLS_THE_OUTCOME:
        _tell_outcome(case, move, actor)
        return
    if move.action not in workflow.TOLD_TO_THOSE_INVOLVED:
        return
    news = _news(case, move, actor, reason)
    headline = workflow.SENTENCES[move.action][1].format(actor=actor.full_name, title=case.title).split(". ")[0]
    for person in _those_involved(case, actor):
        if person.pk not in already_told:
            notify(recipient=person, link=link, subject=f"{case.reference}: {headline}"[:200],
                   body=f"{news} {what_next(case)}".rstrip())


def _appeal_words(case: GradingCase) -> str:
    if case.events.filter(action="lodge_appeal").exists():
        return "The appeal has been heard: its outcome is final."
    if case.appeal_deadline is not None:
        return (f"If you disagree, you or your line manager can appeal until {_day(case.appeal_deadline)}, giving "
                "your grounds: open the case and choose “Appeal against the decision”.")
    return (f"If you disagree, you or your line manager can appeal within {policy('APPEAL_WORKING_DAYS')} working "
            "days of the case closing, giving your grounds; you will be told the last day when it closes.")


def _tell_outcome(case: GradingCase, move: workflow.Move, actor: Person) -> None:
    """The staff member and line manager (and whoever asked for a new job) are told the outcome in plain words:
    the grade, when it takes effect, and how and by when to appeal (policy §4.1 step 6)."""
    link = f"/grading/{case.pk}/"
    grade, title, ref = case.decided_grade, case.title, case.reference
    outcome = case.outcome
    stays = outcome in (Outcome.REALLOCATION, Outcome.NO_CHANGE) or (
        outcome == Outcome.GRADE_CONFIRMED and case.current_grade is not None and grade == case.current_grade)
    when = case.effective_date or (None if stays or grade is None else effective_date_for(case))
    if move.action == "decide":
        if outcome == Outcome.REALLOCATION:
            said = (f"The HR Business Partner decided that {title} stays at {grade}: the additional duties are to be "
                    "reallocated rather than the job regraded. The JD is adjusted and logged next.")
        elif outcome == Outcome.NO_CHANGE:
            said = f"The HR Business Partner decided that there is no change: {title} stays at {grade}."
        elif stays:
            said = f"The HR Business Partner confirmed the grade of {title}: {grade}, as now. Pay does not change."
        else:
            said = (f"The HR Business Partner decided the grade of {title}: {grade} ({Outcome(outcome).label.lower()})."
                    f" HR Services process it next; by the policy it takes effect from {_day(when)}, and HR "
                    "Services confirm the date.")
        if case.grade_difference_reason:
            said += f" Why it differs from the grade the check gave: “{case.grade_difference_reason}”."
        subject = f"{ref} {title}: decided at {grade}"
    elif move.action == "process":
        said = f"HR Services processed the change to {title}: {grade} from {_day(case.effective_date)}."
        subject = f"{ref} {title}: {grade} from {_day(case.effective_date)}"
    elif move.action == "log_and_send":
        said = f"The grading case for {title} is closed. The decision: {grade}" + (
            f", from {_day(when)}." if when and not stays else ".")
        subject = f"{ref} {title}: closed, {grade}"
    elif move.action == "uphold_appeal":
        said = (f"The appeal panel upheld the appeal: {title} is graded {grade}. HR Services process it next and "
                "you will be told the date it takes effect.")
        subject = f"{ref} {title}: appeal upheld, {grade}"
    else:  # dismiss_appeal
        said = f"The appeal panel dismissed the appeal: the decision stands, {title} stays at {grade}."
        subject = f"{ref} {title}: appeal dismissed"
    if move.action in ("decide", "log_and_send", "dismiss_appeal", "uphold_appeal"):
        said += " " + _appeal_words(case)
    for person in {case.subject, case.line_manager, case.initiator} - {None, actor}:
        body = said
        if move.action == "process" and person.pk == case.subject_id and case.new_spine_point:
            body += f" Your spine point from then: {case.new_spine_point}" + (
                " (pay protected)." if case.pay_protected else ".")
        notify(recipient=person, link=link, subject=subject[:200], body=body)


# --- Reads used by pages and the API -------------------------------------------------------------


def visible_cases(user):
    """Cases a user may see: their own, their reports', their units' (FM/HPS, HoD, HRBP or
    delegate), HR's, panel members', and those they started or acted on."""
    from gradepath.people.permissions import sees_everyone
    from gradepath.people.relations import report_ids, scope_unit_ids, subtree_q

    if not user or not user.is_authenticated:
        return GradingCase.objects.none()
    if sees_everyone(user):
        return GradingCase.objects.all()
    me = person_of(user)
    if me is None:
        return GradingCase.objects.none()
    allowed = Q(subject=me) | Q(initiator=me) | Q(line_manager=me) | Q(panel__person=me) | Q(tasks__assignee=me)
    if reports := report_ids(me):
        allowed |= Q(subject_id__in=reports)
    if units := scope_unit_ids(me):
        allowed |= Q(org_unit__in=OrgUnit.objects.filter(subtree_q(units)))
    return GradingCase.objects.filter(pk__in=GradingCase.objects.filter(allowed).values("pk"))


def get_case_for_user(user, pk) -> GradingCase:
    """The access gate for grading cases: strangers get 404."""
    from django.http import Http404

    try:
        return visible_cases(user).select_related(
            "org_unit", "post", "subject", "line_manager", "initiator", "jd", "proposed_version__jd",
            "proposed_version__grade", "baseline_version__jd", "baseline_version__grade", "checked_grade",
            "current_grade", "recommended_grade", "decided_grade", "matched_agreed__version").get(pk=pk)
    except (GradingCase.DoesNotExist, ValueError, TypeError):
        raise Http404("No such grading case.") from None


def can_see_confidential(user, case: GradingCase) -> bool:
    """Confidential HR notes: HR and the unit's HRBP, never the staff member."""
    me = person_of(user)
    if me is not None and me.pk == case.subject_id:
        return False
    return roles.in_group(user, roles.HR_BUSINESS_PARTNER, roles.HR_SERVICES, roles.ADMINISTRATOR)
