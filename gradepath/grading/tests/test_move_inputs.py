"""Every move declares its input fields (types and limits); what the server derives — who acts, in
which role and capacity — never comes from the client (issue 11, items 1, 2 and 24; policy §2)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from gradepath.core.errors import PermissionDenied, ServiceError
from gradepath.core.inputs import SCORES
from gradepath.grading import services, workflow
from gradepath.grading.forms import ActionForm
from gradepath.grading.models import CaseEvent, GradingCase, Route
from gradepath.grading.tests.test_new_job_route import draft_new_job
from gradepath.grading.tests.test_workflow_matrix import act, make_case

pytestmark = pytest.mark.django_db


def perform_url(case):
    return reverse("api:grading-case-perform", args=[case.pk])


def own_agreed_case(p):
    """Sam Patel starts an Agreed Route case about his own job."""
    return services.start_agreed_route_case(actor=p.staff_member.user, subject=p.staff_member)


# --- Item 1: one person cannot give all three agreements ------------------------------------------


def test_a_role_sent_in_the_data_is_refused_and_changes_nothing(grading):
    p = grading
    case = own_agreed_case(p)
    for role in ("line_manager", "fm_hps"):
        with pytest.raises(ServiceError, match="does not take role"):
            act(case, p.staff_member, "agree_duties_changed", role=role)
    case.refresh_from_db()
    assert case.step == 0 and not case.events.exists()


def test_one_person_gives_one_agreement_whatever_the_api_body_says(grading, api):
    p = grading
    case = own_agreed_case(p)
    client = api(p.staff_member)
    sent = client.post(perform_url(case), {"action": "agree_duties_changed", "step": 0,
                                           "data": {"role": "line_manager"}}, format="json")
    assert sent.status_code == 400 and "does not take role" in sent.json()["detail"]
    assert client.post(perform_url(case), {"action": "agree_duties_changed", "step": 0}, format="json").status_code == 200
    for role in ("line_manager", "fm_hps", None):
        body = {"action": "agree_duties_changed", "step": 1, "data": {"role": role} if role else {}}
        assert client.post(perform_url(case), body, format="json").status_code in (400, 403)
    case.refresh_from_db()
    assert case.state == "agreements" and case.step == 1
    event = case.events.get()
    assert event.actor == p.staff_member and event.data == {"role": "staff_member"}


def test_the_event_records_the_servers_role_not_a_posted_one(grading, login):
    p = grading
    case = own_agreed_case(p)
    client = login(p.staff_member)
    form = ActionForm(case=case, move=workflow.MOVES_BY_ACTION["agree_duties_changed"])
    response = client.post(reverse("grading:case-act", args=[case.pk, "agree_duties_changed"]), {
        "agree_duties_changed-step": 0, "agree_duties_changed-idempotency_key": form.initial["idempotency_key"],
        "agree_duties_changed-role": "fm_hps", "role": "fm_hps"})
    assert response.status_code == 302
    assert CaseEvent.objects.get(case=case).data["role"] == "staff_member"
    assert "agree_duties_changed" not in {a.move.action for a in services.available_actions(case, p.staff_member.user)}


# --- Items 1 and 2: input is checked against the move's fields, on the API and the page -------------


@pytest.mark.parametrize(("data", "message"), [
    ({"reason": 5}, "give text"),
    ({"reason": ["a", "b"]}, "give text"),
    ({"reason": {"text": "x"}}, "give text"),
    ({"reason": "x" * 4_000_000}, "at most 5,000 characters"),
    ({"reason": "Discussed\x00."}, "null character"),
    ({"reason": "Discussed.", "colour": "red"}, "does not take colour"),
])
def test_bad_data_for_an_action_is_400_with_a_message_and_changes_nothing(grading, api, data, message):
    p = grading
    case = services.start_direct_route_case(actor=p.staff_member.user, subject=p.staff_member)
    response = api(p.line_manager).post(perform_url(case), {"action": "record_discussion", "step": 0, "data": data},
                                        format="json")
    assert response.status_code == 400
    assert message in str(response.json())
    case.refresh_from_db()
    assert case.step == 0 and case.state == "discussion"


def test_data_that_is_not_an_object_is_400(grading, api):
    p = grading
    case = services.start_direct_route_case(actor=p.staff_member.user, subject=p.staff_member)
    for data in ([None, None], 5, "reason"):
        response = api(p.line_manager).post(perform_url(case), {"action": "record_discussion", "step": 0,
                                                                "data": data}, format="json")
        assert response.status_code == 400


def test_wrong_types_for_each_kind_of_field_are_refused(grading):
    p = grading
    case = make_case(p, Route.DIRECT, "decision")
    for data in ({"outcome": "promoted"}, {"outcome": "higher_grade", "grade": "six"},
                 {"outcome": "higher_grade", "grade": 6.5}, {"outcome": "higher_grade", "grade": True}):
        with pytest.raises(ServiceError):
            act(case, p.hrbp, "decide", **data)
    case = make_case(p, Route.NEW_JOB, "hr_processing")
    for data in ({"effective_date": "2027-02-30"}, {"effective_date": 20270101}, {"pay_protection": "yes please"}):
        with pytest.raises(ServiceError):
            act(case, p.hr_services, "process", **data)
    case = make_case(p, Route.NEW_JOB, "appeal")
    for data in ({"panel": "1,2"}, {"panel": [1, "x"]}, {"panel": [-1, 0]}, {"panel": list(range(1, 40))}):
        with pytest.raises(ServiceError):
            act(case, p.hr_services, "convene_panel", **data)
    assert GradingCase.objects.filter(state__in=["decision", "hr_processing", "appeal"]).count() == 3


def _form_inputs(form: ActionForm) -> set[str]:
    """The input names a page form sends to the service (score and level grids folded back)."""
    names = set()
    for name in form.fields:
        if name in ("step", "idempotency_key"):
            continue
        names.add({"score": "scores", "level": "levels"}.get(name.split("_")[0], name)
                  if name.startswith(("score_", "level_")) else name)
    return names


@pytest.mark.parametrize("move", workflow.MOVES, ids=[m.action for m in workflow.MOVES])
def test_the_page_and_the_api_take_the_same_fields_for_every_move(grading, move):
    p = grading
    route = next(r for r in (Route.DIRECT, Route.AGREED, Route.NEW_JOB) if r in move.routes)
    state = next(s for s in move.sources if s in workflow.route_states(route))
    case = make_case(p, route, state)
    declared = {spec.name for spec in move.inputs}
    page = _form_inputs(ActionForm(case=case, move=move))
    # The page offers every declared field (the other posts on a shared JD only when there are some).
    assert page <= declared and declared - page <= {"also_regrade"}, move.action
    described = {d["name"] for d in (spec.describe() for spec in move.inputs)}
    assert described == declared
    assert all(spec.keys for spec in move.inputs if spec.kind == SCORES)


# --- Item 24: a new job starts with the same fields on the page and over the API -------------------


def test_the_api_starts_a_grant_funded_new_job_like_the_page(grading, api):
    p = grading
    client = api(p.line_manager)
    url = reverse("api:grading-case-start-new-job")
    version = draft_new_job(p)
    missing = client.post(url, {"jd_version": version.pk, "grant_funded": True}, format="json")
    assert missing.status_code == 400 and "Name the grant" in str(missing.json())
    assert not GradingCase.objects.exists()
    nul = client.post(url, {"jd_version": version.pk, "grant_funded": True, "funding_source": "MRC\x00"},
                      format="json")
    assert nul.status_code == 400 and not GradingCase.objects.exists()
    response = client.post(url, {"jd_version": version.pk, "grant_funded": True,
                                 "funding_source": "Wellcome Trust 221/B"}, format="json")
    assert response.status_code == 201 and response.json()["grant_funded"] is True
    case = GradingCase.objects.get()
    assert case.grant_funded and case.funding_source == "Wellcome Trust 221/B"


def test_a_grant_funded_new_job_started_over_the_api_waits_for_the_finance_approval(grading, api):
    p = grading
    version = draft_new_job(p)
    response = api(p.line_manager).post(reverse("api:grading-case-start-new-job"), {
        "jd_version": version.pk, "grant_funded": True, "funding_source": "MRC G1002"}, format="json")
    case = GradingCase.objects.get(pk=response.json()["id"])
    GradingCase.objects.filter(pk=case.pk).update(state="hr_processing", decided_grade=p.senior_agreed.grade)
    case.refresh_from_db()
    with pytest.raises(ServiceError, match="record the finance approval"):
        act(case, p.hr_services, "process")


def test_the_page_and_the_api_start_a_new_job_with_the_same_fields(grading):
    from gradepath.api.views.grading import CaseStartNewJobApi
    from gradepath.grading.forms import StartNewJobForm
    from gradepath.jobs.models import JDVersion

    page = set(StartNewJobForm(drafts=JDVersion.objects.none()).fields)
    api = set(CaseStartNewJobApi.InputSerializer().fields)
    # The page picks the draft from a list ("version"); the API names it ("jd_version"); the rest is the same.
    assert page - {"version"} == api - {"jd_version"} == {"grant_funded", "funding_source"}


def test_the_api_lists_the_fields_each_action_takes(grading, api):
    p = grading
    case = services.start_direct_route_case(actor=p.staff_member.user, subject=p.staff_member)
    actions = api(p.line_manager).get(reverse("api:grading-case-actions", args=[case.pk])).json()["actions"]
    discussion = next(a for a in actions if a["action"] == "record_discussion")
    assert discussion["inputs"] == [{"name": "reason", "type": "text", "label": discussion["inputs"][0]["label"],
                                     "required": True, "max_length": 5000}]


def test_refusals_keep_their_http_meaning_with_bad_data(grading):
    """Who and when are checked before what: a stranger sending junk is refused as a stranger."""
    p = grading
    case = services.start_direct_route_case(actor=p.staff_member.user, subject=p.staff_member)
    with pytest.raises(PermissionDenied):
        act(case, p.outsider, "record_discussion", reason=5, role="line_manager")
