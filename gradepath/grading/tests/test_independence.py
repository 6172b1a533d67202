"""Nobody approves their own submission (policy §2; issue 11 item 23): the approval goes to someone
else who holds the role for the unit — a delegate, or the holder above — on every route."""

from __future__ import annotations

import pytest
from django.urls import reverse

from gradepath.core.errors import PermissionDenied
from gradepath.grading import services
from gradepath.grading.models import CaseTask
from gradepath.grading.tests.test_workflow_matrix import act, make_person
from gradepath.jobs import services as jd_services
from gradepath.people.models import Appointment
from gradepath.testing.factories import JobFamilyFactory, PostFactory
from gradepath.testing.unit_roles import assign_unit_role

pytestmark = pytest.mark.django_db


def offered(case, person) -> set[str]:
    return {a.move.action for a in services.available_actions(case, person.user)}


def new_job_by(person, unit):
    version = jd_services.create_job_description(
        actor=person.user, org_unit=unit, job_family=JobFamilyFactory(), staff_category="technical",
        job_title="Workshop Technician", purpose="To run the mechanical workshop.",
        duties=["Make apparatus to researchers' designs.", "Keep the workshop safe."])
    case = services.start_new_job_case(actor=person.user, jd_version=version)
    return act(case, person, "submit_for_approval", recommended_grade=5)


def test_an_fm_hps_who_submits_a_new_job_cannot_approve_it_and_their_delegate_can(grading, api):
    p = grading
    case = new_job_by(p.fm_hps, p.department)
    assert case.state == "fm_approval"
    assert "approve" not in offered(case, p.fm_hps) and "return_to_manager" not in offered(case, p.fm_hps)
    with pytest.raises(PermissionDenied, match="nobody approves their own submission"):
        act(case, p.fm_hps, "approve")
    response = api(p.fm_hps).post(reverse("api:grading-case-perform", args=[case.pk]),
                                  {"action": "approve", "step": case.step}, format="json")
    assert response.status_code == 403
    # The task is the delegate's, and the delegate approves.
    assert CaseTask.objects.get(case=case, completed_at__isnull=True).assignee == p.delegate
    case = act(case, p.delegate, "approve")
    assert case.state == "hrbp_review"


def test_without_a_delegate_the_holder_above_approves(grading):
    p = grading
    # The department names its own FM/HPS; the faculty's is the holder above.
    dept_fm = make_person("dora.fm", "Dora", "Fell")
    assign_unit_role(p.department, "fm_hps", dept_fm)
    p.department.refresh_from_db()
    Appointment.objects.create(person=dept_fm, post=PostFactory(org_unit=p.department, title="Department Manager"),
                               start_date=p.delegation.start_date)
    case = new_job_by(dept_fm, p.department)
    assert "approve" not in offered(case, dept_fm)
    task = CaseTask.objects.get(case=case, completed_at__isnull=True)
    assert task.assignee in (p.fm_hps, p.delegate)  # the holder above (or their delegate this month)
    available = next(a for a in services.available_actions(case, p.fm_hps.user) if a.move.action == "approve")
    assert "Dora Fell" in available.capacity
    case = act(case, p.fm_hps, "approve")
    assert case.state == "hrbp_review"
    assert case.events.get(action="approve").actor == p.fm_hps


def test_a_line_manager_who_is_also_the_fm_hps_gives_one_agreement(grading):
    p = grading
    # Lina Morgan manages Sam Patel and becomes the FM/HPS of his department.
    assign_unit_role(p.department, "fm_hps", p.line_manager)
    p.department.refresh_from_db()
    case = services.start_agreed_route_case(actor=p.staff_member.user, subject=p.staff_member)
    case = act(case, p.line_manager, "agree_duties_changed")
    assert case.events.get().data["role"] == "line_manager"
    assert "agree_duties_changed" not in offered(case, p.line_manager)
    with pytest.raises(PermissionDenied, match="different person"):
        act(case, p.line_manager, "agree_duties_changed")
    # The FM/HPS agreement passes to the holder above (the faculty's FM/HPS, or their delegate).
    case = act(case, p.staff_member, "agree_duties_changed")
    case = act(case, p.delegate, "agree_duties_changed")
    assert case.state == "jd_amendment"
    assert {e.actor_id for e in case.events.all()} == {p.line_manager.pk, p.staff_member.pk, p.delegate.pk}


def test_the_manager_who_submitted_to_the_fm_hps_cannot_broker_the_grade_as_fm_hps(grading):
    p = grading
    assign_unit_role(p.department, "fm_hps", p.line_manager)
    p.department.refresh_from_db()
    case = services.start_direct_route_case(actor=p.staff_member.user, subject=p.staff_member)
    case = act(case, p.line_manager, "record_discussion", reason="Discussed on Monday.")
    case = act(case, p.staff_member, "submit_proposal", recommended_grade=6)
    case = act(case, p.line_manager, "confirm_jd")
    case = act(case, p.line_manager, "submit_to_fm")
    assert case.state == "fm_brokering"
    assert offered(case, p.line_manager) == set()
    with pytest.raises(PermissionDenied, match="nobody approves their own submission"):
        act(case, p.line_manager, "record_grade_agreement")
    case = act(case, p.fm_hps, "record_grade_agreement")
    assert case.state == "hrbp_review"


def test_an_hrbp_who_submitted_the_jd_does_not_check_its_grade(grading):
    p = grading
    # Priya Banerjee (the HRBP) drafts and submits a new job in her own faculty.
    case = new_job_by(p.hrbp, p.department)
    case = act(case, p.delegate, "approve")
    assert case.state == "hrbp_review"
    assert offered(case, p.hrbp) == {"withdraw"}
    with pytest.raises(PermissionDenied, match="nobody approves their own submission"):
        act(case, p.hrbp, "confirm_by_match", matched_agreed=p.senior_agreed.pk)
