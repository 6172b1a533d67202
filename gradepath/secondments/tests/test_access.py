"""Who sees what, per persona, on the pages and the API: an applicant their own applications, the host those
to their opportunities, the home line manager their reports', the FM/HPS (and delegate), HoD and HRBP their
units', HR Services and Administrators all; strangers get 404. Everyone signed in sees open opportunities once
the redeployment register's head start is over; people on the register see them at once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from gradepath.secondments.models import Opportunity
from gradepath.secondments.services import career_entries
from gradepath.secondments.tests.conftest import make_opportunity, make_secondment

pytestmark = pytest.mark.django_db

SEES = {"staff_member": True, "line_manager": True, "host": True, "fm_hps": True, "delegate": True, "hod": True,
        "hrbp": True, "hr_services": True, "administrator": True, "outsider": False, "tc_lead": False,
        "equality_viewer": False, "redeployee": False, "report": False}


def client_for(person) -> Client:
    client = Client()
    client.force_login(person.user)
    return client


@pytest.mark.parametrize(("who", "sees"), SEES.items())
def test_each_persona_sees_an_application_only_when_they_have_a_part_in_it(sec, who, sees):
    p = sec
    s = make_secondment(p, "placed")
    client = client_for(getattr(p, who))
    page = client.get(f"/secondments/{s.pk}/")
    api = client.get(f"/api/secondments/{s.pk}/")
    actions = client.get(f"/api/secondments/{s.pk}/actions/")
    assert (page.status_code, api.status_code, actions.status_code) == ((200, 200, 200) if sees else (404, 404, 404))
    listed = client.get("/api/secondments/").json()["results"]
    assert ([r["id"] for r in listed] == [s.pk]) is sees
    assert (s.reference in client.get("/secondments/applications/").content.decode()) is sees


def test_a_stranger_cannot_act_on_an_application_they_cannot_see(sec):
    p = sec
    s = make_secondment(p, "applied")
    client = client_for(p.outsider)
    assert client.post(f"/secondments/{s.pk}/act/select/", {"select-step": "0"}).status_code == 404
    assert client.post(f"/api/secondments/{s.pk}/perform/", {"action": "select", "step": 0},
                       content_type="application/json").status_code == 404


def test_people_on_the_redeployment_register_see_a_new_opportunity_first(sec):
    p = sec
    opportunity = make_opportunity(p, open_to_all=False)
    assert opportunity.register_until >= timezone.localdate()
    for person, sees in ((p.redeployee, True), (p.host, True), (p.hr_services, True), (p.outsider, False),
                         (p.staff_member, False)):
        client = client_for(person)
        assert client.get(f"/secondments/opportunities/{opportunity.pk}/").status_code == (200 if sees else 404)
        assert (opportunity.reference in client.get("/secondments/").content.decode()) is sees
        listed = [r["id"] for r in client.get("/api/secondments/opportunities/").json()["results"]]
        assert (opportunity.pk in listed) is sees
    refused = client_for(p.staff_member).post(f"/api/secondments/opportunities/{opportunity.pk}/apply/",
                                              {"data": {"statement": "Early."}}, content_type="application/json")
    assert refused.status_code == 404
    applied = client_for(p.redeployee).post(f"/api/secondments/opportunities/{opportunity.pk}/apply/",
                                            {"data": {"statement": "On the register."}}, content_type="application/json")
    assert applied.status_code == 201, applied.content
    Opportunity.objects.filter(pk=opportunity.pk).update(register_until=timezone.localdate() - dt.timedelta(days=1))
    assert client_for(p.outsider).get(f"/secondments/opportunities/{opportunity.pk}/").status_code == 200


def test_a_withdrawn_opportunity_is_private_to_its_host_and_hr(sec):
    p = sec
    opportunity = make_opportunity(p)
    response = client_for(p.host).post(f"/secondments/opportunities/{opportunity.pk}/withdraw/",
                                       {"reason": "The project was cancelled."})
    assert response.status_code == 302
    assert client_for(p.outsider).get(f"/secondments/opportunities/{opportunity.pk}/").status_code == 404
    assert client_for(p.host).get(f"/secondments/opportunities/{opportunity.pk}/").status_code == 200
    assert client_for(p.hr_services).get(f"/api/secondments/opportunities/{opportunity.pk}/").status_code == 200


@pytest.mark.parametrize(("who", "code"), [("hr_services", 200), ("administrator", 200), ("hrbp", 404),
                                           ("staff_member", 404), ("outsider", 404)])
def test_only_hr_services_keep_the_redeployment_register(sec, who, code):
    p = sec
    client = client_for(getattr(p, who))
    assert client.get("/secondments/register/").status_code == code
    assert client.get("/api/secondments/register/").status_code == code
    before = p.staff_member.redeployment_entries.count()
    client.post("/api/secondments/register/", {"data": {"person": p.staff_member.pk}}, content_type="application/json")
    assert p.staff_member.redeployment_entries.count() == before + (1 if code == 200 else 0)


def test_a_host_sees_the_applications_to_their_opportunity_and_the_applicant_only_their_own(sec):
    p = sec
    s = make_secondment(p, "applied")
    host_page = client_for(p.host).get(f"/secondments/opportunities/{s.opportunity_id}/").content.decode()
    assert s.reference in host_page and "Sam Patel" in host_page
    mine = client_for(p.staff_member).get(f"/secondments/opportunities/{s.opportunity_id}/").content.decode()
    assert "You applied" in mine
    home = client_for(p.staff_member).get("/").content.decode()
    assert s.reference in home  # My home's Secondments panel


def test_the_career_record_lists_a_secondment_with_a_link_for_those_who_may_open_it(sec):
    p = sec
    s = make_secondment(p, "placed")
    [entry] = career_entries(p.staff_member, p.line_manager.user)
    assert entry.reference == s.reference and entry.link == f"/secondments/{s.pk}/" and entry.end == s.end_date
    [entry] = career_entries(p.staff_member, p.tc_lead.user)
    assert entry.link == ""
