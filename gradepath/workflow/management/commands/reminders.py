"""`gradepath reminders [--date YYYY-MM-DD]`: reminders and escalations for every process's tasks.

Meant to run once a day, from cron or a systemd timer, for example::

    # /etc/cron.d/gradepath: every working morning at 07:00
    0 7 * * 1-5  gradepath  /srv/gradepath/.venv/bin/gradepath reminders

A thin layer over :func:`gradepath.workflow.reminders.send_reminders_and_escalations`; running it
again the same day sends nothing new.
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from gradepath.workflow.reminders import send_reminders_and_escalations


class Command(BaseCommand):
    help = (
        "Remind people of tasks due soon and escalate overdue ones (grading: to the FM/HPS or HRBP). "
        "Meant to run once a day (cron or a systemd timer); running it twice sends nothing new."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Run as if today were this date (YYYY-MM-DD). Default: today.")

    def handle(self, *args, date: str | None = None, **options):
        today = None
        if date:
            try:
                today = dt.date.fromisoformat(date)
            except ValueError:
                raise CommandError(f"“{date}” is not a date: give it as YYYY-MM-DD, for example 2026-03-02.") from None
        report = send_reminders_and_escalations(today=today)
        self.stdout.write(f"Reminders for {report.today:%A %d %B %Y}.")
        for task, people in report.reminded:
            names = ", ".join(str(p) for p in people) or "nobody (no one to remind)"
            self.stdout.write(f"  Reminded {names}: {task.reference} due {task.due_date:%d %b %Y}")
        for task, target in report.escalated:
            self.stdout.write(f"  Escalated {task.reference} (due {task.due_date:%d %b %Y}) to "
                              f"{target if target else 'nobody (nobody to escalate it to)'}")
        self.stdout.write(self.style.SUCCESS(
            f"{len(report.reminded)} reminder{'s' if len(report.reminded) != 1 else ''} and "
            f"{len(report.escalated)} escalation{'s' if len(report.escalated) != 1 else ''} sent."
        ))
