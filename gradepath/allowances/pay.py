"""The arithmetic of acting up (policy §4.8), as pure functions the services, the pages and the
property tests share: the acting-up spine point, the lengths of a period, and the point pay returns to.
"""

from __future__ import annotations

import calendar
import datetime as dt

from django.conf import settings

from gradepath.core.dates import add_months, days_inclusive  # noqa: F401 - re-exported: the process reads them here


def setting(name: str):
    return settings.GRADEPATH_ALLOWANCES[name]


def acting_up_point(current_point: int, bottom_point: int, top_point: int) -> int | None:
    """The spine point paid while acting up in a grade whose points run ``bottom_point``..``top_point``:
    the lowest point of the higher grade or the next point above the current one, whichever is higher.

    The next point above may fall in the higher grade's contribution points (when the current point is
    already at or above the top of its automatic zone): it is still the lowest point that pays more. None
    when even the next point above is beyond the higher grade's last point: that grade pays nothing more
    (it is not a higher grade for this person)."""
    point = max(bottom_point, current_point + 1)
    return point if point <= top_point else None


def longer_than_min_weeks(start: dt.date, end: dt.date, weeks: int) -> bool:
    """More than ``weeks`` consecutive weeks, the first and last day included (6 weeks: 43 days or more)."""
    return days_inclusive(start, end) > weeks * 7


def within_months(start: dt.date, end: dt.date, months: int) -> bool:
    """At most ``months`` months, the first and last day included (12 months from 1 March: to 28 February)."""
    return end < add_months(start, months)


def increments_between(start: dt.date, end: dt.date, increment_day: tuple[int, int]) -> int:
    """How many annual increment dates (``(month, day)``, 1 August) fall after ``start`` and on or before
    ``end``: the increments a person would have had on their substantive point meanwhile."""
    month, day = increment_day
    return sum(1 for year in range(start.year, end.year + 1) if start < dt.date(year, month, day) <= end)


def restored_point(substantive_point: int, top_automatic_point: int, increments: int, *, has_increments: bool) -> int:
    """The substantive point pay returns to when acting up ends: the point held before, moved up by the
    annual increments that fell due meanwhile, never beyond the top of the automatic zone (and never moved
    down: a point already above it, a contribution point, stays)."""
    if not has_increments or substantive_point >= top_automatic_point:
        return substantive_point
    return min(top_automatic_point, substantive_point + max(0, increments))


def months_in(start: dt.date, end: dt.date, month: dt.date) -> bool:
    """Whether the calendar month of ``month`` overlaps ``start``..``end``."""
    first = month.replace(day=1)
    last = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    return start <= last and end >= first
