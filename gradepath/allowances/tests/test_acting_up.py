"""Acting up, walked as its policy says (§4.8): the line manager proposes, the FM/HPS approves, HR
Services confirm the pay (the pay record and the acting-up appointment from the start date), and on its
end date HR Services end it and the pay returns to the substantive grade and point, the history kept."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from gradepath.allowances import services
from gradepath.allowances.models import Allowance
from gradepath.core.errors import PermissionDenied, ServiceError
from gradepath.core.models import HistoryEntry
from gradepath.grades.models import PayRecord
from gradepath.notifications.models import Notification
from gradepath.people.models import Appointment
from gradepath.workflow.models import Task

pytestmark = pytest.mark.django_db


def act(allowance, person, action, **data):
    return services.perform_action(actor=person.user, allowance=allowance, action=action, step=allowance.step,
                                   data=data)


def propose(p, *, start=None, end=None, post=None, **kwargs):
    start = start or p.today + dt.timedelta(days=14)
    return services.propose_acting_up(actor=p.line_manager.user, person=p.staff_member, post=post or p.senior_post,
                                      start_date=start, end_date=end or start + dt.timedelta(days=120), **kwargs)


def test_the_line_manager_proposes_and_the_fm_hps_is_asked_to_approve(allowances):
    p = allowances
    allowance = propose(p)
    assert (allowance.state, allowance.step) == ("fm_approval", 1)
    assert allowance.higher_grade.number == 6 and allowance.org_unit == p.department
    task = Task.objects.get(process="allowances", object_id=allowance.pk, completed_at__isnull=True)
    assert task.assignee in (p.fm_hps, p.delegate) and task.role == "fm_hps"
    assert Notification.objects.filter(recipient_id=task.assignee_id, subject__contains=allowance.reference).exists()
    assert HistoryEntry.objects.filter(action="allowances.propose", person_id=p.staff_member.pk).exists()


def test_confirming_the_pay_writes_the_acting_up_point_and_appointment_from_the_start_date(allowances):
    p = allowances
    allowance = propose(p)
    allowance = act(allowance, p.fm_hps, "approve")
    allowance = act(allowance, p.hr_services, "confirm_pay")
    assert allowance.state == "acting"
    # Sam is on Grade 5 point 17; Grade 6 starts at 21: the bottom of the higher grade is higher.
    record = PayRecord.objects.get(pk=allowance.pay_record_id)
    assert (record.grade.number, record.spine_point, record.effective_from, record.reason) == (
        6, 21, allowance.start_date, PayRecord.Reason.ACTING_UP)
    appointment = Appointment.objects.get(pk=allowance.appointment_id)
    assert (appointment.kind, appointment.post, appointment.start_date, appointment.end_date) == (
        Appointment.Kind.ACTING_UP, p.senior_post, allowance.start_date, allowance.end_date)
    assert (allowance.substantive_grade.number, allowance.substantive_point, allowance.acting_point) == (5, 17, 21)
    # HR Services' task to end it is due on its end date.
    task = Task.objects.get(process="allowances", object_id=allowance.pk, completed_at__isnull=True)
    assert (task.team, task.due_date) == ("HR Services", allowance.end_date)
    assert Notification.objects.filter(recipient_id=p.staff_member.pk, subject__contains="acting up confirmed").exists()


def _running(p, *, start, end):
    allowance = propose(p, start=start, end=end)
    allowance = act(allowance, p.fm_hps, "approve")
    return act(allowance, p.hr_services, "confirm_pay")


def test_ending_on_the_end_date_writes_the_substantive_pay_back_and_keeps_the_history(allowances):
    p = allowances
    start = p.today - dt.timedelta(days=100)
    end = p.today
    allowance = _running(p, start=start, end=end)
    allowance = act(allowance, p.hr_services, "end")
    assert allowance.state == "ended" and allowance.ended_on == end
    history = list(PayRecord.objects.filter(person=p.staff_member).order_by("effective_from", "id")
                   .values_list("grade__number", "spine_point", "effective_from"))
    increments = sum(1 for y in range(start.year, end.year + 2) if start < dt.date(y, 8, 1) <= end + dt.timedelta(days=1))
    assert history == [(5, 17, dt.date(2021, 9, 1)), (6, 21, start), (5, 17 + increments, end + dt.timedelta(days=1))]
    assert Appointment.objects.get(pk=allowance.appointment_id).end_date == end
    assert not Task.objects.filter(process="allowances", object_id=allowance.pk, completed_at__isnull=True).exists()


def test_an_annual_increment_due_while_acting_up_is_kept_when_pay_returns(allowances):
    p = allowances
    allowance = _running(p, start=dt.date(2025, 6, 2), end=dt.date(2025, 10, 31))
    allowance = act(allowance, p.hr_services, "end")
    back = PayRecord.objects.get(pk=allowance.restored_record_id)
    assert (back.grade.number, back.spine_point, back.effective_from) == (5, 18, dt.date(2025, 11, 1))


def test_ending_before_the_end_date_is_refused_and_ending_early_needs_a_reason_and_a_last_day(allowances):
    p = allowances
    start = p.today - dt.timedelta(days=10)
    allowance = _running(p, start=start, end=start + dt.timedelta(days=100))
    with pytest.raises(ServiceError, match="runs until"):
        act(allowance, p.hr_services, "end")
    with pytest.raises(ServiceError, match="reason"):
        act(allowance, p.hr_services, "end_early", last_day=p.today.isoformat())
    with pytest.raises(ServiceError, match="before acting up started"):
        act(allowance, p.hr_services, "end_early", last_day=(start - dt.timedelta(days=1)).isoformat(),
            reason="Back early.")
    allowance.refresh_from_db()
    assert allowance.state == "acting" and PayRecord.objects.filter(person=p.staff_member).count() == 2
    allowance = act(allowance, p.hr_services, "end_early", last_day=p.today.isoformat(),
                    reason="The post holder came back from leave.")
    assert allowance.state == "ended" and allowance.ended_on == p.today
    assert Appointment.objects.get(pk=allowance.appointment_id).end_date == p.today
    back = PayRecord.objects.get(pk=allowance.restored_record_id)
    assert (back.grade.number, back.effective_from) == (5, p.today + dt.timedelta(days=1))


def test_an_overdue_end_shows_as_an_overdue_task_for_hr_services(allowances):
    p = allowances
    start = p.today - dt.timedelta(days=200)
    allowance = _running(p, start=start, end=p.today - dt.timedelta(days=3))
    task = Task.objects.get(process="allowances", object_id=allowance.pk, completed_at__isnull=True)
    assert task.due_date < timezone.localdate() and task.team == "HR Services"


def test_the_fm_hps_may_decline_with_a_reason_and_nothing_is_paid(allowances):
    p = allowances
    allowance = propose(p)
    allowance = act(allowance, p.fm_hps, "decline", reason="The post will be filled next month.")
    assert allowance.state == "declined"
    assert not PayRecord.objects.filter(reason=PayRecord.Reason.ACTING_UP).exists()
    assert Notification.objects.filter(recipient_id=p.staff_member.pk, body__contains="filled next month").exists()


def test_only_the_line_manager_proposes_acting_up(allowances):
    p = allowances
    for person in (p.staff_member, p.fm_hps, p.hr_services, p.outsider):
        with pytest.raises(PermissionDenied):
            services.propose_acting_up(actor=person.user, person=p.staff_member, post=p.senior_post,
                                       start_date=p.today, end_date=p.today + dt.timedelta(days=100))
    assert not Allowance.objects.exists()
