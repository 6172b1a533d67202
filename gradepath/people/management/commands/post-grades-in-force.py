"""``gradepath post-grades-in-force [--date YYYY-MM-DD]``: bring dated post grade changes into force.

A post's grade history (``PostGrade``) is the record and every page reads it for the day it
shows. ``Post.grade`` is the grade in force today, kept for code that reads a post's grade
without a date; this command sets it for every post whose dated change has come into force
(one history row each). Meant to run once a day just after midnight, from cron or a systemd
timer, for example::

    # /etc/cron.d/gradepath: every day at 00:05
    5 0 * * * gradepath gradepath post-grades-in-force

Running it twice changes nothing the second time.
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from gradepath.people.services import bring_post_grades_into_force


class Command(BaseCommand):
    help = "Set each post's grade in force today from its dated grade changes (run daily)."

    def add_arguments(self, parser):
        parser.add_argument("--date", default="", help="The day to bring into force (default: today), YYYY-MM-DD.")

    def handle(self, *args, date: str, **options):
        on = None
        if date:
            try:
                on = dt.date.fromisoformat(date)
            except ValueError:
                raise CommandError(f"“{date}” is not a date. Use the form YYYY-MM-DD, for example 2027-01-01.") from None
        changed = bring_post_grades_into_force(actor=None, on=on)
        for post in changed:
            self.stdout.write(f"  Post {post.post_number} ({post.title}): {post.grade or 'no grade'} in force")
        count = len(changed)
        self.stdout.write(self.style.SUCCESS(
            f"{count} post{'' if count == 1 else 's'} brought to the grade in force."))
