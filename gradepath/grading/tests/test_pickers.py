"""The pickers of the grading pages (issue 11, item 14): the appeal panel and the agreed JD are chosen
by searching, the page renders only what is chosen, the submitted ids are still checked on the server,
and the panel search leaves out everyone involved in the case."""

from __future__ import annotations

import re
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gradepath.grading import workflow
from gradepath.grading.forms import ActionForm
from gradepath.grading.models import GradingCase, Route
from gradepath.grading.tests.test_workflow_matrix import make_case
from gradepath.jobs import services as jd_services
from gradepath.jobs.matching import match_version
from gradepath.testing.factories import AppointmentFactory, PersonFactory, PostFactory

pytestmark = pytest.mark.django_db


def options(html: str, name: str) -> list[tuple[str, bool]]:
    """(value, selected) of every <option> of the <select name=name> in the page."""
    select = re.search(rf'<select name="{re.escape(name)}".*?</select>', html, re.S).group(0)
    return [(value, bool(selected)) for value, selected in
            re.findall(r'<option value="([^"]*)"( selected)?', select)]


def panel_url(case):
    return reverse("grading:panel-candidates", args=[case.pk])


def candidates(client, case, q):
    response = client.get(panel_url(case), {"q": q})
    assert response.status_code == 200
    return [row["value"] for row in response.json()["results"]]


def post_action(client, case, action, **fields):
    data = {f"{action}-step": case.step, f"{action}-idempotency_key": str(uuid.uuid4())}
    data.update({f"{action}-{name}": value for name, value in fields.items()})
    return client.post(reverse("grading:case-act", args=[case.pk, action]), data)


@pytest.fixture
def appeal(grading):
    return make_case(grading, Route.DIRECT, "appeal", initiator=grading.staff_member)


# --- The appeal panel ---------------------------------------------------------------------------


def test_the_panel_search_leaves_out_everyone_involved_and_the_convener(grading, appeal, login):
    p = grading
    client = login(p.hr_services)
    for person in (p.staff_member, p.line_manager, p.fm_hps, p.hod, p.hrbp, p.hr_services):
        assert candidates(client, appeal, person.last_name) == [], person
    assert candidates(client, appeal, "stranger") == [p.outsider.pk]
    assert candidates(client, appeal, "chen") == [p.tc_lead.pk]


@pytest.mark.parametrize("persona", ["hrbp", "staff_member", "outsider", "tc_lead"])
def test_only_whoever_convenes_the_panel_may_search_for_it(grading, appeal, login, persona):
    assert login(getattr(grading, persona)).get(panel_url(appeal), {"q": "chen"}).status_code == 404


def test_the_panel_search_is_closed_once_the_panel_is_convened(grading, appeal, login):
    GradingCase.objects.filter(pk=appeal.pk).update(state="appeal_hearing")
    assert login(grading.hr_services).get(panel_url(appeal), {"q": "chen"}).status_code == 404


def test_the_panel_picker_renders_only_the_chosen_people(grading, appeal, login):
    p = grading
    for _n in range(30):
        AppointmentFactory(person=PersonFactory(last_name="Quarry"), post=PostFactory(org_unit=p.estates))
    client = login(p.hr_services)
    html = client.get(reverse("grading:case-detail", args=[appeal.pk])).content.decode()
    assert options(html, "convene_panel-panel") == []
    assert f'data-gp-search="{panel_url(appeal)}"' in html
    # A refused submission comes back with the valid choices only (the involved one is not rendered).
    response = post_action(client, appeal, "convene_panel", panel=[p.tc_lead.pk, p.line_manager.pk])
    assert response.status_code == 400
    html = response.content.decode()
    assert options(html, "convene_panel-panel") == [(str(p.tc_lead.pk), True)]
    assert "not involved in this case" in html
    appeal.refresh_from_db()
    assert appeal.state == "appeal"


def test_a_panel_chosen_in_the_picker_is_convened(grading, appeal, login):
    p = grading
    response = post_action(login(p.hr_services), appeal, "convene_panel", panel=[p.tc_lead.pk, p.outsider.pk])
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.state == "appeal_hearing"
    assert set(appeal.panel.values_list("person_id", flat=True)) == {p.tc_lead.pk, p.outsider.pk}


def test_the_panel_search_query_count_does_not_grow_with_the_staff(grading, appeal, login):
    client = login(grading.hr_services)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert candidates(client, appeal, "quarry")
        return len(ctx.captured_queries)

    for _n in range(25):
        AppointmentFactory(person=PersonFactory(last_name="Quarry"), post=PostFactory(org_unit=grading.estates))
    small = queries()
    for _n in range(250):
        AppointmentFactory(person=PersonFactory(last_name="Quarry"), post=PostFactory(org_unit=grading.estates))
    assert queries() == small


# --- The agreed JD it matches -------------------------------------------------------------------


def review_case(p, **fields):
    case = make_case(p, Route.DIRECT, "hrbp_review", initiator=p.staff_member)
    GradingCase.objects.filter(pk=case.pk).update(**{"matched_agreed": None, **fields})
    case.refresh_from_db()
    return case


def matched_options(client, case):
    html = client.get(reverse("grading:case-detail", args=[case.pk])).content.decode()
    return options(html, "confirm_by_match-matched_agreed"), html


def test_the_agreed_jd_picker_renders_only_the_preselected_one(grading, login):
    p = grading
    case = review_case(p, matched_agreed=p.senior_agreed)
    found, html = matched_options(login(p.hrbp), case)
    assert found == [("", False), (str(p.senior_agreed.pk), True)]
    assert f'data-gp-search="{reverse("jobs:agreed-search")}"' in html


def test_the_match_recorded_on_the_match_page_is_preselected(grading, login):
    p = grading
    case = review_case(p)
    jd_services.record_match(actor=None, version=case.proposed_version, agreed_jd=p.senior_agreed,
                             reason="Same duties.")
    found, html = matched_options(login(p.hrbp), case)
    assert found == [(str(p.senior_agreed.pk), True)]  # required and chosen: no empty choice
    assert "recorded on the job description" in html


def test_without_a_recorded_match_the_closest_agreed_jd_is_preselected(grading, login):
    p = grading
    case = review_case(p)
    closest = match_version(case.proposed_version, k=1).matches[0].agreed
    found, html = matched_options(login(p.hrbp), case)
    assert found == [(str(closest.pk), True)]
    assert "closest agreed job description found by matching" in html


def test_the_submitted_agreed_jd_is_checked_on_the_server(grading, login):
    p = grading
    case = review_case(p)
    replaced = p.senior_agreed
    type(replaced).objects.filter(pk=replaced.pk).update(is_current=False)
    client = login(p.hrbp)
    for value in (str(replaced.pk), "999999", "abc"):
        response = post_action(client, case, "confirm_by_match", matched_agreed=value)
        assert response.status_code == 400, value
        assert "current agreed job description" in response.content.decode()
    other = type(replaced).objects.exclude(pk=replaced.pk).get()
    assert post_action(client, case, "confirm_by_match", matched_agreed=other.pk).status_code == 302
    case.refresh_from_db()
    assert case.matched_agreed == other


def test_a_bound_form_does_not_run_the_matcher(grading):
    p = grading
    case = review_case(p)
    move = workflow.MOVES_BY_ACTION["confirm_by_match"]
    form = ActionForm({"confirm_by_match-step": case.step}, case=case, move=move)
    assert form.fields["matched_agreed"].initial is None


# --- Whose job an Agreed Route request is about ----------------------------------------------------


START = reverse("grading:start-agreed")


def test_with_no_reports_the_request_is_about_your_own_job(grading, login):
    html = login(grading.staff_member).get(START).content.decode()
    assert "The request is about your own job." in html and "<select" not in html.split("<main")[1]


def test_a_few_reports_are_offered_as_radio_buttons(grading, login):
    html = login(grading.line_manager).get(START).content.decode()
    assert 'type="radio"' in html and "Sam Patel" in html
    assert html.index("My own job (Lina Morgan)") < html.index("Sam Patel")  # yours first


def test_many_reports_are_found_by_searching_and_the_choice_is_checked(grading, login):
    p = grading
    for _n in range(12):
        PersonFactory(last_name="Quill", line_manager=p.line_manager)
    client = login(p.line_manager)
    html = client.get(START).content.decode()
    assert options(html, "subject") == [(str(p.line_manager.pk), True)]
    search = client.get(reverse("grading:start-agreed-people"), {"q": "quill"}).json()
    assert len(search["results"]) == 12
    assert client.get(reverse("grading:start-agreed-people"), {"q": "stranger"}).json()["results"] == []
    response = client.post(START, {"subject": p.outsider.pk})
    assert response.status_code == 400 and "Choose yourself or one of your reports." in response.content.decode()
