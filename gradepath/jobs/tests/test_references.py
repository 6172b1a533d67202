"""JD and agreed JD references come from the locked counters (core.references), and keep counting
past the width they are written at: a plain MAX of the text put "AJD-2026-9999" above
"AJD-2026-10000" and handed out 10000 twice (found generating 50,000 staff, issue 13)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from gradepath.core.models import ReferenceCounter
from gradepath.grades.models import Grade
from gradepath.jobs import services
from gradepath.jobs.models import AgreedJD, JobDescription
from gradepath.testing.factories import JobFamilyFactory

pytestmark = pytest.mark.django_db


def _draft(personas, title="Research Technician"):
    return services.create_job_description(
        actor=None, org_unit=personas.department, job_family=JobFamilyFactory(), staff_category="technical",
        job_title=title, purpose="To support the research groups.", duties=["Prepare solutions."])


def _log(personas, title):
    version = _draft(personas, title)
    services.submit_version(actor=None, version=version)
    return services.log_agreed_jd(actor=None, version=version, grade=Grade.objects.get(number=5))


def test_agreed_references_count_on_past_9999(personas):
    year = timezone.now().year
    first = _log(personas, "Research Technician")
    # As if 9,999 had been logged this year before the counter existed (a library imported, or generated).
    AgreedJD.objects.filter(pk=first.pk).update(reference=f"AJD-{year}-9999")
    ReferenceCounter.objects.filter(series="agreed-jd").delete()
    assert _log(personas, "Laboratory Assistant").reference == f"AJD-{year}-10000"
    assert _log(personas, "Workshop Technician").reference == f"AJD-{year}-10001"


def test_jd_references_count_on_past_999999(personas):
    version = _draft(personas)
    JobDescription.objects.filter(pk=version.jd_id).update(reference="JD-999999")
    ReferenceCounter.objects.filter(series="jd").delete()
    assert _draft(personas).jd.reference == "JD-1000000"
    assert _draft(personas).jd.reference == "JD-1000001"


def test_jd_references_start_after_those_made_before_the_counter(personas):
    version = _draft(personas)
    JobDescription.objects.filter(pk=version.jd_id).update(reference="JD-000041")
    ReferenceCounter.objects.filter(series="jd").delete()
    assert _draft(personas).jd.reference == "JD-000042"
