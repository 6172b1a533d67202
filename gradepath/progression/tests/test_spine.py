"""Spine-point arithmetic at every boundary (hypothesis property tests): the bottom of a grade, the top of
its automatic zone, its last contribution point, one point and two; grade 10; the pay year's cost."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gradepath.grades.structure import DEFAULT_GRADES
from gradepath.progression import spine


@st.composite
def zones(draw):
    number = draw(st.integers(1, 9))
    bottom = draw(st.integers(1, 60))
    top_automatic = draw(st.integers(bottom, bottom + 8))
    top = draw(st.integers(top_automatic, top_automatic + 4))
    return spine.Zone(number=number, bottom=bottom, top_automatic=top_automatic, top=top)


@given(zone=zones(), data=st.data())
def test_an_award_never_goes_beyond_the_last_contribution_point_and_is_named_by_where_it_ends(zone, data):
    current = data.draw(st.integers(zone.bottom, zone.top))
    points = data.draw(st.sampled_from([1, 2]))
    if current + points > zone.top:
        with pytest.raises(spine.NotAllowed):
            spine.award(zone, current, points, "Exceptional.")
        return
    award = spine.award(zone, current, points, "Exceptional.")
    assert award.new == current + points <= zone.top
    assert award.kind == (spine.CONTRIBUTION_POINT if award.new > zone.top_automatic else spine.ACCELERATED_INCREMENT)


@given(zone=zones())
def test_at_the_bottom_of_a_grade_one_point_is_an_accelerated_increment_unless_the_zone_is_one_point(zone):
    if zone.bottom == zone.top:
        with pytest.raises(spine.NotAllowed, match="already the last contribution point"):
            spine.award(zone, zone.bottom, 1)
        return
    award = spine.award(zone, zone.bottom, 1)
    assert award.new == zone.bottom + 1
    assert award.kind == (spine.ACCELERATED_INCREMENT if zone.bottom < zone.top_automatic else spine.CONTRIBUTION_POINT)


@given(zone=zones())
def test_at_the_top_of_the_automatic_zone_one_point_is_a_contribution_point(zone):
    if zone.top_automatic == zone.top:
        with pytest.raises(spine.NotAllowed):
            spine.award(zone, zone.top_automatic, 1)
        return
    award = spine.award(zone, zone.top_automatic, 1)
    assert (award.new, award.kind, award.words) == (zone.top_automatic + 1, spine.CONTRIBUTION_POINT,
                                                    "one contribution point")


@given(zone=zones())
def test_at_the_last_contribution_point_nothing_more_is_awarded(zone):
    for points in (1, 2):
        with pytest.raises(spine.NotAllowed, match="last contribution point"):
            spine.award(zone, zone.top, points, "Exceptional.")


@given(zone=zones())
def test_two_points_one_below_the_last_are_refused_and_one_is_allowed(zone):
    if zone.top - 1 < zone.bottom:
        return
    with pytest.raises(spine.NotAllowed, match="beyond the last contribution point"):
        spine.award(zone, zone.top - 1, 2, "Exceptional.")
    assert spine.award(zone, zone.top - 1, 1).new == zone.top


@given(zone=zones(), reason=st.sampled_from(["", "   ", "\n"]))
def test_two_points_without_a_stated_reason_are_refused(zone, reason):
    with pytest.raises(spine.NotAllowed, match="exceptional reason"):
        spine.award(zone, zone.bottom, 2, reason)


@given(zone=zones(), points=st.integers().filter(lambda n: n not in (1, 2)))
def test_only_one_or_two_points_can_be_asked_for(zone, points):
    with pytest.raises(spine.NotAllowed, match="one point, or two"):
        spine.award(zone, zone.bottom, points, "Exceptional.")


@given(zone=zones(), data=st.data())
def test_a_point_outside_the_grade_is_refused(zone, data):
    current = data.draw(st.one_of(st.integers(0, zone.bottom - 1) if zone.bottom > 0 else st.nothing(),
                                  st.integers(zone.top + 1, zone.top + 20)))
    with pytest.raises(spine.NotAllowed):
        spine.award(zone, current, 1)


def test_grade_ten_and_a_grade_without_increments_are_refused():
    bottom, top_automatic, top = DEFAULT_GRADES[10]
    with pytest.raises(spine.NotAllowed, match="grades 1–9"):
        spine.award(spine.Zone(10, bottom, top_automatic, top, has_increments=False), bottom, 1)
    with pytest.raises(spine.NotAllowed, match="grades 1–9"):
        spine.award(spine.Zone(4, 11, 15, 17, has_increments=False), 11, 1)


@pytest.mark.parametrize("number", range(1, 10))
def test_the_default_structure_awards_up_to_each_grades_last_point(number):
    bottom, top_automatic, top = DEFAULT_GRADES[number]
    zone = spine.Zone(number, bottom, top_automatic, top)
    assert spine.award(zone, top - 1, 1).new == top
    assert spine.award(zone, top_automatic - 1, 2, "Exceptional.").words == (
        "an accelerated increment and a contribution point")


@given(day=st.dates(dt.date(2000, 1, 1), dt.date(2100, 12, 31)))
def test_the_effective_date_is_the_first_of_the_next_month(day):
    first = spine.first_of_next_month(day)
    assert first.day == 1 and first > day and (first - day).days <= 31


@given(day=st.dates(dt.date(2000, 1, 1), dt.date(2100, 12, 31)))
def test_the_pay_year_ends_on_the_31st_of_july_after_the_day(day):
    end = spine.pay_year_end(day)
    assert (end.month, end.day) == (7, 31) and day <= end and (end - day).days < 366


@given(effective=st.dates(dt.date(2020, 1, 1), dt.date(2040, 12, 31)).map(lambda d: d.replace(day=1)),
       current=st.integers(18_000, 90_000), rise=st.integers(0, 5_000))
def test_the_cost_is_the_rise_for_each_month_left_in_the_pay_year(effective, current, rise):
    end = spine.pay_year_end(effective)
    months = spine.months_left(effective, end)
    assert 1 <= months <= 12 and (months == 1) == (effective.month == 7) and (months == 12) == (effective.month == 8)
    cost = spine.cost_to_year_end(Decimal(current), Decimal(current + rise), effective, end)
    assert cost == (Decimal(rise) * months / 12).quantize(Decimal("0.01"))


@given(start=st.dates(dt.date(2020, 1, 1), dt.date(2030, 1, 1)), months=st.integers(-3, 20))
def test_a_period_must_be_in_order_six_to_twelve_months_long_and_recent(start, months):
    end = spine.add_months(start, months) - dt.timedelta(days=1)
    today = end + dt.timedelta(days=10)
    if 6 <= months <= 12:
        spine.check_period(start, end, today)
    else:
        with pytest.raises(spine.NotAllowed):
            spine.check_period(start, end, today)
