"""Word export: the university layout, and comparisons as real tracked changes (w:ins / w:del)."""

import datetime as dt
import io
import shutil
import subprocess
import zipfile

import docx
import pytest
from django.utils import timezone
from lxml import etree

from gradepath.jobs import services
from gradepath.jobs.models import JDVersion
from gradepath.jobs.word import author_of, comparison_docx, revision_date, version_docx
from gradepath.testing.factories import JobFamilyFactory, UserFactory

pytestmark = pytest.mark.django_db

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W}


def make_two_versions(personas):
    """A submitted version 1 and a draft version 2 by Lina Morgan (the line manager) with every kind of change."""
    actor = personas.line_manager.user
    v1 = services.create_job_description(
        actor=actor, org_unit=personas.department, job_family=JobFamilyFactory(), staff_category="technical",
        job_title="Research Technician", area="Laboratory operations",
        purpose="To support the research groups of the division.\nThe post is based in the Darwin Building.",
        duties=["Prepare reagents, media and solutions to standard protocols.",
                "Maintain laboratory equipment and keep its records.",
                "Order and receive stock, keeping inventories up to date.",
                "Train new students in safe working practices."],
        line_management="None.",
        working_relationships="Academic staff, research students and suppliers.",
        person_spec=[{"text": "Experience of laboratory work.", "kind": "essential", "assessed": "application"},
                     {"text": "A degree in a science subject.", "kind": "desirable", "assessed": "application"},
                     {"text": "Good record keeping.", "kind": "essential", "assessed": "interview"}],
    )
    v1 = services.submit_version(actor=actor, version=v1)
    v2 = services.start_new_draft(actor=actor, version=v1)
    v2 = services.save_draft(actor=actor, version=v2, base_revision=v2.revision, changes={
        "job_title": "Senior Research Technician",
        "purpose": "To lead technical support for the research groups of the division.\n\n"
                   "The post is based in the Darwin Building, café 😀 included.",
        "duties": ["Train new students in safe working practices.",
                   "Prepare reagents, media and buffer solutions to standard protocols.",
                   "Maintain laboratory equipment and keep its records.",
                   "Supervise two technicians and plan their work."],
        "person_spec": [{"text": "Extensive experience of laboratory work.", "kind": "essential", "assessed": "both"},
                        {"text": "A degree in a science subject.", "kind": "essential", "assessed": "application"},
                        {"text": "Experience of supervising staff.", "kind": "desirable", "assessed": "interview"}],
        "line_management": "Two technicians.",
        "additional_information": "Occasional weekend work.",
    })
    return v1, v2


@pytest.fixture
def two_versions(personas):
    return make_two_versions(personas)


def document_xml(data: bytes):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return etree.fromstring(archive.read("word/document.xml"))


def test_a_version_exports_in_the_university_layout(two_versions):
    v1, _ = two_versions
    document = docx.Document(io.BytesIO(version_docx(v1)))
    paragraphs = document.paragraphs
    title = next(p for p in paragraphs if p.style.name == "Title")
    assert title.text == "Research Technician"
    assert any(p.text.startswith(f"Reference {v1.jd.reference} · Version 1 · Submitted") for p in paragraphs)
    headings = [p.text for p in paragraphs if p.style.name == "Heading 1"]
    assert headings == ["Purpose of the job", "Main duties and responsibilities",
                        "Line management and budget responsibility", "Working relationships", "Person specification"]
    duties = [p.text for p in paragraphs if p.style.name == "List Number"]
    assert duties == v1.duties
    table = document.tables[0]
    assert [c.text for c in table.rows[0].cells] == ["Criterion", "Essential or desirable", "Assessed at"]
    assert [c.text for c in table.rows[2].cells] == ["A degree in a science subject.", "Desirable", "Application"]
    assert not document_xml(version_docx(v1)).findall(".//w:ins", NS)


def test_a_comparison_carries_real_tracked_changes_by_the_later_versions_author(two_versions):
    v1, v2 = two_versions
    root = document_xml(comparison_docx(v1, v2))
    insertions = root.findall(".//w:ins", NS)
    deletions = root.findall(".//w:del", NS)
    assert insertions and deletions
    expected_date = v2.updated_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    for mark in insertions + deletions:
        assert mark.get(f"{{{W}}}author") == "Lina Morgan"
        assert mark.get(f"{{{W}}}date") == expected_date
    ids = [mark.get(f"{{{W}}}id") for mark in insertions + deletions]
    assert len(ids) == len(set(ids))
    # Deleted text is in w:delText, never w:t; inserted text is in w:t.
    deleted_runs = [d for d in deletions if d.getparent().tag != f"{{{W}}}rPr" and d.getparent().tag != f"{{{W}}}trPr"]
    assert deleted_runs
    for mark in deleted_runs:
        assert mark.findall(".//w:t", NS) == []
        assert mark.findall(".//w:delText", NS)
    deleted_text = "".join(t.text for t in root.iter(f"{{{W}}}delText"))
    inserted_text = "".join(t.text for i in insertions for t in i.iter(f"{{{W}}}t"))
    assert "Order and receive stock" in deleted_text
    assert "Senior " in inserted_text and "buffer" in inserted_text and "😀" in inserted_text


def test_whole_rows_and_paragraph_marks_are_tracked(two_versions):
    v1, v2 = two_versions
    root = document_xml(comparison_docx(v1, v2))
    assert root.findall(".//w:trPr/w:ins", NS), "the new criterion's row is an inserted row"
    assert root.findall(".//w:trPr/w:del", NS), "the removed criterion's row is a deleted row"
    assert root.findall(".//w:pPr/w:rPr/w:ins", NS), "new duties are inserted paragraphs"
    assert root.findall(".//w:pPr/w:rPr/w:del", NS), "removed duties are deleted paragraphs"


def test_the_document_opens_in_python_docx_and_shows_the_later_title(two_versions):
    v1, v2 = two_versions
    document = docx.Document(io.BytesIO(comparison_docx(v1, v2)))
    title = next(p for p in document.paragraphs if p.style.name == "Title")
    # python-docx ignores w:ins runs: "Senior " is inside one.
    assert "Research Technician" in title.text


def test_control_characters_pasted_from_elsewhere_do_not_break_the_export(two_versions):
    v1, _ = two_versions
    v1.purpose = "First line\x0bsecond line\x00 with a stray null\x07."
    document = docx.Document(io.BytesIO(version_docx(v1)))
    purpose = next(p for p in document.paragraphs if "First line" in p.text)
    assert purpose.text == "First line\nsecond line with a stray null."


def test_author_falls_back_to_the_user_name_and_dates_are_utc(two_versions):
    _, v2 = two_versions
    unsaved = JDVersion(jd=v2.jd, number=9, created_at=v2.created_at, updated_at=v2.updated_at)  # no saves
    unsaved.created_by = UserFactory(username="jbloggs", first_name="", last_name="")
    assert author_of(unsaved) == "jbloggs"
    v2.updated_at = timezone.make_aware(dt.datetime(2026, 3, 1, 14, 5, 9), dt.timezone(dt.timedelta(hours=1)))
    assert revision_date(v2) == "2026-03-01T13:05:09Z"
    unsaved.created_by = None
    assert author_of(unsaved) == "Gradepath"  # made by the system alone


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_reads_the_changes_as_revisions(two_versions, tmp_path):
    v1, v2 = two_versions
    source = tmp_path / "comparison.docx"
    source.write_bytes(comparison_docx(v1, v2))
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/profile", "--convert-to",
                    "odt", "--outdir", str(tmp_path), str(source)], check=True, capture_output=True, timeout=180)
    with zipfile.ZipFile(tmp_path / "comparison.odt") as archive:
        content = archive.read("content.xml").decode()
    assert content.count("<text:changed-region") >= 10
    assert "<text:insertion>" in content and "<text:deletion>" in content
    assert "<dc:creator>Lina Morgan</dc:creator>" in content
