"""Calendar arithmetic every part shares (no domain): months as the policy counts them."""

from __future__ import annotations

import calendar
import datetime as dt


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (or earlier), or the last day of that month when it is shorter."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def months_between(start: dt.date, end: dt.date) -> int:
    """Whole months from ``start`` to the day after ``end`` (1 Jan–31 Dec is 12), rounded up when a part
    month is left: how long a secondment or an opportunity lasts, in the policy's words."""
    after = end + dt.timedelta(days=1)
    months = (after.year - start.year) * 12 + after.month - start.month
    if after.day > start.day:
        months += 1
    return max(months, 0)


def first_of_next_month(day: dt.date) -> dt.date:
    """The 1st of the month after ``day``."""
    return dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def days_inclusive(start: dt.date, end: dt.date) -> int:
    """Days from ``start`` to ``end``, both included."""
    return (end - start).days + 1
