"""Background work for grading cases, run by `gradepath db_worker`."""

from django_tasks import task

from gradepath.grading.reminders import send_reminders_and_escalations


@task()
def send_grading_reminders() -> dict:
    """The daily run: reminders before grading tasks are due, escalation when overdue (once each)."""
    return send_reminders_and_escalations().as_dict()
