"""What the career record shows (policy §4.9): grade and spine point over time as a chart whose data is
the table's, appointments of every kind with their dates, and a section per registered source in its
order — grading's cases, linked only for those who may open them. The API gives the same."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.urls import reverse

from gradepath.career.selectors import CHART_DATA_ID
from gradepath.career.sources import SLOT, CareerEntry, CareerSource, register_career_source
from gradepath.career.tests.conftest import add_appointments
from gradepath.core.registry import unregister
from gradepath.grades.models import Grade, PayRecord
from gradepath.grades.selectors import pay_history
from gradepath.grading.models import GradingCase
from gradepath.people.models import Appointment

pytestmark = pytest.mark.django_db


def data_island(html: str) -> dict:
    found = re.search(rf'<script id="{CHART_DATA_ID}" type="application/json">(.*?)</script>', html, re.S)
    assert found, "the chart's data island is missing"
    return json.loads(found.group(1))


def table_rows(html: str) -> list[dict]:
    """The pay table's rows as the page states them (data attributes of each row), top to bottom."""
    return [{"date": d, "grade": int(g), "spine_point": int(p)} for d, g, p in re.findall(
        r'data-testid="pay-line" data-date="([\d-]+)" data-grade="(\d+)" data-spine-point="(\d+)"', html)]


def test_the_charts_data_island_holds_the_tables_lines_oldest_first(career, login):
    grade6 = Grade.objects.get(number=6)
    PayRecord.objects.create(person=career.staff_member, grade=grade6, spine_point=23, effective_from=dt.date(2025, 4, 1),
                             reason=PayRecord.Reason.REGRADE, post=career.staff_post)
    html = login(career.staff_member).get(reverse("career:record", args=[career.staff_member.pk])).content.decode()
    points = data_island(html)["points"]
    rows = table_rows(html)
    assert len(points) == len(rows) == 4
    assert [{"date": p["date"], "grade": p["grade"], "spine_point": p["spine_point"]} for p in points] == rows[::-1]
    assert points[-1] == {"date": "2025-04-01", "label": "1 Apr 2025", "grade": 6, "grade_name": grade6.name,
                          "spine_point": 23, "reason": "Regrade", "coming": False,
                          "annual_salary": points[-1]["annual_salary"]}
    # The salary is the one the table shows (the spine point's salary on that date).
    salaries = {line.record.effective_from.isoformat(): line.annual_salary for line in pay_history(career.staff_member)}
    for point in points:
        expected = salaries[point["date"]]
        assert point["annual_salary"] == (None if expected is None else f"{expected:.2f}")
    assert '<canvas id="career-chart" role="img" data-data-id="career-chart-data"' in html
    assert "vendor/chart.js/dist/chart.umd.min.js" in html and "career/chart.js" in html
    assert "<script>" not in html  # no inline script: the data island is JSON, read by the static file


def test_the_data_island_escapes_what_a_record_holds(career, login):
    PayRecord.objects.filter(person=career.staff_member).update(note="</script><script>alert(1)</script>")
    html = login(career.staff_member).get(reverse("career:record", args=[career.staff_member.pk])).content.decode()
    assert "<script>alert(1)" not in html
    assert data_island(html)["points"]


def test_a_record_with_no_pay_history_says_so_and_draws_no_chart(career, login):
    html = login(career.hr_services).get(reverse("career:record", args=[career.outsider.pk])).content.decode()
    assert "No grade or spine point is recorded yet." in html
    assert "career-chart-data" not in html.replace('data-data-id="career-chart-data"', "")


def test_appointments_of_every_kind_are_listed_with_their_dates(career, login):
    add_appointments(career, 2)  # a secondment and an acting up, both ended
    html = login(career.line_manager).get(reverse("career:record", args=[career.staff_member.pk])).content.decode()
    assert html.count('data-testid="appointment"') == 3
    for words in ("Substantive", "Secondment", "Acting up", "Research Technician", "1 Sep 2021", "Project Officer 1",
                  "1 Jan 2001", "21 Jan 2001"):
        assert words in html, words
    assert Appointment.objects.filter(person=career.staff_member).count() == 3


def test_the_grading_section_lists_the_cases_about_the_person_with_what_was_decided(career, login):
    case = career.case
    html = login(career.staff_member).get(reverse("career:record", args=[career.staff_member.pk])).content.decode()
    section = html[html.index('data-section="grading"'):]
    assert "Grading cases" in section
    assert case.reference in section and f"Direct Route: {case.title}" in section
    assert "Closed: higher grade, Grade 6" in section
    assert f'href="{reverse("grading:case-detail", args=[case.pk])}"' in section


def test_a_case_links_only_for_a_reader_who_may_open_it(career, login):
    # The HRBP's delegate may see Sam's career record; whether they may open the case is grading's gate.
    from gradepath.grading.permissions import visible_cases

    link = f'href="{reverse("grading:case-detail", args=[career.case.pk])}"'
    for name in ("staff_member", "line_manager", "senior_manager", "hrbp", "hrbp_delegate", "hr_services"):
        viewer = getattr(career, name)
        html = login(viewer).get(reverse("career:record", args=[career.staff_member.pk])).content.decode()
        may_open = visible_cases(viewer.user).filter(pk=career.case.pk).exists()
        assert (link in html) is may_open, name
        assert career.case.reference in html, name  # listed either way
    # A case the reader may not open (the HRBP's delegate, once the case is Estates'): listed, without a link.
    GradingCase.objects.filter(pk=career.case.pk).update(org_unit=career.estates)
    assert not visible_cases(career.hrbp_delegate.user).filter(pk=career.case.pk).exists()
    html = login(career.hrbp_delegate).get(reverse("career:record", args=[career.staff_member.pk])).content.decode()
    assert career.case.reference in html
    assert link not in html


def test_the_sections_follow_their_sources_order_and_an_empty_one_says_so(career, login):
    def entries(person, user):
        return [CareerEntry(start=dt.date(2024, 5, 1), title="Workshop on <b>research software</b>",
                            status="Attended", detail="Two days.", reference="EV-1")]

    register_career_source(CareerSource(key="test-events", label="Workshops", order=10, entries=entries))
    register_career_source(CareerSource(key="test-empty", label="Honoraria", order=90, entries=lambda p, u: []))
    try:
        html = login(career.staff_member).get(reverse("career:record", args=[career.staff_member.pk])).content.decode()
    finally:
        unregister(SLOT, "test-events")
        unregister(SLOT, "test-empty")
    assert re.findall(r'data-section="([\w-]+)"', html) == ["test-events", "grading", "test-empty"]
    workshops = html[html.index('data-section="test-events"'):html.index('data-section="grading"')]
    assert "EV-1 Workshop on &lt;b&gt;research software&lt;/b&gt;" in workshops and "1 May 2024" in workshops
    assert "href=" not in workshops  # no link given: none shown
    assert "None recorded." in html[html.index('data-section="test-empty"'):]


def test_the_api_gives_the_pages_data(career, api):
    response = api(career.line_manager).get(reverse("api:person-career", args=[career.staff_member.pk]))
    assert response.status_code == 200
    body = response.json()
    assert body["person"] == {"id": career.staff_member.pk, "full_name": career.staff_member.full_name}
    lines = pay_history(career.staff_member)
    assert [(r["effective_from"], r["grade_number"], r["spine_point"]) for r in body["pay_history"]] == [
        (line.record.effective_from.isoformat(), line.record.grade.number, line.record.spine_point) for line in lines]
    assert body["pay_history"][0]["status"] == "in force" and body["pay_history"][-1]["status"] == "past"
    assert body["appointments"] == [{
        "post_number": "BIO-0101", "post_title": "Research Technician",
        "org_unit": {"id": career.department.pk, "code": "BIOSC", "name": "Division of Biosciences"},
        "kind": "substantive", "kind_label": "Substantive", "start_date": "2021-09-01", "end_date": None,
        "current": True}]
    [grading] = body["sections"]
    assert grading["key"] == "grading" and grading["label"] == "Grading cases"
    [entry] = grading["entries"]
    assert entry["reference"] == career.case.reference
    assert entry["link"] == reverse("grading:case-detail", args=[career.case.pk])
    assert entry["status"] == "Closed: higher grade, Grade 6"


def test_the_api_is_in_the_openapi_schema(career, api):
    schema = api(career.staff_member).get(reverse("api:schema"), {"format": "json"}).json()
    operation = schema["paths"]["/api/people/{id}/career/"]["get"]
    assert operation["operationId"] == "people_career"
    assert "CareerRecord" in schema["components"]["schemas"]
    assert {"pay_history", "appointments", "sections"} <= set(schema["components"]["schemas"]["CareerRecord"]["properties"])
