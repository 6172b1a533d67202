"""The demo builder gives the same university for the same seed and day."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from gradepath.demo.builder import DemoDataError, build_demo_university
from gradepath.grades.models import PayRecord
from gradepath.people.models import Appointment, Person

SMALL = 150  # staff: small enough to build twice in one test, large enough to have every kind of row
# A smaller library and fewer cases than the default (every route still runs): the builds are compared on
# people, appointments and pay; the full-size cases are compared build against build in test_demo_cases.
SMALL_JDS, SMALL_CASES = 40, 12


def _snapshot(seed: int, today: dt.date) -> tuple[dict[str, int], list[tuple], list[tuple], list[tuple]]:
    """Build inside a transaction that is rolled back, and return what was built (without database ids)."""
    with transaction.atomic():
        summary = build_demo_university(seed=seed, staff=SMALL, today=today, jds=SMALL_JDS, cases=SMALL_CASES)
        people = list(Person.objects.order_by("employee_number").values_list(
            "employee_number", "first_name", "last_name", "known_as", "work_email", "staff_category",
            "line_manager__employee_number", "probation_end", "user__username"))
        appointments = list(Appointment.objects.order_by("person__employee_number", "start_date", "kind")
                            .values_list("person__employee_number", "post__post_number", "post__title",
                                         "post__grade__number", "kind", "start_date", "end_date"))
        pay = list(PayRecord.objects.order_by("person__employee_number", "effective_from", "reason")
                   .values_list("person__employee_number", "grade__number", "spine_point", "effective_from",
                                "reason", "note"))
        transaction.set_rollback(True)
    return summary.counts, people, appointments, pay


@pytest.mark.django_db
def test_the_same_seed_and_day_build_the_same_university():
    today = timezone.localdate()
    first = _snapshot(7, today)
    second = _snapshot(7, today)
    assert first[0] == second[0]
    assert first[1] == second[1]
    assert first[2] == second[2]
    assert first[3] == second[3]
    assert first[0]["professional services and technical staff"] == SMALL


@pytest.mark.django_db
def test_another_seed_builds_a_different_university_of_the_same_shape():
    today = timezone.localdate()
    counts_a, people_a, _, _ = _snapshot(7, today)
    counts_b, people_b, _, _ = _snapshot(8, today)
    assert counts_a["departments"] == counts_b["departments"]
    assert counts_a["professional services and technical staff"] == counts_b["professional services and technical staff"]
    assert [p[1:3] for p in people_a] != [p[1:3] for p in people_b]


@pytest.mark.django_db
def test_builder_refuses_a_database_that_already_holds_people(personas):
    with pytest.raises(DemoDataError, match="already holds people"):
        build_demo_university(staff=SMALL)
