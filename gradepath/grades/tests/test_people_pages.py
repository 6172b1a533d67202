"""What grades shows on the pages people owns (issue 12 item 4): people knows no pay. Grades adds
the pay to the person page and My home through the registry, and the directory's grade filter;
the directory's grade is the grade of the post its row names, read through people's own records."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.urls import reverse

from gradepath.core import registry
from gradepath.grades import panels
from gradepath.grades.models import Grade, PayRecord
from gradepath.people.models import PostGrade
from gradepath.people.services import change_post_grade

pytestmark = pytest.mark.django_db

PAY_SLOTS = ("person_summary", "person_page", "person_career", "home_main")


def grade(number: int) -> Grade:
    return Grade.objects.get(number=number, structure__effective_from=dt.date(2020, 8, 1))


def directory_row(body: str, person) -> str:
    return body.split(person.employee_number)[0].rsplit("<tr", 1)[1]


@pytest.fixture
def without_grades_panels():
    """The pay slots with grades' panels taken out for the test, then put back."""
    kept = {slot: registry.contributions(slot) for slot in PAY_SLOTS}
    for slot in PAY_SLOTS:
        registry.unregister(slot, "grades")
    yield
    for slot, items in kept.items():
        for item in items:
            registry.register(slot, item)


def test_the_person_page_without_the_panels_grades_adds_shows_no_pay(login, personas, without_grades_panels):
    body = login(personas.line_manager).get(
        reverse("people:person-detail", args=[personas.staff_member.pk])).content.decode()
    assert "Research Technician" in body and 'data-testid="appointment-grade"' in body  # people's own record
    assert "Pay history" not in body and "Spine point" not in body and 'data-testid="grade"' not in body


def test_my_home_without_the_panels_grades_adds_shows_no_pay(login, personas, without_grades_panels):
    body = login(personas.staff_member).get(reverse("people:home")).content.decode()
    assert "Research Technician" in body
    assert "My grade and pay" not in body and "£" not in body


def test_the_person_page_reads_the_pay_once_for_its_three_pay_panels(login, personas):
    client = login(personas.line_manager)
    url = reverse("people:person-detail", args=[personas.staff_member.pk])
    with mock.patch.object(panels, "pay_history", wraps=panels.pay_history) as read:
        body = client.get(url).content.decode()
    assert read.call_count == 1
    assert 'data-testid="grade">Grade 5' in body and "Pay history" in body and 'data-testid="pay-line"' in body


def test_the_directory_shows_the_grade_of_the_post_its_row_names_with_no_pay_recorded(login, personas):
    assert not PayRecord.objects.filter(person=personas.fm_hps).exists()
    body = login(personas.hr_services).get(reverse("people:person-list")).content.decode()
    row = directory_row(body, personas.fm_hps)
    assert "Faculty Manager" in row and 'data-testid="directory-grade">Grade 8<' in row


def test_the_directory_grade_filter_finds_people_by_their_posts_grade_in_force(login, personas):
    later = dt.date.today() + dt.timedelta(days=60)
    change_post_grade(actor=None, post=personas.staff_post, grade=grade(6), effective_from=later,
                      reason=PostGrade.Reason.REGRADE, source="GC-2026-0042")
    client = login(personas.hr_services)
    url = reverse("people:person-list")

    def found(number: int) -> set[int]:
        return {p.pk for p in client.get(url, {"grade": grade(number).pk}).context["page_obj"].object_list}

    assert personas.staff_member.pk in found(5)  # the regrade is not in force yet
    assert personas.staff_member.pk not in found(6)
    assert {personas.fm_hps.pk, personas.delegate.pk, personas.line_manager.pk} <= found(8)  # no pay line needed
    assert personas.outsider.pk in found(6)


def test_the_grade_filter_comes_after_the_directorys_own_filters(login, personas):
    form = login(personas.hr_services).get(reverse("people:person-list")).context["filter"].form
    assert list(form.fields) == ["q", "unit", "staff_category", "grade"]
    assert {str(g) for g in form.fields["grade"].queryset} == {f"Grade {n}" for n in range(1, 11)}
