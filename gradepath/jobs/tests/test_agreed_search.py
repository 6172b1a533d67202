"""The agreed JD pickers' search endpoint (issue 11, item 14): every word in the job title (or a
reference), only current agreed JDs, at most 20, and a fixed number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gradepath.core.widgets import SEARCH_LIMIT
from gradepath.grades.models import Grade
from gradepath.jobs import services as jd_services
from gradepath.testing.factories import JobFamilyFactory

pytestmark = pytest.mark.django_db

URL = reverse("jobs:agreed-search")


def agreed(unit, title: str, grade: int = 5, family=None):
    version = jd_services.create_job_description(
        actor=None, org_unit=unit, job_family=family or JobFamilyFactory(), staff_category="technical",
        job_title=title, area="Laboratory operations", purpose="To support the laboratories.",
        duties=["Prepare solutions.", "Maintain equipment."])
    jd_services.submit_version(actor=None, version=version)
    return jd_services.log_agreed_jd(actor=None, version=version, grade=Grade.objects.get(number=grade))


def search(client, q):
    response = client.get(URL, {"q": q})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    return response.json()


def test_every_word_must_be_in_the_job_title(personas, login):
    tech = agreed(personas.department, "Research Technician")
    agreed(personas.department, "Research Administrator")
    client = login(personas.staff_member)
    assert [r["value"] for r in search(client, "tech research")["results"]] == [tech.pk]
    row = search(client, "technician")["results"][0]
    assert row["text"] == f"{tech.reference} Research Technician (Grade 5)"
    assert search(client, tech.reference.lower())["results"][0]["value"] == tech.pk


def test_only_current_agreed_jds_are_offered(personas, login):
    old = agreed(personas.department, "Workshop Technician")
    old.is_current = False
    old.save(update_fields=["is_current"])
    assert search(login(personas.hrbp), "workshop")["results"] == []


def test_at_most_twenty_are_sent_and_the_answer_says_there_are_more(personas, login):
    family = JobFamilyFactory()
    for n in range(SEARCH_LIMIT + 3):
        agreed(personas.department, f"Technician {n:02d}", family=family)
    answer = search(login(personas.hrbp), "technician")
    assert len(answer["results"]) == SEARCH_LIMIT and answer["more"] is True
    assert search(login(personas.hrbp), "") == {"results": [], "more": False}


def test_anonymous_visitors_are_sent_to_sign_in(client):
    assert client.get(URL, {"q": "tech"}).status_code == 302


def test_the_search_query_count_does_not_grow_with_the_library(personas, login):
    family = JobFamilyFactory()
    client = login(personas.hrbp)
    for n in range(5):
        agreed(personas.department, f"Technician {n:03d}", family=family)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert search(client, "technician")["results"]
        return len(ctx.captured_queries)

    small = queries()
    for n in range(5, 45):
        agreed(personas.department, f"Technician {n:03d}", family=family)
    assert queries() == small
