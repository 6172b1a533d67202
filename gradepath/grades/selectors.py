"""Reads for the grade structure page, and a person's pay for the pages people owns (the person
page and My home show them through the panels in :mod:`gradepath.grades.panels`).

Every function about a person takes a person that already went through an access gate
(:mod:`gradepath.people.permissions`); nothing here decides who may see what.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from gradepath.grades.models import Grade, GradeStructure, PayRecord, SpineSalary, salary_for
from gradepath.people.models import Appointment, Person, Post


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


# --- A person's pay: history, the line in force and what is coming ------------------------------


@dataclass
class PayLine:
    """A pay history line with the salary of its spine point on its date, and whether it is the
    line in force on the day the page shows, a line still to come, or an earlier one."""

    record: PayRecord
    annual_salary: Decimal | None
    status: str = ""  # "in force", "coming" or "" (earlier)

    @property
    def is_coming(self) -> bool:
        return self.status == "coming"


def pay_history(person: Person, on: dt.date | None = None) -> list[PayLine]:
    """The person's pay history, newest first, with salaries (two queries in all); lines after
    ``on`` (today) are marked coming, the one in force on ``on`` is marked so."""
    on = on or timezone.localdate()
    records = list(PayRecord.objects.filter(person=person).select_related("grade", "post"))
    points = {r.spine_point for r in records}
    salaries: dict[int, list[tuple[dt.date, Decimal]]] = {}
    for number, start, amount in (
        SpineSalary.objects.filter(point__number__in=points)
        .order_by("point__number", "-effective_from")
        .values_list("point__number", "effective_from", "annual_salary")
    ):
        salaries.setdefault(number, []).append((start, amount))

    def salary(record: PayRecord) -> Decimal | None:
        for start, amount in salaries.get(record.spine_point, []):
            if start <= record.effective_from:
                return amount
        return None

    lines = [PayLine(record=r, annual_salary=salary(r),
                     status="coming" if r.effective_from > on else "") for r in records]
    in_force = next((line for line in lines if not line.is_coming), None)  # newest first: the first past line
    if in_force is not None:
        in_force.status = "in force"
    return lines


def coming_pay(lines: list[PayLine]) -> list[PayLine]:
    """The coming lines of a :func:`pay_history`, soonest first (no query)."""
    return sorted((line for line in lines if line.is_coming),
                  key=lambda line: (line.record.effective_from, line.record.pk))


@dataclass
class CurrentPay:
    """Where a person is on the pay spine today."""

    record: PayRecord
    annual_salary: Decimal | None

    @property
    def zone_label(self) -> str:
        zone = self.record.grade.zone_of(self.record.spine_point)
        return {"automatic": "automatic zone", "contribution": "contribution point"}.get(zone, "outside the grade")


def current_pay_from(lines: list[PayLine], on: dt.date | None = None) -> CurrentPay | None:
    """:func:`current_pay` from a :func:`pay_history` already read (one query: the salary)."""
    line = next((line for line in lines if line.status == "in force"), None)
    if line is None:
        return None
    return CurrentPay(record=line.record, annual_salary=salary_for(line.record.spine_point,
                                                                   on or timezone.localdate()))


def current_pay(person: Person, on: dt.date | None = None) -> CurrentPay | None:
    """The latest pay record in force and today's salary for its spine point."""
    on = on or timezone.localdate()
    record = PayRecord.objects.as_of(on).filter(person=person).select_related("grade").first()
    if record is None:
        return None
    return CurrentPay(record=record, annual_salary=salary_for(record.spine_point, on))


@dataclass
class ComingChange:
    """A grade change recorded for a later date, for "what is coming" on My home and the person page:
    a pay line (grade and spine point) or a post's grade line that no pay line accompanies."""

    effective_from: dt.date
    grade: Grade
    spine_point: int | None = None
    reason: str = ""
    source: str = ""
    post: Post | None = None


def coming_pay_records(person: Person, on: dt.date | None = None) -> list[PayRecord]:
    """The person's pay lines that take effect after ``on`` (today), soonest first (one query)."""
    on = on or timezone.localdate()
    return list(PayRecord.objects.filter(person=person, effective_from__gt=on).select_related("grade", "post")
                .order_by("effective_from", "id"))


def _case_reference(note: str) -> str:
    return note.split(" ")[0] if note.startswith("GC-") else ""


def coming_changes(pay_records: list[PayRecord], appointments: list[Appointment]) -> list[ComingChange]:
    """What is coming, soonest first, from what the page has already read (no query): the coming
    pay lines, and the coming grade changes of the posts of ``appointments`` on dates with no
    pay line at that grade (a post regraded before its holder's pay is). The appointments come
    from ``people.selectors.current_appointments`` (or ``career_appointments``), which give each
    its post's ``grade_coming``."""
    changes = [ComingChange(effective_from=r.effective_from, grade=r.grade, spine_point=r.spine_point,
                            reason=r.get_reason_display(), source=_case_reference(r.note), post=r.post)
               for r in pay_records]
    paid = {(c.effective_from, c.grade.pk) for c in changes}
    for appointment in appointments:
        for span in getattr(appointment, "grade_coming", []):
            if (span.start, span.grade.pk) not in paid:
                changes.append(ComingChange(effective_from=span.start, grade=span.grade, reason=span.reason,
                                            source=span.source, post=appointment.post))
                paid.add((span.start, span.grade.pk))
    changes.sort(key=lambda c: c.effective_from)
    return changes
