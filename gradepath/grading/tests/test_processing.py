"""HR Services processing arithmetic (policy §4.1 step 7 and the settings of §4.4):
effective dates, spine points, pay protection, allowances, one transaction, working days."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from gradepath.core.errors import ServiceError
from gradepath.core.models import HistoryEntry as History
from gradepath.grades.models import Grade, PayRecord
from gradepath.grading import services
from gradepath.grading.models import GradingCase, Outcome, Route
from gradepath.grading.tests.test_workflow_matrix import act, make_case
from gradepath.jobs.models import JDVersion
from gradepath.workflow.calendar import add_working_days, first_of_next_month, working_days_between
from gradepath.workflow.models import BankHoliday

pytestmark = pytest.mark.django_db


def grade(number: int) -> Grade:
    return Grade.objects.get(number=number)


@pytest.mark.parametrize(("submitted", "effective"), [
    (dt.date(2026, 3, 15), dt.date(2026, 4, 1)),
    (dt.date(2026, 3, 1), dt.date(2026, 4, 1)),
    (dt.date(2026, 1, 31), dt.date(2026, 2, 1)),
    (dt.date(2026, 2, 28), dt.date(2026, 3, 1)),
    (dt.date(2026, 12, 10), dt.date(2027, 1, 1)),
    (dt.date(2026, 12, 31), dt.date(2027, 1, 1)),
])
def test_effective_date_is_the_1st_of_the_month_after_the_complete_submission(submitted, effective):
    assert services.effective_date_for(GradingCase(complete_submission_on=submitted)) == effective
    assert first_of_next_month(submitted) == effective


def test_a_submission_returned_as_incomplete_counts_from_its_resubmission(grading):
    p = grading
    case = make_case(p, Route.NEW_JOB, "hrbp_review", initiator=p.line_manager)
    GradingCase.objects.filter(pk=case.pk).update(complete_submission_on=dt.date(2026, 1, 20))
    case.refresh_from_db()
    case = act(case, p.hrbp, "return_to_submitter", reason="The duties section is missing.")
    assert case.state == "draft" and case.complete_submission_on is None
    case = act(case, p.line_manager, "submit_for_approval", recommended_grade=6)
    case = act(case, p.fm_hps, "approve")
    assert case.complete_submission_on == timezone.localdate()


@pytest.mark.parametrize(("current", "new", "expected"), [
    (17, 6, 21),  # the bottom of grade 6 beats two points up (19)
    (20, 6, 22),  # two points up beats the bottom of grade 6 (21)
    (25, 6, 26),  # two points up (27) is capped at the top of grade 6's automatic zone
    (None, 6, 21),  # a new appointment starts at the bottom of the grade
    (26, 6, 26),  # already at the top of the automatic zone: stays there
])
def test_new_spine_point_is_the_higher_of_the_bottom_and_two_up_capped_at_the_automatic_zone(
        personas, current, new, expected):
    assert services.new_spine_point(current_point=current, new_grade=grade(new)) == expected


def test_points_up_on_regrade_is_a_setting(personas, settings):
    settings.GRADEPATH_GRADING = {**settings.GRADEPATH_GRADING, "POINTS_UP_ON_REGRADE": 4}
    assert services.new_spine_point(current_point=20, new_grade=grade(6)) == 24


def _processing_case(p, *, decided: int, outcome=Outcome.HIGHER_GRADE, point: int | None = None):
    if point is not None:
        PayRecord.objects.create(person=p.staff_member, grade=grade(5), spine_point=point,
                                 effective_from=dt.date(2024, 8, 1), reason=PayRecord.Reason.ANNUAL_INCREMENT,
                                 post=p.staff_post)
    case = make_case(p, Route.DIRECT, "hr_processing")
    GradingCase.objects.filter(pk=case.pk).update(decided_grade=grade(decided), outcome=outcome,
                                                  complete_submission_on=dt.date(2026, 3, 15))
    case.refresh_from_db()
    return case


def test_processing_writes_pay_history_post_grade_and_jd_version(grading):
    p = grading
    case = _processing_case(p, decided=6)
    case = act(case, p.hr_services, "process", allowances_stopped="Acting-up allowance (£150 a month) stops.")
    assert case.state == "logging"
    assert case.effective_date == dt.date(2026, 4, 1) and case.new_spine_point == 21
    assert case.allowances_stopped == "Acting-up allowance (£150 a month) stops."
    record = PayRecord.objects.filter(person=p.staff_member, reason=PayRecord.Reason.REGRADE).get()
    assert (record.grade, record.spine_point, record.effective_from) == (grade(6), 21, dt.date(2026, 4, 1))
    assert case.reference in record.note
    p.staff_post.refresh_from_db()
    assert p.staff_post.grade == grade(6) and p.staff_post.jd_version == case.proposed_version
    case.proposed_version.refresh_from_db()
    assert case.proposed_version.status != JDVersion.Status.DRAFT


def test_hr_services_may_give_another_effective_date(grading):
    p = grading
    case = act(_processing_case(p, decided=6), p.hr_services, "process", effective_date="2026-05-01")
    assert case.effective_date == dt.date(2026, 5, 1)
    with pytest.raises(ServiceError, match="must be a date"):
        act(_processing_case_again(p), p.hr_services, "process", effective_date="next month")


def _processing_case_again(p):
    GradingCase.objects.update(state="closed")
    PayRecord.objects.filter(reason=PayRecord.Reason.REGRADE).delete()
    return _processing_case(p, decided=6)


def test_a_lower_grade_without_pay_protection_is_refused_and_changes_nothing(grading):
    p = grading
    case = _processing_case(p, decided=4, outcome=Outcome.LOWER_GRADE)
    records = PayRecord.objects.count()
    with pytest.raises(ServiceError, match="pay cut. Record pay protection"):
        act(case, p.hr_services, "process")
    case.refresh_from_db()
    assert case.state == "hr_processing" and case.step == 0 and PayRecord.objects.count() == records
    p.staff_post.refresh_from_db()
    assert p.staff_post.grade == grade(5)


@pytest.mark.parametrize("point", [17, 20])
def test_a_lower_grade_with_pay_protection_keeps_the_current_point(grading, point):
    p = grading
    case = _processing_case(p, decided=4, outcome=Outcome.LOWER_GRADE, point=point)
    case = act(case, p.hr_services, "process", pay_protection=True)
    assert case.pay_protected and case.new_spine_point == point  # 20 is above grade 4's top (17): still kept
    record = PayRecord.objects.filter(person=p.staff_member, reason=PayRecord.Reason.REGRADE).get()
    assert record.grade == grade(4) and record.spine_point == point and "pay protected" in record.note


def test_a_failure_part_way_through_processing_leaves_nothing_half_written(grading, monkeypatch):
    p = grading
    case = _processing_case(p, decided=6)
    records, history = PayRecord.objects.count(), History.objects.count()

    def broken_update_post(**kwargs):
        raise RuntimeError("The database went away.")

    monkeypatch.setattr("gradepath.people.services.update_post", broken_update_post)
    with pytest.raises(RuntimeError):
        act(case, p.hr_services, "process")
    assert PayRecord.objects.count() == records and History.objects.count() == history
    case.refresh_from_db()
    assert (case.state, case.step, case.effective_date, case.new_spine_point) == ("hr_processing", 0, None, None)
    assert case.events.count() == 0
    p.staff_post.refresh_from_db()
    assert p.staff_post.grade == grade(5)


def test_working_days_skip_weekends_and_bank_holidays(db):
    assert BankHoliday.objects.filter(date=dt.date(2026, 12, 25)).exists()  # bank holidays are data
    friday = dt.date(2026, 11, 20)
    assert add_working_days(friday, 1) == dt.date(2026, 11, 23)  # Monday
    assert add_working_days(friday, 5) == dt.date(2026, 11, 27)
    # Christmas 2026: Fri 25 Dec and Mon 28 Dec (Boxing Day substitute) are bank holidays.
    assert add_working_days(dt.date(2026, 12, 24), 1) == dt.date(2026, 12, 29)
    assert working_days_between(dt.date(2026, 12, 24), dt.date(2026, 12, 29)) == 1
    assert working_days_between(dt.date(2026, 12, 29), dt.date(2026, 12, 24)) == -1
    BankHoliday.objects.create(date=dt.date(2026, 11, 23), name="University closure day")
    assert add_working_days(friday, 1) == dt.date(2026, 11, 24)


def test_the_appeal_window_is_counted_in_working_days(grading, settings):
    p = grading
    settings.GRADEPATH_GRADING = {**settings.GRADEPATH_GRADING, "APPEAL_WORKING_DAYS": 5}
    case = make_case(p, Route.DIRECT, "logging")
    GradingCase.objects.filter(pk=case.pk).update(outcome=Outcome.NO_CHANGE, decided_grade=grade(5))
    case.refresh_from_db()
    case = act(case, p.hrbp, "log_and_send")
    assert case.appeal_deadline == add_working_days(timezone.localdate(), 5)
    assert working_days_between(timezone.localdate(), case.appeal_deadline) == 5
