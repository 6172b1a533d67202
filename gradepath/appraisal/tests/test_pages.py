"""The appraisal pages and API as each persona: who sees what (strangers 404), the moves and the JD
review over the web and the API alike (bad input: a sentence, nothing written), completion by unit, My
home's panel, and the query counts of every list pinned at two sizes."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gradepath.appraisal.models import Appraisal, ResponsibilityChange
from gradepath.appraisal.tests.conftest import make_appraisal, make_person
from gradepath.people.models import OrgUnit
from gradepath.testing.factories import OrgUnitFactory

# Grading's cases through the app registry: processes never import one another, not even in their tests.
GradingCase = apps.get_model("grading", "GradingCase")
pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year

# Who sees the staff member's appraisal (appraised by the line manager): 200, or 404 for strangers.
SEES = {"staff_member": True, "line_manager": True, "fm_hps": True, "delegate": True, "hod": True, "hrbp": True,
        "hr_services": True, "administrator": True, "tc_lead": False, "equality_viewer": False, "outsider": False}
FOLLOWS_UNITS = {"fm_hps": True, "delegate": True, "hod": True, "hrbp": True, "hr_services": True,
                 "administrator": True, "staff_member": False, "line_manager": False, "outsider": False,
                 "tc_lead": False}


@pytest.mark.parametrize(("persona", "sees"), SEES.items())
def test_each_persona_sees_the_appraisal_page_and_api_or_gets_404(appraisal_people, client, persona, sees):
    p = appraisal_people
    appraisal = make_appraisal(p, "meeting")
    client.force_login(getattr(p, persona).user)
    expected = 200 if sees else 404
    assert client.get(f"/appraisals/{appraisal.pk}/").status_code == expected
    assert client.get(f"/api/appraisals/{appraisal.pk}/").status_code == expected
    assert client.get(f"/api/appraisals/{appraisal.pk}/actions/").status_code == expected
    listed = client.get("/api/appraisals/").json()["results"]
    assert [a["id"] for a in listed] == ([appraisal.pk] if sees else [])
    assert (appraisal.reference in client.get("/appraisals/").content.decode()) is sees


def test_a_manager_higher_up_the_chain_sees_their_reports_appraisals_and_a_stranger_does_not(appraisal_people, client):
    p = appraisal_people
    p.line_manager.line_manager = p.abe
    p.line_manager.save(update_fields=["line_manager"])
    appraisal = make_appraisal(p, "meeting")
    client.force_login(p.abe.user)
    assert client.get(f"/appraisals/{appraisal.pk}/").status_code == 200
    stranger = make_person("sol.other", "Sol", "Other")
    client.force_login(stranger.user)
    assert client.get(f"/appraisals/{appraisal.pk}/").status_code == 404
    assert client.post(f"/appraisals/{appraisal.pk}/changes/", {}).status_code == 404
    assert client.post(f"/api/appraisals/{appraisal.pk}/regrading-check/", {"route": "agreed"},
                       content_type="application/json").status_code == 404


@pytest.mark.parametrize(("persona", "follows"), FOLLOWS_UNITS.items())
def test_completion_by_unit_is_for_the_units_people_and_hr_only(appraisal_people, client, persona, follows):
    p = appraisal_people
    make_appraisal(p, "meeting", year=YEAR)
    client.force_login(getattr(p, persona).user)
    assert client.get("/appraisals/completion/").status_code == (200 if follows else 404)
    assert client.get("/api/appraisals/completion/").status_code == (200 if follows else 404)
    assert client.get(f"/appraisals/completion/{p.department.pk}/").status_code == (200 if follows else 404)


@pytest.mark.parametrize("persona", ["fm_hps", "delegate", "hod", "hrbp"])
def test_a_units_overdue_list_is_404_outside_the_units_followed(appraisal_people, client, persona):
    p = appraisal_people
    client.force_login(getattr(p, persona).user)
    assert client.get(f"/appraisals/completion/{p.estates.pk}/").status_code == 404
    assert client.get("/appraisals/completion/999999/").status_code == 404
    client.force_login(p.hr_services.user)
    assert client.get(f"/appraisals/completion/{p.estates.pk}/").status_code == 200
    assert client.get("/appraisals/completion/999999/").status_code == 404


def test_the_staff_member_walks_the_appraisal_through_the_pages(appraisal_people, client):
    p = appraisal_people
    client.force_login(p.line_manager.user)
    response = client.post("/appraisals/start/", {"subject": p.staff_member.pk, "year": YEAR})
    appraisal = Appraisal.objects.get()
    assert response.status_code == 302 and appraisal.appraiser == p.line_manager
    client.force_login(p.staff_member.user)
    page = client.get(f"/appraisals/{appraisal.pk}/").content.decode()
    assert "Send my pre-review to my appraiser" in page and "Record a change of responsibility" in page
    response = client.post(f"/appraisals/{appraisal.pk}/changes/", {
        "change-kind": "relinquished", "change-jd_duty": "3", "change-evidence": "Procurement orders stock now.",
        "change-from_date": "2025-06-01"})
    assert response.status_code == 302
    assert ResponsibilityChange.objects.get().duty == "Order stock."
    response = client.post(f"/appraisals/{appraisal.pk}/act/submit_pre_review/", {
        "submit_pre_review-step": "0", "submit_pre_review-idempotency_key": str(uuid.uuid4()),
        "submit_pre_review-pre_review": "A year of change."})
    assert response.status_code == 302
    appraisal.refresh_from_db()
    assert appraisal.state == "meeting"
    response = client.post(f"/appraisals/{appraisal.pk}/regrading-check/", {"flag-route": "direct",
                                                                           "flag-note": "Please look."})
    assert response.status_code == 302
    appraisal.refresh_from_db()
    page = client.get(f"/appraisals/{appraisal.pk}/").content.decode()
    assert appraisal.regrading_reference in page and appraisal.regrading_link in page


def test_bad_input_on_the_pages_is_refused_with_a_sentence_and_nothing_is_written(appraisal_people, client):
    p = appraisal_people
    appraisal = make_appraisal(p, "meeting")
    client.force_login(p.staff_member.user)
    response = client.post(f"/appraisals/{appraisal.pk}/changes/", {
        "change-kind": "taken_on", "change-duty": "Run the budget.", "change-evidence": "Reports.",
        "change-from_date": "2026-03-01", "change-to_date": "2025-03-01"})
    assert response.status_code == 400 and "the wrong way round" in response.content.decode()
    client.force_login(p.line_manager.user)
    response = client.post(f"/appraisals/{appraisal.pk}/regrading-check/", {"flag-route": "direct"})
    assert response.status_code == 403 and "Only the staff member can start the Direct Route" in response.content.decode()
    response = client.post(f"/appraisals/{appraisal.pk}/act/record_meeting/", {
        "record_meeting-step": "0", "record_meeting-idempotency_key": str(uuid.uuid4()),
        "record_meeting-summary": "s" * 5001, "record_meeting-objectives": "O.",
        "record_meeting-completed_on": timezone.localdate().isoformat()})
    assert response.status_code == 400
    response = client.post(f"/appraisals/{appraisal.pk}/act/record_meeting/", {
        "record_meeting-step": "7", "record_meeting-idempotency_key": str(uuid.uuid4())})
    assert response.status_code == 409
    client.force_login(p.line_manager.user)
    response = client.post("/appraisals/start/", {"subject": p.staff_member.pk, "year": appraisal.year})
    assert response.status_code == 400 and "already has an appraisal" in response.content.decode()
    appraisal.refresh_from_db()
    assert (appraisal.state, appraisal.step, appraisal.summary) == ("meeting", 0, "")
    assert not ResponsibilityChange.objects.exists() and not GradingCase.objects.exists()
    assert Appraisal.objects.count() == 1


def test_the_api_takes_the_same_moves_and_refuses_the_same_bad_input(appraisal_people, client):
    p = appraisal_people
    client.force_login(p.line_manager.user)
    created = client.post("/api/appraisals/", {"subject": p.staff_member.pk, "year": YEAR},
                          content_type="application/json")
    assert created.status_code == 201
    pk = created.json()["id"]
    again = client.post("/api/appraisals/", {"subject": p.staff_member.pk, "year": YEAR}, content_type="application/json")
    assert again.status_code == 400 and "already has an appraisal" in str(again.json())
    client.force_login(p.staff_member.user)
    bad = client.post(f"/api/appraisals/{pk}/changes/", {"kind": "relinquished", "jd_duty": 12, "evidence": "E.",
                                                         "from_date": "2025-01-01"}, content_type="application/json")
    assert bad.status_code == 400 and "has 3 duties" in str(bad.json())
    order = client.post(f"/api/appraisals/{pk}/changes/", {"kind": "taken_on", "duty": "Budget.", "evidence": "E.",
                                                           "from_date": "2025-05-01", "to_date": "2025-04-01"},
                        content_type="application/json")
    assert order.status_code == 400 and "wrong way round" in str(order.json())
    good = client.post(f"/api/appraisals/{pk}/changes/", {"kind": "taken_on", "duty": "Manage the budget.",
                                                          "evidence": "Reports.", "from_date": "2025-05-01"},
                       content_type="application/json")
    assert good.status_code == 201 and good.json()["changes"][0]["duty"] == "Manage the budget."
    actions = client.get(f"/api/appraisals/{pk}/actions/").json()
    assert [a["action"] for a in actions["actions"]] == ["submit_pre_review"]
    moved = client.post(f"/api/appraisals/{pk}/perform/", {"action": "submit_pre_review", "step": 0,
                                                          "data": {"pre_review": "My year."}},
                        content_type="application/json")
    assert moved.status_code == 200 and moved.json()["state"] == "meeting"
    client.force_login(p.line_manager.user)
    refused = client.post(f"/api/appraisals/{pk}/regrading-check/", {"route": "direct"}, content_type="application/json")
    assert refused.status_code == 403 and "Only the staff member can start the Direct Route" in str(refused.json())
    flagged = client.post(f"/api/appraisals/{pk}/regrading-check/", {"route": "agreed"}, content_type="application/json")
    assert flagged.status_code == 201 and flagged.json()["regrading_reference"].startswith("GC-")
    assert GradingCase.objects.get().route == "agreed"


def test_completion_shows_done_open_and_overdue_per_unit_with_the_overdue_people(appraisal_people, client):
    p = appraisal_people
    last = YEAR - 1
    make_appraisal(p, "completed", year=last)
    late = make_appraisal(p, "meeting", year=last, subject=_report(p, "late"))
    make_appraisal(p, "cancelled", year=last, subject=_report(p, "gone"))
    client.force_login(p.fm_hps.user)
    page = client.get(f"/appraisals/completion/?year={last}").content.decode()
    # The page counts; each unit's overdue people are a link away (the API names the first of them).
    unit_list = f"/appraisals/completion/{p.department.pk}/?year={last}"
    assert "Division of Biosciences" in page and late.subject.full_name not in page
    assert f'href="{unit_list}"' in page and "See who is overdue" in page
    listed = client.get(unit_list).content.decode()
    assert late.subject.full_name in listed and f'href="/appraisals/{late.pk}/"' in listed
    assert "Done: <strong>1</strong> · Open: <strong>1</strong>" in listed
    assert "Appraiser to record the appraisal meeting" in listed
    assert "No overdue appraisal" in client.get(f"/appraisals/completion/{p.department.pk}/?year={YEAR + 1}").content.decode()
    rows = client.get(f"/api/appraisals/completion/?year={last}").json()
    assert [(r["name"], r["done"], r["open"], r["overdue"], [o["id"] for o in r["overdue_people"]]) for r in rows] == [
        ("Division of Biosciences", 1, 1, 1, [late.pk])]
    client.force_login(p.outsider.user)
    assert client.get(f"/api/appraisals/completion/?year={last}").status_code == 404


def test_my_home_shows_my_appraisal_and_what_waits_for_me(appraisal_people, client):
    p = appraisal_people
    appraisal = make_appraisal(p, "pre_review")
    client.force_login(p.staff_member.user)
    page = client.get("/").content.decode()
    assert 'data-testid="home-appraisals"' in page and appraisal.reference in page


# --- Query counts, pinned at two sizes --------------------------------------------------------------------


_counter = iter(range(10_000))


def _report(p, name: str, unit=None):
    person = make_person(f"{name}.{next(_counter)}", name.capitalize(), "Report", line_manager=p.line_manager)
    return person


def _fill(p, n: int, unit: OrgUnit | None = None):
    for i in range(n):
        appraisal = make_appraisal(p, ("pre_review", "meeting", "completed")[i % 3], year=YEAR - 1,
                                   subject=_report(p, "rep"))
        if unit is not None:
            Appraisal.objects.filter(pk=appraisal.pk).update(org_unit=unit)


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


@pytest.mark.parametrize("persona", ["hr_services", "line_manager", "fm_hps"])
def test_the_list_page_and_api_read_the_same_number_of_queries_at_two_sizes(appraisal_people, client, persona):
    p = appraisal_people
    client.force_login(getattr(p, persona).user)
    _fill(p, 3)
    small = (_queries(client, "/appraisals/"), _queries(client, "/api/appraisals/"))
    _fill(p, 12)
    assert (_queries(client, "/appraisals/"), _queries(client, "/api/appraisals/")) == small
    assert small == PINNED_LIST[persona]


def test_a_managers_list_reads_the_same_number_of_queries_whatever_the_depth_of_their_chain(appraisal_people, client):
    """The management chain is walked in one query whatever its depth (one query a level before: the count grew
    with the chain's depth, 14 at the demo university against 13 at 50,000 staff)."""
    p = appraisal_people
    client.force_login(p.line_manager.user)
    _fill(p, 3)
    small = (_queries(client, "/appraisals/"), _queries(client, "/api/appraisals/"))
    below = p.line_manager
    for level in range(3):  # three more levels below the line manager's reports
        below = make_person(f"deep{level}", "Deep", f"Level{level}", line_manager=below)
    deepest = make_appraisal(p, "meeting", year=YEAR - 1, subject=below, appraiser=below.line_manager)
    assert (_queries(client, "/appraisals/"), _queries(client, "/api/appraisals/")) == small
    assert deepest.reference in client.get("/appraisals/").content.decode()
    assert client.get(f"/appraisals/{deepest.pk}/").status_code == 200


def test_completion_by_unit_reads_the_same_number_of_queries_at_two_sizes(appraisal_people, client):
    p = appraisal_people
    client.force_login(p.hr_services.user)
    _fill(p, 3)
    url = f"/appraisals/completion/?year={YEAR - 1}"
    small = (_queries(client, url), _queries(client, f"/api/appraisals/completion/?year={YEAR - 1}"))
    for i in range(3):
        _fill(p, 5, unit=OrgUnitFactory(code=f"EXTRA{i}", name=f"Extra unit {i}", kind=OrgUnit.Kind.DEPARTMENT,
                                        parent=p.faculty))
    assert (_queries(client, url), _queries(client, f"/api/appraisals/completion/?year={YEAR - 1}")) == small
    assert small == PINNED_COMPLETION


def test_a_units_overdue_list_pages_by_name_and_reads_the_same_number_of_queries_at_two_sizes(appraisal_people,
                                                                                               client):
    p = appraisal_people
    client.force_login(p.hrbp.user)
    _fill(p, 3)
    url = f"/appraisals/completion/{p.department.pk}/?year={YEAR - 1}"
    small = _queries(client, url)
    _fill(p, 60)  # 40 overdue: two pages
    assert _queries(client, url) == small == PINNED_UNIT_OVERDUE
    overdue = Appraisal.objects.filter(year=YEAR - 1, state__in=("pre_review", "meeting"))
    first, second = client.get(url).content.decode(), client.get(url + "&page=2").content.decode()
    assert "Page 1 of 2" in first and "Overdue: <strong class=\"text-danger\">42</strong>" in first
    shown = [a for a in overdue if f'href="/appraisals/{a.pk}/"' in first]
    assert len(shown) == 25 and all(f'href="/appraisals/{a.pk}/"' in second for a in overdue if a not in shown)


def test_the_appraisal_page_reads_the_same_number_of_queries_with_more_changes(appraisal_people, client):
    p = appraisal_people
    appraisal = make_appraisal(p, "meeting")
    client.force_login(p.staff_member.user)
    url = f"/appraisals/{appraisal.pk}/"
    first = _queries(client, url)
    for i in range(6):
        ResponsibilityChange.objects.create(appraisal=appraisal, kind="taken_on", duty=f"Duty {i}.", evidence="E.",
                                            from_date=dt.date(2025, 1, 1), recorded_by=p.staff_member)
    assert _queries(client, url) == first


PINNED_LIST = {"hr_services": (9, 5), "line_manager": (12, 9), "fm_hps": (13, 10)}
PINNED_COMPLETION = (7, 5)
PINNED_UNIT_OVERDUE = 13  # the HRBP's: the gate's unit roles and delegations, the unit, its counts, a page


def test_the_appraisers_task_is_in_the_one_inbox_with_a_link_to_the_appraisal(appraisal_people, client):
    p = appraisal_people
    appraisal = make_appraisal(p, "meeting")
    client.force_login(p.line_manager.user)
    body = client.get("/inbox/").content.decode()
    assert appraisal.reference in body and f'href="/appraisals/{appraisal.pk}/"' in body
    assert "Appraiser to record the appraisal meeting" in body


def test_the_career_record_lists_the_appraisals_its_reader_may_see(appraisal_people):
    from gradepath.career.sources import career_sources

    p = appraisal_people
    done = make_appraisal(p, "completed", year=YEAR - 1)
    make_appraisal(p, "meeting")
    source = next(s for s in career_sources() if s.key == "appraisal")
    assert (source.label, source.order) == ("Appraisals", 30)
    entries = source.entries(p.staff_member, p.staff_member.user)
    assert [e.reference for e in entries][1] == done.reference and entries[1].status.startswith("Completed on")
    assert source.entries(p.staff_member, p.outsider.user) == []
    with CaptureQueriesContext(connection) as ctx:
        source.entries(p.staff_member, p.hr_services.user)
    assert len(ctx) <= 3
