"""Reminders before a grading task is due and escalation when it is overdue (issue 4 item 5)."""

import datetime as dt

import pytest
from django.core.management import call_command

from gradepath.core.models import HistoryEntry
from gradepath.grading import services
from gradepath.grading.models import CaseTask
from gradepath.notifications.models import Notification, OutboxEmail
from gradepath.workflow.calendar import add_working_days
from gradepath.workflow.models import BankHoliday
from gradepath.workflow.reminders import send_reminders_and_escalations

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2031, 3, 3)


@pytest.fixture
def case(grading):
    """A Direct Route case: the line manager has one open task (record the discussion)."""
    return services.start_direct_route_case(actor=grading.staff_member.user, subject=grading.staff_member)


def _task(case, **changes) -> CaseTask:
    task = case.tasks.get(completed_at__isnull=True)
    CaseTask.objects.filter(pk=task.pk).update(**changes)
    task.refresh_from_db()
    return task


def _emails_to(person):
    return OutboxEmail.objects.filter(to_address=person.work_email)


def test_the_assignee_is_reminded_before_the_task_is_due(grading, case):
    task = _task(case, due_date=add_working_days(MONDAY, 2))
    report = send_reminders_and_escalations(today=MONDAY)
    task.refresh_from_db()
    assert task.reminded_at is not None and task.escalated_at is None
    assert [(t.pk, people) for t, people in report.reminded] == [(task.pk, [grading.line_manager])]
    assert Notification.objects.filter(recipient=grading.line_manager, subject__startswith="Reminder").count() == 1
    assert _emails_to(grading.line_manager).filter(subject__contains="Reminder").count() == 1


def test_a_task_due_later_than_the_reminder_window_is_not_reminded_yet(grading, case):
    task = _task(case, due_date=add_working_days(MONDAY, 3))
    report = send_reminders_and_escalations(today=MONDAY)
    task.refresh_from_db()
    assert report.reminded == [] and task.reminded_at is None
    assert not Notification.objects.filter(recipient=grading.line_manager, subject__startswith="Reminder").exists()


def test_bank_holidays_do_not_count_as_working_days_before_the_due_date(grading, case):
    thursday = dt.date(2031, 3, 6)
    tuesday = dt.date(2031, 3, 11)  # Friday, Monday, Tuesday: three working days away
    task = _task(case, due_date=tuesday)
    assert send_reminders_and_escalations(today=thursday).reminded == []
    BankHoliday.objects.get_or_create(date=dt.date(2031, 3, 10), defaults={"name": "Test bank holiday"})
    # With the Monday a bank holiday the task is two working days away: now it is reminded.
    report = send_reminders_and_escalations(today=thursday)
    assert [t.pk for t, _ in report.reminded] == [task.pk]


def test_an_overdue_line_manager_task_is_escalated_to_the_fm_hps(grading, case):
    task = _task(case, due_date=MONDAY - dt.timedelta(days=3))
    report = send_reminders_and_escalations(today=MONDAY)
    task.refresh_from_db()
    assert task.escalated_at is not None
    assert [(t.pk, target) for t, target in report.escalated] == [(task.pk, grading.fm_hps)]
    note = Notification.objects.get(recipient=grading.fm_hps, subject__startswith="Overdue")
    assert case.reference in note.subject and "Lina Morgan" in note.subject
    assert not Notification.objects.filter(recipient=grading.hrbp, subject__startswith="Overdue").exists()
    assert HistoryEntry.objects.filter(action="grading.task_escalated", object_id=str(case.pk)).count() == 1


def test_an_overdue_fm_hps_task_is_escalated_to_the_hrbp(grading, case):
    _task(case, completed_at=dt.datetime(2031, 1, 1, tzinfo=dt.UTC))
    task = CaseTask.objects.create(case=case, step=case.step, assignee=grading.delegate, role="fm_hps",
                                   capacity=f"delegate of {grading.fm_hps}", description="FM/HPS approval",
                                   due_date=MONDAY - dt.timedelta(days=1))
    report = send_reminders_and_escalations(today=MONDAY)
    assert [(t.pk, target) for t, target in report.escalated] == [(task.pk, grading.hrbp)]
    assert Notification.objects.filter(recipient=grading.hrbp, subject__startswith="Overdue").count() == 1
    assert not Notification.objects.filter(recipient=grading.fm_hps, subject__startswith="Overdue").exists()


def test_hr_services_queue_tasks_remind_every_member_and_escalate_to_the_hrbp(grading, case):
    _task(case, completed_at=dt.datetime(2031, 1, 1, tzinfo=dt.UTC))
    soon = CaseTask.objects.create(case=case, step=case.step, assignee=None, role="hr_services",
                                   description="HR Services processing", due_date=add_working_days(MONDAY, 1))
    late = CaseTask.objects.create(case=case, step=case.step, assignee=None, role="hr_services",
                                   description="HR Services processing", due_date=MONDAY - dt.timedelta(days=7))
    report = send_reminders_and_escalations(today=MONDAY)
    assert [(t.pk, people) for t, people in report.reminded] == [(soon.pk, [grading.hr_services])]
    assert [(t.pk, target) for t, target in report.escalated] == [(late.pk, grading.hrbp)]
    assert Notification.objects.filter(recipient=grading.hr_services, subject__startswith="Reminder").count() == 1


def test_running_twice_sends_nothing_new(grading, case):
    _task(case, due_date=MONDAY - dt.timedelta(days=1))
    CaseTask.objects.create(case=case, step=case.step, assignee=grading.staff_member, role="staff_member",
                            description="Propose JD changes", due_date=MONDAY)
    first = send_reminders_and_escalations(today=MONDAY)
    assert len(first.reminded) == 1 and len(first.escalated) == 1
    notes, emails = Notification.objects.count(), OutboxEmail.objects.count()
    second = send_reminders_and_escalations(today=MONDAY)
    assert second.reminded == [] and second.escalated == []
    assert (Notification.objects.count(), OutboxEmail.objects.count()) == (notes, emails)


def test_completed_tasks_and_closed_cases_are_left_alone(grading, case):
    _task(case, due_date=MONDAY - dt.timedelta(days=1), completed_at=dt.datetime(2031, 1, 1, tzinfo=dt.UTC))
    report = send_reminders_and_escalations(today=MONDAY)
    assert report.reminded == [] and report.escalated == []


def test_emails_link_to_the_case_and_carry_no_pay_details(grading, case, settings):
    _task(case, due_date=MONDAY)
    send_reminders_and_escalations(today=MONDAY)
    _task(case, due_date=MONDAY - dt.timedelta(days=1))
    send_reminders_and_escalations(today=MONDAY)
    emails = list(OutboxEmail.objects.filter(subject__regex=r"Reminder|Overdue"))
    assert {e.to_address for e in emails} == {grading.line_manager.work_email, grading.fm_hps.work_email}
    for email in emails:
        assert f"{settings.SITE_URL}/grading/{case.pk}/" in email.body
        assert case.reference in email.body and "Research Technician" in email.body
        text = (email.subject + email.body).lower()
        for private in ("spine point", "salary", "£", "grade 5", "pay", grading.staff_member.employee_number):
            assert private.lower() not in text


def test_the_command_prints_what_it_did_and_refuses_a_bad_date(grading, case, capsys):
    _task(case, due_date=MONDAY - dt.timedelta(days=1))
    call_command("reminders", "--date", MONDAY.isoformat())
    out = capsys.readouterr().out
    assert f"Escalated {case.reference}" in out and "Fiona Marsh" in out
    assert "0 reminders and 1 escalation sent." in out
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="is not a date"):
        call_command("reminders", "--date", "31/02/2031")


def test_the_background_task_runs_the_same_daily_job(grading, case):
    from gradepath.workflow.tasks import send_reminders as send_grading_reminders

    _task(case, due_date=dt.date(2000, 1, 3))
    result = send_grading_reminders.call()
    assert result["escalated"][0]["reference"] == case.reference
