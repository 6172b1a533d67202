"""HR Services processing and logging: the effective date, the spine point, pay history and the
post's grade from the effective date, the approved JD logged in the library and sent to the job
evaluation mailbox. Written for grading; acting up and secondments will reuse the pay rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils import timezone

from gradepath.core.errors import ServiceError
from gradepath.grades.models import Grade, PayRecord
from gradepath.grading.models import GradingCase, Outcome
from gradepath.grading.policy import policy
from gradepath.jobs import services as jd_services
from gradepath.jobs.models import AgreedJD, JDVersion
from gradepath.notifications.services import notify, send_email
from gradepath.people.models import Appointment, Person, Post, PostGrade
from gradepath.workflow.calendar import first_of_next_month


def checked_grade(case: GradingCase) -> Grade | None:
    """The grade the HRBP's check gave (the matched agreed JD's grade, or the HERA band); before the check,
    the recommended grade."""
    return case.checked_grade or case.recommended_grade


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
    if grade is None:
        raise ServiceError("There is no decided or checked grade to log the approved JD at.")
    entry: AgreedJD | None
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
