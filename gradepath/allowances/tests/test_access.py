"""Who sees an acting-up allowance or honorarium, as each persona, on the pages and the API: the person
their own, the line manager chain their reports', the FM/HPS (and delegate) their faculty's, the HRBP their
units', HR Services and administrators all; everyone else gets 404. And the list pages' query counts do
not grow with the rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gradepath.allowances import services, workflow
from gradepath.allowances.models import Allowance, Kind
from gradepath.allowances.tests.conftest import make_allowance, make_person
from gradepath.career.sources import career_sources
from gradepath.grades.models import Grade, PayRecord
from gradepath.people import roles
from gradepath.people.models import OrgUnit
from gradepath.testing.factories import AppointmentFactory, OrgUnitFactory, PostFactory

pytestmark = pytest.mark.django_db

SEES = {"staff_member": True, "line_manager": True, "fm_hps": True, "delegate": True, "hod": True, "hrbp": True,
        "hr_services": True, "administrator": True, "outsider": False, "tc_lead": False, "equality_viewer": False}


@pytest.fixture
def walk(allowances):
    p = allowances
    # Lina's own manager sees her report's allowance (the chain), a manager elsewhere does not.
    p.head_of_lab = make_person("grace.head", "Grace", "Head")
    p.line_manager.line_manager = p.head_of_lab
    p.line_manager.save(update_fields=["line_manager"])
    p.other_manager = make_person("omar.other", "Omar", "Other")
    p.acting = make_allowance(p, "acting_up", "fm_approval")
    p.honorarium = make_allowance(p, "honorarium", "agreed", agreed_amount=500)
    return p


def test_each_persona_sees_an_allowance_on_the_page_and_the_api_or_gets_404(walk, client, api):
    p = walk
    people = {**{name: getattr(p, name) for name in SEES}, "chain": p.head_of_lab, "other_manager": p.other_manager}
    expected = {**SEES, "chain": True, "other_manager": False}
    for name, person in people.items():
        client.force_login(person.user)
        for allowance in (p.acting, p.honorarium):
            page = client.get(f"/acting-up/{allowance.pk}/")
            answer = api(person).get(f"/api/allowances/{allowance.pk}/")
            actions = api(person).get(f"/api/allowances/{allowance.pk}/actions/")
            want = 200 if expected[name] else 404
            assert (page.status_code, answer.status_code, actions.status_code) == (want, want, want), name
        listed = client.get("/acting-up/").content.decode()
        assert (p.acting.reference in listed) == expected[name], name
        if expected[name]:  # the row links to the allowance's page and names its step
            assert f'<a href="/acting-up/{p.acting.pk}/">{p.acting.reference}</a>' in listed, name
            assert f"<td>{workflow.STATES[p.acting.state]}</td>" in listed, name
        api_list = {row["reference"] for row in api(person).get("/api/allowances/").json()["results"]}
        assert (p.acting.reference in api_list) == expected[name], name


def test_an_hrbp_of_another_division_gets_404(walk, client, api):
    p = walk
    other = make_person("hana.partner", "Hana", "Partner")
    other.user.groups.add(Group.objects.get_or_create(name=roles.HR_BUSINESS_PARTNER)[0])
    OrgUnitFactory(code="CORP", name="Corporate Services", kind=OrgUnit.Kind.PS_DIVISION, hrbp=other)
    client.force_login(other.user)
    assert client.get(f"/acting-up/{p.acting.pk}/").status_code == 404
    assert api(other).get(f"/api/allowances/{p.acting.pk}/").status_code == 404
    assert api(other).get("/api/allowances/").json()["count"] == 0


def test_a_stranger_cannot_act_on_one_and_nothing_changes(walk, client, api):
    p = walk
    client.force_login(p.outsider.user)
    response = client.post(f"/acting-up/{p.acting.pk}/act/approve/", {"approve-step": "0"})
    assert response.status_code == 404
    response = api(p.outsider).post(f"/api/allowances/{p.acting.pk}/perform/", {"action": "approve", "step": 0},
                                    format="json")
    assert response.status_code == 404
    p.acting.refresh_from_db()
    assert (p.acting.state, p.acting.step) == ("fm_approval", 0)


def test_the_fm_hps_approves_on_the_page_and_a_stale_form_is_refused_with_409(walk, client):
    p = walk
    client.force_login(p.fm_hps.user)
    page = client.get(f"/acting-up/{p.acting.pk}/")
    assert 'data-testid="action-approve"' in page.content.decode()
    response = client.post(f"/acting-up/{p.acting.pk}/act/approve/",
                           {"approve-step": "0", "approve-idempotency_key": "6c1f6f0e-5f4e-4d43-9d3b-2b8f0c1a3e11"})
    assert response.status_code == 302
    p.acting.refresh_from_db()
    assert p.acting.state == "pay_confirmation"
    again = client.post(f"/acting-up/{p.acting.pk}/act/approve/",
                        {"approve-step": "0", "approve-idempotency_key": "0d7f6f0e-5f4e-4d43-9d3b-2b8f0c1a3e12"})
    assert again.status_code == 409


def test_the_career_record_lists_acting_up_and_honoraria_for_those_who_may_see_them(walk):
    p = walk
    source = next(s for s in career_sources() if s.key == "allowances")
    assert {e.reference for e in source.entries(p.staff_member, p.hr_services.user)} == {p.acting.reference,
                                                                                        p.honorarium.reference}
    assert source.entries(p.staff_member, p.outsider.user) == []


def test_my_home_shows_the_fm_hps_what_waits_for_them_and_the_person_their_own(walk, client):
    p = walk
    client.force_login(p.delegate.user)  # the active delegate takes the FM/HPS's task
    home = client.get("/").content.decode()
    assert 'data-testid="allowances-panel"' in home and p.acting.reference in home
    client.force_login(p.staff_member.user)
    home = client.get("/").content.decode()
    assert 'data-testid="my-allowances"' in home and p.honorarium.reference in home


def _more_people(p, n: int):
    unit = OrgUnit.objects.get(pk=p.department.pk)
    grade5 = Grade.objects.get(number=5)
    for i in range(n):
        person = make_person(f"extra{i}.{n}", "Extra", f"Person{i}x{n}", line_manager=p.line_manager)
        post = PostFactory(post_number=f"BIO-9{n:02d}{i:02d}", org_unit=unit, title="Technician", grade=grade5)
        AppointmentFactory(person=person, post=post, start_date=dt.date(2022, 1, 1))
        PayRecord.objects.create(person=person, grade=grade5, spine_point=16, effective_from=dt.date(2022, 1, 1),
                                 reason=PayRecord.Reason.APPOINTMENT, post=post)
        services.propose_honorarium(actor=p.line_manager.user, person=person, duties="Extra duties.", amount=100,
                                    payment="once", start_date=p.today)


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("persona", ["hr_services", "line_manager", "fm_hps"])
def test_the_list_pages_query_counts_do_not_grow_with_the_rows(allowances, client, api, persona):
    p = allowances
    _more_people(p, 3)
    client.force_login(getattr(p, persona).user)
    caller = api(getattr(p, persona))

    def api_queries():
        with CaptureQueriesContext(connection) as captured:
            assert caller.get("/api/allowances/").status_code == 200
        return len(captured)

    small = (_queries(client, "/acting-up/"), api_queries(), _queries(client, "/"))
    _more_people(p, 12)
    large = (_queries(client, "/acting-up/"), api_queries(), _queries(client, "/"))
    assert small == large


def test_a_managers_list_reads_the_same_number_of_queries_whatever_the_depth_of_their_chain(allowances, client, api):
    """The management chain is walked in one query whatever its depth (one query a level before: the count grew
    with the chain's depth, 15 at the demo university against 14 at 50,000 staff)."""
    p = allowances
    _more_people(p, 2)
    client.force_login(p.line_manager.user)
    caller = api(p.line_manager)

    def counts():
        with CaptureQueriesContext(connection) as captured:
            assert caller.get("/api/allowances/").status_code == 200
        return _queries(client, "/acting-up/"), len(captured)

    small = counts()
    below = p.line_manager
    for level in range(3):  # three more levels below the line manager's reports
        below = make_person(f"deep{level}", "Deep", f"Level{level}", line_manager=below)
    deepest = make_allowance(p, Kind.HONORARIUM, "fm_approval")
    Allowance.objects.filter(pk=deepest.pk).update(person=below, line_manager=below.line_manager,
                                                   initiator=below.line_manager)
    assert counts() == small == (13, 9)
    assert deepest.reference in client.get("/acting-up/").content.decode()


def test_the_payroll_page_query_count_does_not_grow_with_the_rows(allowances, client):
    p = allowances
    _more_people(p, 2)
    for a in services.visible_allowances(p.hr_services.user):
        services.perform_action(actor=p.hr_services.user, allowance=a, action="agree_amount", step=a.step)
    client.force_login(p.hr_services.user)
    small = _queries(client, "/acting-up/payroll/")
    _more_people(p, 9)
    for a in services.visible_allowances(p.hr_services.user).filter(state="hr_agreement"):
        services.perform_action(actor=p.hr_services.user, allowance=a, action="agree_amount", step=a.step)
    assert _queries(client, "/acting-up/payroll/") == small
