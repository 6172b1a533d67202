"""The agreed JD library, its search and the fairness lists at scale (issue 13): the database ranks and
pages the search, holders are counted for the rows on the page only, and long holder lists stop
at a limit with the whole count and the rest on demand."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gradepath.grades.models import Grade
from gradepath.jobs import services
from gradepath.jobs.models import AgreedJD
from gradepath.jobs.search import search_library
from gradepath.jobs.selectors import library_queryset
from gradepath.testing.factories import AppointmentFactory, JobFamilyFactory, PostFactory

pytestmark = pytest.mark.django_db


def _agreed(personas, title: str, purpose: str = "To support the faculty.", duties=("Keep records.",), grade: int = 5) -> AgreedJD:
    version = services.create_job_description(
        actor=None, org_unit=personas.department, job_family=JobFamilyFactory(), staff_category="technical",
        job_title=title, purpose=purpose, duties=list(duties))
    services.submit_version(actor=None, version=version)
    return services.log_agreed_jd(actor=None, version=version, grade=Grade.objects.get(number=grade))


def _found(q: str) -> list[AgreedJD]:
    return list(search_library(q, library_queryset()))


def test_a_word_in_the_title_ranks_above_one_in_the_duties(personas):
    in_duties = _agreed(personas, "Laboratory Assistant", duties=["Maintain the equipment of the teaching labs."])
    in_title = _agreed(personas, "Equipment Technician", duties=["Order consumables."])
    _agreed(personas, "Finance Officer", duties=["Process invoices."])
    assert _found("equipment") == [in_title, in_duties]


def test_the_search_finds_the_start_of_a_word_and_needs_every_word(personas):
    lab = _agreed(personas, "Laboratory Assistant", purpose="To keep the teaching laboratories running.",
                  duties=["Maintain equipment."])
    assert _found("equip") == [lab]
    assert _found("laborator maint") == [lab]
    assert _found("equipment payroll") == []


def test_the_reference_finds_its_entry_first(personas):
    first = _agreed(personas, "Equipment Technician")
    second = _agreed(personas, "Equipment Officer")
    assert _found(second.reference)[0] == second
    assert first in _found("equipment")


@pytest.mark.parametrize(("q", "finds"), [
    ('"equipment', True), ("equipment*", True), ("(equipment)", True), ("equipment:", True), ("-equipment", True),
    ("equipment AND OR NOT", True), ("the equipment", True), ("NEAR(equipment", False), ("a & b | !c", False),
    ("'; DROP TABLE jobs_agreedjd; --", False), ("ééé", False), ("_", True), ("%", True), ("the", True)])
def test_search_syntax_in_a_query_is_only_words(personas, login, q, finds):
    """Search syntax is never passed on (the same answer on both databases): only the words count,
    stop words are left out on both, and a query with no words left lists the library."""
    entry = _agreed(personas, "Equipment Technician")
    response = login(personas.staff_member).get(reverse("jobs:library"), {"q": q})
    assert response.status_code == 200
    assert (entry.reference in response.content.decode()) is finds
    assert AgreedJD.objects.filter(pk=entry.pk).exists()


def test_the_search_reads_one_page_from_the_database(personas, login):
    for n in range(3):
        _agreed(personas, f"Equipment Technician {n}")
    client = login(personas.staff_member)
    client.get(reverse("jobs:library"), {"q": "equipment"})
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("jobs:library"), {"q": "equipment"})
    assert response.status_code == 200 and response.context["page"].paginator.count == 3
    listing = [q["sql"] for q in ctx.captured_queries
               if 'FROM "jobs_agreedjd"' in q["sql"] and "COUNT(" not in q["sql"].upper()]
    # Every match was read, with its text, and ranked in Python before the page was cut.
    assert listing and all("LIMIT" in sql.upper() for sql in listing), listing


def test_the_library_counts_holders_for_the_page_only(personas, login):
    entry = _agreed(personas, "Research Technician")
    for _ in range(2):
        AppointmentFactory(post=PostFactory(org_unit=personas.department, jd_version=entry.version))
    client = login(personas.staff_member)
    client.get(reverse("jobs:library"))
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("jobs:library"))
    assert {e.pk: e.holder_count for e in response.context["page"].object_list}[entry.pk] == 2
    listing = [q["sql"] for q in ctx.captured_queries if 'FROM "jobs_agreedjd"' in q["sql"]]
    # The count joined every entry to its posts and appointments, grouped, before LIMIT 50.
    assert listing and not any("GROUP BY" in sql.upper() for sql in listing), listing


def test_the_fairness_lists_stop_at_the_limit_with_the_whole_count(personas, login, monkeypatch):
    monkeypatch.setattr("gradepath.jobs.views.PANEL_LIMIT", 3)
    entry = _agreed(personas, "Research Technician")
    for _ in range(5):
        AppointmentFactory(post=PostFactory(org_unit=personas.department, jd_version=entry.version))
    client = login(personas.hr_services)
    url = reverse("jobs:version-fairness", args=[entry.version.pk])
    page = client.get(url)
    assert len(page.context["lookup"].same_version) == 3
    body = page.content.decode()
    assert "Holders of this version (5)" in body and "and 2 more" in body
    everyone = client.get(url, {"holders": "all"})
    assert len(everyone.context["lookup"].same_version) == 5
    assert "and 2 more" not in everyone.content.decode()


def test_the_fairness_query_count_does_not_grow_with_holders(personas, login, django_assert_max_num_queries):
    entry = _agreed(personas, "Research Technician")
    client = login(personas.hr_services)
    url = reverse("jobs:version-fairness", args=[entry.version.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    for _ in range(30):
        AppointmentFactory(post=PostFactory(org_unit=personas.department, jd_version=entry.version))
    with django_assert_max_num_queries(len(ctx.captured_queries)):
        response = client.get(url)
    assert len(response.context["lookup"].same_version) == 25 and response.context["lookup"].same_version_count == 30
