"""The people API shows a post's grade as in force today, its history and what is coming (policy §3.4)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from gradepath.grades.models import Grade, PayRecord
from gradepath.people.models import PostGrade
from gradepath.people.services import change_post_grade
from gradepath.people.tests.test_post_grades import DECEMBER, NEW_YEAR, on_day

pytestmark = pytest.mark.django_db


def _regrade(personas) -> None:
    grade6 = Grade.objects.get(number=6)
    change_post_grade(actor=None, post=personas.staff_post, grade=grade6, effective_from=NEW_YEAR,
                      reason=PostGrade.Reason.REGRADE, source="GC-2026-0042")
    PayRecord.objects.create(person=personas.staff_member, grade=grade6, spine_point=19, effective_from=NEW_YEAR,
                             reason=PayRecord.Reason.REGRADE, post=personas.staff_post, note="GC-2026-0042")


def test_person_detail_gives_the_grade_in_force_its_history_and_the_coming_change(personas, api):
    with on_day(DECEMBER):
        _regrade(personas)
        data = api(personas.staff_member).get(reverse("api:person-detail", args=[personas.staff_member.pk])).json()
    appointment = data["current_appointments"][0]
    assert appointment["grade"]["grade_name"] == "Grade 5"
    assert appointment["grade"]["until"] == "2026-12-31"
    assert [(g["grade_name"], g["effective_from"], g["coming"]) for g in appointment["coming_grades"]] == [
        ("Grade 6", "2027-01-01", True)]
    assert [g["grade_name"] for g in appointment["grade_history"]] == ["Grade 5", "Grade 6"]
    assert data["coming_changes"] == [{
        "effective_from": "2027-01-01", "grade_number": 6, "grade_name": "Grade 6", "spine_point": 19,
        "reason": "Regrade", "source": "GC-2026-0042", "post_number": "BIO-0101"}]


def test_on_the_day_the_api_gives_the_new_grade_in_force(personas, api):
    with on_day(DECEMBER):
        _regrade(personas)
    with on_day(NEW_YEAR):
        data = api(personas.staff_member).get(reverse("api:person-detail", args=[personas.staff_member.pk])).json()
        pay = api(personas.staff_member).get(reverse("api:person-pay-history", args=[personas.staff_member.pk]))
    assert data["current_appointments"][0]["grade"]["grade_name"] == "Grade 6"
    assert data["coming_changes"] == []
    assert [(r["effective_from"], r["status"]) for r in pay.json()["results"]] == [
        ("2027-01-01", "in force"), ("2021-09-01", "past")]


def test_pay_history_marks_a_coming_line(personas, api):
    with on_day(DECEMBER):
        _regrade(personas)
        pay = api(personas.staff_member).get(reverse("api:person-pay-history", args=[personas.staff_member.pk]))
    assert [(r["effective_from"], r["status"]) for r in pay.json()["results"]] == [
        ("2027-01-01", "coming"), ("2021-09-01", "in force")]


def test_a_post_with_no_grade_history_still_shows_its_recorded_grade(personas, api):
    data = api(personas.staff_member).get(reverse("api:person-detail", args=[personas.staff_member.pk])).json()
    grade = data["current_appointments"][0]["grade"]
    assert (grade["grade_name"], grade["effective_from"], grade["until"]) == ("Grade 5", None, None)
    assert data["coming_changes"] == []
    assert dt.date.fromisoformat(data["current_appointments"][0]["start_date"]) == dt.date(2021, 9, 1)
