"""Building a grade structure: the default 10-grade structure over 53 spine points.

The shape follows UCL's published structure (grades 1–10; each grade an automatic zone and
contribution points above it; grade 10 without increments). The salary figures are
illustrative, rising about 3% a pay year; a university loads its own through the admin or
a command.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction

from gradepath.grades.models import Grade, GradeStructure, SpinePoint, SpineSalary

# grade: (bottom point, top of automatic zone, top contribution point)
DEFAULT_GRADES: dict[int, tuple[int, int, int]] = {
    1: (1, 3, 4),
    2: (4, 7, 8),
    3: (7, 11, 12),
    4: (11, 15, 17),
    5: (16, 20, 22),
    6: (21, 26, 28),
    7: (27, 32, 35),
    8: (33, 38, 41),
    9: (39, 44, 47),
    10: (46, 46, 53),
}
SPINE_POINTS = 53
BASE_YEAR = 2025
BASE_SALARY_POINT_1 = Decimal("20500")
STEP = Decimal("1.03")  # between adjacent points
UPLIFT = Decimal("1.03")  # between pay years


def illustrative_salary(point: int, pay_year: int) -> Decimal:
    value = BASE_SALARY_POINT_1 * STEP ** (point - 1) * UPLIFT ** (pay_year - BASE_YEAR)
    return value.quantize(Decimal("1"), rounding=ROUND_HALF_UP)


def build_default_structure(*, effective_from: dt.date, pay_years: list[int]) -> GradeStructure:
    """Create spine points, salaries for each pay year (from 1 August) and the ten grades."""
    with transaction.atomic():
        points = {}
        for n in range(1, SPINE_POINTS + 1):
            points[n], _ = SpinePoint.objects.get_or_create(number=n)
        SpineSalary.objects.bulk_create(
            [
                SpineSalary(point=points[n], effective_from=dt.date(year, 8, 1),
                            annual_salary=illustrative_salary(n, year))
                for year in pay_years
                for n in range(1, SPINE_POINTS + 1)
            ],
            ignore_conflicts=True,
        )
        structure, created = GradeStructure.objects.get_or_create(
            effective_from=effective_from, defaults={"name": "Grades 1–10"}
        )
        if created:
            Grade.objects.bulk_create(
                [
                    Grade(structure=structure, number=g, name=f"Grade {g}", bottom_point=b,
                          top_automatic_point=a, top_point=t, has_increments=g != 10)
                    for g, (b, a, t) in DEFAULT_GRADES.items()
                ]
            )
    return structure
