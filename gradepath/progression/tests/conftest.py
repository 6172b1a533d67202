"""The personas with what accelerated increments need: a Dean of the faculty (separate from Hugh Dean, the
HoD), a HoD of the Division of Biosciences, a Vice-Provost (Operations) over Estates (a corporate unit)."""

from __future__ import annotations

import datetime as dt

import pytest

from gradepath.people.models import UnitRoleAssignment
from gradepath.testing.factories import PersonFactory, UserFactory


def make_person(username: str, first: str, last: str, **kwargs):
    user = UserFactory(username=username, first_name=first, last_name=last)
    return PersonFactory(user=user, first_name=first, last_name=last, work_email=f"{username}@example.ac.uk",
                         **kwargs)


def period(today: dt.date) -> dict:
    """A valid period of outstanding performance: the 9 months to last week."""
    end = today - dt.timedelta(days=7)
    start = dt.date(end.year - (end.month <= 9), (end.month - 9 - 1) % 12 + 1, 1)
    return {"performance_from": start.isoformat(), "performance_to": end.isoformat()}


def good_data(today: dt.date, **overrides) -> dict:
    data = {"points": 1, **period(today), "performance": "Ran the new sequencing service alone for nine months.",
            "objectives_met": "Cut turnaround from ten days to four.", "evidence": "https://intranet.example/ev/1"}
    data.update(overrides)
    return data


@pytest.fixture
def aip(personas):
    """The personas plus the Dean of the Faculty of Life Sciences (Diana Reeve), a Vice-Provost (Operations) at
    the top of Estates (Victor Ops), and the staff member's probation review within the last six months."""
    p = personas
    p.dean = make_person("diana.reeve", "Diana", "Reeve")
    UnitRoleAssignment.objects.create(unit=p.faculty, role="dean", person=p.dean, start_date=dt.date(2020, 1, 1))
    p.vp = make_person("victor.ops", "Victor", "Ops")
    UnitRoleAssignment.objects.create(unit=p.estates, role="vice_provost_operations", person=p.vp,
                                      start_date=dt.date(2020, 1, 1))
    return p


@pytest.fixture
def matrix(aip):
    """An applicant who holds no other role (the HoD route's applicant in the matrix)."""
    aip.applicant = make_person("ivy.start", "Ivy", "Start")
    return aip
