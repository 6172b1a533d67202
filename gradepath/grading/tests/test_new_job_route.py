"""New job grading (policy §4.1), walked end to end as the policy reads."""

from __future__ import annotations

import pytest
from django.utils import timezone

from gradepath.core.errors import PermissionDenied, ServiceError
from gradepath.grades.models import Grade, PayRecord
from gradepath.grading import services
from gradepath.grading.models import CaseEvent, CaseTask
from gradepath.grading.tests.test_workflow_matrix import act
from gradepath.jobs import services as jd_services
from gradepath.jobs.models import AgreedJD, JDVersion
from gradepath.notifications.models import Notification, OutboxEmail
from gradepath.testing.factories import JobFamilyFactory

pytestmark = pytest.mark.django_db


def draft_new_job(p):
    """1–2. The line manager identifies the need and drafts the JD on the template."""
    return jd_services.create_job_description(
        actor=p.line_manager.user, org_unit=p.department, job_family=JobFamilyFactory(), staff_category="technical",
        job_title="Senior Imaging Technician", area="Imaging facility",
        purpose="To run the imaging facility and supervise its technicians.",
        duties=["Supervise two technicians.", "Manage the imaging equipment budget.", "Train research students."],
    )


def hera_scores(total: int) -> dict[str, int]:
    scores = dict.fromkeys(services.HERA_ELEMENTS, total // len(services.HERA_ELEMENTS))
    scores[services.HERA_ELEMENTS[0]] += total - sum(scores.values())
    return scores


def approved_by_fm(p, **start):
    version = draft_new_job(p)
    case = services.start_new_job_case(actor=p.line_manager.user, jd_version=version, **start)
    assert (case.state, case.initiator, case.line_manager, case.subject) == ("draft", p.line_manager,
                                                                           p.line_manager, None)
    # 3. The JD and recommended grade go to the FM/HPS (or delegate); the HoD is copied.
    case = act(case, p.line_manager, "submit_for_approval", recommended_grade=6, matched_agreed=p.senior_agreed.pk)
    assert case.state == "fm_approval"
    assert JDVersion.objects.get(pk=case.proposed_version_id).status == JDVersion.Status.SUBMITTED
    copied = Notification.objects.get(recipient=p.hod)
    assert copied.subject.startswith("For information") and case.reference in copied.subject
    # The delegate covers this month: the task is theirs, and they are told.
    task = CaseTask.objects.get(case=case, completed_at__isnull=True)
    assert task.assignee == p.delegate and task.capacity.startswith("delegate of Fiona Marsh")
    assert Notification.objects.filter(recipient=p.delegate, subject__contains="waiting for you").exists()
    # 4. Approved: submitted to the HRBP.
    case = act(case, p.fm_hps, "approve")
    assert case.state == "hrbp_review" and case.complete_submission_on == timezone.localdate()
    assert CaseTask.objects.get(case=case, completed_at__isnull=True).assignee == p.hrbp
    return case


def test_new_job_from_draft_to_the_agreed_jd_library_by_match(grading, mailoutbox,
                                                              django_capture_on_commit_callbacks):
    p = grading
    case = approved_by_fm(p, grant_funded=True, funding_source="Wellcome Trust grant 221234")
    assert case.grant_funded
    # 4. Grade check by match to an agreed JD.
    case = act(case, p.hrbp, "confirm_by_match", matched_agreed=p.senior_agreed.pk)
    assert case.state == "fairness" and case.matched_agreed == p.senior_agreed
    # 5. Fairness, including the impact on other post holders.
    case = act(case, p.hrbp, "record_fairness", fairness_issue=False,
               assessment="No other holder of this JD; the similar agreed JD is at grade 6.")
    # 6. Decision recorded and communicated.
    case = act(case, p.hrbp, "decide", outcome="grade_confirmed", grade=6)
    assert case.state == "hr_processing" and case.decided_grade.number == 6 and case.decided_at
    told = Notification.objects.get(recipient=p.line_manager, subject__contains="decided at Grade 6")
    assert "takes effect from" in told.body and "appeal" in told.body
    # 7. HR Services processes it: a grant-funded post needs the finance approval first.
    assert {a.move.action for a in services.available_actions(case, p.hr_services.user)} == {
        "record_finance_approval"}
    with pytest.raises(ServiceError, match="grant-funded: record the finance approval"):
        act(case, p.hr_services, "process")
    case = act(case, p.hr_services, "record_finance_approval", reason="Approved by the grant's finance officer.")
    assert {a.move.action for a in services.available_actions(case, p.hr_services.user)} == {"process"}
    with pytest.raises(ServiceError, match="finance approval was recorded on"):
        act(case, p.hr_services, "record_finance_approval", reason="Again.")
    case = act(case, p.hr_services, "process")
    assert case.state == "logging" and case.effective_date.day == 1
    assert not PayRecord.objects.filter(reason="regrade").exists()  # a new post: nobody's pay changes yet
    # 8. The HRBP logs the approved JD in the library and sends it to the job evaluation mailbox.
    with django_capture_on_commit_callbacks(execute=True):
        case = act(case, p.hrbp, "log_and_send")
    assert case.state == "closed" and case.closed_at is not None and case.appeal_deadline > timezone.localdate()
    entry = AgreedJD.objects.get(version=case.proposed_version)
    assert entry.grade == Grade.objects.get(number=6)
    sent = OutboxEmail.objects.get(to_address="job-evaluation@example.ac.uk")
    assert case.reference in sent.subject and "Senior Imaging Technician" in sent.subject
    assert sorted(a.filename.rsplit(".", 1)[1] for a in sent.attachments.all()) == ["docx", "pdf"]
    mail = next(m for m in mailoutbox if m.to == ["job-evaluation@example.ac.uk"])
    assert {a[2] for a in mail.attachments} == {
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "application/pdf"}
    assert CaseEvent.objects.filter(case=case).count() == case.step == 8
    assert not CaseTask.objects.filter(case=case, completed_at__isnull=True).exists()


def test_new_job_referred_to_full_job_evaluation_gets_the_grade_of_its_band(grading):
    p = grading
    case = approved_by_fm(p)
    case = act(case, p.hrbp, "refer_to_evaluation")
    assert case.state == "evaluation"
    with pytest.raises(ServiceError, match="14 HERA elements"):
        act(case, p.hrbp, "record_evaluation", scores={"communication": 30})
    # 420 falls in the grade 7 band (400–494) of the default HERA bands.
    case = act(case, p.hrbp, "record_evaluation", scores=hera_scores(420))
    assert case.state == "fairness" and case.evaluation["total"] == 420 and case.evaluation["grade"] == 7
    # The check gave grade 7; the manager's recommendation (6) stays on record beside it.
    assert case.checked_grade.number == 7 and case.recommended_grade.number == 6
    case = act(case, p.hrbp, "record_fairness", fairness_issue=False, assessment="A new post; nobody else affected.")
    case = act(case, p.hrbp, "decide", outcome="grade_confirmed")
    assert case.decided_grade.number == 7 and case.state == "hr_processing"
    case = act(case, p.hr_services, "process")  # not grant-funded: no finance approval needed
    assert case.state == "logging"


@pytest.mark.parametrize(("total", "grade"), [(174, 1), (175, 2), (339, 5), (340, 6), (680, 10)])
def test_hera_totals_fall_into_the_configured_grade_bands(total, grade, settings):
    assert services.hera_grade(total) == grade


def test_the_fm_hps_returns_the_jd_to_the_manager_with_a_reason(grading):
    p = grading
    case = services.start_new_job_case(actor=p.line_manager.user, jd_version=draft_new_job(p))
    case = act(case, p.line_manager, "submit_for_approval", recommended_grade=6)
    with pytest.raises(ServiceError, match="Give a reason"):
        act(case, p.delegate, "return_to_manager")
    case = act(case, p.delegate, "return_to_manager", reason="Add the budget holder's name.")
    assert case.state == "draft" and case.proposed_version.status == JDVersion.Status.DRAFT
    assert case.proposed_version.number == 2  # every round is kept as a version


def test_a_new_job_is_given_a_grade_not_reallocation_or_no_change(grading):
    p = grading
    case = approved_by_fm(p)
    case = act(case, p.hrbp, "confirm_by_match", matched_agreed=p.senior_agreed.pk)
    case = act(case, p.hrbp, "record_fairness", fairness_issue=False, assessment="None.")
    for outcome in ("reallocation", "no_change"):
        with pytest.raises(ServiceError, match="A new job is given a grade"):
            act(case, p.hrbp, "decide", outcome=outcome)


def test_only_someone_who_may_use_the_jd_starts_a_new_job_case(grading):
    p = grading
    with pytest.raises(PermissionDenied):
        services.start_new_job_case(actor=p.outsider.user, jd_version=draft_new_job(p))


def test_a_grant_funded_new_post_names_its_grant(grading):
    p = grading
    with pytest.raises(ServiceError, match="Name the grant"):
        services.start_new_job_case(actor=p.line_manager.user, jd_version=draft_new_job(p), grant_funded=True)
