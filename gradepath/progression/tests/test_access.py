"""Who sees a request, as each persona, on the pages and over the API: the staff member their own, the line
manager their report's, the HoD, the FM/HPS (and delegate), the Dean and the HRBP their unit's, HR Services
and Administrators all; everyone else gets 404 and finds nothing in the lists. A corporate unit's request is
decided by the Vice-Provost (Operations), not the Dean."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from gradepath.people.models import UnitRoleAssignment
from gradepath.progression import services
from gradepath.progression.tests.conftest import good_data
from gradepath.testing.factories import PayRecordFactory

pytestmark = pytest.mark.django_db

SEES = ("staff_member", "line_manager", "hod", "fm_hps", "delegate", "dean", "hrbp", "hr_services", "administrator")
STRANGERS = ("tc_lead", "equality_viewer", "outsider", "vp")


@pytest.fixture
def request_for_sam(aip):
    return services.start_request(actor=aip.hod.user, route="hod", subject=aip.staff_member,
                                  data=good_data(timezone.localdate()))


@pytest.mark.parametrize("name", SEES + STRANGERS)
def test_each_persona_sees_the_request_page_only_if_it_concerns_them(aip, request_for_sam, login, name):
    response = login(getattr(aip, name)).get(f"/progression/{request_for_sam.pk}/")
    assert response.status_code == (200 if name in SEES else 404)
    listed = login(getattr(aip, name)).get("/progression/")
    assert listed.status_code == 200
    assert (request_for_sam.reference in listed.content.decode()) == (name in SEES)


@pytest.mark.parametrize("name", SEES + STRANGERS)
def test_each_persona_reads_the_request_over_the_api_only_if_it_concerns_them(aip, request_for_sam, api, name):
    client = api(getattr(aip, name))
    assert client.get(f"/api/progression/requests/{request_for_sam.pk}/").status_code == (200 if name in SEES else 404)
    assert client.get(f"/api/progression/requests/{request_for_sam.pk}/actions/").status_code == (
        200 if name in SEES else 404)
    ids = [r["id"] for r in client.get("/api/progression/requests/").json()["results"]]
    assert (request_for_sam.pk in ids) == (name in SEES)


def test_a_stranger_cannot_move_a_request_over_the_page_or_the_api(aip, request_for_sam, login, api):
    page = login(aip.outsider).post(f"/progression/{request_for_sam.pk}/act/fm_comment/",
                                    {"fm_comment-step": "0", "fm_comment-comments": "Mine."})
    answer = api(aip.outsider).post(f"/api/progression/requests/{request_for_sam.pk}/perform/",
                                    {"action": "fm_comment", "step": 0, "data": {"comments": "Mine."}}, format="json")
    assert (page.status_code, answer.status_code) == (404, 404)
    request_for_sam.refresh_from_db()
    assert request_for_sam.step == 0


def test_a_corporate_units_request_is_decided_by_the_vice_provost_not_the_dean(aip, login):
    p = aip
    PayRecordFactory(person=p.outsider, grade=p.staff_post.grade.__class__.objects.get(number=6), spine_point=22)
    obj = services.start_request(actor=p.outsider.user, route="direct", subject=p.outsider,
                                 data=good_data(timezone.localdate()))
    assert obj.decider_role == "vice_provost_operations"
    assert [a.move.action for a in services.available_actions(obj, p.vp.user)] == ["ask_for_comments"]
    assert login(p.vp).get(f"/progression/{obj.pk}/").status_code == 200
    assert login(p.dean).get(f"/progression/{obj.pk}/").status_code == 404


def test_the_applicant_hod_never_decides_their_own_application(aip):
    """Were the HoD who applied also the Dean over the department, the decision passes to the Dean above."""
    p = aip
    UnitRoleAssignment.objects.create(unit=p.department, role="dean", person=p.hod, start_date=dt.date(2020, 1, 1))
    obj = services.start_request(actor=p.hod.user, route="hod", subject=p.staff_member,
                                 data=good_data(timezone.localdate()))
    obj = services.perform_action(actor=p.fm_hps.user, request=obj, action="fm_comment", step=0,
                                  data={"comments": "Supported."})
    assert [a.move.action for a in services.available_actions(obj, p.hod.user)] == ["withdraw"]
    assert "approve" in [a.move.action for a in services.available_actions(obj, p.dean.user)]
