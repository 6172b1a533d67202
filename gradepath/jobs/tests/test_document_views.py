import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from gradepath.jobs import services
from gradepath.jobs.models import JDVersion, JobDescription
from gradepath.testing.factories import JobFamilyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_versions(personas):
    v1 = services.create_job_description(
        actor=personas.line_manager.user, org_unit=personas.department, job_family=JobFamilyFactory(),
        staff_category="technical", job_title="Research Technician", area="Laboratory operations",
        purpose="To support the research groups of the division.",
        duties=["Prepare solutions.", "Maintain equipment.", "Order stock."],
    )
    services.submit_version(actor=personas.line_manager.user, version=v1)
    v2 = services.start_new_draft(actor=personas.line_manager.user, version=v1)
    v2 = services.save_draft(actor=personas.line_manager.user, version=v2, base_revision=v2.revision, changes={
        "purpose": "To lead technical support for the research groups of the division.",
        "duties": ["Order stock.", "Prepare solutions.", "Train new students."],
    })
    return v1, v2


def test_compare_page_shows_insertions_deletions_and_moves(personas, login, two_versions):
    v1, v2 = two_versions
    page = login(personas.line_manager).get(reverse("jobs:compare", args=[v1.jd.pk]),
                                            {"old": 1, "new": 2}).content.decode()
    assert '<ins class="redline-ins">' in page and '<del class="redline-del">' in page
    assert "lead technical" in page
    assert "redline-item--moved" in page


def test_compare_page_falls_back_with_a_message_for_a_missing_version(personas, login, two_versions):
    v1, _ = two_versions
    page = login(personas.line_manager).get(reverse("jobs:compare", args=[v1.jd.pk]), {"old": 9, "new": 2})
    assert "That version does not exist" in page.content.decode()


def test_word_comparison_download_has_tracked_changes(personas, login, two_versions):
    v1, _ = two_versions
    response = login(personas.line_manager).get(reverse("jobs:compare-docx", args=[v1.jd.pk]), {"old": 1, "new": 2})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    xml = zipfile.ZipFile(io.BytesIO(response.content)).read("word/document.xml").decode()
    assert "<w:ins " in xml and "<w:del " in xml and "w:author=" in xml


def test_version_downloads_as_word_and_pdf(personas, login, two_versions):
    v1, _ = two_versions
    client = login(personas.line_manager)
    docx = client.get(reverse("jobs:version-docx", args=[v1.pk]))
    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    assert "attachment" in docx["Content-Disposition"]
    pdf = client.get(reverse("jobs:version-pdf", args=[v1.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_outsider_cannot_download_or_compare(personas, login, two_versions):
    v1, _ = two_versions
    client = login(personas.outsider)
    assert client.get(reverse("jobs:version-docx", args=[v1.pk])).status_code == 404
    assert client.get(reverse("jobs:version-pdf", args=[v1.pk])).status_code == 404
    assert client.get(reverse("jobs:compare", args=[v1.jd.pk])).status_code == 404
    assert client.get(reverse("jobs:compare-docx", args=[v1.jd.pk]), {"old": 1, "new": 2}).status_code == 404


def test_word_round_trip_through_the_pages_gives_back_both_versions(personas, login, two_versions):
    v1, v2 = two_versions
    client = login(personas.line_manager)
    docx = client.get(reverse("jobs:compare-docx", args=[v1.jd.pk]), {"old": 1, "new": 2}).content
    family = JobFamilyFactory()
    response = client.post(reverse("jobs:import-docx"), {
        "document": SimpleUploadedFile("jd.docx", docx), "org_unit": personas.department.pk,
        "job_family": family.pk, "staff_category": "technical", "area": "Lab"})
    assert response.status_code == 302
    imported = JobDescription.objects.exclude(pk=v1.jd.pk).get()
    original, proposed = imported.versions.order_by("number")
    assert original.status == JDVersion.Status.SUBMITTED and proposed.status == JDVersion.Status.DRAFT
    assert original.purpose == v1.purpose and proposed.purpose == v2.purpose
    assert original.duties == v1.duties and proposed.duties == v2.duties


def test_a_file_that_is_not_word_gets_a_message_and_creates_nothing(personas, login):
    client = login(personas.line_manager)
    response = client.post(reverse("jobs:import-docx"), {
        "document": SimpleUploadedFile("jd.docx", b"this is just text"), "org_unit": personas.department.pk,
        "job_family": JobFamilyFactory().pk, "staff_category": "technical"})
    assert response.status_code == 200
    assert "docx" in response.content.decode().lower()
    assert not JobDescription.objects.exists()
