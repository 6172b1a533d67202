"""The equality data viewer's way in, and a stated purpose for every individual read.

Issue 11 item 8: the role had no way in through the pages but read anyone's special-category
record by typing ``/people/N/equality/``, with no purpose asked or recorded. Now: a search page
for the role (in its menu), and every read states its purpose first (policy §2.8, §6.2).
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.http import Http404
from django.urls import reverse

from gradepath.core.errors import ServiceError
from gradepath.core.models import HistoryEntry
from gradepath.people.equality import find_people
from gradepath.people.models import EqualityData, Person
from gradepath.people.permissions import get_equality_data_for_user
from gradepath.testing.factories import PersonFactory

pytestmark = pytest.mark.django_db

SECRET = "Mixed: White and Asian"


@pytest.fixture
def record(personas):
    return EqualityData.objects.create(person=personas.staff_member, ethnicity=SECRET)


def _reads():
    return HistoryEntry.objects.filter(action="equality_data.viewed")


# --- The search page ------------------------------------------------------------------------------


def test_the_equality_viewer_has_the_search_page_in_the_menu(personas, login):
    client = login(personas.equality_viewer)
    home = client.get(reverse("people:home")).content.decode()
    assert reverse("people:equality-search") in home
    page = client.get(reverse("people:equality-search"))
    assert page.status_code == 200 and page.context["page_obj"] is None  # no list before a search


def test_nobody_else_has_the_menu_entry_or_the_page(personas, login):
    url = reverse("people:equality-search")
    for persona in personas.all().values():
        if persona == personas.equality_viewer:
            continue
        client = login(persona)
        assert url not in client.get(reverse("people:home")).content.decode(), persona
        assert client.get(url, {"q": "Patel"}).status_code == 404, persona


def test_the_search_finds_a_person_by_surname_name_or_staff_number_and_leads_to_their_record(personas, login):
    client = login(personas.equality_viewer)
    sam = personas.staff_member
    for query in ("Patel", "patel", "PAT", "sam patel", "Patel, Sam", sam.employee_number,
                  sam.employee_number.lower(), sam.employee_number[:4]):
        response = client.get(reverse("people:equality-search"), {"q": query})
        found = [p.pk for p in response.context["page_obj"].object_list]
        assert sam.pk in found, query
        assert reverse("people:person-equality", args=[sam.pk]) in response.content.decode()
    body = client.get(reverse("people:equality-search"), {"q": "Patel"}).content.decode()
    assert SECRET not in body
    assert not _reads().exists()  # searching reads nobody's record


def test_the_search_matches_surnames_from_their_start_in_any_case(personas):
    PersonFactory(first_name="Mary", last_name="McDonald")
    PersonFactory(first_name="Ian", last_name="Donaldson")
    assert [p.last_name for p in find_people("mcdonald")] == ["McDonald"]
    assert [p.last_name for p in find_people("MCD")] == ["McDonald"]
    assert [p.last_name for p in find_people("donald")] == ["Donaldson"]  # not "McDonald": surnames from the start
    assert [p.last_name for p in find_people("mary mcd")] == ["McDonald"]
    assert not find_people("ian mcd").exists()
    assert not find_people("").exists() and not find_people("   ").exists()


def test_the_search_pages_its_results(personas, login):
    for n in range(30):
        PersonFactory(first_name=f"Kim{n:02d}", last_name="Okafor")
    client = login(personas.equality_viewer)
    first = client.get(reverse("people:equality-search"), {"q": "okafor"})
    assert first.context["page_obj"].paginator.count == 30 and len(first.context["page_obj"].object_list) == 25
    second = client.get(reverse("people:equality-search"), {"q": "okafor", "page": 2})
    assert len(second.context["page_obj"].object_list) == 5


def test_the_search_query_count_does_not_grow_with_the_results(personas, login, django_assert_max_num_queries):
    for n in range(30):
        PersonFactory(first_name=f"Kim{n:02d}", last_name="Okafor")
    client = login(personas.equality_viewer)
    with django_assert_max_num_queries(8):
        client.get(reverse("people:equality-search"), {"q": "okafor"})


def test_the_name_search_is_answered_from_the_name_index(personas):
    """The lookup is index ranges on (last_name, first_name), never a scan of everyone."""
    sql, params = find_people("sam patel").query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
            assert "SEARCH people_person USING INDEX person_name_idx (last_name>? AND last_name<?)" in plan, plan
            assert "SCAN people_person" not in plan, plan
        else:
            cursor.execute("SET LOCAL enable_seqscan = off")  # the test table is tiny: ask what it would use
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = " ".join(row[0] for row in cursor.fetchall())
            assert "person_name_idx" in plan, plan


# --- Reading a record ------------------------------------------------------------------------------


def test_opening_a_record_asks_the_purpose_and_shows_no_data(personas, login, record):
    response = login(personas.equality_viewer).get(reverse("people:person-equality", args=[personas.staff_member.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert SECRET not in body and "Why do you need to read this record?" in body
    assert "Equal-pay audit" in body and "Statutory reporting" in body
    assert response["Cache-Control"] == "no-store"
    assert not _reads().exists()


def test_a_read_without_a_purpose_shows_the_form_again_and_records_nothing(personas, login, record):
    client = login(personas.equality_viewer)
    url = reverse("people:person-equality", args=[personas.staff_member.pk])
    for data in ({}, {"purpose": ""}, {"purpose": "curiosity"}, {"purpose": "other"}, {"purpose": "other", "detail": "  "}):
        response = client.post(url, data)
        assert response.status_code == 400, data
        assert SECRET not in response.content.decode(), data
    assert "Say what the purpose is." in client.post(url, {"purpose": "other"}).content.decode()
    assert not _reads().exists()


def test_a_read_with_a_purpose_shows_the_data_and_records_the_purpose(personas, login, record):
    client = login(personas.equality_viewer)
    response = client.post(reverse("people:person-equality", args=[personas.staff_member.pk]),
                           {"purpose": "grading_fairness", "detail": "GC-2026-0007"})
    assert response.status_code == 200 and SECRET in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    entry = _reads().get()
    assert entry.person_id == personas.staff_member.pk and entry.actor_id == personas.equality_viewer.user_id
    assert entry.after == {"purpose": "grading_fairness", "purpose_detail": "GC-2026-0007"}
    assert "grading case fairness check (GC-2026-0007)" in entry.summary


def test_another_purpose_is_recorded_in_the_readers_words(personas, login, record):
    login(personas.equality_viewer).post(reverse("people:person-equality", args=[personas.staff_member.pk]),
                                         {"purpose": "other", "detail": "Subject access request SAR-12"})
    entry = _reads().get()
    assert entry.after["purpose"] == "other" and entry.summary.endswith("another purpose: Subject access request SAR-12.")


def test_each_read_is_recorded_separately(personas, login, record):
    client = login(personas.equality_viewer)
    url = reverse("people:person-equality", args=[personas.staff_member.pk])
    client.post(url, {"purpose": "equal_pay_audit"})
    client.post(url, {"purpose": "statutory_reporting"})
    assert sorted(e.after["purpose"] for e in _reads()) == ["equal_pay_audit", "statutory_reporting"]


def test_everyone_else_gets_404_on_a_record_and_reads_nothing(personas, login, record):
    url = reverse("people:person-equality", args=[personas.staff_member.pk])
    for persona in personas.all().values():
        if persona == personas.equality_viewer:
            continue
        client = login(persona)
        assert client.get(url).status_code == 404, persona
        response = client.post(url, {"purpose": "equal_pay_audit"})
        assert response.status_code == 404 and SECRET not in response.content.decode(), persona
    assert not _reads().exists()


def test_an_unknown_person_is_404_for_the_viewer(personas, login):
    missing = (Person.objects.order_by("-pk").first().pk or 0) + 1000
    client = login(personas.equality_viewer)
    assert client.get(reverse("people:person-equality", args=[missing])).status_code == 404
    assert client.post(reverse("people:person-equality", args=[missing]), {"purpose": "equal_pay_audit"}).status_code == 404


def test_the_gate_refuses_a_read_without_a_purpose(personas, record):
    viewer = personas.equality_viewer.user
    for purpose, detail in (("", ""), ("gossip", ""), ("other", ""), ("other", "x" * 301), ("other", "a\x00b")):
        with pytest.raises(ServiceError):
            get_equality_data_for_user(viewer, personas.staff_member, purpose=purpose, detail=detail)
    with pytest.raises(TypeError):
        get_equality_data_for_user(viewer, personas.staff_member)  # the purpose is not optional
    with pytest.raises(Http404):
        get_equality_data_for_user(personas.hrbp.user, personas.staff_member, purpose="equal_pay_audit")
    assert not _reads().exists()


def test_the_purpose_shows_in_the_persons_timeline_for_the_viewer_only(personas, login, record):
    login(personas.equality_viewer).post(reverse("people:person-equality", args=[personas.staff_member.pk]),
                                         {"purpose": "equal_pay_audit"})
    from gradepath.people.selectors import person_timeline

    assert any("equal-pay audit" in e.summary for e in person_timeline(personas.staff_member,
                                                                       include_equality_reads=True))
    assert not any(e.action.startswith("equality_data.") for e in person_timeline(personas.staff_member,
                                                                                  include_equality_reads=False))
