"""The people the career record's tests add to the shared personas.

* Grace Okafor (``senior_manager``) manages Lina Morgan, the staff member's line manager: the
  management chain above the line manager.
* Hamid Rahman (``hrbp_elsewhere``) is in the HR Business Partner group and is the HRBP of Estates,
  not of Life Sciences: not the staff member's HRBP.
* Noor Aziz (``hrbp_delegate``) holds an active delegation of the HRBP role for Life Sciences.
* The staff member has a pay history of three lines and a grading case about their job.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from gradepath.career.sources import SLOT, career_sources
from gradepath.core.registry import register, unregister
from gradepath.grades.models import Grade, PayRecord
from gradepath.grading.models import Route
from gradepath.grading.tests.conftest import grading  # noqa: F401  (the fixture, for the grading cases)
from gradepath.grading.tests.test_workflow_matrix import make_case
from gradepath.people import roles
from gradepath.people.models import Delegation, UnitRoleAssignment
from gradepath.testing.factories import AppointmentFactory, PostFactory
from gradepath.testing.personas import _person


@pytest.fixture(autouse=True)
def only_grading_source():
    """The career record's own tests read grading's source only (and the ones a test registers): each
    process tests its own source, and the sources of processes being built must not decide these."""
    registered = career_sources()
    for source in registered:
        if source.key != "grading":
            unregister(SLOT, source.key)
    yield
    for source in career_sources():
        unregister(SLOT, source.key)
    for source in registered:
        register(SLOT, source)


@pytest.fixture
def career(grading):  # noqa: F811
    p = grading
    p.senior_manager = _person("grace.okafor", "Grace", "Okafor")
    p.line_manager.line_manager = p.senior_manager
    p.line_manager.save(update_fields=["line_manager"])
    p.hrbp_elsewhere = _person("hamid.rahman", "Hamid", "Rahman", groups=(roles.HR_BUSINESS_PARTNER,))
    UnitRoleAssignment.objects.create(unit=p.estates, role="hrbp", person=p.hrbp_elsewhere,
                                      start_date=dt.date(2000, 1, 1))
    p.hrbp_delegate = _person("noor.aziz", "Noor", "Aziz")
    today = timezone.localdate()
    Delegation.objects.create(delegator=p.hrbp, delegate=p.hrbp_delegate, role="hrbp", org_unit=p.faculty,
                              start_date=today - dt.timedelta(days=3), end_date=today + dt.timedelta(days=30),
                              reason="Annual leave cover")
    add_pay_lines(p, 2)  # with the personas' appointment line: three
    p.case = make_case(p, Route.DIRECT, "closed", initiator=p.staff_member)
    return p


def add_pay_lines(p, count: int) -> None:
    """``count`` more pay lines for the staff member, a month apart from September 2022 (points 18 to 21 of
    Grade 5, in turn)."""
    grade5 = Grade.objects.get(number=5)
    for n in range(count):
        month = 8 + n
        PayRecord.objects.create(person=p.staff_member, grade=grade5, spine_point=18 + n % 4,
                                 effective_from=dt.date(2022 + month // 12, 1 + month % 12, 1),
                                 reason=PayRecord.Reason.CORRECTION, post=p.staff_post)


def add_appointments(p, count: int) -> None:
    """``count`` earlier fixed-term appointments of the staff member (before the substantive one)."""
    for n in range(count):
        start = dt.date(2000 + n % 20, 1 + n // 20, 1)
        AppointmentFactory(person=p.staff_member, kind="acting_up" if n % 2 else "secondment",
                           post=PostFactory(org_unit=p.department, title=f"Project Officer {n}"),
                           start_date=start, end_date=start + dt.timedelta(days=20))


def add_closed_cases(p, count: int) -> None:
    """``count`` more closed cases about the staff member (copies of the fixture's case)."""
    for n in range(count):
        case = type(p.case).objects.get(pk=p.case.pk)
        case.pk = None
        case.reference = f"GC-C-{n:04d}"
        case.save()
