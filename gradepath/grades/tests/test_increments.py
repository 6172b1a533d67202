"""Annual increments: the service and the `gradepath apply-annual-increments` command."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from gradepath.core.models import HistoryEntry
from gradepath.grades.models import PayRecord
from gradepath.grades.services import apply_annual_increments

pytestmark = pytest.mark.django_db

AUGUST_2026 = dt.date(2026, 8, 1)


def _point_on(person, on=AUGUST_2026) -> int:
    return PayRecord.objects.filter(person=person).as_of(on).first().spine_point


def _skipped(report) -> dict[str, set[int]]:
    return {reason: {p.pk for p in people} for reason, people in report.skipped.items()}


def test_increment_moves_one_point_up_within_the_automatic_zone(personas):
    report = apply_annual_increments(actor=None, pay_year=2026)
    assert (personas.staff_member, 17, 18) in report.incremented
    assert (personas.line_manager, 35, 36) in report.incremented
    assert _point_on(personas.staff_member) == 18
    assert _point_on(personas.staff_member, AUGUST_2026 - dt.timedelta(days=1)) == 17


def test_increment_reaches_the_top_of_the_automatic_zone_and_stops_there(personas, on_point):
    below_top = on_point(5, 19)  # grade 5: automatic 16–20, contribution 21–22
    at_top = on_point(5, 20)
    report = apply_annual_increments(actor=None, pay_year=2026)
    assert _point_on(below_top) == 20
    assert _point_on(at_top) == 20
    assert at_top.pk in _skipped(report)["at or above the top of the automatic zone"]


def test_increment_never_moves_anyone_into_or_through_the_contribution_points(personas, on_point):
    on_contribution_point = on_point(5, 21)
    apply_annual_increments(actor=None, pay_year=2026)
    apply_annual_increments(actor=None, pay_year=2027)
    assert _point_on(on_contribution_point, dt.date(2027, 8, 1)) == 21
    reached = set(PayRecord.objects.filter(reason=PayRecord.Reason.ANNUAL_INCREMENT).select_related("grade")
                  .values_list("grade__top_automatic_point", "spine_point"))
    assert all(point <= top for top, point in reached)


def test_no_increment_while_in_probation_on_the_date(personas, on_point):
    in_probation = on_point(5, 17, probation_end=AUGUST_2026)  # probation includes its last day
    probation_over = on_point(5, 17, probation_end=AUGUST_2026 - dt.timedelta(days=1))
    report = apply_annual_increments(actor=None, pay_year=2026)
    assert _skipped(report)["in probation"] == {in_probation.pk}
    assert _point_on(in_probation) == 17
    assert _point_on(probation_over) == 18


def test_grade_10_has_no_increments(personas, on_point):
    senior = on_point(10, 46)
    report = apply_annual_increments(actor=None, pay_year=2026)
    assert _skipped(report)["Grade 10 has no increments"] == {senior.pk}
    assert _point_on(senior) == 46


def test_only_a_substantive_appointment_earns_the_increment(personas, on_point):
    seconded_only = on_point(5, 17, kind="secondment")
    apply_annual_increments(actor=None, pay_year=2026)
    assert _point_on(seconded_only) == 17


def test_person_without_a_pay_record_before_the_date_is_skipped(personas, on_point):
    no_record = on_point(5, 17, record_from=None)
    starts_on_the_day = on_point(5, 17, record_from=AUGUST_2026)
    report = apply_annual_increments(actor=None, pay_year=2026)
    skipped = _skipped(report)["no pay record before the date"]
    assert {no_record.pk, starts_on_the_day.pk} <= skipped
    assert not PayRecord.objects.filter(person=no_record).exists()
    assert PayRecord.objects.filter(person=starts_on_the_day).count() == 1


def test_second_run_for_the_same_year_changes_nothing(personas):
    apply_annual_increments(actor=None, pay_year=2026)
    records, history = PayRecord.objects.count(), HistoryEntry.objects.count()
    report = apply_annual_increments(actor=None, pay_year=2026)
    assert report.incremented == []
    assert _skipped(report)["already incremented for this date"] == {personas.staff_member.pk,
                                                                      personas.line_manager.pk}
    assert (PayRecord.objects.count(), HistoryEntry.objects.count()) == (records, history)
    assert _point_on(personas.staff_member) == 18


def test_dry_run_reports_but_writes_nothing(personas):
    records, history = PayRecord.objects.count(), HistoryEntry.objects.count()
    report = apply_annual_increments(actor=None, pay_year=2026, dry_run=True)
    assert (personas.staff_member, 17, 18) in report.incremented
    assert (PayRecord.objects.count(), HistoryEntry.objects.count()) == (records, history)


def test_each_increment_writes_a_history_row_about_the_person(personas):
    apply_annual_increments(actor=None, pay_year=2026)
    entry = HistoryEntry.objects.get(action="pay.annual_increment", person_id=personas.staff_member.pk)
    assert entry.actor is None
    assert entry.actor_label == "System"
    assert entry.before == {"spine_point": 17}
    assert entry.after == {"spine_point": 18}
    assert entry.summary == "Annual increment for Sam Patel: spine point 17 → 18 from 01 Aug 2026."


def test_line_manager_cannot_run_the_increments(personas):
    from gradepath.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied, match="Only HR Services can apply annual increments."):
        apply_annual_increments(actor=personas.line_manager.user, pay_year=2026)
    assert not PayRecord.objects.filter(reason=PayRecord.Reason.ANNUAL_INCREMENT).exists()


# --- The command -------------------------------------------------------------------------------


def _run(*args) -> str:
    out = StringIO()
    call_command("apply-annual-increments", *args, stdout=out)
    return out.getvalue()


def test_command_prints_each_increment_and_the_skips_grouped_with_counts(personas, on_point):
    on_point(10, 46)
    on_point(5, 20)
    on_point(5, 20)
    output = _run("--year", "2026")
    assert "Annual increments from 1 August 2026." in output
    assert f"Incremented Sam Patel ({personas.staff_member.employee_number}): spine point 17 → 18" in output
    assert "Incremented 2 people." in output
    assert "  at or above the top of the automatic zone: 2\n" in output
    assert "  Grade 10 has no increments: 1\n" in output
    assert "  no pay record before the date: 3\n" in output  # Fiona, Dan and Olly have no pay record
    assert _point_on(personas.staff_member) == 18


def test_command_dry_run_saves_nothing(personas):
    output = _run("--year", "2026", "--dry-run")
    assert "(dry run: nothing saved)" in output
    assert "Would increment Sam Patel" in output
    assert not PayRecord.objects.filter(reason=PayRecord.Reason.ANNUAL_INCREMENT).exists()


def test_command_run_twice_increments_nobody_the_second_time(personas):
    _run("--year", "2026")
    output = _run("--year", "2026")
    assert "Incremented 0 people." in output
    assert "  already incremented for this date: 2\n" in output
    assert PayRecord.objects.filter(reason=PayRecord.Reason.ANNUAL_INCREMENT).count() == 2


def test_command_refuses_an_impossible_year(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="is not a pay year"):
        _run("--year", "26")


def test_command_is_listed_by_gradepath_help(db):
    from django.core.management import get_commands

    assert get_commands()["apply-annual-increments"] == "gradepath.grades"
