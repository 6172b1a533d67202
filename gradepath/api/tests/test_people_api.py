import datetime as dt

import pytest
from django.urls import reverse

from gradepath.core.history import timeline_for
from gradepath.grades.models import PayRecord

pytestmark = pytest.mark.django_db


def test_person_list_shows_only_the_people_a_line_manager_may_see(personas, api):
    response = api(personas.line_manager).get(reverse("api:person-list"))
    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["results"]}
    assert ids == {personas.line_manager.pk, personas.staff_member.pk}


def test_person_list_is_paginated_in_a_stable_order(personas, api):
    client = api(personas.hr_services)
    first = client.get(reverse("api:person-list"), {"page_size": 3}).json()
    second = client.get(first["next"]).json()
    assert first["count"] == len(personas.all())
    names = [(r["last_name"], r["first_name"]) for r in first["results"] + second["results"]]
    assert names == sorted(names)
    assert not {r["id"] for r in first["results"]} & {r["id"] for r in second["results"]}


def test_person_list_search_by_name(personas, api):
    response = api(personas.hr_services).get(reverse("api:person-list"), {"q": "pat"})
    assert [r["id"] for r in response.json()["results"]] == [personas.staff_member.pk]


def test_person_detail_tells_the_caller_what_they_may_change(personas, api):
    url = reverse("api:person-detail", args=[personas.staff_member.pk])
    mine = api(personas.staff_member).get(url).json()
    as_manager = api(personas.line_manager).get(url).json()
    assert mine["editable_fields"] == ["known_as"]
    assert as_manager["editable_fields"] == []
    assert mine["line_manager"] == {"id": personas.line_manager.pk, "full_name": "Lina Morgan"}
    assert mine["current_appointments"][0]["post_number"] == "BIO-0101"


def test_outsider_gets_404_for_someone_elses_record(personas, api):
    response = api(personas.outsider).get(reverse("api:person-detail", args=[personas.staff_member.pk]))
    assert response.status_code == 404


def test_line_manager_cannot_patch_a_report(personas, api):
    url = reverse("api:person-update", args=[personas.staff_member.pk])
    response = api(personas.line_manager).patch(url, {"known_as": "Sammy"}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == "You can read this record but not change it."
    personas.staff_member.refresh_from_db()
    assert personas.staff_member.known_as == ""


def test_self_can_patch_known_as_and_history_is_written(personas, api):
    url = reverse("api:person-update", args=[personas.staff_member.pk])
    response = api(personas.staff_member).patch(url, {"known_as": "Sammy"}, format="json")
    assert response.status_code == 200
    assert response.json()["full_name"] == "Sammy Patel"
    entry = timeline_for(personas.staff_member).get(action="person.updated")
    assert entry.after == {"known_as": "Sammy"}
    assert entry.actor == personas.staff_member.user


def test_self_cannot_patch_own_line_manager(personas, api):
    url = reverse("api:person-update", args=[personas.staff_member.pk])
    response = api(personas.staff_member).patch(url, {"line_manager": personas.staff_member.pk}, format="json")
    assert response.status_code == 403
    assert "line_manager" in response.json()["detail"]


def test_patch_of_a_field_that_is_never_editable_is_refused_with_a_message(personas, api):
    url = reverse("api:person-update", args=[personas.staff_member.pk])
    response = api(personas.hr_services).patch(url, {"employee_number": "X1"}, format="json")
    assert response.status_code == 400
    assert response.json()["detail"] == "These fields cannot be changed here: employee_number."


def test_hr_services_can_change_the_line_manager_but_not_into_a_cycle(personas, api):
    client = api(personas.hr_services)
    url = reverse("api:person-update", args=[personas.line_manager.pk])
    response = client.patch(url, {"line_manager": personas.staff_member.pk}, format="json")
    assert response.status_code == 400
    assert response.json()["detail"] == (
        "Sam Patel reports (directly or indirectly) to Lina Morgan, so cannot be their line manager."
    )
    personas.line_manager.refresh_from_db()
    assert personas.line_manager.line_manager_id is None
    response = client.patch(url, {"line_manager": personas.fm_hps.pk}, format="json")
    assert response.status_code == 200
    assert response.json()["line_manager"]["id"] == personas.fm_hps.pk


def test_outsider_gets_404_patching_someone_else(personas, api):
    url = reverse("api:person-update", args=[personas.staff_member.pk])
    response = api(personas.outsider).patch(url, {"known_as": "X"}, format="json")
    assert response.status_code == 404


def test_empty_patch_is_refused(personas, api):
    url = reverse("api:person-update", args=[personas.staff_member.pk])
    response = api(personas.staff_member).patch(url, {}, format="json")
    assert response.status_code == 400
    assert response.json()["detail"] == "Send at least one field to change."


def test_pay_history_lists_records_newest_first_with_salary(personas, api):
    from gradepath.grades.models import Grade

    PayRecord.objects.create(person=personas.staff_member, grade=Grade.objects.get(number=5), spine_point=18,
                             effective_from=dt.date(2024, 8, 1), reason=PayRecord.Reason.ANNUAL_INCREMENT)
    response = api(personas.staff_member).get(reverse("api:person-pay-history", args=[personas.staff_member.pk]))
    rows = response.json()["results"]
    assert [(r["spine_point"], r["reason"]) for r in rows] == [(18, "annual_increment"), (17, "appointment")]
    assert rows[0]["zone"] == "automatic"
    assert rows[0]["annual_salary"] is not None
    assert rows[1]["annual_salary"] is None  # no salary recorded before August 2023


def test_outsider_gets_404_for_someone_elses_pay_history(personas, api):
    response = api(personas.outsider).get(reverse("api:person-pay-history", args=[personas.staff_member.pk]))
    assert response.status_code == 404
