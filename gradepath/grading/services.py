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
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone

from gradepath.core.errors import PermissionDenied, ServiceError, StaleStateError
from gradepath.core.history import record_history
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
from gradepath.notifications.services import notify, send_email
from gradepath.people import roles
from gradepath.people.models import Appointment, Delegation, OrgUnit, Person, Post
from gradepath.people.relations import acting_capacity, nearest_holder, person_of


def policy(name: str) -> Any:
    return settings.GRADEPATH_GRADING[name]


# --- Who may act ------------------------------------------------------------------------------


def role_capacity(case: GradingCase, person: Person | None, user, role: str) -> str | None:
    """The capacity in which ``person`` holds ``role`` on ``case`` today, or None.

    Nobody holds an approving role on a case about themselves; a delegate never acts on a
    case about themselves or about the person they stand in for.
    """
    if person is None:
        return None
    is_subject = case.subject_id is not None and person.pk == case.subject_id
    if role == "staff_member":
        return "staff member" if is_subject else None
    if role == "initiator":
        return "initiator" if person.pk == case.initiator_id else None
    if is_subject:
        return None
    if role == "line_manager":
        return "line manager" if person.pk == case.line_manager_id else None
    if role in ("fm_hps", "hrbp"):
        capacity = acting_capacity(person, case.org_unit, role, subject=case.subject)
        return str(capacity) if capacity is not None else None
    if role == "hr_services":
        return "HR Services" if roles.in_group(user, roles.HR_SERVICES) else None
    if role == "panel":
        return "appeal panel member" if case.panel.filter(person=person).exists() else None
    return None


def _agreed_roles(case: GradingCase, action: str) -> set[str]:
    """Roles that already recorded ``action`` since the case entered its current state."""
    entered = (case.events.filter(to_state=case.state).exclude(from_state=case.state)
               .aggregate(m=Max("step"))["m"])
    events = case.events.filter(action=action)
    if entered is not None:
        events = events.filter(step__gt=entered)
    return {e.data.get("role") for e in events}


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


def available_actions(case: GradingCase, user, *, with_unmet: bool = False) -> list[AvailableAction]:
    """The buttons this user sees on this case now (the template never decides).

    ``with_unmet`` also lists moves the user's role allows whose conditions do not hold (so the
    transition can say why instead of "you cannot")."""
    person = person_of(user)
    if person is None or case.state in ("withdrawn", "not_agreed"):
        return []
    found: list[AvailableAction] = []
    for move in workflow.moves_from(case.route, case.state):
        if not with_unmet and unmet_condition(case, move) is not None:
            continue
        done = _agreed_roles(case, move.action) if move.once_per_role else set()
        for role in move.roles:
            if role in done:
                continue
            capacity = role_capacity(case, person, user, role)
            if capacity is not None:
                found.append(AvailableAction(move, role, capacity))
                break
    return found


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
            _refresh_tasks(case)
    except IntegrityError:
        raise ServiceError("This post already has an open grading case.") from None
    return case


def start_new_job_case(*, actor, jd_version: JDVersion, org_unit: OrgUnit | None = None,
                       grant_funded: bool = False, funding_source: str = "") -> GradingCase:
    """A manager starts grading a new job from its JD draft (4.1 steps 1–2); the funding of the new
    post is given here (a grant-funded post needs a finance approval before HR Services completes)."""
    if grant_funded and not funding_source.strip():
        raise ServiceError("Name the grant that funds the new post.")
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
    on, StaleStateError (HTTP 409) and nothing changes."""
    data = dict(data or {})
    me = person_of(actor)
    if me is None:
        raise PermissionDenied("You need a staff record to act on grading cases.")
    move = workflow.MOVES_BY_ACTION.get(action)
    if move is None:
        raise ServiceError("That is not an action on grading cases.")
    with transaction.atomic():
        case = GradingCase.objects.select_for_update().get(pk=case.pk)
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
        chosen = next((a for a in available_actions(case, actor, with_unmet=True) if a.move.action == action), None)
        if chosen is None:
            raise PermissionDenied(f"You cannot “{move.label.lower()}” on {case.reference}.")
        if (why := unmet_condition(case, move)) is not None:
            raise ServiceError(why)
        reason = (data.get("reason") or "").strip()
        if "reason" in move.requires and not reason:
            raise ServiceError("Give a reason: it is kept with the case and shown to the people involved.")
        from_state = case.state
        target, summary = APPLY.get(action, _apply_nothing)(case, actor, me, move, data)
        target = target or move.target
        if move.once_per_role:
            done = _agreed_roles(case, action) | {chosen.role}
            target = _AGREEMENT_NEXT[action] if done >= set(move.roles) else case.state
        case.state = target
        case.step += 1
        case.updated_at = timezone.now()
        if target in workflow.CLOSED_STATES and case.closed_at is None:
            case.closed_at = timezone.now()
        case.save()
        CaseEvent.objects.create(case=case, step=step, action=action, actor=me, capacity=chosen.capacity,
                                 from_state=from_state, to_state=target, reason=reason,
                                 data={"role": chosen.role, **_plain(data)}, idempotency_key=idempotency_key)
        record_history(actor=actor, action=f"grading.{action}", obj=case, person_id=case.subject_id,
                       capacity=chosen.capacity if chosen.capacity not in ("staff member", "initiator") else "",
                       summary=f"{case.reference}: {summary or move.label}."
                               + (f" Reason: {reason}" if reason else ""))
        _refresh_tasks(case)
        _notify_transition(case, move, me, from_state, reason)
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
        jd_services.submit_version(actor=None, version=version)


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
    if move.action == "agree_amended_jd":
        _enter_hrbp_review(case)
    return None, move.label


def _apply_confirm_by_match(case, actor, me, move, data):
    if data.get("matched_agreed"):
        case.matched_agreed = _agreed(data["matched_agreed"])
    if case.matched_agreed is None:
        raise ServiceError("Choose the agreed job description the grade was checked against.")
    return None, f"Grade checked against {case.matched_agreed.reference} ({case.matched_agreed.grade})"


def hera_grade(total: int) -> int:
    """The grade band a HERA total score falls into (policy setting)."""
    for grade, low, high in policy("HERA_BANDS"):
        if low <= total <= high:
            return grade
    raise ServiceError(f"A total score of {total} is outside every grade band.")


HERA_ELEMENTS = [
    "communication", "teamwork and motivation", "liaison and networking", "service delivery",
    "decision making processes and outcomes", "planning and organising resources", "initiative and problem solving",
    "analysis and research", "sensory and physical demands", "work environment", "pastoral care and welfare",
    "team development", "teaching and learning support", "knowledge and experience",
]


def _apply_evaluation(case, actor, me, move, data):
    scores = data.get("scores") or {}
    if not isinstance(scores, dict) or set(scores) != set(HERA_ELEMENTS):
        raise ServiceError("Enter the score of each of the 14 HERA elements.")
    try:
        values = {k: int(v) for k, v in scores.items()}
    except (TypeError, ValueError):
        raise ServiceError("Each element score must be a whole number.") from None
    if any(v < 0 for v in values.values()):
        raise ServiceError("Element scores cannot be negative.")
    total = sum(values.values())
    grade = hera_grade(total)
    case.evaluation = {"scores": values, "levels": data.get("levels") or {}, "total": total, "grade": grade}
    case.recommended_grade = _grade_from(grade)
    return None, f"HERA evaluation recorded: total {total}, grade {grade}"


def _apply_fairness(case, actor, me, move, data):
    issue = data.get("fairness_issue")
    if issue not in (True, False):
        raise ServiceError("Say whether there is a knock-on fairness issue for other post holders.")
    assessment = (data.get("assessment") or "").strip()
    if not assessment:
        raise ServiceError("Record the fairness assessment: the impact on other holders of this and similar JDs.")
    resolution = (data.get("resolution") or "").strip()
    if issue and not resolution:
        raise ServiceError("There is a knock-on fairness issue: record how it was resolved before the case goes on.")
    case.fairness_issue, case.fairness_assessment, case.fairness_resolution = issue, assessment, resolution
    also = _posts_also_regraded(case, data.get("also_regrade") or [])
    case.also_regraded.set(also)
    new_grade = (case.recommended_grade is not None and case.current_grade is not None
                 and case.recommended_grade.number != case.current_grade.number)
    target = "manager_discussion" if case.route == Route.DIRECT and new_grade else "decision"
    return target, "Fairness assessment recorded" + (" (issue resolved)" if issue else " (no knock-on issue)")


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
    outcome = data.get("outcome")
    if outcome not in Outcome.values:
        raise ServiceError("Choose the outcome.")
    if case.route == Route.NEW_JOB and outcome in (Outcome.REALLOCATION, Outcome.NO_CHANGE):
        raise ServiceError("A new job is given a grade: choose grade confirmed or a different grade.")
    if outcome in (Outcome.REALLOCATION, Outcome.NO_CHANGE):
        case.decided_grade = case.current_grade
    else:
        case.decided_grade = _grade_from(data.get("grade") or case.recommended_grade, label="decided grade")
    if case.current_grade is not None and outcome == Outcome.HIGHER_GRADE and \
            case.decided_grade.number <= case.current_grade.number:
        raise ServiceError(f"A higher grade must be above the current {case.current_grade}.")
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
    people = list(Person.objects.filter(pk__in=[int(i) for i in ids if str(i).isdigit()], is_active=True))
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
    "decide": _apply_decide,
    "record_finance_approval": _apply_finance,
    "process": _apply_process,
    "log_and_send": _apply_log_and_send,
    "lodge_appeal": _apply_lodge_appeal,
    "convene_panel": _apply_convene_panel,
    "uphold_appeal": _apply_uphold,
}


# --- HR Services processing -------------------------------------------------------------------


def effective_date_for(case: GradingCase) -> dt.date:
    """Policy default: the 1st of the month after the complete submission."""
    submitted = case.complete_submission_on or timezone.localdate()
    return first_of_next_month(submitted)


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
        from gradepath.people.services import update_post

        version = case.proposed_version
        if version.status == JDVersion.Status.DRAFT:
            jd_services.submit_version(actor=None, version=version)
        update_post(actor=None, post=case.post, changes={"grade": grade, "jd_version": version})
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
            update_post(actor=None, post=post, changes={"grade": grade, "jd_version": version})
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
    grade = case.decided_grade or case.recommended_grade
    if version.status == JDVersion.Status.SUBMITTED:
        entry = jd_services.log_agreed_jd(actor=None, version=version, grade=grade)
        logged = f"It is logged in the agreed JD library as {entry.reference}."
    else:
        logged = "It was already in the agreed JD library."
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


def people_for_role(case: GradingCase, role: str) -> list[tuple[Person | None, str]]:
    """Who must act in ``role`` now: delegation resolved today (an active delegate takes the task)."""
    if role == "staff_member":
        return [(case.subject, "staff member")] if case.subject else []
    if role == "line_manager":
        return [(case.line_manager, "line manager")] if case.line_manager else []
    if role == "initiator":
        return []
    if role in ("fm_hps", "hrbp"):
        holder = nearest_holder(case.org_unit, role)
        if holder is None or holder.pk == case.subject_id:
            return []  # nobody acts on their own case, not even through a delegate
        delegation = (Delegation.objects.active()
                      .filter(delegator=holder, role=role, org_unit_id__in=case.org_unit.ancestor_ids or [case.org_unit.pk])
                      .exclude(delegate_id=case.subject_id).select_related("delegate").first())
        if delegation is not None:
            return [(delegation.delegate, f"delegate of {holder}")]
        return [(holder, "")]
    if role == "hr_services":
        return [(None, "HR Services")]
    if role == "panel":
        return [(m.person, "appeal panel member") for m in case.panel.select_related("person")]
    return []


def _refresh_tasks(case: GradingCase) -> None:
    """Close the open tasks and create one per person who must act in the new state."""
    now = timezone.now()
    case.tasks.filter(completed_at__isnull=True).update(completed_at=now)
    if case.state in workflow.CLOSED_STATES:
        return
    due = due_date_for(case.state)
    seen: set[tuple[int | None, str]] = set()
    for move in workflow.moves_from(case.route, case.state):
        if move.action in ("withdraw",) or move.style == "danger" or unmet_condition(case, move) is not None:
            continue
        done = _agreed_roles(case, move.action) if move.once_per_role else set()
        for role in move.roles:
            if role in done:
                continue
            for person, capacity in people_for_role(case, role):
                key = (person.pk if person else None, role)
                if key in seen:
                    continue
                seen.add(key)
                CaseTask.objects.create(case=case, step=case.step, assignee=person, role=role, capacity=capacity,
                                        description=f"{workflow.STATES[case.state]}: {case.reference} {case.title}",
                                        due_date=due)
            if not move.once_per_role:
                break


def _notify_transition(case: GradingCase, move: workflow.Move, actor: Person, from_state: str, reason: str) -> None:
    link = f"/grading/{case.pk}/"
    state = workflow.STATES[case.state]
    for task in case.tasks.filter(completed_at__isnull=True, assignee__isnull=False).select_related("assignee"):
        if task.assignee_id != actor.pk:
            notify(recipient=task.assignee, subject=f"{case.reference} needs your action",
                   body=f"Grading case {case.reference} ({case.title}) is now: {state}. Please act by "
                        f"{task.due_date:%d %b %Y}.", link=link)
    if case.state in ("fm_approval", "fm_brokering"):
        head = nearest_holder(case.org_unit, "head")
        if head is not None and head.pk not in (actor.pk, case.subject_id):
            notify(recipient=head, subject=f"For information: {case.reference} submitted to the FM/HPS",
                   body=f"Copied for information ({case.org_unit.head_title}): grading case {case.reference} "
                        f"({case.title}) has been submitted to the FM/HPS.", link=link)
    if move.action in ("decide", "uphold_appeal", "dismiss_appeal", "return_to_staff", "return_to_manager",
                       "return_for_amendment", "return_to_submitter", "withdraw"):
        for person in {case.subject, case.line_manager, case.initiator} - {None, actor}:
            notify(recipient=person, subject=f"{case.reference}: {move.label.lower()}",
                   body=f"Grading case {case.reference} ({case.title}) is now: {state}."
                        + (f" Reason given: {reason}" if reason else ""), link=link)


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
            "org_unit", "post", "subject", "line_manager", "initiator", "jd", "proposed_version__jd", "baseline_version__jd",
            "current_grade", "recommended_grade", "decided_grade", "matched_agreed__version").get(pk=pk)
    except (GradingCase.DoesNotExist, ValueError, TypeError):
        raise Http404("No such grading case.") from None


def can_see_confidential(user, case: GradingCase) -> bool:
    """Confidential HR notes: HR and the unit's HRBP, never the staff member."""
    me = person_of(user)
    if me is not None and me.pk == case.subject_id:
        return False
    return roles.in_group(user, roles.HR_BUSINESS_PARTNER, roles.HR_SERVICES, roles.ADMINISTRATOR)
