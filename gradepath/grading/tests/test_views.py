"""The grading pages through HTTP: the access gate, the buttons, actions with their step and
idempotency key, comments, and the case list's query count."""

from __future__ import annotations

import re
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gradepath.grading import services
from gradepath.grading.comments import add_comment
from gradepath.grading.models import CaseComment, CaseEvent, GradingCase
from gradepath.jobs.services import save_draft
from gradepath.testing.factories import AppointmentFactory, PersonFactory, PostFactory, UserFactory

pytestmark = pytest.mark.django_db


def act(case, person, action, **data):
    return services.perform_action(actor=person.user, case=case, action=action, step=case.step, data=data)


@pytest.fixture
def case(grading):
    """A Direct Route case about the staff member, just started."""
    return services.start_direct_route_case(actor=grading.staff_member.user, subject=grading.staff_member)


def case_url(case):
    return reverse("grading:case-detail", args=[case.pk])


def act_url(case, action):
    return reverse("grading:case-act", args=[case.pk, action])


def post_action(client, case, action, *, step=None, key=None, **fields):
    data = {f"{action}-step": case.step if step is None else step,
            f"{action}-idempotency_key": key or str(uuid.uuid4())}
    data.update({f"{action}-{name}": value for name, value in fields.items()})
    return client.post(act_url(case, action), data)


def buttons(response) -> set[str]:
    """The actions whose forms the case page renders."""
    return set(re.findall(r'data-testid="action-([a-z_]+)"', response.content.decode()))


# --- The access gate -----------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login_page(client, case):
    for url in (reverse("grading:case-list"), case_url(case), reverse("grading:start-direct"),
                reverse("grading:start-agreed"), reverse("grading:start-new-job")):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
    response = client.post(act_url(case, "record_discussion"), {})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_outsider_gets_404_on_the_case_page_and_every_post(login, grading, case):
    client = login(grading.outsider)
    assert client.get(case_url(case)).status_code == 404
    assert post_action(client, case, "record_discussion", reason="I was there.").status_code == 404
    assert client.post(reverse("grading:case-comment", args=[case.pk]), {"text": "Hello."}).status_code == 404
    case.refresh_from_db()
    assert case.step == 0 and not case.comments.exists()
    assert case.reference not in client.get(reverse("grading:case-list")).content.decode()


def test_an_unknown_action_is_404(login, grading, case):
    assert login(grading.line_manager).post(act_url(case, "promote_everyone"), {}).status_code == 404


# --- The buttons are the available actions ---------------------------------------------------------


def test_the_buttons_are_the_available_actions_for_each_persona(login, grading, case):
    p = grading
    expected_in_discussion = {
        p.staff_member: {"withdraw"},  # the staff member started it
        p.line_manager: {"record_discussion"},
        p.delegate: {"record_discussion"},
        p.hrbp: set(),
        p.hr_services: set(),
    }
    for person, expected in expected_in_discussion.items():
        response = login(person).get(case_url(case))
        assert response.status_code == 200
        assert buttons(response) == expected == {a.move.action for a in services.available_actions(case, person.user)}
    case = act(case, p.line_manager, "record_discussion", reason="Discussed on 3 March.")
    assert buttons(login(p.staff_member).get(case_url(case))) == {"submit_proposal", "withdraw"}
    assert buttons(login(p.line_manager).get(case_url(case))) == set()


def test_the_case_page_shows_who_acts_next_the_process_map_and_the_policy_step(login, grading, case):
    response = login(grading.staff_member).get(case_url(case))
    body = response.content.decode()
    assert [t.assignee for t in response.context["tasks"]] == [grading.line_manager]  # who acts next
    assert "<strong>Lina Morgan</strong>" in body
    assert 'aria-current="step">Discussion to be recorded' in body
    assert "HRBP grade check" in body  # later on the map
    assert "Policy: A case can be withdrawn by its initiator before a decision" in body


# --- Actions -------------------------------------------------------------------------------------


def test_posting_an_action_at_the_current_step_moves_the_case_on(login, grading, case):
    response = post_action(login(grading.line_manager), case, "record_discussion", reason="Discussed on 3 March.")
    assert response.status_code == 302 and response["Location"] == case_url(case)
    case.refresh_from_db()
    assert case.state == "staff_proposal" and case.step == 1
    event = case.events.get()
    assert event.actor == grading.line_manager and event.reason == "Discussed on 3 March."


def test_a_stale_step_is_a_409_and_changes_nothing(login, grading, case):
    client = login(grading.line_manager)
    post_action(client, case, "record_discussion", reason="Discussed on 3 March.")
    response = post_action(client, case, "record_discussion", step=0, reason="Discussed again.")
    assert response.status_code == 409
    assert "This case has moved on" in response.content.decode()
    case.refresh_from_db()
    assert case.step == 1 and case.events.count() == 1


def test_the_same_idempotency_key_twice_records_one_event(login, grading, case):
    client = login(grading.line_manager)
    key = str(uuid.uuid4())
    first = post_action(client, case, "record_discussion", key=key, reason="Discussed on 3 March.")
    second = post_action(client, case, "record_discussion", key=key, reason="Discussed on 3 March.")
    assert first.status_code == second.status_code == 302
    assert CaseEvent.objects.filter(case=case).count() == 1


def test_a_missing_reason_gives_a_message_and_changes_nothing(login, grading, case):
    response = post_action(login(grading.line_manager), case, "record_discussion", reason="  ")
    assert response.status_code == 400
    assert "Give a reason" in response.content.decode()
    case.refresh_from_db()
    assert case.step == 0 and case.state == "discussion" and not case.events.exists()


def test_an_action_the_user_may_not_take_is_refused_and_changes_nothing(login, grading, case):
    response = post_action(login(grading.staff_member), case, "record_discussion", reason="I talked to myself.")
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.step == 0


def test_the_staff_member_submits_a_proposal_with_a_recommended_grade(login, grading, case):
    p = grading
    case = act(case, p.line_manager, "record_discussion", reason="Discussed.")
    save_draft(actor=p.staff_member.user, version=case.proposed_version, base_revision=case.proposed_version.revision,
               changes={"duties": ["Supervise two technicians.", "Prepare reagents and solutions."]})
    client = login(p.staff_member)
    body = client.get(case_url(case)).content.decode()
    assert reverse("jobs:version-edit", args=[case.proposed_version.pk]) in body  # edit the proposed draft
    assert "redline-ins" in body and "Supervise two technicians." in body  # tracked changes against the baseline
    response = post_action(client, case, "submit_proposal", recommended_grade="6",
                           matched_agreed=str(p.senior_agreed.pk))
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == "manager_review" and case.recommended_grade.number == 6
    assert case.matched_agreed == p.senior_agreed


def test_hrbp_forms_record_the_evaluation_fairness_and_decision(login, grading, case):
    p = grading
    case = act(case, p.line_manager, "record_discussion", reason="Discussed.")
    case = act(case, p.staff_member, "submit_proposal", recommended_grade=6)
    case = act(case, p.line_manager, "confirm_jd")
    case = act(case, p.line_manager, "submit_to_fm")
    case = act(case, p.delegate, "record_grade_agreement")
    client = login(p.hrbp)
    assert buttons(client.get(case_url(case))) >= {"confirm_by_match", "refer_to_evaluation", "return_to_submitter"}
    post_action(client, case, "refer_to_evaluation")
    case.refresh_from_db()
    scores = {f"score_{i}": 25 for i in range(14)}  # 350: grade 6
    assert post_action(client, case, "record_evaluation", **scores).status_code == 302
    case.refresh_from_db()
    assert case.state == "fairness" and case.evaluation["total"] == 350 and case.recommended_grade.number == 6
    assert case.checked_grade.number == 6
    # An issue may be left open while the other holders are assessed; the resolution is recorded later.
    response = post_action(client, case, "record_fairness", fairness_issue="yes", assessment="Two others hold it.")
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == "fairness_issue_open"
    page = client.get(case_url(case))
    assert "Knock-on fairness issue being resolved" in page.content.decode()
    assert buttons(page) >= {"resolve_fairness_issue"}
    response = post_action(client, case, "resolve_fairness_issue", resolution="")
    assert response.status_code == 400 and "resolved" in response.content.decode()
    post_action(client, case, "resolve_fairness_issue", resolution="Both are at the same grade already.")
    case.refresh_from_db()
    assert case.state == "manager_discussion"
    post_action(client, case, "record_manager_discussion", reason="Discussed with the line manager.")
    case.refresh_from_db()
    assert post_action(client, case, "decide", outcome="higher_grade", grade="6").status_code == 302
    case.refresh_from_db()
    assert case.state == "hr_processing" and case.decided_grade.number == 6
    body = login(p.hr_services).get(case_url(case)).content.decode()
    assert services.effective_date_for(case).isoformat() in body  # the effective date is prefilled


def test_the_panel_form_offers_only_people_not_involved(login, grading, case):
    p = grading
    case.state, case.step = "appeal", 0
    case.save()
    response = login(p.hr_services).get(case_url(case))
    panel = response.context["actions"][0]["form"].fields["panel"].queryset
    assert p.staff_member not in panel and p.line_manager not in panel and p.hrbp not in panel
    assert p.outsider in panel


# --- Comments and confidential notes -----------------------------------------------------------------


def test_the_staff_member_never_sees_confidential_comments_or_notes(login, grading, case):
    p = grading
    GradingCase.objects.filter(pk=case.pk).update(confidential_hr_notes="Pay protection likely; keep quiet.")
    add_comment(actor=p.hrbp.user, case=case, text="Visible to everyone on the case.")
    add_comment(actor=p.hrbp.user, case=case, text="Secret HR view.", confidential=True)
    staff = login(p.staff_member).get(case_url(case)).content.decode()
    assert "Visible to everyone on the case." in staff
    assert "Secret HR view." not in staff and "confidential HR note" not in staff
    assert "Pay protection likely" not in staff and "Confidential HR notes" not in staff
    hr = login(p.hr_services).get(case_url(case)).content.decode()
    assert "Secret HR view." in hr and "Pay protection likely" in hr


def test_a_staff_member_cannot_add_a_confidential_note(login, grading, case):
    client = login(grading.staff_member)
    client.post(reverse("grading:case-comment", args=[case.pk]), {"text": "Mine.", "confidential": "on"})
    comment = CaseComment.objects.get(case=case)
    assert comment.confidential is False  # the box is not offered, so it is ignored


def test_an_empty_comment_gives_a_message_and_adds_nothing(login, grading, case):
    response = login(grading.line_manager).post(reverse("grading:case-comment", args=[case.pk]), {"text": " "})
    assert response.status_code == 400 and "Write the comment" in response.content.decode()
    assert not CaseComment.objects.exists()


def test_the_timeline_shows_actions_with_capacity_and_reason(login, grading, case):
    p = grading
    act(case, p.delegate, "record_discussion", reason="Met on 3 March.")
    body = login(p.staff_member).get(case_url(case)).content.decode()
    assert "Met on 3 March." in body and "delegate of Fiona Marsh" in body
    assert "Started " + case.reference in body


# --- Starting requests ------------------------------------------------------------------------------


def test_the_staff_member_starts_a_direct_route_request(login, grading):
    response = login(grading.staff_member).post(reverse("grading:start-direct"))
    case = GradingCase.objects.get()
    assert response.status_code == 302 and response["Location"] == case_url(case)
    assert case.route == "direct" and case.subject == grading.staff_member


def test_a_line_manager_starts_the_agreed_route_for_a_report(login, grading):
    client = login(grading.line_manager)
    assert grading.staff_member.full_name in client.get(reverse("grading:start-agreed")).content.decode()
    response = client.post(reverse("grading:start-agreed"), {"subject": grading.staff_member.pk})
    case = GradingCase.objects.get()
    assert response.status_code == 302 and case.route == "agreed" and case.initiator == grading.line_manager


def test_the_agreed_route_cannot_be_started_for_someone_else(login, grading):
    response = login(grading.outsider).post(reverse("grading:start-agreed"), {"subject": grading.staff_member.pk})
    assert response.status_code == 400 and not GradingCase.objects.exists()


def test_a_second_request_on_the_same_post_is_refused_with_a_message(login, grading, case):
    response = login(grading.staff_member).post(reverse("grading:start-direct"))
    assert response.status_code == 400 and "already has an open grading case" in response.content.decode()
    assert GradingCase.objects.count() == 1


def test_a_manager_grades_a_new_job_from_their_draft(login, grading):
    from gradepath.jobs import services as jd_services
    from gradepath.testing.factories import JobFamilyFactory

    draft = jd_services.create_job_description(
        actor=grading.line_manager.user, org_unit=grading.department, job_family=JobFamilyFactory(),
        staff_category="technical", job_title="Imaging Technician", area="Laboratory operations",
        purpose="To run the microscopy suite.", duties=["Run the microscopes."])
    client = login(grading.line_manager)
    assert "Imaging Technician" in client.get(reverse("grading:start-new-job")).content.decode()
    response = client.post(reverse("grading:start-new-job"), {"version": draft.pk})
    case = GradingCase.objects.get()
    assert response.status_code == 302 and case.route == "new_job" and case.proposed_version == draft
    # Someone else's draft is not offered and cannot be posted.
    other = login(grading.staff_member).post(reverse("grading:start-new-job"), {"version": draft.pk})
    assert other.status_code == 400 and GradingCase.objects.count() == 1


# --- The case list ---------------------------------------------------------------------------------


def test_waiting_for_me_lists_my_tasks_and_the_hr_services_queue(login, grading, case):
    p = grading
    body = login(p.line_manager).get(reverse("grading:case-list")).content.decode()
    assert "Waiting for me (1)" in body and case.reference in body
    case.state, case.step = "hr_processing", case.step
    case.save()
    services._refresh_tasks(case)
    body = login(p.hr_services).get(reverse("grading:case-list")).content.decode()
    assert "Waiting for me (1)" in body and "HR Services team" in body


def test_the_case_list_filters_and_searches(login, grading, case):
    client = login(grading.hrbp)
    assert case.reference in client.get(reverse("grading:case-list"), {"q": case.reference}).content.decode()
    assert case.reference not in client.get(reverse("grading:case-list"), {"q": "Astronaut"}).content.decode()
    assert case.reference not in client.get(reverse("grading:case-list"), {"route": "agreed"}).content.decode()
    assert case.reference not in client.get(reverse("grading:case-list"), {"status": "closed"}).content.decode()
    assert case.reference in client.get(reverse("grading:case-list"),
                                        {"status": "open", "state": "discussion"}).content.decode()


def _more_cases(grading, count: int) -> None:
    for _ in range(count):
        person = PersonFactory(line_manager=grading.line_manager, user=UserFactory())
        post = PostFactory(org_unit=grading.department, title="Technician", grade=grading.staff_post.grade,
                           jd_version=grading.agreed.version)
        AppointmentFactory(person=person, post=post)
        services.start_direct_route_case(actor=person.user, subject=person)


def count_queries(client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("persona", ["line_manager", "hr_services"])
def test_the_case_list_query_count_does_not_grow_with_cases(login, grading, case, persona,
                                                           django_assert_max_num_queries):
    client = login(getattr(grading, persona))
    url = reverse("grading:case-list")
    _more_cases(grading, 2)
    small = count_queries(client, url)
    _more_cases(grading, 12)
    with django_assert_max_num_queries(small):
        response = client.get(url)
    assert response.context["page"].paginator.count == 15
    assert small <= 14


def test_my_home_shows_my_grading_tasks_and_the_start_links(login, grading, case):
    body = login(grading.line_manager).get(reverse("people:home")).content.decode()
    assert "Career and grading" in body and case.reference in body
    for name in ("grading:start-direct", "grading:start-agreed", "grading:start-new-job", "grading:case-list"):
        assert reverse(name) in body
    staff = login(grading.staff_member).get(reverse("people:home")).content.decode()
    assert "No grading case is waiting for you." in staff


def test_the_start_page_offers_no_button_without_a_job_description(login, grading):
    body = login(grading.outsider).get(reverse("grading:start-direct")).content.decode()
    assert "none recorded yet" in body and "Start a Direct Route request for my job" not in body


def test_the_case_page_query_count_does_not_grow_with_events_and_comments(login, grading, case,
                                                                         django_assert_max_num_queries):
    p = grading
    client = login(p.hrbp)
    case = act(case, p.line_manager, "record_discussion", reason="Discussed.")
    add_comment(actor=p.hrbp.user, case=case, text="First.")
    small = count_queries(client, case_url(case))
    case = act(case, p.staff_member, "submit_proposal", recommended_grade=6)
    case = act(case, p.line_manager, "return_to_staff", reason="Add the budget.")
    case = act(case, p.staff_member, "submit_proposal", recommended_grade=6)
    case = act(case, p.line_manager, "return_to_staff", reason="Add the training.")
    for n in range(10):
        add_comment(actor=p.hrbp.user, case=case, text=f"Comment {n}.", confidential=n % 2 == 0)
    with django_assert_max_num_queries(small):
        response = client.get(case_url(case))
    assert len(response.context["comments"]) == 11


def test_the_case_list_shows_open_cases_before_closed_ones(login, grading, case):
    p = grading
    withdrawn = act(case, p.staff_member, "withdraw", reason="Changed my mind.")
    newer = services.start_direct_route_case(actor=p.staff_member.user, subject=p.staff_member)
    GradingCase.objects.filter(pk=withdrawn.pk).update(updated_at=newer.updated_at.replace(year=2099))
    rows = list(login(p.hrbp).get(reverse("grading:case-list")).context["page"].object_list)
    assert rows == [newer, withdrawn]


def test_a_grant_funded_new_job_needs_the_grant_named(login, grading):
    from gradepath.jobs import services as jd_services
    from gradepath.testing.factories import JobFamilyFactory

    draft = jd_services.create_job_description(
        actor=grading.line_manager.user, org_unit=grading.department, job_family=JobFamilyFactory(),
        staff_category="technical", job_title="Imaging Technician", area="Laboratory operations",
        purpose="To run the microscopy suite.", duties=["Run the microscopes."])
    client = login(grading.line_manager)
    url = reverse("grading:start-new-job")
    response = client.post(url, {"version": draft.pk, "grant_funded": "on", "funding_source": " "})
    assert response.status_code == 400 and "Name the grant" in response.content.decode()
    assert not GradingCase.objects.exists()
    client.post(url, {"version": draft.pk, "grant_funded": "on", "funding_source": "Wellcome Trust 224/2026"})
    case = GradingCase.objects.get()
    assert case.grant_funded and case.funding_source == "Wellcome Trust 224/2026"


def test_the_match_recorded_on_the_jd_match_page_is_preselected(login, grading, case):
    from gradepath.jobs import services as jd_services

    p = grading
    case = act(case, p.line_manager, "record_discussion", reason="Discussed.")
    jd_services.record_match(actor=p.staff_member.user, version=case.proposed_version, agreed_jd=p.senior_agreed,
                             reason="Closest in duties.", score=0.7)
    response = login(p.staff_member).get(case_url(case))
    form = next(a["form"] for a in response.context["actions"] if a["move"].action == "submit_proposal")
    assert form["matched_agreed"].value() == p.senior_agreed.pk


def test_hr_services_is_told_why_processing_waits_on_a_grant_funded_post(login, grading):
    from gradepath.grading.tests.test_workflow_matrix import make_case

    p = grading
    case = make_case(p, "new_job", "hr_processing", initiator=p.line_manager)
    GradingCase.objects.filter(pk=case.pk).update(grant_funded=True, funding_source="MRC G0123")
    client = login(p.hr_services)
    response = client.get(case_url(case))
    assert buttons(response) == {"record_finance_approval"}
    assert "Process the change (grade, spine point, effective date): not yet. This post is grant-funded: record " \
           "the finance approval before processing the change." in re.sub(r"<[^>]+>", "", response.content.decode())
    assert post_action(client, case, "record_finance_approval", reason="Approved by Jo Bloggs, ref F-12.") \
        .status_code == 302
    response = client.get(case_url(case))
    assert buttons(response) == {"process"} and 'data-testid="not-yet"' not in response.content.decode()


def test_the_hrbp_ticks_the_other_posts_on_the_jd_to_regrade_with_it(login, grading, case):
    p = grading
    other = PostFactory(post_number="BIO-0102", org_unit=p.department, title="Research Technician",
                        jd_version=case.baseline_version)
    AppointmentFactory(person=PersonFactory(first_name="Rosa", last_name="Khan"), post=other)
    PostFactory(post_number="BIO-0103", org_unit=p.department, title="Research Technician",
                jd_version=case.baseline_version)  # vacant
    case = act(case, p.line_manager, "record_discussion", reason="Discussed.")
    case = act(case, p.staff_member, "submit_proposal", recommended_grade=6)
    case = act(case, p.line_manager, "confirm_jd")
    case = act(case, p.line_manager, "submit_to_fm")
    case = act(case, p.delegate, "record_grade_agreement")
    case = act(case, p.hrbp, "confirm_by_match", matched_agreed=p.senior_agreed.pk)
    client = login(p.hrbp)
    body = client.get(case_url(case)).content.decode()
    assert "BIO-0102 Research Technician, Division of Biosciences (Rosa Khan)" in body
    assert "BIO-0103 Research Technician, Division of Biosciences (vacant)" in body
    post_action(client, case, "record_fairness", fairness_issue="yes", assessment="Rosa does the same work.",
                resolution="Both regraded.", also_regrade=str(other.pk))
    case.refresh_from_db()
    assert case.state == "manager_discussion" and list(case.also_regraded.all()) == [other]
    assert 'data-testid="also-regraded"' in client.get(case_url(case)).content.decode()


def test_a_closed_case_says_whether_an_appeal_can_still_be_lodged(login, grading):
    import datetime as dt

    from django.utils import timezone

    from gradepath.grading.tests.test_workflow_matrix import make_case

    p = grading
    case = make_case(p, "direct", "closed")
    client = login(p.staff_member)
    deadline = case.appeal_deadline
    assert f"An appeal can be lodged until {deadline.day} {deadline:%b %Y}." in client.get(case_url(case)).content.decode()
    GradingCase.objects.filter(pk=case.pk).update(appeal_deadline=timezone.localdate() - dt.timedelta(days=1))
    response = client.get(case_url(case))
    assert "The appeal window closed on" in response.content.decode() and "lodge_appeal" not in buttons(response)
