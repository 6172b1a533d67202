"""Reads for the grade structure page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from gradepath.grades.models import Grade, GradeStructure, SpineSalary


@dataclass
class GradeRow:
    grade: Grade
    automatic: list[tuple[int, Decimal | None]]
    contribution: list[tuple[int, Decimal | None]]


def pay_year_start(on: dt.date) -> dt.date:
    """1 August of the pay year that contains ``on``."""
    year = on.year if (on.month, on.day) >= (8, 1) else on.year - 1
    return dt.date(year, 8, 1)


def structure_table(structure: GradeStructure, on: dt.date) -> list[GradeRow]:
    """Each grade with its points and the salary of each point on the date (two queries)."""
    salaries: dict[int, Decimal] = {}
    for number, amount in (
        SpineSalary.objects.filter(effective_from__lte=on)
        .order_by("point__number", "effective_from")
        .values_list("point__number", "annual_salary")
    ):
        salaries[number] = amount  # the latest effective row wins
    rows = []
    for grade in structure.grades.order_by("number"):
        rows.append(
            GradeRow(
                grade=grade,
                automatic=[(p, salaries.get(p)) for p in grade.automatic_points],
                contribution=[(p, salaries.get(p)) for p in grade.contribution_points],
            )
        )
    return rows
