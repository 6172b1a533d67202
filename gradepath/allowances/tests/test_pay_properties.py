"""The acting-up arithmetic at every boundary (hypothesis): the point paid is the lowest point of the
higher grade or the next point above the current one, whichever is higher; the period rules; and the
point pay returns to."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from gradepath.allowances.pay import (
    acting_up_point,
    add_months,
    increments_between,
    longer_than_min_weeks,
    restored_point,
    within_months,
)
from gradepath.grades.structure import DEFAULT_GRADES


@st.composite
def grades(draw):
    bottom = draw(st.integers(1, 60))
    top_automatic = draw(st.integers(bottom, bottom + 10))
    top = draw(st.integers(top_automatic, top_automatic + 6))
    return bottom, top_automatic, top


@given(grades(), st.integers(1, 80))
def test_the_acting_up_point_is_the_higher_of_the_grade_bottom_and_the_next_point_up(grade, current):
    bottom, _, top = grade
    point = acting_up_point(current, bottom, top)
    if current + 1 > top:
        assert point is None  # even the next point up is beyond the grade: it pays nothing more
        return
    assert point is not None
    assert point == max(bottom, current + 1)
    assert point > current  # always a rise
    assert bottom <= point <= top  # always a point of the higher grade
    assert point == bottom or point == current + 1  # never more than needed


@given(grades(), st.data())
def test_below_the_higher_grade_the_bottom_point_is_paid(grade, data):
    bottom, _, top = grade
    current = data.draw(st.integers(max(0, bottom - 30), bottom - 1)) if bottom > 1 else 0
    assert acting_up_point(current, bottom, top) == bottom


@given(grades(), st.data())
def test_inside_the_higher_grades_automatic_zone_the_next_point_is_paid(grade, data):
    bottom, top_automatic, top = grade
    current = data.draw(st.integers(bottom, top_automatic))
    expected = current + 1 if current + 1 <= top else None
    assert acting_up_point(current, bottom, top) == expected


@given(grades())
def test_at_the_top_automatic_point_the_next_point_is_the_first_contribution_point(grade):
    bottom, top_automatic, top = grade
    point = acting_up_point(top_automatic, bottom, top)
    assert point == (top_automatic + 1 if top > top_automatic else None)


@given(grades(), st.data())
def test_in_the_contribution_points_the_next_one_up_is_paid_until_the_last(grade, data):
    bottom, top_automatic, top = grade
    if top == top_automatic:
        return
    current = data.draw(st.integers(top_automatic + 1, top))
    assert acting_up_point(current, bottom, top) == (current + 1 if current < top else None)


def test_every_pair_of_default_grades_gives_a_point_of_the_higher_grade():
    for low, (l_bottom, _, l_top) in DEFAULT_GRADES.items():
        for high, (h_bottom, _, h_top) in DEFAULT_GRADES.items():
            if high <= low:
                continue
            for current in range(l_bottom, l_top + 1):
                point = acting_up_point(current, h_bottom, h_top)
                assert point is not None and h_bottom <= point <= h_top and point > current
    # Sam Patel on Grade 5 point 17 acting up at Grade 6 (21–28): point 21; on point 22 (a contribution
    # point, above Grade 6's bottom): point 23.
    assert acting_up_point(17, 21, 28) == 21 and acting_up_point(22, 21, 28) == 23


@given(st.dates(dt.date(2000, 1, 1), dt.date(2090, 1, 1)), st.integers(0, 120))
def test_six_weeks_or_less_is_never_long_enough(start, days):
    end = start + dt.timedelta(days=days)
    assert longer_than_min_weeks(start, end, 6) == (days + 1 > 42)


def test_the_six_week_boundary_counts_both_days():
    start = dt.date(2026, 3, 2)
    assert not longer_than_min_weeks(start, start + dt.timedelta(days=41), 6)  # 42 days: exactly 6 weeks
    assert longer_than_min_weeks(start, start + dt.timedelta(days=42), 6)  # 43 days


@given(st.dates(dt.date(2000, 1, 1), dt.date(2090, 1, 1)), st.integers(1, 36))
def test_a_period_of_n_months_ends_the_day_before_the_same_date_n_months_on(start, months):
    last_allowed = add_months(start, months) - dt.timedelta(days=1)
    assert within_months(start, last_allowed, months)
    assert not within_months(start, last_allowed + dt.timedelta(days=1), months)


@given(st.integers(1, 60), st.integers(0, 10), st.integers(0, 6), st.booleans())
def test_pay_returns_to_the_substantive_point_moved_up_by_increments_never_past_the_zone(point, room, increments,
                                                                                          has_increments):
    top_automatic = point + room
    back = restored_point(point, top_automatic, increments, has_increments=has_increments)
    if not has_increments:
        assert back == point
    else:
        assert back == min(top_automatic, point + increments)
    assert back >= point


def test_a_contribution_point_is_kept_when_pay_returns():
    assert restored_point(22, 20, 3, has_increments=True) == 22


@given(st.dates(dt.date(2000, 1, 1), dt.date(2080, 1, 1)), st.integers(0, 2000))
def test_increments_count_each_first_of_august_after_the_start_up_to_the_return(start, days):
    end = start + dt.timedelta(days=days)
    expected = sum(1 for d in (start + dt.timedelta(days=i) for i in range(1, days + 1)) if (d.month, d.day) == (8, 1))
    assert increments_between(start, end, (8, 1)) == expected
