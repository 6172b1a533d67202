"""Background work of the engine, run by `gradepath db_worker`."""

from django_tasks import task

from gradepath.workflow.reminders import send_reminders_and_escalations


@task()
def send_reminders() -> dict:
    """The daily run: reminders before tasks are due, escalation when overdue (once each), every process."""
    return send_reminders_and_escalations().as_dict()
