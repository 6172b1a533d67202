"""Appeals (policy §4.1 step 9): within the window, with grounds, heard by a panel of people not
involved in the case; the outcome can change the grade."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from gradepath.core.errors import PermissionDenied, ServiceError
from gradepath.grades.models import Grade, PayRecord
from gradepath.grading import services
from gradepath.grading.models import GradingCase, Outcome, Route
from gradepath.grading.tests.conftest import grade_on
from gradepath.grading.tests.test_workflow_matrix import act, make_case
from gradepath.notifications.models import Notification

pytestmark = pytest.mark.django_db


def closed_case(p):
    """A Direct Route case decided at grade 6, processed, then logged by the HRBP (which opens the window)."""
    case = make_case(p, Route.DIRECT, "hr_processing", initiator=p.staff_member)
    case = act(case, p.hr_services, "process")
    case = act(case, p.hrbp, "log_and_send")
    assert case.state == "closed" and case.appeal_deadline > timezone.localdate()
    return case


def test_the_staff_member_appeals_and_the_panel_upholds_a_higher_grade(grading):
    p = grading
    case = closed_case(p)
    with pytest.raises(ServiceError, match="Give a reason"):
        act(case, p.staff_member, "lodge_appeal")
    case = act(case, p.staff_member, "lodge_appeal", reason="The budget I manage matches grade 7 JDs.")
    assert case.state == "appeal"
    # A panel of people not involved: the HRBP decided it, the line manager manages the staff member.
    for involved in (p.hrbp, p.line_manager, p.fm_hps, p.hod):
        with pytest.raises(ServiceError, match="cannot sit on its panel"):
            act(case, p.hr_services, "convene_panel", panel=[involved.pk, p.tc_lead.pk])
    with pytest.raises(ServiceError, match="at least two members"):
        act(case, p.hr_services, "convene_panel", panel=[p.tc_lead.pk])
    case = act(case, p.hr_services, "convene_panel", panel=[p.tc_lead.pk, p.equality_viewer.pk])
    assert case.state == "appeal_hearing"
    assert set(case.panel.values_list("person_id", flat=True)) == {p.tc_lead.pk, p.equality_viewer.pk}
    # Only the panel decides the appeal.
    for person in (p.hrbp, p.hr_services, p.outsider, p.staff_member):
        with pytest.raises(PermissionDenied):
            act(case, person, "uphold_appeal", reason="Upheld.", grade=7)
    case = act(case, p.tc_lead, "uphold_appeal", reason="The budget responsibility is at grade 7.", grade=7)
    assert case.state == "hr_processing" and case.decided_grade.number == 7 and case.outcome == Outcome.HIGHER_GRADE
    assert Notification.objects.filter(recipient=p.staff_member, subject__contains="appeal upheld, Grade 7").exists()
    # Back to HR Services: the new grade is processed.
    case = act(case, p.hr_services, "process")
    latest = PayRecord.objects.filter(person=p.staff_member, reason="regrade").order_by("-id").first()
    assert latest.grade == Grade.objects.get(number=7)
    case = act(case, p.hrbp, "log_and_send")
    assert case.state == "closed"
    p.staff_post.refresh_from_db()
    assert grade_on(p.staff_post, case.effective_date) == 7
    # One appeal per case: its outcome is final.
    with pytest.raises(ServiceError, match="already been heard"):
        act(case, p.staff_member, "lodge_appeal", reason="Again.")


def test_a_dismissed_appeal_closes_the_case_with_the_decision_standing(grading):
    p = grading
    case = closed_case(p)
    case = act(case, p.line_manager, "lodge_appeal", reason="I believe grade 6 understates the role.")
    case = act(case, p.hr_services, "convene_panel", panel=[p.tc_lead.pk, p.equality_viewer.pk])
    with pytest.raises(ServiceError, match="Give a reason"):
        act(case, p.equality_viewer, "dismiss_appeal")
    case = act(case, p.equality_viewer, "dismiss_appeal", reason="The JD matches the grade 6 agreed JD.")
    assert case.state == "closed" and case.decided_grade.number == 6
    assert PayRecord.objects.filter(person=p.staff_member, reason="regrade").count() == 1
    with pytest.raises(ServiceError, match="already been heard"):
        act(case, p.staff_member, "lodge_appeal", reason="Once more.")


def test_an_appeal_after_the_window_is_refused(grading):
    p = grading
    case = closed_case(p)
    GradingCase.objects.filter(pk=case.pk).update(appeal_deadline=timezone.localdate() - dt.timedelta(days=1))
    case.refresh_from_db()
    with pytest.raises(ServiceError, match="appeal window closed"):
        act(case, p.staff_member, "lodge_appeal", reason="Late grounds.")
    case.refresh_from_db()
    assert case.state == "closed"


def test_an_appeal_on_the_last_day_of_the_window_is_accepted(grading):
    p = grading
    case = closed_case(p)
    GradingCase.objects.filter(pk=case.pk).update(appeal_deadline=timezone.localdate())
    case.refresh_from_db()
    assert act(case, p.staff_member, "lodge_appeal", reason="Grounds.").state == "appeal"


def test_only_the_staff_member_or_line_manager_may_appeal(grading):
    p = grading
    case = closed_case(p)
    for person in (p.hrbp, p.fm_hps, p.hr_services, p.outsider):
        assert "lodge_appeal" not in {a.move.action for a in services.available_actions(case, person.user)}
        with pytest.raises(PermissionDenied):
            act(case, person, "lodge_appeal", reason="Grounds.")


def test_a_withdrawn_case_cannot_be_appealed(grading):
    p = grading
    case = services.start_direct_route_case(actor=p.staff_member.user, subject=p.staff_member)
    case = act(case, p.staff_member, "withdraw", reason="Changed my mind.")
    assert services.available_actions(case, p.staff_member.user) == []
    with pytest.raises(ServiceError):
        act(case, p.staff_member, "lodge_appeal", reason="Grounds.")
