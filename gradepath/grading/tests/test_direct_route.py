"""The Direct Route (policy §4.3), walked end to end as the policy reads."""

import datetime as dt

import pytest

from gradepath.grades.models import Grade, PayRecord
from gradepath.grading import services
from gradepath.grading.models import CaseEvent
from gradepath.grading.tests.conftest import grade_on
from gradepath.jobs.services import save_draft

pytestmark = pytest.mark.django_db


def act(case, person, action, **data):
    return services.perform_action(actor=person.user, case=case, action=action, step=case.step, data=data)


def test_direct_route_from_discussion_to_higher_grade(grading, mailoutbox, django_capture_on_commit_callbacks):
    p = grading
    # The staff member starts it; the line manager records the discussion.
    case = services.start_direct_route_case(actor=p.staff_member.user, subject=p.staff_member)
    assert case.state == "discussion"
    case = act(case, p.line_manager, "record_discussion", reason="Discussed on 3 March; I do not agree a regrade.")
    # The staff member proposes JD revisions, showing tracked changes, with a recommended grade.
    save_draft(actor=p.staff_member.user, version=case.proposed_version, base_revision=case.proposed_version.revision,
               changes={"duties": ["Supervise two technicians.", "Prepare reagents and solutions.", "Order stock."]})
    case = act(case, p.staff_member, "submit_proposal", recommended_grade=6)
    # The line manager returns it for further amendment (a loop with a reason) ...
    case = act(case, p.line_manager, "return_to_staff", reason="Add the budget responsibility.")
    assert case.state == "staff_proposal" and case.proposed_version.number == 3
    case = act(case, p.staff_member, "submit_proposal", recommended_grade=6)
    # ... then confirms it, and submits it to the FM/HPS (the delegate acts this month).
    case = act(case, p.line_manager, "confirm_jd")
    case = act(case, p.line_manager, "submit_to_fm")
    assert case.state == "fm_brokering"
    case = act(case, p.delegate, "record_no_agreement", reason="Manager and staff member still disagree.")
    # No agreement: the staff member submits directly to the HRBP with the matched JD.
    case = act(case, p.staff_member, "submit_to_hrbp", matched_agreed=p.senior_agreed.pk)
    case = act(case, p.hrbp, "confirm_by_match")
    case = act(case, p.hrbp, "record_fairness", fairness_issue=False, assessment="No other holder of this JD.")
    # A new grade: the HRBP discusses it with the line manager first.
    assert case.state == "manager_discussion"
    case = act(case, p.hrbp, "record_manager_discussion", reason="Discussed with the line manager on 2 May.")
    case = act(case, p.hrbp, "decide", outcome="higher_grade", grade=6)
    assert case.state == "hr_processing"
    case = act(case, p.hr_services, "process")
    record = PayRecord.objects.filter(person=p.staff_member).order_by("-effective_from", "-id").first()
    assert record.grade == Grade.objects.get(number=6) and record.reason == "regrade"
    assert record.spine_point == 21  # bottom of grade 6 (21) beats 17 + 2 = 19
    with django_capture_on_commit_callbacks(execute=True):
        case = act(case, p.hrbp, "log_and_send")
    assert case.state == "closed" and case.appeal_deadline is not None
    p.staff_post.refresh_from_db()
    # The approved JD is the post's now; the new grade from the effective date (the 1st of next month).
    assert p.staff_post.jd_version == case.proposed_version
    assert grade_on(p.staff_post, case.effective_date) == 6
    assert grade_on(p.staff_post, case.effective_date - dt.timedelta(days=1)) == 5
    assert any(m.to == ["job-evaluation@example.ac.uk"] and len(m.attachments) == 2 for m in mailoutbox)
    assert CaseEvent.objects.filter(case=case).count() == case.step


def test_a_stale_step_is_refused_and_changes_nothing(grading):
    p = grading
    case = services.start_direct_route_case(actor=p.staff_member.user, subject=p.staff_member)
    services.perform_action(actor=p.line_manager.user, case=case, action="record_discussion", step=0,
                            data={"reason": "Talked."})
    from gradepath.core.errors import StaleStateError

    with pytest.raises(StaleStateError):
        services.perform_action(actor=p.line_manager.user, case=case, action="record_discussion", step=0,
                                data={"reason": "Talked again."})
    case.refresh_from_db()
    assert case.step == 1 and case.events.count() == 1
