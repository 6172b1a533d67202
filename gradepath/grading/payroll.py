"""The payroll change export: every regrade HR Services processed, for a period, as CSV rows.

One row per grading case that HR Services processed (a ``process`` event) whose effective date
falls in the period, for cases about a post holder (a new job has nobody on payroll yet). The old
grade and spine point are the pay history line in force just before the regrade; the new ones
are the case's decided grade and new spine point. Pages and the command are thin layers over
:func:`payroll_changes` and :func:`write_csv`.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from typing import IO

from gradepath.grades.models import PayRecord
from gradepath.grading.models import CaseEvent, GradingCase

COLUMNS = [
    ("employee_number", "Employee number"),
    ("name", "Name"),
    ("post_id", "Post id"),
    ("old_grade", "Old grade"),
    ("old_spine_point", "Old spine point"),
    ("new_grade", "New grade"),
    ("new_spine_point", "New spine point"),
    ("effective_date", "Effective date"),
    ("reason", "Reason"),
    ("case_reference", "Case reference"),
    ("pay_protected", "Pay protected"),
    ("allowances_stopped", "Allowances stopped"),
]


@dataclass(frozen=True)
class PayrollChange:
    """One line of the payroll change export."""

    employee_number: str
    name: str
    post_id: str
    old_grade: int | None
    old_spine_point: int | None
    new_grade: int | None
    new_spine_point: int | None
    effective_date: dt.date
    reason: str
    case_reference: str
    pay_protected: bool
    allowances_stopped: str


def _previous(records: list[PayRecord], regrade: PayRecord | None, effective: dt.date) -> PayRecord | None:
    """The pay history line in force just before the regrade (records are newest first)."""
    for record in records:
        if regrade is not None:
            if record.pk == regrade.pk:
                continue
            if (record.effective_from, record.pk) >= (regrade.effective_from, regrade.pk):
                continue
        elif record.effective_from >= effective:
            continue
        return record
    return None


def payroll_changes(start: dt.date, end: dt.date) -> list[PayrollChange]:
    """The regrades HR Services processed with an effective date from ``start`` to ``end``
    (both included), in effective-date order. Runs a fixed number of queries."""
    processed = CaseEvent.objects.filter(action="process").values("case_id")
    cases = list(
        GradingCase.objects.filter(pk__in=processed, subject__isnull=False,
                                   effective_date__gte=start, effective_date__lte=end)
        .select_related("subject", "post", "current_grade", "decided_grade")
        .order_by("effective_date", "reference", "pk")
    )
    history: dict[int, list[PayRecord]] = {}
    for record in (PayRecord.objects.filter(person_id__in={c.subject_id for c in cases})
                   .select_related("grade").order_by("-effective_from", "-id")):
        history.setdefault(record.person_id, []).append(record)
    rows = []
    for case in cases:
        records = history.get(case.subject_id, [])
        regrade = next((r for r in records if r.reason == PayRecord.Reason.REGRADE
                        and r.effective_from == case.effective_date and r.note.startswith(case.reference)), None)
        before = _previous(records, regrade, case.effective_date)
        old_grade = before.grade if before is not None else case.current_grade
        new_grade = case.decided_grade or (regrade.grade if regrade else None)
        rows.append(PayrollChange(
            employee_number=case.subject.employee_number,
            name=case.subject.full_name,
            post_id=case.post.post_number if case.post else "",
            old_grade=old_grade.number if old_grade else None,
            old_spine_point=before.spine_point if before else None,
            new_grade=new_grade.number if new_grade else None,
            new_spine_point=case.new_spine_point if case.new_spine_point is not None
            else (regrade.spine_point if regrade else None),
            effective_date=case.effective_date,
            reason=PayRecord.Reason.REGRADE.label,
            case_reference=case.reference,
            pay_protected=case.pay_protected,
            allowances_stopped=case.allowances_stopped,
        ))
    return rows


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    # A spreadsheet would run a cell starting with one of these as a formula.
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def write_csv(rows: list[PayrollChange], file: IO[str]) -> None:
    """Write the rows as CSV with a header line (dates as YYYY-MM-DD, Yes/No for flags)."""
    writer = csv.writer(file)
    writer.writerow([label for _, label in COLUMNS])
    for row in rows:
        writer.writerow([_cell(getattr(row, name)) for name, _ in COLUMNS])


def parse_period(start: str | None, end: str | None, *, today: dt.date) -> tuple[dt.date, dt.date]:
    """The period from two YYYY-MM-DD strings; empty ones default to this month. ValueError with
    a message in the user's words for a bad date or a period that ends before it starts."""
    first = today.replace(day=1)
    last = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    dates = []
    for label, value, default in (("start", start, first), ("end", end, last)):
        value = (value or "").strip()
        if not value:
            dates.append(default)
            continue
        try:
            dates.append(dt.date.fromisoformat(value))
        except ValueError:
            raise ValueError(f"The {label} date “{value[:30]}” is not a date: give it as YYYY-MM-DD, "
                             "for example 2026-03-01.") from None
    if dates[1] < dates[0]:
        raise ValueError(f"The period ends ({dates[1]:%d %b %Y}) before it starts ({dates[0]:%d %b %Y}).")
    return dates[0], dates[1]
