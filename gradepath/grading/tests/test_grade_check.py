"""The grade check holds together (issue 11 items 15, 21, 22, 25 and 20): the grade the HRBP's check
gave, the decision and its reason when they differ, the open fairness issue, the grade the approved JD
and the library state, and the effective-date rule."""

from __future__ import annotations

import datetime as dt
import io

import docx
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils import timezone

from gradepath.core.errors import ServiceError
from gradepath.core.models import HistoryEntry
from gradepath.grading import services
from gradepath.grading.models import Route
from gradepath.grading.tests.test_appeal import closed_case
from gradepath.grading.tests.test_new_job_route import approved_by_fm, hera_scores
from gradepath.grading.tests.test_workflow_matrix import act, make_case
from gradepath.jobs.models import AgreedJD
from gradepath.jobs.word import version_docx
from gradepath.notifications.models import OutboxEmail

pytestmark = pytest.mark.django_db


def docx_text(data: bytes) -> str:
    return "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)


def direct_at_hrbp(p, recommended=6):
    case = services.start_direct_route_case(actor=p.staff_member.user, subject=p.staff_member)
    case = act(case, p.line_manager, "record_discussion", reason="Discussed.")
    case = act(case, p.staff_member, "submit_proposal", recommended_grade=recommended)
    case = act(case, p.line_manager, "confirm_jd")
    case = act(case, p.line_manager, "submit_to_fm")
    return act(case, p.delegate, "record_grade_agreement")


# --- Item 15 -----------------------------------------------------------------------------------


def test_a_decision_that_differs_from_the_matched_grade_needs_the_hrbps_reason(grading, login):
    p = grading
    case = direct_at_hrbp(p)
    case = act(case, p.hrbp, "confirm_by_match", matched_agreed=p.senior_agreed.pk)  # grade 6
    assert case.checked_grade.number == 6
    case = act(case, p.hrbp, "record_fairness", fairness_issue=False, assessment="No other holder.")
    case = act(case, p.hrbp, "record_manager_discussion", reason="Discussed.")
    with pytest.raises(ServiceError, match=r"differs from the grade of the matched agreed JD .*\(Grade 6\)"):
        act(case, p.hrbp, "decide", outcome="higher_grade", grade=7)
    case.refresh_from_db()
    assert case.state == "decision" and case.decided_grade is None
    # The page says the same, and shows which grade the check gave.
    client = login(p.hrbp)
    page = client.get(reverse("grading:case-detail", args=[case.pk])).content.decode()
    assert "Why the decided grade differs from the grade the check gave (Grade 6)" in page
    case = act(case, p.hrbp, "decide", outcome="higher_grade", grade=7,
               grade_difference_reason="The budget is twice that of the matched JD.")
    assert case.decided_grade.number == 7 and case.grade_difference_reason.startswith("The budget")
    page = client.get(reverse("grading:case-detail", args=[case.pk])).content.decode()
    assert "The budget is twice that of the matched JD." in page


def test_deciding_the_grade_the_check_gave_needs_no_reason(grading):
    p = grading
    case = direct_at_hrbp(p)
    case = act(case, p.hrbp, "confirm_by_match", matched_agreed=p.senior_agreed.pk)
    case = act(case, p.hrbp, "record_fairness", fairness_issue=False, assessment="No other holder.")
    case = act(case, p.hrbp, "record_manager_discussion", reason="Discussed.")
    case = act(case, p.hrbp, "decide", outcome="higher_grade")  # the checked grade by default
    assert case.decided_grade.number == 6 and case.grade_difference_reason == ""


def test_a_match_at_the_current_grade_goes_to_the_decision_not_to_a_new_grade_discussion(grading):
    p = grading
    case = direct_at_hrbp(p, recommended=6)  # the staff member hoped for grade 6
    case = act(case, p.hrbp, "confirm_by_match", matched_agreed=p.agreed.pk)  # the check: grade 5, as today
    case = act(case, p.hrbp, "record_fairness", fairness_issue=False, assessment="No other holder.")
    assert case.state == "decision"
    case = act(case, p.hrbp, "decide", outcome="no_change")
    assert case.state == "logging"


# --- Item 22 -------------------------------------------------------------------------------------


def test_an_open_fairness_issue_holds_the_case_over_the_api_until_it_is_resolved(grading, api):
    p = grading
    case = make_case(p, Route.NEW_JOB, "fairness")
    client = api(p.hrbp)
    url = reverse("api:grading-case-perform", args=[case.pk])
    response = client.post(url, {"action": "record_fairness", "step": case.step, "data": {
        "fairness_issue": True, "assessment": "Three other posts carry similar duties."}}, format="json")
    assert response.status_code == 200 and response.json()["state"] == "fairness_issue_open"
    actions = client.get(reverse("api:grading-case-actions", args=[case.pk])).json()["actions"]
    assert [a["action"] for a in actions] == ["resolve_fairness_issue"]
    hr = api(p.hr_services).get(reverse("api:grading-case-actions", args=[case.pk])).json()["actions"]
    assert hr == []
    response = client.post(url, {"action": "resolve_fairness_issue", "step": case.step + 1, "data": {
        "resolution": "The other posts are reviewed in their own cases."}}, format="json")
    assert response.status_code == 200 and response.json()["state"] == "decision"


# --- Items 25 and 21 -----------------------------------------------------------------------------


def test_the_approved_jd_states_the_grade_decided_after_a_full_evaluation(grading, django_capture_on_commit_callbacks):
    p = grading
    case = approved_by_fm(p)  # recommended grade 6
    case = act(case, p.hrbp, "refer_to_evaluation")
    case = act(case, p.hrbp, "record_evaluation", scores=hera_scores(420))  # grade 7
    case = act(case, p.hrbp, "record_fairness", fairness_issue=False, assessment="A new post.")
    case = act(case, p.hrbp, "decide", outcome="grade_confirmed")
    case = act(case, p.hr_services, "process")
    with django_capture_on_commit_callbacks(execute=True):
        case = act(case, p.hrbp, "log_and_send")
    version = case.proposed_version
    version.refresh_from_db()
    assert version.grade.number == 6  # the manager's recommendation, as submitted
    assert AgreedJD.objects.get(version=version).grade.number == 7
    assert version.stated_grade()[1].number == 7
    text = docx_text(version_docx(version))
    assert "Agreed grade: Grade 7" in text and "Grade 6" not in text
    email = OutboxEmail.objects.get(to_address="job-evaluation@example.ac.uk")
    attached = next(a for a in email.attachments.all() if a.filename.endswith(".docx"))
    assert "Agreed grade: Grade 7" in docx_text(bytes(attached.content))
    assert "(Grade 7)" in email.subject


def test_an_upheld_appeal_corrects_the_library_to_the_grade_finally_decided(grading):
    p = grading
    case = closed_case(p)  # decided at grade 6 and logged
    entry = AgreedJD.objects.get(version_id=case.proposed_version_id)
    assert entry.grade.number == 6
    case = act(case, p.staff_member, "lodge_appeal", reason="The budget I manage matches grade 7 JDs.")
    case = act(case, p.hr_services, "convene_panel", panel=[p.tc_lead.pk, p.equality_viewer.pk])
    case = act(case, p.tc_lead, "uphold_appeal", reason="The budget responsibility is at grade 7.", grade=7)
    case = act(case, p.hr_services, "process")
    case = act(case, p.hrbp, "log_and_send")
    entry.refresh_from_db()
    assert entry.grade.number == 7 and entry.reference == AgreedJD.objects.get(pk=entry.pk).reference
    history = HistoryEntry.objects.filter(action="jd.agreed_grade_changed").get()
    assert "was Grade 6" in history.summary and case.reference in history.summary and "appeal" in history.summary
    text = docx_text(version_docx(case.proposed_version))
    assert "Agreed grade: Grade 7" in text


# --- Item 20 -------------------------------------------------------------------------------------


def test_the_effective_date_rule_is_a_setting(grading, settings):
    p = grading
    case = make_case(p, Route.DIRECT, "hr_processing")
    case.complete_submission_on = dt.date(2026, 3, 17)
    case.decided_at = timezone.make_aware(dt.datetime(2026, 4, 20, 12))
    settings.GRADEPATH_GRADING = {**settings.GRADEPATH_GRADING, "EFFECTIVE_DATE_RULE": "first_of_next_month"}
    assert services.effective_date_for(case) == dt.date(2026, 4, 1)
    settings.GRADEPATH_GRADING = {**settings.GRADEPATH_GRADING, "EFFECTIVE_DATE_RULE": "complete_submission"}
    assert services.effective_date_for(case) == dt.date(2026, 3, 17)
    settings.GRADEPATH_GRADING = {**settings.GRADEPATH_GRADING,
                                  "EFFECTIVE_DATE_RULE": "first_of_month_after_decision"}
    assert services.effective_date_for(case) == dt.date(2026, 5, 1)
    settings.GRADEPATH_GRADING = {**settings.GRADEPATH_GRADING, "EFFECTIVE_DATE_RULE": "whenever"}
    with pytest.raises(ImproperlyConfigured, match="EFFECTIVE_DATE_RULE"):
        services.effective_date_for(case)


def test_anyone_reading_the_agreed_jd_sees_that_its_grade_changed_on_appeal(grading, login):
    p = grading
    case = closed_case(p)
    case = act(case, p.staff_member, "lodge_appeal", reason="The budget I manage matches grade 7 JDs.")
    case = act(case, p.hr_services, "convene_panel", panel=[p.tc_lead.pk, p.equality_viewer.pk])
    case = act(case, p.tc_lead, "uphold_appeal", reason="The budget responsibility is at grade 7.", grade=7)
    case = act(case, p.hr_services, "process")
    case = act(case, p.hrbp, "log_and_send")
    page = login(p.outsider).get(reverse("jobs:jd-detail", args=[case.proposed_version.jd_id])).content.decode()
    assert "was Grade 6" in page and "Grade 7" in page
