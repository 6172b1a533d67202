"""Spine-point arithmetic of accelerated increments and contribution points (policy §4.6), as pure
functions: no database, so the property tests can try every boundary (the bottom of a grade, the
top of its automatic zone, its last contribution point, one point and two).

* Grades 1–9 only (a grade with increments); grade 10 has none.
* An *accelerated increment* is an extra point inside the automatic zone; a *contribution point*
  takes someone at (or past) the top of the automatic zone into the contribution points; never beyond
  the grade's last contribution point.
* One point normally; two only with a stated exceptional reason.
* The award takes effect on the 1st of the month after approval; its cost for the rest of the pay year
  (to the day before the next annual increment date, 31 July) is the difference in annual salary for
  each remaining month.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from gradepath.core.dates import add_months, first_of_next_month  # noqa: F401 - re-exported: the process reads them here

HIGHEST_GRADE = 9  # grades 1–9 (policy §4.6 step 1)
ACCELERATED_INCREMENT = "accelerated_increment"
CONTRIBUTION_POINT = "contribution_point"
KIND_LABELS = {ACCELERATED_INCREMENT: "accelerated increment", CONTRIBUTION_POINT: "contribution point"}


class NotAllowed(ValueError):
    """The award cannot be made: the message says why, in the user's words."""


@dataclass(frozen=True)
class Zone:
    """A grade's points: ``bottom``..``top_automatic`` by annual increments, then the contribution points
    up to ``top``."""

    number: int
    bottom: int
    top_automatic: int
    top: int
    has_increments: bool = True
    name: str = ""

    @property
    def label(self) -> str:
        return self.name or f"Grade {self.number}"


@dataclass(frozen=True)
class Award:
    current: int
    new: int
    points: int
    kind: str  # ACCELERATED_INCREMENT or CONTRIBUTION_POINT (the pay record's reason)
    top_automatic: int

    @property
    def words(self) -> str:
        """"one accelerated increment", "two contribution points", "an accelerated increment and a
        contribution point"."""
        return award_words(self.current, self.points, self.kind, self.top_automatic)


def check_grade(zone: Zone) -> None:
    """Refuse a grade outside 1–9 or without increments."""
    if zone.number > HIGHEST_GRADE or not zone.has_increments:
        raise NotAllowed(f"Accelerated increments and contribution points are for grades 1–{HIGHEST_GRADE} only: "
                         f"this is {zone.label}.")


def check_points(points: int, exceptional_reason: str) -> None:
    """One point normally; two only with a stated exceptional reason."""
    if points not in (1, 2):
        raise NotAllowed("Ask for one point, or two in highly exceptional cases.")
    if points == 2 and not exceptional_reason.strip():
        raise NotAllowed("Two points are only for highly exceptional cases: state the exceptional reason.")


def award(zone: Zone, current: int, points: int, exceptional_reason: str = "x") -> Award:
    """The award of ``points`` to someone on spine point ``current`` of ``zone``, or NotAllowed.

    Inside the automatic zone each point is an accelerated increment; a point past the top of the
    automatic zone is a contribution point (the award counts as a contribution point when it ends
    there). Never beyond the last contribution point."""
    check_grade(zone)
    check_points(points, exceptional_reason)
    if current < zone.bottom or current > zone.top:
        raise NotAllowed(f"Spine point {current} is not in {zone.label} (points {zone.bottom}–{zone.top}): "
                         "HR Services must correct the pay record first.")
    if current >= zone.top:
        raise NotAllowed(f"Spine point {current} is already the last contribution point of {zone.label}: "
                         "no further point can be awarded.")
    new = current + points
    if new > zone.top:
        raise NotAllowed(f"Two points from spine point {current} would go beyond the last contribution point of "
                         f"{zone.label} ({zone.top}): ask for one point.")
    kind = CONTRIBUTION_POINT if new > zone.top_automatic else ACCELERATED_INCREMENT
    return Award(current=current, new=new, points=points, kind=kind, top_automatic=zone.top_automatic)


def award_words(current: int, points: int, kind: str, top_automatic: int) -> str:
    """The award in words, from the point it starts at."""
    if points == 1:
        return f"one {KIND_LABELS[kind]}"
    if kind == ACCELERATED_INCREMENT:
        return "two accelerated increments"
    if current < top_automatic:
        return "an accelerated increment and a contribution point"
    return "two contribution points"


def pay_year_end(on: dt.date, increment_month: int = 8, increment_day: int = 1) -> dt.date:
    """The last day of the pay year ``on`` falls in: the day before the next annual increment date
    (31 July when pay years start on 1 August)."""
    start_this_year = dt.date(on.year, increment_month, increment_day)
    next_start = start_this_year if on < start_this_year else dt.date(on.year + 1, increment_month, increment_day)
    return next_start - dt.timedelta(days=1)


def months_left(effective: dt.date, year_end: dt.date) -> int:
    """Whole months from ``effective`` (a 1st of the month) to ``year_end``, both counted."""
    if effective > year_end:
        return 0
    return (year_end.year * 12 + year_end.month) - (effective.year * 12 + effective.month) + 1


def cost_to_year_end(current_salary: Decimal, new_salary: Decimal, effective: dt.date, year_end: dt.date) -> Decimal:
    """What the award costs from ``effective`` to the end of the pay year: the difference in annual
    salary for each month left, to the penny."""
    difference = Decimal(new_salary) - Decimal(current_salary)
    return (difference * months_left(effective, year_end) / 12).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def check_period(start: dt.date, end: dt.date, today: dt.date, *, min_months: int = 6, max_months: int = 12) -> None:
    """The period of sustained outstanding performance: in order, 6 to 12 months long, ended by today and
    recent (ending within the last 6 months)."""
    if end < start:
        raise NotAllowed("The period of outstanding performance must end after it starts.")
    if end > today:
        raise NotAllowed("The period of outstanding performance cannot end in the future.")
    if end < add_months(start, min_months) - dt.timedelta(days=1):
        raise NotAllowed(f"The outstanding performance must have been sustained for at least {min_months} months: "
                         f"this period is shorter.")
    if end > add_months(start, max_months) - dt.timedelta(days=1):
        raise NotAllowed(f"Give the most recent {max_months} months at most as the period of outstanding "
                         "performance.")
    if end < add_months(today, -6):
        raise NotAllowed("The period of outstanding performance must be recent: it should end within the last "
                         "6 months.")
