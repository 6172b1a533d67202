"""What a career record shows (policy §4.9): the pay history (grade and spine point over time, with the
salary of the point on its date), the appointments, and one section per registered
:class:`~gradepath.career.sources.CareerSource`.

Every function takes a person that already went through the access gate
(:func:`gradepath.career.permissions.get_career_person_for_user`). A fixed number of queries whatever
the length of the record: two for the pay history, two for the appointments, and each source's own
(one or two).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from gradepath.career.sources import CareerEntry, CareerSource, career_sources
from gradepath.grades.selectors import PayLine, pay_history
from gradepath.people.models import Appointment, Person
from gradepath.people.selectors import career_appointments

CHART_DATA_ID = "career-chart-data"  # the id of the chart's JSON data island on the page


@dataclass(frozen=True)
class CareerSection:
    """A registered source's heading and its entries about the person, newest first."""

    source: CareerSource
    entries: list[CareerEntry]

    @property
    def key(self) -> str:
        return self.source.key

    @property
    def label(self) -> str:
        return self.source.label


@dataclass
class CareerRecord:
    person: Person
    today: dt.date
    pay_lines: list[PayLine]  # newest first, as the table shows them
    appointments: list[Appointment]  # newest first
    sections: list[CareerSection] = field(default_factory=list)

    @property
    def chart(self) -> dict:
        """The chart's data (the page's JSON data island): the same pay lines as the table, oldest
        first, in plain values the chart script reads."""
        return {"points": [chart_point(line) for line in reversed(self.pay_lines)]}


def chart_point(line: PayLine) -> dict:
    record = line.record
    return {
        "date": record.effective_from.isoformat(),
        "label": f"{record.effective_from.day} {record.effective_from:%b %Y}",
        "grade": record.grade.number,
        "grade_name": record.grade.name,
        "spine_point": record.spine_point,
        "reason": record.get_reason_display(),
        "annual_salary": None if line.annual_salary is None else f"{line.annual_salary:.2f}",
        "coming": line.is_coming,
    }


def career_record(person: Person, user, on: dt.date | None = None) -> CareerRecord:
    """Everything the career record shows about ``person`` to ``user``."""
    today = on or timezone.localdate()
    appointments = career_appointments(person, today)
    for appointment in appointments:
        appointment.is_current_today = appointment.is_current(today)
    return CareerRecord(
        person=person,
        today=today,
        pay_lines=pay_history(person, today),
        appointments=appointments,
        sections=[CareerSection(source=source, entries=list(source.entries(person, user)))
                  for source in career_sources()],
    )
