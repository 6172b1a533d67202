"""Grades of posts are effective-dated like pay (policy §3.4, issue 11 items 9 and 10).

A regrade decided in December for 1 January leaves the old grade in force until 31 December:
every page shows what is in force on the day and what is coming, and nothing is rewritten.
The tests run "today" at a fixed day by patching ``django.utils.timezone.now`` (what
``timezone.localdate()`` reads), signing in inside that day so the session is current.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
from collections.abc import Iterator
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gradepath.core.errors import PermissionDenied, ServiceError
from gradepath.core.models import HistoryEntry
from gradepath.grades.models import Grade, GradeStructure, PayRecord
from gradepath.people import selectors
from gradepath.people.models import Appointment, Post, PostGrade
from gradepath.people.services import (
    bring_post_grades_into_force,
    change_post_grade,
    create_post,
    update_post,
)
from gradepath.testing.factories import AppointmentFactory, PersonFactory, PostFactory

pytestmark = pytest.mark.django_db

DECEMBER = dt.date(2026, 12, 6)  # the day the regrade is decided and processed
NEW_YEAR = dt.date(2027, 1, 1)  # the day it takes effect


@contextlib.contextmanager
def on_day(day: dt.date) -> Iterator[None]:
    """Run as if today were ``day`` (noon, London)."""
    moment = dt.datetime.combine(day, dt.time(12), tzinfo=ZoneInfo("Europe/London"))
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def grade(number: int) -> Grade:
    """A grade of the personas' structure (in force from 1 Aug 2020)."""
    return Grade.objects.get(number=number, structure__effective_from=dt.date(2020, 8, 1))


def regrade_staff_post(personas, *, effective: dt.date = NEW_YEAR, number: int = 6) -> PostGrade:
    """What HR Services processing does for a regrade: the post's dated grade line and the
    holder's pay line, both effective on the date."""
    post = personas.staff_post
    line = change_post_grade(actor=None, post=post, grade=grade(number), effective_from=effective,
                             reason=PostGrade.Reason.REGRADE, source="GC-2026-0042")
    PayRecord.objects.create(person=personas.staff_member, grade=grade(number), spine_point=19,
                             effective_from=effective, reason=PayRecord.Reason.REGRADE, post=post,
                             note="GC-2026-0042")
    return line


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


# --- The record -------------------------------------------------------------------------------------


def test_a_regrade_for_a_later_date_leaves_the_old_grade_in_force_until_then(personas):
    with on_day(DECEMBER):
        line = regrade_staff_post(personas)
        post = Post.objects.get(pk=personas.staff_post.pk)
        assert post.grade == grade(5)  # the grade in force today is not overwritten
        lines = list(post.grade_changes.live().order_by("effective_from"))
        assert [(x.grade.number, x.effective_from, x.reason) for x in lines] == [
            (5, dt.date(2021, 9, 1), PostGrade.Reason.RECORDED),  # kept from before: from the first appointment
            (6, NEW_YEAR, PostGrade.Reason.REGRADE),
        ]
        assert line.source == "GC-2026-0042"
        on = Post.objects.with_grade_on(DECEMBER).get(pk=post.pk)
        assert (on.grade_on_name, on.coming_grade_name, on.coming_grade_from) == ("Grade 5", "Grade 6", NEW_YEAR)
        assert Post.objects.with_grade_on(NEW_YEAR).get(pk=post.pk).grade_on_name == "Grade 6"
        entry = HistoryEntry.objects.get(action="post.grade_changed")
        assert "Grade 6 from 01 Jan 2027" in entry.summary and "Grade 5 until 31 Dec 2026" in entry.summary


def test_when_the_date_comes_the_new_grade_is_in_force_and_the_column_follows(personas):
    with on_day(DECEMBER):
        regrade_staff_post(personas)
    with on_day(dt.date(2026, 12, 31)):
        assert bring_post_grades_into_force() == []  # not yet
    with on_day(NEW_YEAR):
        assert Post.objects.with_grade_on().get(pk=personas.staff_post.pk).grade_on_name == "Grade 6"
        call_command("post-grades-in-force", verbosity=0)
        assert Post.objects.get(pk=personas.staff_post.pk).grade == grade(6)
        assert HistoryEntry.objects.filter(action="post.grade_in_force").count() == 1
        assert bring_post_grades_into_force() == []  # running it again changes nothing


def test_a_change_that_takes_effect_today_or_earlier_sets_the_grade_in_force_at_once(personas):
    with on_day(DECEMBER):
        change_post_grade(actor=None, post=personas.staff_post, grade=grade(6), effective_from=dt.date(2026, 11, 1),
                          reason=PostGrade.Reason.REGRADE, source="GC-2026-0001")
        assert Post.objects.get(pk=personas.staff_post.pk).grade == grade(6)


def test_two_changes_on_the_same_day_are_refused_and_nothing_is_written(personas):
    with on_day(DECEMBER):
        regrade_staff_post(personas)
        before = PostGrade.objects.count(), HistoryEntry.objects.count()
        with pytest.raises(ServiceError, match="already has a grade change on 01 Jan 2027"):
            change_post_grade(actor=None, post=personas.staff_post, grade=grade(7), effective_from=NEW_YEAR,
                              reason=PostGrade.Reason.REGRADE, source="GC-2026-0050")
        assert (PostGrade.objects.count(), HistoryEntry.objects.count()) == before


def test_the_same_case_processed_again_after_an_appeal_replaces_its_line_and_keeps_the_old_one(personas):
    with on_day(DECEMBER):
        first = regrade_staff_post(personas)
        second = change_post_grade(actor=None, post=personas.staff_post, grade=grade(7), effective_from=NEW_YEAR,
                                   reason=PostGrade.Reason.REGRADE, source="GC-2026-0042")
        first.refresh_from_db()
        assert first.superseded_at is not None and second.supersedes == first
        live = PostGrade.objects.live().filter(post=personas.staff_post).order_by("effective_from")
        assert [x.grade.number for x in live] == [5, 7]
        assert PostGrade.objects.filter(post=personas.staff_post).count() == 3  # nothing deleted


def test_a_correction_on_the_same_day_replaces_the_line(personas):
    with on_day(DECEMBER):
        regrade_staff_post(personas)
        change_post_grade(actor=personas.hr_services.user, post=personas.staff_post, grade=grade(7),
                          effective_from=NEW_YEAR, reason=PostGrade.Reason.CORRECTION, note="Typed the wrong grade.")
        assert Post.objects.with_grade_on(NEW_YEAR).get(pk=personas.staff_post.pk).grade_on_number == 7


def test_a_change_before_the_post_existed_is_refused(personas):
    with on_day(DECEMBER):
        with pytest.raises(ServiceError, match="exists from 01 Sep 2021"):
            change_post_grade(actor=None, post=personas.staff_post, grade=grade(6),
                              effective_from=dt.date(2021, 8, 1), reason=PostGrade.Reason.REGRADE)
        assert not PostGrade.objects.exists()


def test_a_new_post_is_established_at_its_grade_and_cannot_change_before_that(personas):
    with on_day(DECEMBER):
        post = create_post(actor=personas.administrator.user, post_number="BIO-0999", org_unit=personas.department,
                           title="Research Technician", grade=grade(5), grade_from=dt.date(2026, 10, 1))
        assert post.grade == grade(5)
        assert post.grade_changes.get().reason == PostGrade.Reason.ESTABLISHED
        with pytest.raises(ServiceError, match="exists from 01 Oct 2026"):
            change_post_grade(actor=None, post=post, grade=grade(6), effective_from=dt.date(2026, 9, 1))


def test_a_grade_outside_the_structure_in_force_on_the_date_is_refused(personas):
    later = GradeStructure.objects.create(name="New structure", effective_from=dt.date(2030, 8, 1))
    GradeStructure.objects.exclude(pk=later.pk).update(effective_to=dt.date(2030, 7, 31))
    new_grade = Grade.objects.create(structure=later, number=6, name="Grade 6 (2030)", bottom_point=20,
                                     top_automatic_point=24, top_point=26)
    with on_day(DECEMBER):
        with pytest.raises(ServiceError, match="not in force on 01 Jan 2027"):
            change_post_grade(actor=None, post=personas.staff_post, grade=new_grade, effective_from=NEW_YEAR)
        with pytest.raises(ServiceError, match="not in force on 01 Aug 2030"):
            change_post_grade(actor=None, post=personas.staff_post, grade=grade(6),
                              effective_from=dt.date(2030, 8, 1))


def test_only_hr_services_or_an_administrator_changes_a_post_grade_and_never_their_own(personas):
    with on_day(DECEMBER):
        for persona in (personas.staff_member, personas.line_manager, personas.hrbp, personas.outsider):
            with pytest.raises(PermissionDenied):
                change_post_grade(actor=persona.user, post=personas.staff_post, grade=grade(6),
                                  effective_from=NEW_YEAR)
        own_post = PostFactory(org_unit=personas.department, grade=grade(4))
        AppointmentFactory(person=personas.hr_services, post=own_post, start_date=dt.date(2020, 1, 6))
        with pytest.raises(PermissionDenied, match="your own post"):
            change_post_grade(actor=personas.hr_services.user, post=own_post, grade=grade(6), effective_from=NEW_YEAR)
        assert not PostGrade.objects.exists()
        change_post_grade(actor=personas.hr_services.user, post=personas.staff_post, grade=grade(6),
                          effective_from=NEW_YEAR)


@pytest.mark.parametrize("bad", ["2027-01-01", None, dt.datetime(2027, 1, 1, 9)])
def test_a_date_that_is_not_a_date_is_refused_in_plain_words(personas, bad):
    with pytest.raises(ServiceError, match="Give the date the grade takes effect"):
        change_post_grade(actor=None, post=personas.staff_post, grade=grade(6), effective_from=bad)


def test_a_nul_in_the_note_is_refused_and_nothing_is_written(personas):
    with pytest.raises(ServiceError, match="null character"):
        change_post_grade(actor=None, post=personas.staff_post, grade=grade(6), effective_from=NEW_YEAR,
                          note="bad\x00note")
    assert not PostGrade.objects.exists()


def test_update_post_with_a_grade_and_no_date_still_works_and_takes_effect_today(personas):
    """The call grading makes until it passes the effective date (kept working meanwhile)."""
    with on_day(DECEMBER):
        update_post(actor=None, post=personas.staff_post, changes={"grade": grade(6)})
        post = Post.objects.get(pk=personas.staff_post.pk)
        assert post.grade == grade(6)
        today_line = post.grade_changes.live().get(effective_from=DECEMBER)
        assert today_line.reason == PostGrade.Reason.CORRECTION
        update_post(actor=None, post=post, changes={"grade": grade(7)})  # a second one the same day replaces it
        assert Post.objects.get(pk=post.pk).grade == grade(7)
        update_post(actor=None, post=post, changes={"grade": grade(7)})  # the same grade again: nothing new
        assert post.grade_changes.count() == 3


def test_the_grade_history_migration_dates_a_processed_future_regrade_from_the_pay_history(personas):
    """A post regraded before this change has Post.grade overwritten; the migration puts the old
    grade back in force until the regrade's effective date, read from the regrade pay line."""
    migration = importlib.import_module("gradepath.people.migrations.0004_post_grade_history")
    post = personas.staff_post
    future = dt.date.today().replace(day=1) + dt.timedelta(days=400)
    Post.objects.filter(pk=post.pk).update(grade=grade(6))  # what the old processing did
    PayRecord.objects.create(person=personas.staff_member, grade=grade(6), spine_point=19, effective_from=future,
                             reason=PayRecord.Reason.REGRADE, post=post, note="GC-2026-0042")
    migration.record_existing_grades(apps, None)
    lines = list(PostGrade.objects.filter(post=post).order_by("effective_from"))
    assert [(x.grade.number, x.effective_from, x.source) for x in lines] == [
        (5, dt.date(2021, 9, 1), ""), (6, future, "GC-2026-0042")]
    assert Post.objects.get(pk=post.pk).grade == grade(5)
    manager_post = Post.objects.get(post_number="BIO-0001")  # never regraded: one line from its first appointment
    assert [(x.grade.number, x.effective_from) for x in manager_post.grade_changes.all()] == [
        (8, dt.date(2018, 1, 8))]


# --- The pages ----------------------------------------------------------------------------------------


def test_person_page_shows_the_old_grade_until_the_day_before_and_the_coming_grade(login, personas):
    url = reverse("people:person-detail", args=[personas.staff_member.pk])
    with on_day(DECEMBER):
        regrade_staff_post(personas)
        body = page(login(personas.line_manager), url)
        assert "Grade 5 until 31 Dec 2026" in body
        assert "Grade 6 from 1 Jan 2027" in body
        assert 'data-testid="grade-coming">Grade 6 from 1 Jan 2027' in body  # beside today's grade
        grade_cell = body.split('data-testid="appointment-grade">')[1].split("</td>")[0]
        assert "Grade 5" in grade_cell and "until 31 Dec 2026" in grade_cell and "coming" in grade_cell
        response = login(personas.line_manager).get(url)
        assert response.context["pay"].record.grade == grade(5)
        assert [c.grade.number for c in response.context["coming"]] == [6]
        assert [line.status for line in response.context["pay_lines"]] == ["coming", "in force"]


def test_person_page_on_the_day_shows_the_new_grade_in_force_and_the_old_one_as_history(login, personas):
    url = reverse("people:person-detail", args=[personas.staff_member.pk])
    with on_day(DECEMBER):
        regrade_staff_post(personas)
    with on_day(NEW_YEAR):
        response = login(personas.line_manager).get(url)
        body = response.content.decode()
        assert response.context["pay"].record.grade == grade(6)
        assert response.context["coming"] == []
        assert "Coming changes" not in body and "coming</span>" not in body
        grade_cell = body.split('data-testid="appointment-grade">')[1].split("</td>")[0]
        assert "Grade 5" in grade_cell and "until 31 Dec 2026" in grade_cell and "Grade 6" in grade_cell


def test_my_home_shows_a_change_that_is_coming_in_plain_words(login, personas):
    with on_day(DECEMBER):
        regrade_staff_post(personas)
        body = page(login(personas.staff_member), reverse("people:home"))
        assert 'data-testid="coming-changes"' in body
        assert "Grade 6 from 1 Jan 2027</strong>, spine point 19" in body
        assert "Until then you stay on Grade 5, spine point 17." in body
        post_grade = body.split('data-testid="post-grade">')[1].split("</p>")[0]
        assert "Grade 5" in post_grade and "until 31 Dec 2026" in post_grade and "from 1 Jan 2027" in post_grade
    with on_day(NEW_YEAR):
        body = page(login(personas.staff_member), reverse("people:home"))
        assert 'data-testid="coming-changes"' not in body
        assert '<dd data-testid="grade">Grade 6</dd>' in body


def test_my_home_shows_a_post_regrade_that_no_pay_line_accompanies_yet(login, personas):
    with on_day(DECEMBER):
        change_post_grade(actor=None, post=personas.staff_post, grade=grade(6), effective_from=NEW_YEAR,
                          source="GC-2026-0042")
        body = page(login(personas.staff_member), reverse("people:home"))
        assert "Your post BIO-0101 (Research Technician) is <strong>Grade 6 from 1 Jan 2027</strong>" in body
        assert "regrade, GC-2026-0042" in body


def test_directory_and_unit_page_show_the_grade_in_force_and_the_coming_one(login, personas):
    with on_day(DECEMBER):
        regrade_staff_post(personas)
        client = login(personas.hr_services)
        for url in (reverse("people:person-list"), reverse("people:unit-detail", args=[personas.department.pk])):
            body = page(client, url)
            row = body.split(personas.staff_member.employee_number)[0].rsplit("<tr", 1)[1]
            assert 'data-testid="directory-grade">Grade 5<' in row
            assert 'data-testid="directory-grade-coming">Grade 6 from 1 Jan 2027<' in row
        filtered = client.get(reverse("people:person-list"), {"grade": grade(5).pk}).context["page_obj"]
        assert personas.staff_member in filtered.object_list  # filtered by the grade in force


def test_a_past_appointment_shows_the_grades_it_had(login, personas):
    with on_day(DECEMBER):
        old_post = PostFactory(org_unit=personas.department, title="Laboratory Assistant")
        change_post_grade(actor=None, post=old_post, grade=grade(3), effective_from=dt.date(2020, 9, 1),
                          reason=PostGrade.Reason.ESTABLISHED)
        change_post_grade(actor=None, post=old_post, grade=grade(4), effective_from=dt.date(2021, 4, 1))
        change_post_grade(actor=None, post=old_post, grade=grade(5), effective_from=dt.date(2024, 4, 1))
        Appointment.objects.create(person=personas.staff_member, post=old_post, start_date=dt.date(2020, 10, 1),
                                   end_date=dt.date(2021, 8, 31))
        appointments = selectors.career_appointments(personas.staff_member)
        past = next(a for a in appointments if a.post_id == old_post.pk)
        assert [(s.grade.number, s.start, s.until) for s in past.grade_spans] == [
            (3, dt.date(2020, 9, 1), dt.date(2021, 3, 31)), (4, dt.date(2021, 4, 1), dt.date(2024, 3, 31))]
        assert past.grade_now.grade.number == 4 and past.grade_coming == []


# --- Query counts ---------------------------------------------------------------------------------------


def _add_history(personas, n: int) -> None:
    """``n`` more reports of the line manager, each in a post with a grade history and a coming
    regrade, and ``n`` more posts held by the viewed person over time."""
    for i in range(n):
        person = PersonFactory(line_manager=personas.line_manager)
        post = PostFactory(org_unit=personas.department, title="Finance Officer")
        change_post_grade(actor=None, post=post, grade=grade(4), effective_from=dt.date(2021, 1, 7),
                          reason=PostGrade.Reason.ESTABLISHED)
        change_post_grade(actor=None, post=post, grade=grade(5), effective_from=NEW_YEAR)
        Appointment.objects.create(person=person, post=post, start_date=dt.date(2021, 1, 7))
        PayRecord.objects.create(person=person, grade=grade(4), spine_point=12, effective_from=dt.date(2021, 1, 7),
                                 reason=PayRecord.Reason.APPOINTMENT, post=post)
        PayRecord.objects.create(person=person, grade=grade(5), spine_point=16, effective_from=NEW_YEAR,
                                 reason=PayRecord.Reason.REGRADE, post=post)
        held = PostFactory(org_unit=personas.department, title=f"Earlier post {i}", grade=grade(4))
        change_post_grade(actor=None, post=held, grade=grade(5), effective_from=dt.date(2021, 1, 1) + dt.timedelta(
            days=30 * i), reason=PostGrade.Reason.CORRECTION)
        Appointment.objects.create(person=personas.line_manager, post=held, kind=Appointment.Kind.SECONDMENT,
                                   start_date=dt.date(2022, 1, 1) + dt.timedelta(days=20 * i),
                                   end_date=dt.date(2022, 1, 10) + dt.timedelta(days=20 * i))
        PayRecord.objects.create(person=personas.line_manager, grade=grade(9), spine_point=40,
                                 effective_from=dt.date(2027, 2, 1) + dt.timedelta(days=i),
                                 reason=PayRecord.Reason.CORRECTION)


def _count(client, url: str) -> int:
    client.get(url)  # the first request after signing in also writes the session
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("where", ["person", "home", "directory", "unit"])
def test_query_count_does_not_grow_with_grade_history(login, personas, where):
    urls = {
        "person": reverse("people:person-detail", args=[personas.line_manager.pk]),
        "home": reverse("people:home"),
        "directory": reverse("people:person-list"),
        "unit": reverse("people:unit-detail", args=[personas.department.pk]),
    }
    with on_day(DECEMBER):
        regrade_staff_post(personas)
        client = login(personas.line_manager if where == "home" else personas.hr_services)
        _add_history(personas, 2)
        few = _count(client, urls[where])
        _add_history(personas, 12)
        many = _count(client, urls[where])
    assert many == few


# --- Admin ---------------------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, personas):
    user = personas.administrator.user
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client.force_login(user)
    return client


def test_admin_post_list_shows_the_grade_in_force_and_the_coming_one(admin_client, personas):
    regrade_staff_post(personas, effective=dt.date.today() + dt.timedelta(days=40))
    body = page(admin_client, reverse("admin:people_post_changelist") + "?grade_on=5")
    row = body.split("BIO-0101")[1].split("</tr>")[0]
    assert "Grade 5" in row and "Grade 6 from" in row
    change = page(admin_client, reverse("admin:people_post_change", args=[personas.staff_post.pk]))
    assert "regrade, GC-2026-0042" in change and "— coming" in change
    assert 'name="grade"' not in change  # the grade is changed with a dated line, not overwritten here


def test_admin_adds_a_dated_post_grade_change_through_the_service(admin_client, personas):
    effective = dt.date.today() + dt.timedelta(days=40)
    url = reverse("admin:people_postgrade_add")
    form = {"post": personas.staff_post.pk, "grade": grade(6).pk, "effective_from": effective.isoformat(),
            "reason": "regrade", "source": "GC-2026-0042", "note": ""}
    response = admin_client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Post.objects.get(pk=personas.staff_post.pk).grade == grade(5)
    assert HistoryEntry.objects.filter(action="post.grade_changed").count() == 1
    again = admin_client.post(url, {**form, "source": "GC-2026-0050"})
    assert again.status_code == 200 and "Two changes cannot take effect on the same day" in again.content.decode()
    assert PostGrade.objects.live().filter(post=personas.staff_post, effective_from=effective).count() == 1


def test_the_same_case_processed_again_at_another_date_replaces_its_own_earlier_line(personas):
    with on_day(DECEMBER):
        first = regrade_staff_post(personas)
        change_post_grade(actor=None, post=personas.staff_post, grade=grade(7), effective_from=dt.date(2027, 2, 1),
                          reason=PostGrade.Reason.APPEAL, source="GC-2026-0042")
        first.refresh_from_db()
        assert first.superseded_at is not None
        live = PostGrade.objects.live().filter(post=personas.staff_post).order_by("effective_from")
        assert [(x.grade.number, x.effective_from) for x in live] == [(5, dt.date(2021, 9, 1)), (7, dt.date(2027, 2, 1))]
        assert "It replaces Grade 6 from 01 Jan 2027" in HistoryEntry.objects.filter(
            action="post.grade_changed").latest("id").summary


def test_admin_adds_a_post_established_at_its_grade_from_a_date(admin_client, personas):
    response = admin_client.post(reverse("admin:people_post_add"), {
        "post_number": "BIO-0777", "org_unit": personas.department.pk, "title": "Research Technician",
        "grade": grade(5).pk, "fte": "1", "funding_source": "", "is_active": "on", "grade_from": "2025-09-01"})
    assert response.status_code == 302, response.content.decode()[:3000]
    post = Post.objects.get(post_number="BIO-0777")
    assert post.grade == grade(5)
    assert [(x.grade.number, x.effective_from, x.reason) for x in post.grade_changes.all()] == [
        (5, dt.date(2025, 9, 1), PostGrade.Reason.ESTABLISHED)]
