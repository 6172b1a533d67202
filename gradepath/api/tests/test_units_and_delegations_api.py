import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from gradepath.core.history import timeline_for
from gradepath.people.models import Delegation

pytestmark = pytest.mark.django_db


def test_unit_list_for_fm_hps_is_their_faculty_tree_top_down(personas, api):
    response = api(personas.fm_hps).get(reverse("api:org-unit-list"))
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [r["code"] for r in rows] == ["LIFE", "BIOSC"]
    assert rows[0]["fm_hps"] == {"id": personas.fm_hps.pk, "full_name": "Fiona Marsh"}
    assert rows[1]["parent_id"] == personas.faculty.pk


def test_unit_detail_lists_visible_children(personas, api):
    response = api(personas.hrbp).get(reverse("api:org-unit-detail", args=[personas.faculty.pk]))
    assert response.status_code == 200
    assert [c["code"] for c in response.json()["children"]] == ["BIOSC"]


def test_outsider_gets_404_for_a_unit_they_have_no_part_in(personas, api):
    response = api(personas.outsider).get(reverse("api:org-unit-detail", args=[personas.faculty.pk]))
    assert response.status_code == 404
    assert api(personas.outsider).get(reverse("api:org-unit-detail", args=[personas.estates.pk])).status_code == 200


def test_delegation_list_shows_delegations_given_and_received(personas, api):
    for person in (personas.fm_hps, personas.delegate):
        rows = api(person).get(reverse("api:delegation-list")).json()["results"]
        assert [r["id"] for r in rows] == [personas.delegation.pk]
        assert rows[0]["is_active"] is True
    assert api(personas.staff_member).get(reverse("api:delegation-list")).json()["results"] == []


def test_outsider_gets_404_for_a_delegation(personas, api):
    url = reverse("api:delegation-detail", args=[personas.delegation.pk])
    assert api(personas.outsider).get(url).status_code == 404
    assert api(personas.delegate).get(url).status_code == 200


def _grant_payload(personas, **overrides):
    today = timezone.localdate()
    payload = {
        "delegate": personas.delegate.pk,
        "role": "fm_hps",
        "org_unit": personas.department.pk,
        "start_date": today.isoformat(),
        "end_date": (today + dt.timedelta(days=14)).isoformat(),
        "reason": "Conference",
    }
    payload.update(overrides)
    return payload


def test_fm_hps_grants_a_delegation_through_the_api_and_history_is_written(personas, api):
    response = api(personas.fm_hps).post(reverse("api:delegation-create"), _grant_payload(personas), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    delegation = Delegation.objects.get(pk=body["id"])
    assert delegation.delegator == personas.fm_hps
    assert body["role_label"] == "FM/HPS"
    entry = timeline_for(delegation).get()
    assert entry.action == "delegation.granted"
    assert entry.actor == personas.fm_hps.user


def test_revoke_through_the_api_writes_history_and_a_second_revoke_is_refused(personas, api):
    client = api(personas.fm_hps)
    url = reverse("api:delegation-revoke", args=[personas.delegation.pk])
    response = client.post(url)
    assert response.status_code == 200
    assert response.json()["is_active"] is False
    assert timeline_for(personas.delegation).filter(action="delegation.revoked").count() == 1
    again = client.post(url)
    assert again.status_code == 400
    assert again.json()["detail"] == "This delegation has already been revoked."


def test_delegate_cannot_revoke_the_delegation_they_received(personas, api):
    response = api(personas.delegate).post(reverse("api:delegation-revoke", args=[personas.delegation.pk]))
    assert response.status_code == 403
    assert response.json()["detail"] == "Only the person who delegated the role, or an administrator, can revoke it."
    personas.delegation.refresh_from_db()
    assert personas.delegation.revoked_at is None


def test_outsider_gets_404_revoking_a_delegation(personas, api):
    response = api(personas.outsider).post(reverse("api:delegation-revoke", args=[personas.delegation.pk]))
    assert response.status_code == 404


def test_someone_who_holds_no_role_cannot_delegate_it(personas, api):
    response = api(personas.line_manager).post(
        reverse("api:delegation-create"),
        _grant_payload(personas, delegate=personas.staff_member.pk),
        format="json",
    )
    # The line manager can see the unit and their report, so the service decides: not the holder.
    assert response.status_code == 400
    assert response.json()["detail"] == (
        "Lina Morgan is not the FM/HPS of Division of Biosciences, so cannot delegate it."
    )
    assert not Delegation.objects.filter(delegate=personas.staff_member).exists()


def test_delegating_to_someone_you_cannot_see_looks_like_no_such_person(personas, api):
    response = api(personas.fm_hps).post(
        reverse("api:delegation-create"), _grant_payload(personas, delegate=personas.outsider.pk), format="json"
    )
    assert response.status_code == 400
    assert "delegate" in response.json()


def test_delegation_that_ends_before_it_starts_is_refused(personas, api):
    today = timezone.localdate()
    payload = _grant_payload(personas, end_date=(today - dt.timedelta(days=1)).isoformat())
    response = api(personas.fm_hps).post(reverse("api:delegation-create"), payload, format="json")
    assert response.status_code == 400
    assert response.json()["detail"] == "The delegation cannot end before it starts."


def test_administrator_records_a_delegation_for_the_role_holder(personas, api):
    payload = _grant_payload(personas, delegator=personas.fm_hps.pk)
    response = api(personas.administrator).post(reverse("api:delegation-create"), payload, format="json")
    assert response.status_code == 201
    assert response.json()["delegator"]["id"] == personas.fm_hps.pk
