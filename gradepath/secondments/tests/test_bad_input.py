"""Bad input, over the web and the API: dates out of order, a secondment longer than the maximum, overlapping
secondments, a release by someone who is not the home line manager, a second application to the same
opportunity. Each is refused with a sentence in the user's words, and nothing is written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from gradepath.core.models import HistoryEntry
from gradepath.people.models import Appointment
from gradepath.secondments.models import Opportunity, Secondment, SecondmentEvent
from gradepath.secondments.tests.conftest import make_opportunity, make_secondment, opportunity_data

pytestmark = pytest.mark.django_db


def written():
    return (Opportunity.objects.count(), Secondment.objects.count(), SecondmentEvent.objects.count(),
            Appointment.objects.count(), HistoryEntry.objects.count())


def client_for(person) -> Client:
    client = Client()
    client.force_login(person.user)
    return client


def web_post_opportunity(person, data):
    return client_for(person).post("/secondments/opportunities/new/", data)


def api_post(person, url, payload):
    return client_for(person).post(url, payload, content_type="application/json")


def move_form(s, action, **data):
    form = {f"{action}-step": str(s.step), f"{action}-idempotency_key": "6f1c6a8e-0000-4000-8000-000000000001"}
    form.update({f"{action}-{k}": v for k, v in data.items()})
    return form


def test_an_opportunity_whose_end_is_before_its_start_is_refused_on_the_web_and_the_api(sec):
    p = sec
    data = opportunity_data(p)
    data["end_date"] = (dt.date.fromisoformat(data["start_date"]) - dt.timedelta(days=1)).isoformat()
    before = written()
    page = web_post_opportunity(p.host, data)
    assert page.status_code == 400 and "must be after the start" in page.content.decode()
    api = api_post(p.host, "/api/secondments/opportunities/create/", {"data": data})
    assert api.status_code == 400 and "must be after the start" in api.json()["detail"]
    assert written() == before


def test_an_opportunity_longer_than_the_maximum_is_refused_on_the_web_and_the_api(sec):
    p = sec
    data = opportunity_data(p, months=30)
    before = written()
    page = web_post_opportunity(p.host, data)
    assert page.status_code == 400 and "at most 24 months" in page.content.decode()
    api = api_post(p.host, "/api/secondments/opportunities/create/", {"data": data})
    assert api.status_code == 400 and "at most 24 months" in api.json()["detail"]
    assert written() == before


def test_placement_dates_out_of_order_or_too_long_are_refused_and_nothing_is_written(sec):
    p = sec
    s = make_secondment(p, "released")
    start = s.opportunity.start_date
    cases = {"must be after the first day": (start, start - dt.timedelta(days=3)),
             "at most 24 months": (start, start + dt.timedelta(days=800))}
    for sentence, (first, last) in cases.items():
        before = written()
        page = client_for(p.host).post(f"/secondments/{s.pk}/act/confirm_placement/", move_form(
            s, "confirm_placement", start_date=first.isoformat(), end_date=last.isoformat(), development_plan="P."))
        assert page.status_code == 400 and sentence in page.content.decode()
        api = api_post(p.host, f"/api/secondments/{s.pk}/perform/", {"action": "confirm_placement", "step": s.step, "data": {
            "start_date": first.isoformat(), "end_date": last.isoformat(), "development_plan": "P."}})
        assert api.status_code == 400 and sentence in api.json()["detail"]
        assert written() == before


def test_an_extension_beyond_the_maximum_is_refused_with_the_latest_last_day(sec):
    p = sec
    s = make_secondment(p, "placed")
    too_late = s.start_date + dt.timedelta(days=760)
    before = written()
    api = api_post(p.host, f"/api/secondments/{s.pk}/perform/", {"action": "request_extension", "step": s.step, "data": {
        "new_end_date": too_late.isoformat(), "reason": "Longer."}})
    assert api.status_code == 400 and "The latest last day is" in api.json()["detail"]
    page = client_for(p.host).post(f"/secondments/{s.pk}/act/request_extension/", move_form(
        s, "request_extension", new_end_date=too_late.isoformat(), reason="Longer."))
    assert page.status_code == 400 and "at most 24 months" in page.content.decode()
    assert written() == before


def test_overlapping_secondments_are_refused(sec):
    p = sec
    make_secondment(p, "placed")  # the staff member is already on a secondment over the same dates
    other = make_secondment(p, "released", opportunity=make_opportunity(p, post=p.clerk_post))
    start, end = other.opportunity.start_date, other.opportunity.end_date
    before = written()
    page = client_for(p.host).post(f"/secondments/{other.pk}/act/confirm_placement/", move_form(
        other, "confirm_placement", start_date=start.isoformat(), end_date=end.isoformat(), development_plan="P."))
    assert page.status_code == 400 and "secondments cannot overlap" in page.content.decode()
    api = api_post(p.host, f"/api/secondments/{other.pk}/perform/", {"action": "confirm_placement", "step": 0, "data": {
        "start_date": start.isoformat(), "end_date": end.isoformat(), "development_plan": "P."}})
    assert api.status_code == 400 and "secondments cannot overlap" in api.json()["detail"]
    assert written() == before


@pytest.mark.parametrize("who", ["host", "hr_services", "fm_hps", "hrbp", "staff_member"])
def test_a_release_by_anyone_but_the_home_line_manager_is_refused_with_who_may(sec, who):
    p = sec
    s = make_secondment(p, "selected")
    person = getattr(p, who)
    sentence = "Only Lina Morgan, Sam Patel&#x27;s line manager, can release them"
    before = written()
    page = client_for(person).post(f"/secondments/{s.pk}/act/release/", move_form(s, "release"))
    assert page.status_code == 403 and sentence in page.content.decode()
    api = api_post(person, f"/api/secondments/{s.pk}/perform/", {"action": "release", "step": 0, "data": {}})
    assert api.status_code == 403 and "Only Lina Morgan, Sam Patel's line manager" in api.json()["detail"]
    api = api_post(person, f"/api/secondments/{s.pk}/perform/", {"action": "refuse_release", "step": 0,
                                                                 "data": {"reason": "No."}})
    assert api.status_code == 403 and "can release them" in api.json()["detail"]
    assert written() == before
    s.refresh_from_db()
    assert s.state == "selected"


def test_a_second_application_to_the_same_opportunity_is_refused(sec):
    p = sec
    opportunity = make_opportunity(p)
    first = client_for(p.staff_member).post(f"/secondments/opportunities/{opportunity.pk}/apply/",
                                            {"statement": "First."})
    assert first.status_code == 302
    before = written()
    again = client_for(p.staff_member).post(f"/secondments/opportunities/{opportunity.pk}/apply/",
                                            {"statement": "Again."})
    assert again.status_code == 400 and "You have already applied for" in again.content.decode()
    api = api_post(p.staff_member, f"/api/secondments/opportunities/{opportunity.pk}/apply/",
                   {"data": {"statement": "Again."}})
    assert api.status_code == 400 and "one application per opportunity" in api.json()["detail"]
    assert written() == before


def test_a_move_with_a_field_it_does_not_take_is_refused_by_the_api(sec):
    p = sec
    s = make_secondment(p, "applied")
    before = written()
    api = api_post(p.host, f"/api/secondments/{s.pk}/perform/", {"action": "select", "step": 0,
                                                                 "data": {"grade": 9}})
    assert api.status_code == 400 and "does not take grade" in api.json()["detail"]
    assert written() == before


def test_an_opportunity_with_open_applications_cannot_be_withdrawn_and_a_closed_one_takes_none(sec):
    p = sec
    s = make_secondment(p, "selected")
    before = written()
    api = api_post(p.host, f"/api/secondments/opportunities/{s.opportunity_id}/withdraw/", {"reason": "Cancelled."})
    assert api.status_code == 400 and f"Decide the open applications first ({s.reference})" in api.json()["detail"]
    assert written() == before
    closed = api_post(p.host, f"/api/secondments/opportunities/{s.opportunity_id}/close/", {})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    before = written()
    late = client_for(p.outsider).post(f"/secondments/opportunities/{s.opportunity_id}/apply/",
                                       {"statement": "Me too."})
    assert late.status_code == 404  # a closed opportunity is off the board: strangers do not see it
    api = api_post(p.redeployee, f"/api/secondments/opportunities/{s.opportunity_id}/apply/",
                   {"data": {"statement": "Me too."}})
    assert api.status_code == 404
    assert written() == before
