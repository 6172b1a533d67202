"""Bad input is refused with a sentence in the user's words and nothing written, on the page and over the
API alike: grade 10, beyond the last contribution point, two points without a reason, a second open request,
dates out of order, text too long; and a round's bad budget."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from gradepath.core.models import HistoryEntry
from gradepath.grades.models import Grade, PayRecord
from gradepath.progression.models import LocalRound, ProgressionRequest
from gradepath.progression.tests.conftest import good_data
from gradepath.progression.tests.helpers import make_request

pytestmark = pytest.mark.django_db


def _grade10(p):
    PayRecord.objects.create(person=p.staff_member, grade=Grade.objects.get(number=10), spine_point=46,
                             effective_from=timezone.localdate() - dt.timedelta(days=3), reason="regrade")


def _last_point(p):
    PayRecord.objects.create(person=p.staff_member, grade=Grade.objects.get(number=5), spine_point=22,
                             effective_from=timezone.localdate() - dt.timedelta(days=3), reason="correction")


def _one_below_last(p):
    PayRecord.objects.create(person=p.staff_member, grade=Grade.objects.get(number=5), spine_point=21,
                             effective_from=timezone.localdate() - dt.timedelta(days=3), reason="correction")


def _open_request(p):
    p.applicant = p.hod
    make_request(p, "hod", "decision")


today = timezone.localdate


CASES = {
    "grade 10": (_grade10, {}, "grades 1–9"),
    "beyond the last contribution point": (_last_point, {}, "last contribution point"),
    "two points past the last": (_one_below_last, {"points": 2, "exceptional_reason": "Exceptional."},
                                 "beyond the last contribution point"),
    "two points without a reason": (None, {"points": 2}, "state the exceptional reason"),
    "a second open request": (_open_request, {}, "already has an open request"),
    "dates out of order": (None, {"performance_from": "2026-01-01", "performance_to": "2025-06-01"},
                           "must end after it starts"),
    "a period too short": (None, "short", "at least 6 months"),
    "three points": (None, {"points": 3}, "Points asked for"),
    "text too long": (None, {"performance": "x" * 5001}, "at most 5,000 characters"),
    "no objectives": (None, {"objectives_met": ""}, "stretching objectives"),
}


def _data(which):
    data = good_data(today())
    if which == "short":
        end = today() - dt.timedelta(days=7)
        data.update(performance_from=(end - dt.timedelta(days=90)).isoformat(), performance_to=end.isoformat())
    elif which:
        data.update(which)
    return data


def _nothing_written(before):
    assert ProgressionRequest.objects.count() == before[0]
    assert HistoryEntry.objects.filter(action__startswith="progression.").count() == before[1]


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_refused_on_the_api_with_a_sentence_and_nothing_written(aip, api, case):
    setup, change, words = CASES[case]
    if setup:
        setup(aip)
    before = (ProgressionRequest.objects.count(), HistoryEntry.objects.filter(action__startswith="progression.").count())
    response = api(aip.hod).post("/api/progression/requests/start/", {
        "route": "hod", "subject": aip.staff_member.pk, "data": _data(change)}, format="json")
    assert response.status_code == 400, response.content
    assert words in str(response.json())
    _nothing_written(before)


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_refused_on_the_page_with_a_sentence_and_nothing_written(aip, login, case):
    setup, change, words = CASES[case]
    if setup:
        setup(aip)
    before = (ProgressionRequest.objects.count(), HistoryEntry.objects.filter(action__startswith="progression.").count())
    data = _data(change)
    posted = {f"apply-{k}": v for k, v in data.items()}
    posted.update({"apply-step": "0", "apply-idempotency_key": "0b1c3c3e-5d2b-4a8e-9a3c-2f6d1c9b7e11",
                   "apply-subject": str(aip.staff_member.pk)})
    response = login(aip.hod).post("/progression/apply/hod/", posted)
    assert response.status_code == 400
    assert words in response.content.decode().replace("&#x27;", "'")
    _nothing_written(before)


def test_only_the_staff_member_applies_directly_and_only_a_hod_applies_for_others(aip, api):
    data = good_data(today())
    by_manager = api(aip.line_manager).post("/api/progression/requests/start/", {
        "route": "direct", "subject": aip.staff_member.pk, "data": data}, format="json")
    hod_route_by_manager = api(aip.line_manager).post("/api/progression/requests/start/", {
        "route": "hod", "subject": aip.staff_member.pk, "data": data}, format="json")
    assert (by_manager.status_code, hod_route_by_manager.status_code) == (403, 403)
    assert "Only the staff member applies directly" in by_manager.json()["detail"]
    assert ProgressionRequest.objects.count() == 0


def test_a_move_with_a_reason_too_long_or_missing_is_refused_on_page_and_api(aip, api, login):
    aip.applicant = aip.hod
    obj = make_request(aip, "hod", "decision")
    missing = api(aip.dean).post(f"/api/progression/requests/{obj.pk}/perform/",
                                 {"action": "decline", "step": 0, "data": {}}, format="json")
    too_long = login(aip.dean).post(f"/progression/{obj.pk}/act/decline/", {
        "decline-step": "0", "decline-idempotency_key": "5b1c3c3e-5d2b-4a8e-9a3c-2f6d1c9b7e11",
        "decline-reason": "x" * 5001})
    assert missing.status_code == 400 and "Give a reason" in str(missing.json())
    assert too_long.status_code == 400 and "Nothing was recorded" in too_long.content.decode()
    obj.refresh_from_db()
    assert (obj.state, obj.step) == ("decision", 0)


def test_a_round_with_a_bad_budget_or_a_past_deadline_is_refused(aip, api):
    for data, words in (({"name": "2026 round", "deadline": "2020-01-01", "budget": "1000"}, "in the past"),
                        ({"name": "2026 round", "deadline": "2099-01-01", "budget": "lots"}, "amount in pounds"),
                        ({"name": "2026 round", "deadline": "2099-01-01", "budget": "-5"}, "more than £0")):
        response = api(aip.dean).post("/api/progression/rounds/open/", {"faculty": aip.faculty.pk, "data": data},
                                      format="json")
        assert response.status_code == 400 and words in str(response.json())
    assert LocalRound.objects.count() == 0
    assert api(aip.outsider).post("/api/progression/rounds/open/", {
        "faculty": aip.faculty.pk, "data": {"name": "x", "deadline": "2099-01-01", "budget": "5"}},
        format="json").status_code in (403, 404)
