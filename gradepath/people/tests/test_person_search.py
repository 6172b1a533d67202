"""The people pickers' search endpoint (issue 11, item 14): through the people gate, at most 20
matches, only current staff, and a fixed number of queries however many people there are."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gradepath.core.widgets import SEARCH_LIMIT
from gradepath.testing.factories import AppointmentFactory, PersonFactory, PostFactory

pytestmark = pytest.mark.django_db

URL = reverse("people:person-search")


def search(client, q, **params):
    response = client.get(URL, {"q": q, **params})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    return response.json()


def add_namesakes(unit, count: int, *, last_name: str = "Harrow", start: int = 0):
    for n in range(start, start + count):
        person = PersonFactory(first_name=f"Kim{n:05d}", last_name=last_name)
        AppointmentFactory(person=person, post=PostFactory(org_unit=unit))


def test_a_search_finds_people_by_surname_first_name_or_staff_number(personas, login):
    client = login(personas.hr_services)
    assert [r["text"] for r in search(client, "pat")["results"]] == [
        f"Sam Patel ({personas.staff_member.employee_number})"]
    assert search(client, "sam patel")["results"][0]["value"] == personas.staff_member.pk
    assert search(client, personas.staff_member.employee_number)["results"][0]["value"] == personas.staff_member.pk
    row = search(client, "patel")["results"][0]
    assert row["detail"] == "Research Technician, Division of Biosciences"


def test_the_search_answers_only_with_people_the_user_may_see(personas, login):
    # The line manager sees their report; the outsider sees only themselves.
    assert search(login(personas.line_manager), "patel")["results"]
    assert search(login(personas.outsider), "patel")["results"] == []
    assert search(login(personas.outsider), "stranger")["results"][0]["value"] == personas.outsider.pk


def test_people_who_have_left_and_the_user_themselves_on_request_are_left_out(personas, login):
    personas.staff_member.is_active = False
    personas.staff_member.save(update_fields=["is_active"])
    client = login(personas.hr_services)
    assert search(client, "patel")["results"] == []
    assert search(client, "soames")["results"]
    assert search(client, "soames", not_me="1")["results"] == []


def test_at_most_twenty_matches_are_sent_and_the_answer_says_there_are_more(personas, login):
    add_namesakes(personas.estates, SEARCH_LIMIT + 5)
    answer = search(login(personas.hr_services), "harrow")
    assert len(answer["results"]) == SEARCH_LIMIT and answer["more"] is True
    assert search(login(personas.hr_services), "kim00003 harrow") == {
        "results": [answer["results"][3]], "more": False}


def test_an_empty_search_finds_nobody(personas, login):
    assert search(login(personas.hr_services), "   ") == {"results": [], "more": False}


def test_anonymous_visitors_are_sent_to_sign_in(client):
    assert client.get(URL, {"q": "pat"}).status_code == 302


@pytest.mark.parametrize("persona", ["hr_services", "fm_hps"])
def test_the_search_query_count_does_not_grow_with_the_people(personas, login, persona):
    client = login(getattr(personas, persona))
    add_namesakes(personas.department, 30)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            answer = search(client, "harrow")
        assert answer["results"]
        return len(ctx.captured_queries)

    small = queries()
    add_namesakes(personas.department, 300, start=30)
    assert queries() == small


def test_the_delegate_picker_renders_no_list_and_searches_without_you(personas, login):
    add_namesakes(personas.department, 40)
    html = login(personas.fm_hps).get(reverse("people:delegation-create")).content.decode()
    select = re.search(r'<select name="delegate".*?</select>', html, re.S).group(0)
    assert f'data-gp-search="{URL}?not_me=1"' in select
    assert select.count("<option") <= 1  # the empty choice only


def test_the_line_manager_picker_renders_only_the_current_manager(personas, login):
    add_namesakes(personas.department, 40)
    client = login(personas.hr_services)
    html = client.get(reverse("people:person-edit", args=[personas.staff_member.pk])).content.decode()
    select = re.search(r'<select name="line_manager".*?</select>', html, re.S).group(0)
    assert f'data-gp-search="{URL}"' in select
    values = re.findall(r'<option value="([^"]*)"( selected)?', select)
    assert values == [("", ""), (str(personas.line_manager.pk), " selected")]
    # A person cannot manage themselves: refused in words, nothing saved.
    response = client.post(reverse("people:person-edit", args=[personas.staff_member.pk]),
                           {"line_manager": personas.staff_member.pk, "first_name": "Sam", "last_name": "Patel",
                            "work_email": personas.staff_member.work_email, "staff_category": "technical",
                            "is_active": "on", "employee_number": personas.staff_member.employee_number})
    assert "other than Sam Patel as the line manager" in response.content.decode()
