"""What each grading move does besides moving the state (the process's effects), and what grading
tells people itself: the outcome in plain words, and the HoD or departmental contact copied when a JD
goes to the FM/HPS. The engine (gradepath.workflow.engine) calls these; nothing else does.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from gradepath.core.errors import ServiceError
from gradepath.grades.models import Grade, GradeStructure
from gradepath.grading.models import CLOSED_STATES, AppealPanelMember, GradingCase, Outcome, Route
from gradepath.grading.policy import policy
from gradepath.grading.processing import (
    checked_grade,
    effective_date_for,
    log_and_send_jd,
    process_regrade,
)
from gradepath.jobs import services as jd_services
from gradepath.jobs.models import AgreedJD, JDVersion
from gradepath.notifications.services import notify
from gradepath.people.models import Person, Post
from gradepath.people.relations import nearest_holder
from gradepath.workflow.calendar import add_working_days
from gradepath.workflow.engine import day
from gradepath.workflow.process import Move


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


def enter_hrbp_review(case: GradingCase) -> None:
    """The complete submission reaches the HRBP now: it dates the regrade (policy §4.4)."""
    if case.complete_submission_on is None:
        case.complete_submission_on = timezone.localdate()


def _apply_to_hrbp(case, actor, me, move, data):
    if data.get("matched_agreed"):
        case.matched_agreed = _agreed(data["matched_agreed"])
    if data.get("recommended_grade") not in (None, ""):
        case.recommended_grade = _grade_from(data["recommended_grade"], label="recommended grade")
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


def _apply_evaluation(case, actor, me, move, data):
    values = data["scores"]  # every element, whole numbers in range: checked against the move's inputs
    total = sum(values.values())
    grade = hera_grade(total)
    case.evaluation = {"scores": values, "levels": data.get("levels") or {}, "total": total, "grade": grade}
    case.checked_grade = _grade_from(grade)
    return None, f"HERA evaluation recorded: total {total}, grade {grade}"


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
    posts = Post.objects.filter(jd_version_id=case.baseline_version_id)
    if case.post_id is not None:
        posts = posts.exclude(pk=case.post_id)
    return posts.select_related("org_unit").order_by("post_number")


def _open_case_on(post: Post) -> GradingCase | None:
    return GradingCase.objects.filter(post=post).exclude(state__in=CLOSED_STATES).first()


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


EFFECTS = {
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


def outcome_words(action: str, *, title: str, ref: str, grade: str, outcome: str, stays: bool,
                  effective: dt.date | None, recorded: dt.date | None, reason: str, appealed: bool,
                  appeal_deadline: dt.date | None) -> tuple[str, str]:
    """What the staff member and line manager are told after ``action`` (policy §4.1 step 6): the
    subject and the sentence — the grade, when it takes effect, how and by when to appeal. ``grade``
    in words ("Grade 6"); ``effective`` the date it takes effect (recorded or by the policy; None when
    pay does not change), ``recorded`` the date HR Services recorded. One place for these words: the
    services and ``gradepath generate`` tell people alike."""
    if action == "decide":
        if outcome == Outcome.REALLOCATION:
            said = (f"The HR Business Partner decided that {title} stays at {grade}: the additional duties are to be "
                    "reallocated rather than the job regraded. The JD is adjusted and logged next.")
        elif outcome == Outcome.NO_CHANGE:
            said = f"The HR Business Partner decided that there is no change: {title} stays at {grade}."
        elif stays:
            said = f"The HR Business Partner confirmed the grade of {title}: {grade}, as now. Pay does not change."
        else:
            said = (f"The HR Business Partner decided the grade of {title}: {grade} ({Outcome(outcome).label.lower()})."
                    + (f" HR Services process it next; by the policy it takes effect from {day(effective)}, and HR "
                       "Services confirm the date." if effective else " HR Services process it next."))
        if reason:
            said += f" Why it differs from the grade the check gave: “{reason}”."
        subject = f"{ref} {title}: decided at {grade}"
    elif action == "process":
        when = day(recorded) if recorded else "the date HR Services recorded"
        said = f"HR Services processed the change to {title}: {grade} from {when}."
        subject = f"{ref} {title}: {grade} from {when}"
    elif action == "log_and_send":
        said = f"The grading case for {title} is closed. The decision: {grade}" + (
            f", from {day(effective)}." if effective and not stays else ".")
        subject = f"{ref} {title}: closed, {grade}"
    elif action == "uphold_appeal":
        said = (f"The appeal panel upheld the appeal: {title} is graded {grade}. HR Services process it next and "
                "you will be told the date it takes effect.")
        subject = f"{ref} {title}: appeal upheld, {grade}"
    else:  # dismiss_appeal
        said = f"The appeal panel dismissed the appeal: the decision stands, {title} stays at {grade}."
        subject = f"{ref} {title}: appeal dismissed"
    if action in ("decide", "log_and_send", "dismiss_appeal", "uphold_appeal"):
        if appealed:
            said += " The appeal has been heard: its outcome is final."
        elif appeal_deadline is not None:
            said += (f" If you disagree, you or your line manager can appeal until {day(appeal_deadline)}, giving "
                     "your grounds: open the case and choose “Appeal against the decision”.")
        else:
            said += (f" If you disagree, you or your line manager can appeal within {policy('APPEAL_WORKING_DAYS')} "
                     "working days of the case closing, giving your grounds; you will be told the last day when it "
                     "closes.")
    return subject, said


def outcome_stays(outcome: str, grade, current_grade) -> bool:
    """Whether the decision leaves the job at its grade (no change of pay)."""
    return outcome in (Outcome.REALLOCATION, Outcome.NO_CHANGE) or (
        outcome == Outcome.GRADE_CONFIRMED and current_grade is not None and grade == current_grade)


def _tell_outcome(case: GradingCase, move: Move, actor: Person) -> None:
    """The staff member and line manager (and whoever asked for a new job) are told the outcome in plain words:
    the grade, when it takes effect, and how and by when to appeal (policy §4.1 step 6)."""
    link = f"/grading/{case.pk}/"
    grade = case.decided_grade
    stays = outcome_stays(case.outcome, grade, case.current_grade)
    subject, said = outcome_words(
        move.action, title=case.title, ref=case.reference, grade=str(grade), outcome=case.outcome, stays=stays,
        effective=case.effective_date or (None if stays or grade is None else effective_date_for(case)),
        recorded=case.effective_date, reason=case.grade_difference_reason,
        appealed=case.events.filter(action="lodge_appeal").exists(), appeal_deadline=case.appeal_deadline)
    for person in {p for p in (case.subject, case.line_manager, case.initiator) if p is not None} - {actor}:
        body = said
        if move.action == "process" and person.pk == case.subject_id and case.new_spine_point:
            body += f" Your spine point from then: {case.new_spine_point}" + (
                " (pay protected)." if case.pay_protected else ".")
        notify(recipient=person, link=link, subject=subject[:200], body=body)


ON_ENTER = {"hrbp_review": enter_hrbp_review}


def after_move(case: GradingCase, move: Move, actor: Person, from_state: str, reason: str) -> None:
    """Grading's own telling after a move: the HoD or departmental contact is copied when a JD goes to
    the FM/HPS; the staff member and line manager are told the outcome."""
    link = f"/grading/{case.pk}/"
    if case.state in ("fm_approval", "fm_brokering") and case.state != from_state:
        head = nearest_holder(case.org_unit, "head")
        if head is not None and head.pk not in (actor.pk, case.subject_id):
            notify(recipient=head, link=link,
                   subject=f"For information: {case.reference} {case.title} went to the FM/HPS",
                   body=f"You are copied for information as {case.org_unit.head_title}: the JD of {case.title} "
                        f"({case.reference}) and its recommended grade went to the FM/HPS for approval. "
                        "Nothing is needed from you.")
    if move.action in TELLS_THE_OUTCOME:
        _tell_outcome(case, move, actor)


# Moves after which the staff member and line manager are told the outcome in plain words (policy §4.1 step 6).
TELLS_THE_OUTCOME = ("decide", "process", "log_and_send", "uphold_appeal", "dismiss_appeal")
