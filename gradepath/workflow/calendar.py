"""Working days: weekends and bank holidays (data: :class:`gradepath.workflow.models.BankHoliday`)
are skipped. Every process's due dates and windows are counted here."""

from __future__ import annotations

import datetime as dt

from gradepath.core.dates import first_of_next_month  # noqa: F401 - grading reads it here
from gradepath.workflow.models import BankHoliday


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date ``days`` working days after ``start`` (weekends and bank holidays skipped)."""
    holidays = set(BankHoliday.objects.filter(date__gt=start, date__lte=start + dt.timedelta(days=days * 2 + 30))
                   .values_list("date", flat=True))
    current, left = start, days
    while left > 0:
        current += dt.timedelta(days=1)
        if current.weekday() < 5 and current not in holidays:
            left -= 1
    return current


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after ``start`` up to and including ``end`` (negative if end is earlier)."""
    if end < start:
        return -working_days_between(end, start)
    holidays = set(BankHoliday.objects.filter(date__gt=start, date__lte=end).values_list("date", flat=True))
    return sum(1 for n in range(1, (end - start).days + 1)
               if (d := start + dt.timedelta(days=n)).weekday() < 5 and d not in holidays)
