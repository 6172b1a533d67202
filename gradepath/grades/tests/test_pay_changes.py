"""Recording pay changes (HR Services) and the effective-dated grade structure."""

import datetime as dt

import pytest

from gradepath.core.errors import PermissionDenied, ServiceError
from gradepath.core.history import timeline_for
from gradepath.core.models import HistoryEntry
from gradepath.grades.models import Grade, GradeStructure, PayRecord
from gradepath.grades.services import apply_annual_increments, record_pay_change
from gradepath.grades.structure import build_default_structure

pytestmark = pytest.mark.django_db

OLD_FROM = dt.date(2020, 8, 1)  # the personas' structure
NEW_FROM = dt.date(2027, 8, 1)


def _grade(number: int, effective_from=OLD_FROM) -> Grade:
    return Grade.objects.get(structure__effective_from=effective_from, number=number)


def test_line_manager_cannot_record_a_pay_change(personas):
    with pytest.raises(PermissionDenied, match="Only HR Services can change a person's grade or spine point."):
        record_pay_change(actor=personas.line_manager.user, person=personas.staff_member, grade=_grade(5),
                          spine_point=18, effective_from=dt.date(2026, 1, 1), reason="accelerated_increment")
    assert PayRecord.objects.filter(person=personas.staff_member).count() == 1


def test_staff_member_cannot_record_their_own_pay_change(personas):
    with pytest.raises(PermissionDenied):
        record_pay_change(actor=personas.staff_member.user, person=personas.staff_member, grade=_grade(6),
                          spine_point=21, effective_from=dt.date(2026, 1, 1), reason="regrade")


def test_hr_services_records_a_pay_change_with_history(personas):
    record = record_pay_change(actor=personas.hr_services.user, person=personas.staff_member, grade=_grade(6),
                               spine_point=23, effective_from=dt.date(2026, 3, 1), reason="regrade",
                               note="Direct Route outcome")
    assert record.recorded_by == personas.hr_services.user
    assert PayRecord.objects.filter(person=personas.staff_member).as_of(dt.date(2026, 3, 1)).first() == record
    entry = timeline_for(record).get()
    assert entry.action == "pay.recorded"
    assert entry.person_id == personas.staff_member.pk
    assert entry.actor_label == "Harriet Soames"
    assert entry.after == {"grade": "Grade 6", "spine_point": 23, "effective_from": "2026-03-01",
                           "reason": "regrade"}


def test_spine_point_outside_the_grade_is_refused_with_a_clear_message(personas):
    before = HistoryEntry.objects.count()
    with pytest.raises(ServiceError) as exc:
        record_pay_change(actor=personas.hr_services.user, person=personas.staff_member, grade=_grade(5),
                          spine_point=30, effective_from=dt.date(2026, 3, 1), reason="correction")
    assert exc.value.messages == ["Spine point 30 is not in Grade 5 (points 16–22)."]
    assert PayRecord.objects.filter(person=personas.staff_member).count() == 1
    assert HistoryEntry.objects.count() == before


def test_contribution_points_can_be_recorded_by_award(personas):
    record = record_pay_change(actor=personas.hr_services.user, person=personas.staff_member, grade=_grade(5),
                               spine_point=21, effective_from=dt.date(2026, 3, 1), reason="contribution_point")
    assert record.grade.zone_of(record.spine_point) == "contribution"


def test_unknown_reason_is_refused(personas):
    with pytest.raises(ServiceError, match="Choose the reason for the pay change."):
        record_pay_change(actor=personas.hr_services.user, person=personas.staff_member, grade=_grade(5),
                          spine_point=18, effective_from=dt.date(2026, 3, 1), reason="because")


# --- The effective-dated structure ------------------------------------------------------------


def _new_structure() -> GradeStructure:
    """A new structure from 1 August 2027 (same shape, new rows), the old one ending the day before."""
    old = GradeStructure.objects.get(effective_from=OLD_FROM)
    old.effective_to = NEW_FROM - dt.timedelta(days=1)
    old.save(update_fields=["effective_to"])
    return build_default_structure(effective_from=NEW_FROM, pay_years=[2027])


def test_the_structure_in_force_follows_the_dates(personas):
    old = GradeStructure.objects.get(effective_from=OLD_FROM)
    new = _new_structure()
    assert GradeStructure.objects.in_force(dt.date(2019, 1, 1)) is None
    assert GradeStructure.objects.in_force(dt.date(2027, 7, 31)) == old
    assert GradeStructure.objects.in_force(NEW_FROM) == new
    assert GradeStructure.objects.in_force(dt.date(2030, 1, 1)) == new


def test_a_new_structure_keeps_old_pay_records_on_the_old_grades(personas):
    old_grade = _grade(5)
    _new_structure()
    new_grade = _grade(5, NEW_FROM)
    assert new_grade.pk != old_grade.pk
    record_pay_change(actor=personas.hr_services.user, person=personas.staff_member, grade=new_grade,
                      spine_point=19, effective_from=NEW_FROM, reason="correction", note="Assimilation")
    history = list(PayRecord.objects.filter(person=personas.staff_member).order_by("effective_from"))
    assert [r.grade.structure.effective_from for r in history] == [OLD_FROM, NEW_FROM]
    assert history[0].grade_id == old_grade.pk and history[0].spine_point == 17
    assert Grade.objects.filter(structure__effective_from=OLD_FROM).count() == 10


def test_increment_is_never_recorded_on_a_grade_whose_structure_has_ended(personas):
    _new_structure()
    apply_annual_increments(actor=None, pay_year=2027)
    increments = PayRecord.objects.filter(reason=PayRecord.Reason.ANNUAL_INCREMENT, effective_from=NEW_FROM)
    assert not increments.filter(grade__structure__effective_from=OLD_FROM).exists()


def test_pay_change_on_a_grade_not_in_force_on_its_date_is_refused(personas):
    _new_structure()
    with pytest.raises(ServiceError):
        record_pay_change(actor=personas.hr_services.user, person=personas.staff_member,
                          grade=_grade(5, NEW_FROM), spine_point=18, effective_from=dt.date(2026, 3, 1),
                          reason="correction")


def test_hr_services_cannot_record_their_own_pay_rise(personas):
    with pytest.raises(PermissionDenied):
        record_pay_change(actor=personas.hr_services.user, person=personas.hr_services, grade=_grade(9),
                          spine_point=44, effective_from=dt.date(2026, 3, 1), reason="correction")
