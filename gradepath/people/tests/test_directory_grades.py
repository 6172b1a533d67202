"""The grade the directory reads for a person is their post's (ADR 18, ADR 26): the selectors that
annotate and filter by it without importing grades agree with the post's grade history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from gradepath.grades.models import Grade
from gradepath.people import selectors
from gradepath.people.models import Appointment, Person, Post, PostGrade
from gradepath.testing.factories import AppointmentFactory, PersonFactory, PostFactory

pytestmark = pytest.mark.django_db


def grade(number: int) -> Grade:
    return Grade.objects.get(number=number, structure__effective_from=dt.date(2020, 8, 1))


def line(post: Post, number: int, start: dt.date, *, superseded: bool = False) -> PostGrade:
    return PostGrade.objects.create(post=post, grade=grade(number), effective_from=start, reason="regrade",
                                    superseded_at=timezone.now() if superseded else None)


@pytest.fixture
def posts_of_every_kind(personas):
    """People in posts whose grade comes from every kind of history, and one in two posts."""
    today = timezone.localdate()
    past, future = today - dt.timedelta(days=400), today + dt.timedelta(days=40)
    unit = personas.department

    def held(post: Post, **appointment) -> Person:
        person = PersonFactory()
        AppointmentFactory(person=person, post=post, start_date=dt.date(2021, 1, 1), **appointment)
        return person

    regraded_later = PostFactory(org_unit=unit, grade=grade(5))
    line(regraded_later, 4, dt.date(2021, 1, 1)), line(regraded_later, 5, past), line(regraded_later, 6, future)
    not_yet_graded = PostFactory(org_unit=unit, grade=grade(4))  # its only line starts later
    line(not_yet_graded, 5, future)
    no_history = PostFactory(org_unit=unit, grade=grade(5))
    corrected = PostFactory(org_unit=unit, grade=grade(5))
    line(corrected, 6, past, superseded=True), line(corrected, 5, past)
    people = {
        "regraded later": held(regraded_later),
        "not yet graded": held(not_yet_graded),
        "no history": held(no_history),
        "corrected": held(corrected),
        "left": held(no_history, end_date=past),
    }
    two_posts = held(no_history)
    acting = PostFactory(org_unit=unit, grade=grade(6))
    AppointmentFactory(person=two_posts, post=acting, kind=Appointment.Kind.ACTING_UP, start_date=past)
    people["two posts"] = two_posts
    return people


def test_the_directory_grade_filter_finds_whoever_holds_a_post_of_that_grade_today(posts_of_every_kind):
    people = Person.objects.filter(pk__in=[p.pk for p in posts_of_every_kind.values()])
    graded = Post.objects.with_grade_on(timezone.localdate(), coming=False)
    for number in (4, 5, 6):
        expected = {a.person_id for a in Appointment.objects.current().filter(
            person__in=people, post__in=graded.filter(grade_on_id=grade(number).pk))}
        found = set(selectors.people_in_posts_of_grade(people, grade(number).pk).values_list("pk", flat=True))
        assert found == expected, number
    names = {p.pk: name for name, p in posts_of_every_kind.items()}
    assert {names[pk] for pk in selectors.people_in_posts_of_grade(people, grade(5).pk).values_list("pk", flat=True)} \
        == {"regraded later", "no history", "corrected", "two posts"}
    assert {names[pk] for pk in selectors.people_in_posts_of_grade(people, grade(6).pk).values_list("pk", flat=True)} \
        == {"two posts"}


def test_the_directory_row_shows_the_grade_of_the_post_it_names_and_its_next_change(posts_of_every_kind):
    rows = {p.pk: p for p in selectors.directory(Person.objects.filter(
        pk__in=[p.pk for p in posts_of_every_kind.values()]))}
    shown = {name: (rows[p.pk].job_title is not None, rows[p.pk].grade_name, rows[p.pk].coming_grade_name)
             for name, p in posts_of_every_kind.items()}
    assert shown == {
        "regraded later": (True, "Grade 5", "Grade 6"),
        "not yet graded": (True, None, "Grade 5"),
        "no history": (True, "Grade 5", None),
        "corrected": (True, "Grade 5", None),
        "left": (False, None, None),
        "two posts": (True, "Grade 5", None),  # the substantive post, whose title the row shows
    }
