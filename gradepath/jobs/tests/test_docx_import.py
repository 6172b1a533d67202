"""Importing job descriptions from Word: sections, tracked changes, round trips and bad files."""

import io
import os
import random
import re
import shutil
import subprocess
import zipfile

import docx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from docx.shared import Pt

from gradepath.core.errors import PermissionDenied
from gradepath.core.models import HistoryEntry
from gradepath.jobs import services
from gradepath.jobs.docx_import import (
    DocxImportError,
    import_jd_from_docx,
    match_heading,
    parse_docx,
)
from gradepath.jobs.models import JDVersion, JobDescription
from gradepath.jobs.redline import compare_versions
from gradepath.jobs.tests.test_word import make_two_versions
from gradepath.jobs.word import Revision, build_document, comparison_docx, version_docx
from gradepath.testing.factories import JobFamilyFactory

pytestmark = pytest.mark.django_db

CONTENT = ("job_title", "purpose", "duties", "line_management", "working_relationships", "person_spec",
           "additional_information")


def upload(data: bytes, name: str = "job description.docx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def import_new(personas, data: bytes, name: str = "job description.docx", **kwargs):
    return import_jd_from_docx(actor=personas.line_manager.user, uploaded_file=upload(data, name),
                               org_unit=personas.department, job_family=JobFamilyFactory(),
                               staff_category="technical", area="Laboratory operations", **kwargs)


def sections(version):
    return {key: getattr(version, key) for key in CONTENT}


def counts():
    return JobDescription.objects.count(), JDVersion.objects.count(), HistoryEntry.objects.count()


# --- Round trips -------------------------------------------------------------------------------------


def test_a_tracked_changes_export_imports_back_as_the_same_two_versions(personas):
    v1, v2 = make_two_versions(personas)
    result = import_new(personas, comparison_docx(v1, v2))
    original, proposed = result.versions
    assert result.tracked_changes
    assert (original.number, original.status) == (1, JDVersion.Status.SUBMITTED)
    assert (proposed.number, proposed.status, proposed.based_on) == (2, JDVersion.Status.DRAFT, original)
    assert original.jd == proposed.jd != v1.jd
    assert sections(original) == sections(v1)
    assert sections(proposed) == sections(v2)
    assert "the original text is version 1 and the tracked changes are in draft version 2" in result.message
    assert HistoryEntry.objects.filter(action="jd.imported").count() == 1


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_the_round_trip_survives_a_save_in_libreoffice(personas, tmp_path):
    v1, v2 = make_two_versions(personas)
    (tmp_path / "in").mkdir()
    source = tmp_path / "in" / "comparison.docx"
    source.write_bytes(comparison_docx(v1, v2))
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/profile", "--convert-to",
                    "docx:MS Word 2007 XML", "--outdir", str(tmp_path), str(source)],
                   check=True, capture_output=True, timeout=180)
    resaved = (tmp_path / "comparison.docx").read_bytes()
    assert resaved != source.read_bytes()
    result = import_new(personas, resaved)
    original, proposed = result.versions
    assert sections(original) == sections(v1)
    assert sections(proposed) == sections(v2)


def test_a_plain_export_imports_back_as_one_draft(personas):
    v1, _ = make_two_versions(personas)
    result = import_new(personas, version_docx(v1))
    assert not result.tracked_changes and len(result.versions) == 1
    assert result.draft.status == JDVersion.Status.DRAFT
    assert sections(result.draft) == sections(v1)


def test_importing_into_a_jd_whose_latest_version_is_the_original_adds_only_the_draft(personas):
    v1, v2 = make_two_versions(personas)
    # Another JD whose latest (submitted) version has exactly v1's text.
    other = services.copy_and_adapt(actor=personas.line_manager.user, version=v1, org_unit=personas.department)
    other = services.submit_version(actor=personas.line_manager.user, version=other)
    result = import_jd_from_docx(actor=personas.line_manager.user, uploaded_file=upload(comparison_docx(v1, v2)),
                                 jd=other.jd)
    assert [v.number for v in result.versions] == [2]
    assert result.draft.based_on == other and sections(result.draft) == sections(v2)


def test_importing_into_a_jd_whose_latest_version_differs_keeps_the_original_as_a_submitted_version(personas):
    v1, v2 = make_two_versions(personas)
    services.submit_version(actor=personas.line_manager.user, version=v2)
    result = import_jd_from_docx(actor=personas.line_manager.user, uploaded_file=upload(comparison_docx(v1, v2)),
                                 jd=v1.jd)
    middle, draft = result.versions
    assert (middle.number, middle.status, middle.based_on_id) == (3, JDVersion.Status.SUBMITTED, v2.pk)
    assert sections(middle) == sections(v1)
    assert (draft.number, draft.based_on) == (4, middle) and sections(draft) == sections(v2)


def test_a_jd_with_an_open_draft_is_not_imported_into(personas):
    v1, v2 = make_two_versions(personas)
    before = counts()
    with pytest.raises(DocxImportError, match=r"already has a draft \(version 2\)"):
        import_jd_from_docx(actor=personas.line_manager.user, uploaded_file=upload(comparison_docx(v1, v2)),
                            jd=v1.jd)
    assert counts() == before


def test_a_document_identical_to_the_latest_version_imports_nothing(personas):
    v1, _ = make_two_versions(personas)
    other = services.copy_and_adapt(actor=personas.line_manager.user, version=v1, org_unit=personas.department)
    other = services.submit_version(actor=personas.line_manager.user, version=other)
    before = counts()
    with pytest.raises(DocxImportError, match="is the same as version 1"):
        import_jd_from_docx(actor=personas.line_manager.user, uploaded_file=upload(version_docx(v1)), jd=other.jd)
    assert counts() == before


def test_an_outsider_cannot_import_into_someone_elses_jd(personas):
    v1, v2 = make_two_versions(personas)
    before = counts()
    with pytest.raises(PermissionDenied):
        import_jd_from_docx(actor=personas.outsider.user, uploaded_file=upload(comparison_docx(v1, v2)),
                            jd=v1.jd)
    assert counts() == before


# --- Documents written elsewhere -----------------------------------------------------------------------


def foreign_document() -> bytes:
    document = docx.Document()
    document.add_paragraph("Faculty of Life Sciences")
    document.add_paragraph("Job title: Laboratory Manager")
    document.add_heading("Overview of the role", level=1)
    document.add_paragraph("To run the teaching laboratories.")
    document.add_heading("Key Responsibilities", level=1)
    for duty in ("Manage the technical team.", "Plan the laboratory timetable.", "Keep the budget."):
        document.add_paragraph(duty, style="List Bullet")
    bold = document.add_paragraph()
    run = bold.add_run("Key Contacts")
    run.bold = True
    run.font.size = Pt(12)
    document.add_paragraph("Heads of teaching and the estates team.")
    document.add_heading("About the department", level=1)
    document.add_paragraph("A large and friendly department.")
    document.add_heading("Person Specification", level=1)
    document.add_paragraph().add_run("Essential criteria").bold = True
    document.add_paragraph("A degree in a science subject (A)", style="List Bullet")
    document.add_paragraph("Experience of managing staff (A/I)", style="List Bullet")
    document.add_paragraph().add_run("Desirable").bold = True
    document.add_paragraph("A management qualification", style="List Bullet")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_a_document_from_another_template_maps_its_headings_to_sections():
    parsed = parse_docx(foreign_document())
    got = parsed.proposed
    assert not parsed.has_tracked_changes
    assert got["job_title"] == "Laboratory Manager"
    assert got["purpose"] == "To run the teaching laboratories."
    assert got["duties"] == ["Manage the technical team.", "Plan the laboratory timetable.", "Keep the budget."]
    assert got["working_relationships"] == "Heads of teaching and the estates team."
    assert got["additional_information"] == "About the department\nA large and friendly department."
    assert got["person_spec"] == [
        {"text": "A degree in a science subject", "kind": "essential", "assessed": "application"},
        {"text": "Experience of managing staff", "kind": "essential", "assessed": "both"},
        {"text": "A management qualification", "kind": "desirable", "assessed": "application"},
    ]


def test_a_person_specification_table_with_tick_columns_is_read():
    document = docx.Document()
    document.add_heading("Job title", level=1)
    document.add_paragraph("Finance Officer")
    document.add_heading("Person specification", level=1)
    table = document.add_table(rows=4, cols=4)
    for row, values in zip(table.rows, [("Requirement", "Essential", "Desirable", "Method of assessment"),
                                        ("Qualifications", "", "", ""),
                                        ("AAT qualification", "✓", "", "Application"),
                                        ("Experience of SAP", "", "✓", "Interview")], strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    out = io.BytesIO()
    document.save(out)
    got = parse_docx(out.getvalue()).proposed
    assert got["job_title"] == "Finance Officer"
    assert got["person_spec"] == [
        {"text": "AAT qualification", "kind": "essential", "assessed": "application"},
        {"text": "Experience of SAP", "kind": "desirable", "assessed": "interview"},
    ]


def test_a_details_table_at_the_top_gives_the_title_and_skips_other_details():
    document = docx.Document()
    table = document.add_table(rows=4, cols=2)
    for row, values in zip(table.rows, [("Job Title", "IT Support Analyst"), ("Department", "ISD"),
                                        ("Grade", "6"), ("Purpose of the role", "To keep staff working.")],
                           strict=True):
        row.cells[0].text, row.cells[1].text = values
    document.add_heading("Main duties and responsibilities", level=2)
    document.add_paragraph("1. Answer calls to the service desk.")
    document.add_paragraph("2. Fix laptops.")
    out = io.BytesIO()
    document.save(out)
    got = parse_docx(out.getvalue()).proposed
    assert got["job_title"] == "IT Support Analyst"
    assert got["purpose"] == "To keep staff working."
    assert got["duties"] == ["1. Answer calls to the service desk.", "2. Fix laptops."]


def test_plain_lines_are_text_when_the_document_uses_heading_styles():
    document = docx.Document()
    document.add_heading("Job title", level=1)
    document.add_paragraph("Events Officer")
    document.add_heading("Purpose of the job", level=1)
    document.add_paragraph("To run the faculty's events.")
    document.add_paragraph("Contacts")
    document.add_heading("Main duties", level=1)
    document.add_paragraph("Book rooms.")
    out = io.BytesIO()
    document.save(out)
    got = parse_docx(out.getvalue()).proposed
    assert got["purpose"] == "To run the faculty's events.\nContacts"
    assert "working_relationships" not in got


def test_any_comparison_reads_back_as_its_two_texts():
    rng = random.Random(20261123)
    words = "support research café 😀 students, lab. equipment the and of to (x) £20k – “quoted” budget".split()

    def text(n, newlines=True):
        out = []
        for _ in range(n):
            out += [rng.choice(words), rng.choice([" "] * 8 + (["\n", "\n\n"] if newlines else []) + ["  "])]
        return re.sub(r"\n{3,}", "\n\n", "".join(out[:-1])).strip()

    def criterion():
        return {"text": text(rng.randint(1, 5), False), "kind": rng.choice(["essential", "desirable"]),
                "assessed": rng.choice(["application", "interview", "both"])}

    for _ in range(40):
        old = {"job_title": text(3, False), "purpose": text(rng.randint(1, 30)),
               "duties": [text(rng.randint(1, 8), False) for _ in range(rng.randint(0, 6))],
               "line_management": text(rng.randint(0, 5)), "working_relationships": text(rng.randint(0, 5)),
               "person_spec": [criterion() for _ in range(rng.randint(0, 4))],
               "additional_information": text(rng.randint(0, 8))}
        new = {**old, "duties": list(old["duties"]), "person_spec": [dict(c) for c in old["person_spec"]]}
        new["purpose"] = text(rng.randint(1, 20)) if rng.random() < 0.3 else old["purpose"] + " " + rng.choice(words)
        new["job_title"] = old["job_title"] + " senior"
        if new["duties"]:
            new["duties"].insert(rng.randrange(len(new["duties"]) + 1), new["duties"].pop(0))
            new["duties"].pop(rng.randrange(len(new["duties"])))
        new["duties"].append(text(4, False))
        new["person_spec"].insert(0, criterion())
        for c in new["person_spec"][1:]:
            c["kind"] = rng.choice(["essential", "desirable"])
            c["text"] += rng.choice(["", " more"])
        data = build_document(compare_versions(old, new), version=None,
                              revision=Revision("Tester", "2026-01-01T00:00:00Z"))
        parsed = parse_docx(data)
        for side, want in ((parsed.original, old), (parsed.proposed, new)):
            assert {k: side.get(k, [] if isinstance(v, list) else "") for k, v in want.items()} == want


@pytest.mark.parametrize(("text", "section"), [
    ("Main duties and responsibilities", "duties"), ("MAIN DUTIES & RESPONSIBILITIES:", "duties"),
    ("2. Key responsibilities", "duties"), ("Main dutes and responsibilities", "duties"),
    ("Person specification", "person_spec"), ("Essential", "person_spec"), ("Job purpose", "purpose"),
    ("Line management and budget responsibility", "line_management"), ("Working relationships", "working_relationships"),
    ("Additional information", "additional_information"), ("Prepare reagents", None), ("Salary", None),
])
def test_headings_are_matched_tolerantly(text, section):
    assert match_heading(text)[0] == section


WORD_TRACKED = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>
<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>Job title</w:t></w:r></w:p>
<w:p><w:r><w:t>Research Technician</w:t></w:r></w:p>
<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>Purpose of the job</w:t></w:r></w:p>
<w:p><w:r><w:t xml:space="preserve">To </w:t></w:r><w:del w:id="1" w:author="Sam Patel" w:date="2026-02-01T10:00:00Z"><w:r><w:delText>support</w:delText></w:r></w:del><w:ins w:id="2" w:author="Sam Patel" w:date="2026-02-01T10:00:00Z"><w:r><w:t>lead</w:t></w:r></w:ins><w:r><w:t xml:space="preserve"> research.</w:t></w:r></w:p>
<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>Main duties</w:t></w:r></w:p>
<w:p><w:r><w:t>Prepare solutions.</w:t></w:r></w:p>
<w:p><w:pPr><w:rPr><w:ins w:id="3" w:author="Sam Patel" w:date="2026-02-01T10:00:00Z"/></w:rPr></w:pPr><w:ins w:id="4" w:author="Sam Patel" w:date="2026-02-01T10:00:00Z"><w:r><w:t>Supervise students.</w:t></w:r></w:ins></w:p>
<w:p><w:moveFrom w:id="5" w:author="Sam Patel" w:date="2026-02-01T10:00:00Z"><w:r><w:t>Order stock.</w:t></w:r></w:moveFrom></w:p>
</w:body></w:document>"""

CONTENT_TYPES = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/'
                 '2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
                 '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
                 'officedocument.wordprocessingml.document.main+xml"/></Types>')


def make_zip(parts: dict[str, bytes | str], compression=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


def blank_docx_parts() -> dict[str, bytes]:
    out = io.BytesIO()
    docx.Document().save(out)
    with zipfile.ZipFile(out) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def docx_with(**extra) -> bytes:
    """A real .docx (as Word would open it) with the tracked-changes body above, plus ``extra`` parts."""
    return make_zip({**blank_docx_parts(), "word/document.xml": WORD_TRACKED, **extra})


def test_word_tracked_changes_are_read_from_the_xml_both_ways():
    data = docx_with()
    parsed = parse_docx(data)
    assert parsed.has_tracked_changes
    assert parsed.original["purpose"] == "To support research."
    assert parsed.proposed["purpose"] == "To lead research."
    assert parsed.original["duties"] == ["Prepare solutions.", "Order stock."]
    assert parsed.proposed["duties"] == ["Prepare solutions.", "Supervise students."]
    # What python-docx alone would have seen: the inserted word is lost.
    assert "lead" not in docx.Document(io.BytesIO(data)).paragraphs[3].text


# --- Bad files --------------------------------------------------------------------------------------------

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


NO_HEADINGS = WORD_TRACKED.split("<w:body>")[0] + (
    "<w:body><w:p><w:r><w:t>Dear colleague, please find attached the details.</w:t></w:r></w:p>"
    "<w:p><w:r><w:t>With best wishes.</w:t></w:r></w:p></w:body></w:document>")
XXE = ('<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
       '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r>'
       '<w:t>Purpose of the job</w:t></w:r></w:p><w:p><w:r><w:t>&x;</w:t></w:r></w:p></w:body></w:document>')

BAD_FILES = {
    "random bytes": (os.urandom(4096), "jd.docx", "is not a Word document"),
    "a renamed text file": (b"Job title: Technician\nMain duties: lots\n" * 20, "jd.docx", "is not a Word document"),
    "an old .doc file": (OLE + b"\x00" * 512 + "WordDocument".encode("utf-16-le") + b"\x00" * 512, "jd.doc",
                         r"old-style Word document \(\.doc\)"),
    "a password-protected .docx": (OLE + b"\x00" * 512 + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 64,
                                   "jd.docx", "protected with a password"),
    "a macro-enabled file": (docx_with(**{"word/vbaProject.bin": b"\x00" * 100}), "jd.docm", "contains macros"),
    "a macro content type renamed .docx": (
        make_zip({"[Content_Types].xml": CONTENT_TYPES.replace(
            "vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
            "vnd.ms-word.document.macroEnabled.main+xml"),
            "word/document.xml": WORD_TRACKED}), "jd.docx", "contains macros"),
    "a zip bomb": (docx_with(**{"word/media/padding.xml": b"\x00" * (40 * 1024 * 1024)}), "jd.docx",
                   "expands to far more data"),
    "a zip of very many entries": (docx_with(**{f"word/x{i}.xml": b"" for i in range(1200)}), "jd.docx",
                                   "expands to far more data"),
    "a spreadsheet": (make_zip({"[Content_Types].xml": CONTENT_TYPES, "xl/workbook.xml": "<x/>"}), "jd.docx",
                      "Excel workbook"),
    "a document without headings": (docx_with(**{"word/document.xml": NO_HEADINGS}), "jd.docx",
                                    r"We could not find any of the usual headings \(Job purpose, Main duties…\)"),
    "broken XML": (docx_with(**{"word/document.xml": "<w:document><w:body><w:p>"}), "jd.docx", "damaged"),
    "an external entity": (docx_with(**{"word/document.xml": XXE}), "jd.docx", "damaged"),
    "a PDF": (b"%PDF-1.7\n" + os.urandom(100), "jd.pdf", "This is a PDF"),
    "an empty file": (b"", "jd.docx", "This file is empty"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_file_gets_a_clear_message_and_creates_nothing(personas, case):
    data, name, message = BAD_FILES[case]
    before = counts()
    with pytest.raises(DocxImportError, match=message):
        import_new(personas, data, name)
    assert counts() == before


def test_a_file_over_the_upload_limit_is_refused_before_it_is_read(personas, settings):
    settings.GRADEPATH_MAX_UPLOAD_BYTES = 50_000
    before = counts()
    with pytest.raises(DocxImportError, match="the largest file you can upload is 49 KB"):
        import_new(personas, docx_with(**{"word/media/image.png": os.urandom(60_000)}))
    assert counts() == before


def test_a_zip_bomb_is_refused_from_the_directory_without_inflating_it(personas):
    data = docx_with(**{"word/media/padding.xml": b"\x00" * (40 * 1024 * 1024)})
    assert len(data) < 100_000  # 40 MB of zeros squeeze into a few kilobytes
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo("word/media/padding.xml")
        assert info.file_size / info.compress_size > 150


def test_an_invalid_original_text_is_refused_and_nothing_is_written(personas):
    # The original (before the changes) has no duties: it cannot become a submitted version.
    xml = WORD_TRACKED.replace("<w:t>Prepare solutions.</w:t>", "<w:t></w:t>").replace(
        '<w:moveFrom w:id="5" w:author="Sam Patel" w:date="2026-02-01T10:00:00Z"><w:r><w:t>Order stock.</w:t></w:r>'
        "</w:moveFrom>", "")
    before = counts()
    with pytest.raises(DocxImportError, match="original text of this document"):
        import_new(personas, docx_with(**{"word/document.xml": xml}))
    assert counts() == before
