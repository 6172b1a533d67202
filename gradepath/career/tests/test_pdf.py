"""The career record as a PDF (weasyprint, as the JDs'): the person's name, the pay table (not the chart),
the appointments and every section, with nothing fetched from outside the document."""

from __future__ import annotations

import re
import shutil
import subprocess
import zlib

import pytest
from django.urls import reverse

from gradepath.career.pdf import NothingFetched, record_html, record_pdf
from gradepath.career.selectors import career_record

pytestmark = pytest.mark.django_db


def pdf_streams(data: bytes) -> bytes:
    """The PDF's streams, inflated (the outline of its headings is there as text)."""
    inflated = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            inflated.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return b"\n".join(inflated)


def titles(data: bytes) -> list[str]:
    """The PDF's titles as text, in order: its bookmarks (weasyprint makes one per heading), then the
    document's title."""
    found = re.findall(rb"/Title \(((?:\\.|[^\\)])*)\)", pdf_streams(data))
    return [re.sub(r"\\(.)", r"\1", title.decode("latin-1")) for title in found]


def test_the_pdf_is_a_download_with_the_persons_name_and_every_section(career, login):
    response = login(career.line_manager).get(reverse("career:record-pdf", args=[career.staff_member.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="Career-record-Sam-Patel-{career.staff_member.employee_number}.pdf"')
    assert response.content.startswith(b"%PDF")
    assert titles(response.content) == ["Sam Patel", "Grade and spine point over time", "Appointments",
                                        "Grading cases",
                                        f"Career record: Sam Patel ({career.staff_member.employee_number})"]


def test_the_pdf_has_the_table_not_the_chart(career):
    html = record_html(career_record(career.staff_member, career.hr_services.user))
    assert "<canvas" not in html and "<script" not in html and "chart" not in html.lower().replace(
        "career record", "")
    assert html.count("<tr>") >= 3 + 1 + 1  # the pay lines, the appointment, the case (and their headers)
    assert career.case.reference in html and "Closed: higher grade, Grade 6" in html
    assert "Research Technician (BIO-0101)" in html


def test_the_pdf_fetches_nothing_whatever_a_record_holds(career):
    from gradepath.grades.models import PayRecord

    PayRecord.objects.filter(person=career.staff_member).update(note='<img src="http://example.com/x.png">')
    html = record_html(career_record(career.staff_member, career.hr_services.user))
    assert "<img" not in html and "&lt;img" in html
    with pytest.raises(ValueError, match="loads nothing"):
        NothingFetched().fetch("http://example.com/x.png")
    with pytest.raises(ValueError, match="loads nothing"):
        NothingFetched().fetch("file:///etc/passwd")
    assert record_pdf(career_record(career.staff_member, career.hr_services.user)).startswith(b"%PDF")


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")
def test_the_pdfs_text_has_the_pay_lines_and_the_case(career, tmp_path):
    path = tmp_path / "career.pdf"
    path.write_bytes(record_pdf(career_record(career.staff_member, career.hr_services.user)))
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True,
                          timeout=60).stdout
    assert "Sam Patel" in text and "Grade 5" in text and "Research Technician" in text
    assert career.case.reference in text
    assert "Page 1 of 1" in text
