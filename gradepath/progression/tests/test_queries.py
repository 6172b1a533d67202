"""Query counts pinned on every list, at two sizes: the request list page, the API's list, the round panel
(page and API), the rounds page and My home's panel."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gradepath.people.models import OrgUnit
from gradepath.progression.models import LocalRound
from gradepath.progression.tests.helpers import make_request
from gradepath.testing.factories import OrgUnitFactory, PersonFactory

pytestmark = pytest.mark.django_db


def _requests(p, count: int, *, local_round=None):
    """``count`` requests in the faculty: each for its own member of staff (one open request per person)."""
    made = []
    for i in range(count):
        subject = PersonFactory(first_name="Test", last_name=f"Person{i}", line_manager=p.line_manager)
        state = ("decision", "fm_comments", "hr_validation", "completed")[i % 4]
        obj = make_request(p, "hod", state, subject=subject)
        if local_round is not None:
            obj.local_round = local_round
            obj.cost_to_year_end = Decimal(400 + i)
            obj.save(update_fields=["local_round", "cost_to_year_end"])
        made.append(obj)
    return made


def _count(client, url) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response


@pytest.mark.parametrize(("who", "pinned"), [("dean", 12), ("hr_services", 9), ("line_manager", 11)])
def test_the_request_list_page_reads_a_fixed_number_of_queries(matrix, login, who, pinned):
    p = matrix
    client = login(getattr(p, who))
    _requests(p, 3)
    small, _ = _count(client, "/progression/")
    _requests(p, 9)
    large, response = _count(client, "/progression/")
    assert small == large == pinned, (small, large)
    assert response.content.decode().count("/progression/") > 12


def test_the_api_list_reads_a_fixed_number_of_queries(matrix, api):
    p = matrix
    client = api(p.dean)
    _requests(p, 3)
    small, _ = _count(client, "/api/progression/requests/")
    _requests(p, 9)
    large, response = _count(client, "/api/progression/requests/")
    assert small == large == 9, (small, large)
    assert response.json()["count"] == 12


def test_the_round_panel_reads_a_fixed_number_of_queries(matrix, login, api):
    p = matrix
    found = LocalRound.objects.create(faculty=p.faculty, name="2026 round", deadline=dt.date(2099, 1, 1),
                                      budget=Decimal("6000"), created_by=p.dean)
    _requests(p, 4, local_round=found)
    small, _ = _count(login(p.dean), f"/progression/rounds/{found.pk}/")
    small_api, _ = _count(api(p.dean), f"/api/progression/rounds/{found.pk}/panel/")
    _requests(p, 12, local_round=found)
    large, response = _count(login(p.dean), f"/progression/rounds/{found.pk}/")
    large_api, answer = _count(api(p.dean), f"/api/progression/rounds/{found.pk}/panel/")
    assert (small, large) == (12, 12) and (small_api, large_api) == (10, 10), (small, large, small_api, large_api)
    panel = answer.json()
    # 16 requests: 8 still to decide (decision, fm_comments), 4 approved and 4 completed spending the budget.
    spent = sum(Decimal(400 + i) for i in (2, 3)) + sum(Decimal(400 + i) for i in (2, 3, 6, 7, 10, 11))
    assert len(panel["ranked"]) == 8 and Decimal(panel["spent"]) == spent
    assert Decimal(panel["remaining"]) == Decimal(6000) - spent
    fits = [row["fits"] for row in panel["ranked"]]
    assert fits == sorted(fits, reverse=True) and True in fits and False in fits
    assert "remaining" in response.content.decode()


@pytest.mark.parametrize(("who", "pinned"), [("dean", 15), ("hr_services", 9)])
def test_the_rounds_page_reads_a_fixed_number_of_queries_whatever_the_faculties_and_rounds(matrix, login, who,
                                                                                          pinned):
    p = matrix
    client = login(getattr(p, who))
    LocalRound.objects.create(faculty=p.faculty, name="2026 round", deadline=dt.date(2099, 1, 1),
                              budget=Decimal("6000"), created_by=p.dean)
    small, _ = _count(client, "/progression/rounds/")
    for i in range(3):
        faculty = OrgUnitFactory(code=f"FAC{i}", name=f"Faculty {i}", kind=OrgUnit.Kind.FACULTY, parent=None)
        for year in (2026, 2027):
            LocalRound.objects.create(faculty=faculty, name=f"{year} round", deadline=dt.date(year + 70, 1, 1),
                                      budget=Decimal("6000"), created_by=p.dean)
    large, response = _count(client, "/progression/rounds/")
    assert small == large == pinned, (small, large)
    page = response.content.decode()
    assert 'data-testid="round-form"' in page and page.count('<option value="') == (4 if who == "hr_services" else 1)


def test_my_home_panel_reads_a_fixed_number_of_queries(matrix, login):
    p = matrix
    client = login(p.dean)
    _requests(p, 2)
    small, _ = _count(client, "/")
    _requests(p, 8)
    large, response = _count(client, "/")
    assert small == large, (small, large)
    assert 'data-testid="progression-home"' in response.content.decode()


def test_the_request_page_as_the_dean_resolves_the_deciding_role_once(matrix, login):
    """Approve, decline and return for information are all the decider's: the page (its buttons, from
    available_actions) works out who decides once, not once a move."""
    p = matrix
    obj = make_request(p, "hod", "decision")
    count, response = _count(login(p.dean), f"/progression/{obj.pk}/")
    assert 'data-testid="action-approve"' in response.content.decode()
    assert count == 15, count
