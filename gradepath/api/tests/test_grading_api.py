"""Grading cases over the API: the same gate (strangers 404), the same services and refusals."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gradepath.grades.models import Grade
from gradepath.grading import services
from gradepath.grading.models import CaseComment, CaseEvent, GradingCase
from gradepath.jobs import services as jd_services
from gradepath.people.services import update_post
from gradepath.testing.factories import JobFamilyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def p(personas):
    """The personas with an agreed JD on the staff member's post (so a regrade can start)."""
    personas.family = JobFamilyFactory()
    version = jd_services.create_job_description(
        actor=None, org_unit=personas.department, job_family=personas.family, staff_category="technical",
        job_title="Research Technician", purpose="To provide technical support to the research groups.",
        duties=["Prepare reagents and solutions.", "Maintain laboratory equipment."],
    )
    jd_services.submit_version(actor=None, version=version)
    jd_services.log_agreed_jd(actor=None, version=version, grade=Grade.objects.get(number=5))
    update_post(actor=None, post=personas.staff_post, changes={"jd_version": version})
    return personas


@pytest.fixture
def case(p):
    """Sam Patel's Direct Route case, with an HR note and a confidential comment."""
    case = services.start_direct_route_case(actor=p.staff_member.user, subject=p.staff_member)
    GradingCase.objects.filter(pk=case.pk).update(confidential_hr_notes="Previous grievance on file.")
    CaseComment.objects.create(case=case, author=p.hrbp, text="Check the 2019 restructure.", confidential=True)
    CaseComment.objects.create(case=case, author=p.line_manager, text="Happy to discuss on Monday.")
    return case


def detail(case):
    return reverse("api:grading-case-detail", args=[case.pk])


def perform(case):
    return reverse("api:grading-case-perform", args=[case.pk])


def test_anonymous_callers_get_401_everywhere(case, api):
    client = api(None)
    assert client.get(reverse("api:grading-case-list")).status_code == 401
    assert client.get(detail(case)).status_code == 401
    assert client.get(reverse("api:grading-case-actions", args=[case.pk])).status_code == 401
    assert client.post(perform(case), {"action": "record_discussion", "step": 0}, format="json").status_code == 401
    assert client.post(reverse("api:grading-case-start"), {"route": "direct", "subject": 1},
                       format="json").status_code == 401




def test_outsider_cannot_find_the_case_in_any_way(p, case, api):
    client = api(p.outsider)
    assert client.get(detail(case)).status_code == 404
    assert client.get(reverse("api:grading-case-actions", args=[case.pk])).status_code == 404
    response = client.post(perform(case), {"action": "record_discussion", "step": 0, "data": {"reason": "x"}},
                           format="json")
    assert response.status_code == 404
    assert client.get(reverse("api:grading-case-list")).json()["count"] == 0
    assert not CaseEvent.objects.filter(case=case).exists()


def test_the_staff_member_lists_and_reads_their_case_without_confidential_notes(p, case, api):
    client = api(p.staff_member)
    listed = client.get(reverse("api:grading-case-list")).json()
    assert [c["reference"] for c in listed["results"]] == [case.reference]
    assert listed["results"][0]["state_label"] == "Discussion to be recorded"
    body = client.get(detail(case)).json()
    assert body["confidential_hr_notes"] is None
    assert [c["text"] for c in body["comments"]] == ["Happy to discuss on Monday."]
    assert "grievance" not in str(body) and "restructure" not in str(body)
    assert body["open_tasks"][0]["assignee"]["full_name"] == "Lina Morgan"


def test_the_hrbp_reads_the_confidential_notes_and_comments(p, case, api):
    body = api(p.hrbp).get(detail(case)).json()
    assert body["confidential_hr_notes"] == "Previous grievance on file."
    assert {c["text"] for c in body["comments"]} == {"Happy to discuss on Monday.", "Check the 2019 restructure."}


def test_the_list_filters_by_route_and_state_and_refuses_unknown_ones(p, case, api):
    client = api(p.hr_services)
    url = reverse("api:grading-case-list")
    assert client.get(url, {"route": "direct", "state": "discussion"}).json()["count"] == 1
    assert client.get(url, {"route": "agreed"}).json()["count"] == 0
    assert client.get(url, {"state": "closed"}).json()["count"] == 0
    bad = client.get(url, {"route": "sideways"})
    assert bad.status_code == 400 and "Choose a route" in str(bad.json())
    assert client.get(url, {"state": "limbo"}).status_code == 400


def test_available_actions_name_the_role_capacity_requirements_and_policy(p, case, api):
    body = api(p.line_manager).get(reverse("api:grading-case-actions", args=[case.pk])).json()
    assert body["step"] == 0 and body["state"] == "discussion"
    discussion = next(a for a in body["actions"] if a["action"] == "record_discussion")
    assert discussion["role"] == "line_manager" and discussion["capacity"] == "line manager"
    assert discussion["requires"] == ["reason"] and discussion["policy"].startswith("§4.3 step 1")
    assert api(p.outsider).get(reverse("api:grading-case-actions", args=[case.pk])).status_code == 404


def test_performing_an_action_moves_the_case_on(p, case, api):
    response = api(p.line_manager).post(perform(case), {
        "action": "record_discussion", "step": 0, "data": {"reason": "Discussed on 3 March."}}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "staff_proposal" and response.json()["step"] == 1
    event = CaseEvent.objects.get(case=case)
    assert event.actor == p.line_manager and event.reason == "Discussed on 3 March."


def test_a_stale_step_gets_409_and_changes_nothing(p, case, api):
    client = api(p.line_manager)
    assert client.post(perform(case), {"action": "record_discussion", "step": 0, "data": {"reason": "Talked."}},
                       format="json").status_code == 200
    again = client.post(perform(case), {"action": "record_discussion", "step": 0, "data": {"reason": "Again."}},
                        format="json")
    assert again.status_code == 409
    assert case.reference in again.json()["detail"] and "staff member proposing" in again.json()["detail"]
    wrong_step = client.post(perform(case), {"action": "submit_proposal", "step": 0, "data": {}}, format="json")
    assert wrong_step.status_code == 409
    assert "has moved on since you opened it" in wrong_step.json()["detail"]
    assert CaseEvent.objects.filter(case=case).count() == 1


def test_someone_who_may_see_but_not_act_gets_403(p, case, api):
    response = api(p.staff_member).post(perform(case), {
        "action": "record_discussion", "step": 0, "data": {"reason": "I discussed it with myself."}}, format="json")
    assert response.status_code == 403
    assert "You cannot" in response.json()["detail"]
    assert not CaseEvent.objects.filter(case=case).exists()


def test_bad_input_gets_400_with_the_services_message(p, case, api):
    client = api(p.line_manager)
    missing = client.post(perform(case), {"action": "record_discussion", "step": 0}, format="json")
    assert missing.status_code == 400 and "Give a reason" in str(missing.json())
    unknown = client.post(perform(case), {"action": "teleport", "step": 0}, format="json")
    assert unknown.status_code == 400
    assert not CaseEvent.objects.filter(case=case).exists()


def test_the_same_idempotency_key_twice_has_one_effect(p, case, api):
    client = api(p.line_manager)
    request = {"action": "record_discussion", "step": 0, "idempotency_key": "lm-discussion-1",
               "data": {"reason": "Discussed on 3 March."}}
    first = client.post(perform(case), request, format="json")
    second = client.post(perform(case), request, format="json")
    assert first.status_code == 200 and second.status_code == 200
    assert second.json()["step"] == 1
    assert CaseEvent.objects.filter(case=case).count() == 1


def test_starting_a_direct_route_case_for_myself(p, api):
    response = api(p.staff_member).post(reverse("api:grading-case-start"),
                                        {"route": "direct", "subject": p.staff_member.pk}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["route"] == "direct" and response.json()["subject"]["id"] == p.staff_member.pk


def test_the_line_manager_starts_an_agreed_route_case_but_not_a_direct_one(p, api):
    client = api(p.line_manager)
    refused = client.post(reverse("api:grading-case-start"), {"route": "direct", "subject": p.staff_member.pk},
                          format="json")
    assert refused.status_code == 403 and "started by the staff member" in refused.json()["detail"]
    started = client.post(reverse("api:grading-case-start"), {"route": "agreed", "subject": p.staff_member.pk},
                          format="json")
    assert started.status_code == 201 and started.json()["state"] == "agreements"
    second = client.post(reverse("api:grading-case-start"), {"route": "agreed", "subject": p.staff_member.pk},
                         format="json")
    assert second.status_code == 400 and "already has an open grading case" in str(second.json())


def test_an_outsider_cannot_start_a_case_about_someone_they_cannot_see(p, api):
    response = api(p.outsider).post(reverse("api:grading-case-start"),
                                    {"route": "agreed", "subject": p.staff_member.pk}, format="json")
    assert response.status_code == 404
    assert not GradingCase.objects.exists()


def test_a_manager_starts_a_new_job_case_from_a_jd_draft(p, api):
    draft = jd_services.create_job_description(
        actor=p.line_manager.user, org_unit=p.department, job_family=p.family, staff_category="technical",
        job_title="Imaging Technician", purpose="To run the imaging suite.", duties=["Run the microscopes."])
    response = api(p.line_manager).post(reverse("api:grading-case-start-new-job"), {"jd_version": draft.pk},
                                        format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["route"] == "new_job" and response.json()["title"] == "Imaging Technician"
    assert api(p.outsider).post(reverse("api:grading-case-start-new-job"), {"jd_version": draft.pk},
                                format="json").status_code == 404


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("api:grading-case-list")).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("persona", ["hr_services", "line_manager"])
def test_the_case_list_runs_a_fixed_number_of_queries(p, api, persona):
    draft = jd_services.create_job_description(
        actor=p.line_manager.user, org_unit=p.department, job_family=p.family, staff_category="technical",
        job_title="Imaging Technician", purpose="To run the imaging suite.", duties=["Run the microscopes."])
    services.start_direct_route_case(actor=p.staff_member.user, subject=p.staff_member)
    for _ in range(2):
        services.start_new_job_case(actor=p.line_manager.user, jd_version=draft)
    client = api(getattr(p, persona))
    few = _list_queries(client)
    for _ in range(10):
        services.start_new_job_case(actor=p.line_manager.user, jd_version=draft)
    assert client.get(reverse("api:grading-case-list")).json()["count"] == 13
    assert _list_queries(client) == few
    assert few <= 15
