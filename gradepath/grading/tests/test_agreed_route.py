"""Existing job, Agreed Route (policy §4.2), walked as the policy reads; and the Direct Route
outcomes that do not regrade (reallocation of the additional duties, no change; §4.3 step 9)."""

from __future__ import annotations

import pytest

from gradepath.core.errors import PermissionDenied, ServiceError, StaleStateError
from gradepath.grades.models import Grade, PayRecord
from gradepath.grading import services
from gradepath.grading.models import CaseEvent
from gradepath.grading.tests.conftest import grade_on
from gradepath.grading.tests.test_workflow_matrix import act
from gradepath.jobs.models import AgreedJD, JDVersion
from gradepath.jobs.services import save_draft
from gradepath.notifications.models import OutboxEmail

pytestmark = pytest.mark.django_db


def offered(case, person) -> set[str]:
    return {a.move.action for a in services.available_actions(case, person.user)}


def amend(case, person, duties):
    version = JDVersion.objects.get(pk=case.proposed_version_id)
    save_draft(actor=person.user, version=version, base_revision=version.revision, changes={"duties": duties})


NEW_DUTIES = ["Supervise two technicians.", "Prepare reagents and solutions.", "Manage the equipment budget."]


def agreed_to_hrbp(p):
    """The three agreements, the amended JD, and agreement on it (with one return for amendment)."""
    case = services.start_agreed_route_case(actor=p.line_manager.user, subject=p.staff_member)
    assert case.state == "agreements" and case.initiator == p.line_manager
    # Three agreements that the duties changed significantly, in any order; each role once.
    case = act(case, p.delegate, "agree_duties_changed")
    assert case.state == "agreements" and case.events.get().capacity.startswith("delegate of Fiona Marsh")
    assert "agree_duties_changed" not in offered(case, p.fm_hps)  # the FM/HPS role has agreed
    with pytest.raises(PermissionDenied):
        act(case, p.fm_hps, "agree_duties_changed")
    case = act(case, p.staff_member, "agree_duties_changed")
    with pytest.raises(PermissionDenied):
        act(case, p.staff_member, "agree_duties_changed")
    assert case.state == "agreements"
    case = act(case, p.line_manager, "agree_duties_changed")
    assert case.state == "jd_amendment"
    # The JD is amended (tracked changes against the agreed version) with a recommended grade.
    amend(case, p.line_manager, NEW_DUTIES)
    case = act(case, p.line_manager, "submit_amended_jd", recommended_grade=6, matched_agreed=p.senior_agreed.pk)
    assert case.state == "jd_agreement" and case.matched_agreed == p.senior_agreed
    # The staff member agrees; the FM/HPS returns it; the earlier agreement no longer counts.
    case = act(case, p.staff_member, "agree_amended_jd")
    case = act(case, p.fm_hps, "return_for_amendment", reason="Say which budget.")
    assert case.state == "jd_amendment"
    amend(case, p.staff_member, [*NEW_DUTIES[:2], "Manage the £40,000 equipment budget."])
    case = act(case, p.staff_member, "submit_amended_jd", recommended_grade=6)
    assert offered(case, p.staff_member) >= {"agree_amended_jd"}
    for person in (p.fm_hps, p.line_manager):
        case = act(case, person, "agree_amended_jd")
        assert case.state == "jd_agreement"
    case = act(case, p.staff_member, "agree_amended_jd")
    # The case continues at step 4 of the new-job process.
    assert case.state == "hrbp_review" and case.complete_submission_on is not None
    return case


def test_agreed_route_from_three_agreements_to_a_higher_grade(grading, django_capture_on_commit_callbacks):
    p = grading
    case = agreed_to_hrbp(p)
    case = act(case, p.hrbp, "confirm_by_match", matched_agreed=p.senior_agreed.pk)
    # HR Services may not act before the fairness assessment is recorded.
    assert offered(case, p.hr_services) == set()
    with pytest.raises(StaleStateError):
        act(case, p.hr_services, "process")
    # A knock-on fairness issue may be recorded open while the HRBP assesses the other holders: the case
    # waits at the fairness step, HR Services cannot act and nobody can decide until it is resolved.
    case = act(case, p.hrbp, "record_fairness", fairness_issue=True,
               assessment="Two other technicians hold the same JD at grade 5.")
    assert case.state == "fairness_issue_open" and case.fairness_issue is True and case.fairness_resolution == ""
    assert offered(case, p.hr_services) == set()
    assert offered(case, p.hrbp) == {"resolve_fairness_issue", "withdraw"} - {"withdraw"}
    with pytest.raises(StaleStateError):
        act(case, p.hrbp, "decide", outcome="higher_grade", grade=6)
    with pytest.raises(ServiceError, match="How the issue was resolved: this is required"):
        act(case, p.hrbp, "resolve_fairness_issue")
    case = act(case, p.hrbp, "resolve_fairness_issue",
               resolution="Their managers confirmed they do not supervise or hold a budget; no change for them.")
    assert case.state == "decision" and case.fairness_resolution.startswith("Their managers")
    assert offered(case, p.hr_services) == set()
    case = act(case, p.hrbp, "decide", outcome="higher_grade", grade=6)
    assert "process" in offered(case, p.hr_services)
    case = act(case, p.hr_services, "process")
    record = PayRecord.objects.filter(person=p.staff_member, reason="regrade").get()
    assert (record.grade.number, record.spine_point) == (6, 21)
    with django_capture_on_commit_callbacks(execute=True):
        case = act(case, p.hrbp, "log_and_send")
    assert case.state == "closed"
    p.staff_post.refresh_from_db()
    assert grade_on(p.staff_post, case.effective_date) == 6 and p.staff_post.jd_version_id == case.proposed_version_id
    assert AgreedJD.objects.get(version_id=case.proposed_version_id).grade.number == 6
    assert CaseEvent.objects.filter(case=case).count() == case.step


def test_a_higher_grade_must_be_above_the_current_grade(grading):
    p = grading
    case = agreed_to_hrbp(p)
    case = act(case, p.hrbp, "confirm_by_match", matched_agreed=p.senior_agreed.pk)
    case = act(case, p.hrbp, "record_fairness", fairness_issue=False, assessment="No other holders.")
    with pytest.raises(ServiceError, match="above the current"):
        act(case, p.hrbp, "decide", outcome="higher_grade", grade=5)


def test_without_the_three_agreements_the_agreed_route_closes(grading):
    p = grading
    case = services.start_agreed_route_case(actor=p.staff_member.user, subject=p.staff_member)
    case = act(case, p.staff_member, "agree_duties_changed")
    assert "decline_agreed_route" not in offered(case, p.staff_member)
    case = act(case, p.line_manager, "decline_agreed_route", reason="The duties have not changed significantly.")
    assert case.state == "not_agreed" and case.closed_at is not None
    # The post is free for a Direct Route case now.
    assert services.start_direct_route_case(actor=p.staff_member.user, subject=p.staff_member).state == "discussion"


def test_only_the_staff_member_or_line_manager_starts_the_agreed_route(grading):
    p = grading
    for person in (p.fm_hps, p.hrbp, p.outsider):
        with pytest.raises(PermissionDenied):
            services.start_agreed_route_case(actor=person.user, subject=p.staff_member)


# --- Direct Route outcomes that do not regrade (§4.3 step 9) --------------------------------------


def direct_to_decision(p):
    case = services.start_direct_route_case(actor=p.staff_member.user, subject=p.staff_member)
    case = act(case, p.fm_hps, "record_discussion", reason="Discussed the new duties with Sam.")
    amend(case, p.staff_member, NEW_DUTIES)
    case = act(case, p.staff_member, "submit_proposal", recommended_grade=6)
    case = act(case, p.line_manager, "confirm_jd")
    case = act(case, p.line_manager, "submit_to_fm")
    case = act(case, p.fm_hps, "record_grade_agreement")
    case = act(case, p.hrbp, "confirm_by_match", matched_agreed=p.senior_agreed.pk)
    case = act(case, p.hrbp, "record_fairness", fairness_issue=False, assessment="No other holders.")
    case = act(case, p.hrbp, "record_manager_discussion", reason="Agreed with Lina to move the budget elsewhere.")
    assert case.state == "decision"
    return case


def test_reallocation_of_the_additional_duties_adjusts_and_logs_the_jd_without_a_regrade(
        grading, django_capture_on_commit_callbacks):
    p = grading
    case = direct_to_decision(p)
    pay_records = PayRecord.objects.count()
    case = act(case, p.hrbp, "decide", outcome="reallocation")
    assert case.state == "logging" and case.decided_grade.number == 5  # no regrade: HR Services is skipped
    # The JD is adjusted: the reallocated duty is taken out of a new draft before it is logged.
    adjusted = JDVersion.objects.get(pk=case.proposed_version_id)
    assert adjusted.status == JDVersion.Status.DRAFT
    save_draft(actor=p.hrbp.user, version=adjusted, base_revision=adjusted.revision, changes={"duties": NEW_DUTIES[:2]})
    with django_capture_on_commit_callbacks(execute=True):
        case = act(case, p.hrbp, "log_and_send")
    assert case.state == "closed" and PayRecord.objects.count() == pay_records
    logged = AgreedJD.objects.get(version_id=case.proposed_version_id)
    assert logged.grade.number == 5 and logged.version.duties == NEW_DUTIES[:2]
    p.staff_post.refresh_from_db()
    assert p.staff_post.grade.number == 5 and p.staff_post.jd_version_id == case.proposed_version_id
    assert OutboxEmail.objects.filter(to_address="job-evaluation@example.ac.uk").count() == 1


def test_no_change_closes_without_changing_pay_post_or_library(grading, django_capture_on_commit_callbacks):
    p = grading
    case = direct_to_decision(p)
    p.staff_post.refresh_from_db()
    before = (p.staff_post.grade_id, p.staff_post.jd_version_id, PayRecord.objects.count(), AgreedJD.objects.count())
    case = act(case, p.hrbp, "decide", outcome="no_change")
    assert case.state == "logging" and case.decided_grade == Grade.objects.get(number=5)
    with django_capture_on_commit_callbacks(execute=True):
        case = act(case, p.hrbp, "log_and_send")
    assert case.state == "closed" and case.outcome == "no_change" and case.appeal_deadline is not None
    p.staff_post.refresh_from_db()
    after = (p.staff_post.grade_id, p.staff_post.jd_version_id, PayRecord.objects.count(), AgreedJD.objects.count())
    assert after == before
    assert not OutboxEmail.objects.filter(to_address="job-evaluation@example.ac.uk").exists()
