"""One place for the recommended grade of a grading case's proposal (issue 11, item 15): the JD
editor does not offer it (the case page takes it with the submission), and the editor's save service
refuses a different grade for such a draft, on the web and over the API alike."""

from __future__ import annotations

import pytest
from django.urls import reverse

from gradepath.core.errors import ServiceError
from gradepath.grades.models import Grade
from gradepath.grading import services
from gradepath.grading.models import GradingCase
from gradepath.jobs import services as jd_services
from gradepath.jobs.models import JDVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(grading):
    """The proposed JD (a draft) of the staff member's open Direct Route case."""
    case = services.start_direct_route_case(actor=grading.staff_member.user, subject=grading.staff_member)
    JDVersion.objects.filter(pk=case.proposed_version_id).update(grade=Grade.objects.get(number=5))
    return JDVersion.objects.get(pk=case.proposed_version_id)


def test_the_editor_does_not_offer_a_grade_for_a_case_proposal(grading, draft, login):
    html = login(grading.staff_member).get(reverse("jobs:version-edit", args=[draft.pk])).content.decode()
    assert 'name="title-grade"' not in html
    assert 'data-testid="grade-on-case-page"' in html and "when you submit this job description" in html


def test_the_editor_still_offers_a_grade_for_a_draft_outside_grading(grading, login):
    other = jd_services.create_job_description(
        actor=grading.line_manager.user, org_unit=grading.department, job_family=grading.agreed.job_family,
        staff_category="technical", job_title="Workshop Technician", purpose="To run the workshop.")
    html = login(grading.line_manager).get(reverse("jobs:version-edit", args=[other.pk])).content.decode()
    assert 'name="title-grade"' in html


def test_saving_the_title_keeps_the_grade_of_a_case_proposal(grading, draft, login):
    grade = draft.grade
    response = login(grading.staff_member).post(
        reverse("jobs:section-save", args=[draft.pk, "title"]),
        {"title-job_title": "Senior Research Technician", "title-job_family": draft.job_family_id,
         "title-revision": draft.revision, "base": draft.job_title}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "Saved at" in response.content.decode()
    draft.refresh_from_db()
    assert draft.job_title == "Senior Research Technician" and draft.grade == grade and grade.number == 5


def test_the_save_service_refuses_another_grade_for_a_case_proposal(grading, draft):
    other = Grade.objects.get(number=7)
    with pytest.raises(ServiceError, match="recommended grade is given on the case page"):
        jd_services.save_draft(actor=grading.staff_member.user, version=draft, base_revision=draft.revision,
                               changes={"grade": other, "purpose": "Changed."})
    draft.refresh_from_db()
    assert draft.grade != other and draft.purpose != "Changed."
    # The same grade again is no change: the rest is saved.
    jd_services.save_draft(actor=grading.staff_member.user, version=draft, base_revision=draft.revision,
                           changes={"grade": draft.grade, "purpose": "Changed."})
    draft.refresh_from_db()
    assert draft.purpose == "Changed."


def test_the_api_refuses_another_grade_for_a_case_proposal(grading, draft, api):
    response = api(grading.staff_member).patch(reverse("api:jd-version-save", args=[draft.pk]),
                                               {"revision": draft.revision, "grade": 7}, format="json")
    assert response.status_code == 400
    assert "recommended grade is given on the case page" in str(response.json())


def test_once_the_case_is_withdrawn_the_draft_takes_a_grade_again(grading, draft):
    GradingCase.objects.filter(proposed_version=draft).update(state="withdrawn", closed_at="2026-01-01T00:00Z")
    other = Grade.objects.get(number=7)
    saved = jd_services.save_draft(actor=grading.staff_member.user, version=draft, base_revision=draft.revision,
                                   changes={"grade": other})
    assert saved.grade == other
