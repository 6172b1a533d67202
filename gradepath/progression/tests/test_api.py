"""The API of accelerated increments: the same gates, services and messages as the pages."""

from __future__ import annotations

import pytest
from django.utils import timezone

from gradepath.progression import services
from gradepath.progression.models import ProgressionRequest
from gradepath.progression.tests.conftest import good_data

pytestmark = pytest.mark.django_db


def test_the_staff_member_applies_directly_over_the_api_and_the_dean_asks_for_comments(aip, api):
    p = aip
    response = api(p.staff_member).post("/api/progression/requests/start/", {
        "route": "direct", "subject": p.staff_member.pk, "data": good_data(timezone.localdate())}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["state"] == "dean_intake" and body["new_point"] == 18 and body["award"] == "one accelerated increment"
    actions = api(p.dean).get(f"/api/progression/requests/{body['id']}/actions/").json()
    assert [a["action"] for a in actions["actions"]] == ["ask_for_comments"]
    done = api(p.dean).post(f"/api/progression/requests/{body['id']}/perform/",
                            {"action": "ask_for_comments", "step": actions["step"]}, format="json")
    assert done.status_code == 200 and done.json()["state"] == "comments"


def test_the_api_answers_a_stranger_with_404_and_lists_nothing_for_them(aip, api):
    p = aip
    obj = services.start_request(
        actor=p.hod.user, route="hod", subject=p.staff_member, data=good_data(timezone.localdate()))
    assert api(p.outsider).get(f"/api/progression/requests/{obj.pk}/").status_code == 404
    assert api(p.outsider).get("/api/progression/requests/").json()["count"] == 0
    assert api(p.dean).get(f"/api/progression/requests/{obj.pk}/").status_code == 200
    assert ProgressionRequest.objects.count() == 1
