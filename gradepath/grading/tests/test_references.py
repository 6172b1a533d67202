"""Case references come from one locked counter (issue 11 §5): never the same number twice, never a
false "already has an open grading case", and no gap when a start is rolled back."""

from __future__ import annotations

import threading

import pytest
from django.db import transaction
from django.utils import timezone

from gradepath.core.errors import ServiceError
from gradepath.core.models import ReferenceCounter
from gradepath.core.references import allocate_reference
from gradepath.grading import services
from gradepath.grading.models import GradingCase
from gradepath.grading.tests.test_workflow_matrix import make_case
from gradepath.jobs import services as jd_services
from gradepath.jobs.models import JDVersion
from gradepath.people.models import User
from gradepath.testing.concurrency import THREADS, burst, postgresql_only
from gradepath.testing.factories import JobFamilyFactory


def _year() -> int:
    return timezone.localdate().year


def _drafts(p, count: int) -> list[JDVersion]:
    """New-job JD drafts by the line manager, who may start a case with each."""
    return [jd_services.create_job_description(
        actor=p.line_manager.user, org_unit=p.department, job_family=JobFamilyFactory(), staff_category="technical",
        job_title=f"Laboratory Data Officer {n}", area="Laboratory operations",
        purpose="To manage the research data of the division.", duties=["Curate datasets.", "Train staff."],
    ) for n in range(count)]


@pytest.mark.postgres_only
@postgresql_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_cases_started_at_once_get_twenty_distinct_references(grading):
    p = grading
    versions = _drafts(p, THREADS - 1)
    slots, taking = iter(range(THREADS)), threading.Lock()

    def prepare():
        with taking:
            index = next(slots)
        if index == 0:  # one Direct Route case too: it records a JD draft before it takes a number
            subject = type(p.staff_member).objects.get(pk=p.staff_member.pk)
            return services.start_direct_route_case, {"actor": User.objects.get(pk=p.staff_member.user.pk),
                                                      "subject": subject}
        return services.start_new_job_case, {"actor": User.objects.get(pk=p.line_manager.user.pk),
                                             "jd_version": JDVersion.objects.get(pk=versions[index - 1].pk)}

    results = burst(lambda prepared: prepared[0](**prepared[1]), prepare)

    failures = [r for r in results if not isinstance(r, GradingCase)]
    assert failures == [], failures  # in particular no "This post already has an open grading case"
    references = sorted(r.reference for r in results)
    assert references == [f"GC-{_year()}-{n:04d}" for n in range(1, THREADS + 1)]
    assert GradingCase.objects.count() == THREADS


@pytest.mark.django_db
def test_the_counter_starts_after_the_references_made_before_it(grading):
    p = grading
    earlier = make_case(p, "new_job", "draft")
    GradingCase.objects.filter(pk=earlier.pk).update(reference=f"GC-{_year()}-0041")
    case = services.start_new_job_case(actor=p.line_manager.user, jd_version=_drafts(p, 1)[0])
    assert case.reference == f"GC-{_year()}-0042"
    again = services.start_new_job_case(actor=p.line_manager.user, jd_version=_drafts(p, 1)[0])
    assert again.reference == f"GC-{_year()}-0043"


@pytest.mark.django_db
def test_a_start_that_fails_gives_its_number_back(grading, monkeypatch):
    p = grading
    first = services.start_new_job_case(actor=p.line_manager.user, jd_version=_drafts(p, 1)[0])

    def fail(case, **kwargs):
        raise ServiceError("The task list could not be written.")

    monkeypatch.setattr(services, "_refresh_tasks", fail)
    with pytest.raises(ServiceError):
        services.start_new_job_case(actor=p.line_manager.user, jd_version=_drafts(p, 1)[0])
    monkeypatch.undo()
    second = services.start_new_job_case(actor=p.line_manager.user, jd_version=_drafts(p, 1)[0])
    number = int(first.reference.rsplit("-", 1)[1])
    assert second.reference == f"GC-{_year()}-{number + 1:04d}"


@pytest.mark.django_db
def test_each_series_and_year_has_its_own_counter():
    with transaction.atomic():
        assert allocate_reference("test-a", 2030, "A-{year}-{number:03d}") == "A-2030-001"
        assert allocate_reference("test-a", 2030, "A-{year}-{number:03d}") == "A-2030-002"
        assert allocate_reference("test-a", 2031, "A-{year}-{number:03d}") == "A-2031-001"
        assert allocate_reference("test-b", 2030, "B{number}", seed=lambda: 7) == "B8"
    assert ReferenceCounter.objects.get(series="test-a", year=2030).last_number == 2
