"""Word (.docx) export of JD versions, and of comparisons with real tracked changes.

* :func:`version_docx` — one version in the university layout: the unit, the job title as
  the document title, a reference / version / status / grade line, then one heading per
  section in template order, duties as a numbered list and the person specification as a
  table (criterion | essential or desirable | assessed at).
* :func:`comparison_docx` — the later version laid out the same way, with every difference
  from the earlier one written as a Word revision: ``w:ins`` and ``w:del`` (deleted text in
  ``w:delText``), inserted and deleted paragraph marks and table rows, each with
  ``w:author`` and ``w:date`` = who made the later version (the people who saved it, from the
  history, else its creator) and when (its last save). Word and LibreOffice
  show them as tracked changes that can be accepted or rejected; accepting all gives the
  later version, rejecting all gives the earlier one (:mod:`gradepath.jobs.docx_import`
  reads both back).

A moved duty is written as a deletion at its old place and an insertion at its new place,
which every word processor understands (``w:moveFrom``/``w:moveTo`` are read on import).
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from gradepath.core.models import HistoryEntry
from gradepath.jobs.redline import (
    ASSESSED_LABELS,
    KIND_LABELS,
    Comparison,
    ItemChange,
    ListDiff,
    Op,
    TextDiff,
    compare_versions,
    diff_words,
)

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
STATUS_WORDS = {"draft": "Draft", "submitted": "Submitted", "agreed": "Agreed", "superseded": "Superseded"}
ACCENT = RGBColor(0x1F, 0x3A, 0x5F)
MUTED = RGBColor(0x55, 0x5B, 0x66)


@dataclass
class Revision:
    """Who a tracked change is attributed to, and when (UTC, ISO 8601 with Z)."""

    author: str
    date: str

    @classmethod
    def for_version(cls, version: Any) -> Revision:
        return cls(author=author_of(version), date=revision_date(version))


def _name_of(user: Any) -> str:
    """A user's name on their staff record, else their full name, else their user name."""
    person = getattr(user, "person", None) if hasattr(user, "person") else None
    if person is not None:
        return person.full_name
    return user.get_full_name() or user.get_username()


def savers_of(version: Any) -> list[Any]:
    """The people who saved changes to a version while it was a draft, in the order they first did,
    from the history (a JD has one draft at a time, so the JD's draft saves between the version's
    creation and its submission are this version's)."""
    if getattr(version, "pk", None) is None or getattr(version, "jd_id", None) is None:
        return []
    rows = HistoryEntry.objects.filter(object_type="jobs.jobdescription", object_id=str(version.jd_id),
                                       action="jd.draft_saved", actor__isnull=False,
                                       created_at__gte=version.created_at)
    if getattr(version, "submitted_at", None) is not None:  # saved no more once submitted
        rows = rows.filter(created_at__lte=version.submitted_at)
    rows = rows.order_by("chain_seq").values_list("actor_id", flat=True)
    ids = list(dict.fromkeys(rows))
    users = get_user_model().objects.select_related("person").in_bulk(ids)
    return [users[i] for i in ids if i in users]


def author_of(version: Any) -> str:
    """Who made a version: the people who saved its changes (from the history), else whoever created
    it; their names on their staff records. "Gradepath" only for a version the system made alone."""
    people = savers_of(version)
    if not people and getattr(version, "created_by", None) is not None:
        people = [version.created_by]
    if not people:
        return "Gradepath"
    names = list(dict.fromkeys(_name_of(user) for user in people))
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def revision_date(version: Any) -> str:
    when = getattr(version, "updated_at", None) or getattr(version, "created_at", None) or timezone.now()
    if timezone.is_naive(when):
        when = timezone.make_aware(when, dt.UTC)
    return when.astimezone(dt.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


_LINE_BREAKS = str.maketrans({"\x0b": "\n", "\x0c": "\n", "\r": None})
_NOT_XML = re.compile("[\x00-\x08\x0e-\x1f\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """Text XML can hold: vertical tabs and form feeds (pasted Word line breaks) become line
    breaks; other control characters, which XML 1.0 forbids, are dropped."""
    return _NOT_XML.sub("", text.translate(_LINE_BREAKS))


# --- Low-level WordprocessingML ---------------------------------------------------------------------


class _Writer:
    """Appends runs and revision marks to python-docx paragraphs, numbering every revision."""

    def __init__(self, revision: Revision | None):
        self.revision = revision
        self.ids = itertools.count(1)

    def _mark(self, tag: str):
        assert self.revision is not None
        element = OxmlElement(tag)
        element.set(qn("w:id"), str(next(self.ids)))
        element.set(qn("w:author"), self.revision.author)
        element.set(qn("w:date"), self.revision.date)
        return element

    @staticmethod
    def _run(text: str, *, deleted: bool, bold: bool = False):
        run = OxmlElement("w:r")
        if bold:
            rpr = OxmlElement("w:rPr")
            rpr.append(OxmlElement("w:b"))
            run.append(rpr)
        text_tag = "w:delText" if deleted else "w:t"
        for piece in re.split(r"(\n|\t)", xml_safe(text)):
            if piece == "\n":
                run.append(OxmlElement("w:br"))
            elif piece == "\t":
                run.append(OxmlElement("w:tab"))
            elif piece:
                t = OxmlElement(text_tag)
                t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
                t.text = piece
                run.append(t)
        return run

    def add(self, paragraph, kind: str, text: str, *, bold: bool = False) -> None:
        """Add ``text`` to a paragraph as plain, inserted or deleted (``equal``/``insert``/``delete``)."""
        if not text:
            return
        if kind == "equal" or self.revision is None:
            if kind != "delete":
                paragraph._p.append(self._run(text, deleted=False, bold=bold))
            return
        wrapper = self._mark("w:ins" if kind == "insert" else "w:del")
        wrapper.append(self._run(text, deleted=kind == "delete", bold=bold))
        paragraph._p.append(wrapper)

    def add_ops(self, paragraph, ops: Iterable[Op], *, bold: bool = False) -> None:
        for op in ops:
            self.add(paragraph, op.kind, op.text, bold=bold)

    def mark_paragraph(self, paragraph, kind: str | None) -> None:
        """Mark a paragraph's own mark (its end) as inserted or deleted."""
        if kind not in ("insert", "delete") or self.revision is None:
            return
        ppr = paragraph._p.get_or_add_pPr()
        rpr = ppr.find(qn("w:rPr"))
        if rpr is None:
            rpr = OxmlElement("w:rPr")
            ppr.append(rpr)
        rpr.append(self._mark("w:ins" if kind == "insert" else "w:del"))

    def mark_row(self, row, kind: str | None) -> None:
        if kind not in ("insert", "delete") or self.revision is None:
            return
        row._tr.get_or_add_trPr().append(self._mark("w:ins" if kind == "insert" else "w:del"))


def paragraphs_from_ops(ops: Iterable[Op]) -> list[tuple[list[Op], str | None]]:
    """Split ops at line breaks into paragraphs, each with the revision of its paragraph mark
    (``None`` when the break is in both texts, ``insert``/``delete`` when only in one)."""
    paragraphs: list[tuple[list[Op], str | None]] = []
    current: list[Op] = []
    for op in ops:
        pieces = op.text.split("\n")
        for index, piece in enumerate(pieces):
            if piece:
                current.append(Op(op.kind, piece))
            if index < len(pieces) - 1:
                paragraphs.append((current, None if op.kind == "equal" else op.kind))
                current = []
    paragraphs.append((current, None))
    return paragraphs


# --- The document ------------------------------------------------------------------------------------


def _new_document():
    document = Document()
    section = document.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.top_margin = section.bottom_margin = Cm(2.2)
    section.left_margin = section.right_margin = Cm(2.3)
    styles = document.styles
    normal = styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(10.5)
    normal.paragraph_format.space_after = Pt(5)
    normal.paragraph_format.line_spacing = 1.15
    for name, size in (("Title", 20), ("Heading 1", 13)):
        style = styles[name]
        style.font.name = "Arial"
        style.font.size = Pt(size)
        style.font.bold = True
        style.font.color.rgb = ACCENT
    styles["Heading 1"].paragraph_format.space_before = Pt(14)
    styles["Heading 1"].paragraph_format.space_after = Pt(4)
    styles["Heading 1"].paragraph_format.keep_with_next = True
    styles["List Number"].paragraph_format.space_after = Pt(4)
    return document


def _add_page_number_footer(document, reference: str) -> None:
    footer = document.sections[0].footer.paragraphs[0]
    run = footer.add_run(f"Job description {reference} · page ")
    run.font.size = Pt(8)
    run.font.color.rgb = MUTED
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    inner = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.text = "1"
    inner.append(t)
    field.append(inner)
    footer._p.append(field)


def _small(paragraph, text: str, *, bold: bool = False, colour: RGBColor = MUTED) -> None:
    run = paragraph.add_run(text)
    run.font.size = Pt(9)
    run.bold = bold
    run.font.color.rgb = colour


def _meta_line(version: Any) -> str:
    bits = []
    jd = getattr(version, "jd", None)
    if jd is not None:
        bits.append(f"Reference {jd.reference}")
    if getattr(version, "number", None):
        bits.append(f"Version {version.number}")
    if getattr(version, "status", None):
        bits.append(STATUS_WORDS.get(version.status, version.status))
    if hasattr(version, "stated_grade"):
        word, grade = version.stated_grade()
        if grade is not None:
            bits.append(f"{word}: {grade}")
    return " · ".join(bits)


def _details_line(version: Any) -> str:
    jd = getattr(version, "jd", None)
    bits = []
    if getattr(version, "job_family_id", None):
        bits.append(f"Job family: {version.job_family}")
    if jd is not None:
        bits.append(f"Unit: {jd.org_unit}")
        if jd.area:
            bits.append(f"Area: {jd.area}")
        bits.append(f"Staff category: {jd.get_staff_category_display()}")
    return " · ".join(bits)


def _write_text_section(document, writer: _Writer, diff: TextDiff) -> None:
    for ops, mark in paragraphs_from_ops(diff.ops):
        paragraph = document.add_paragraph()
        writer.add_ops(paragraph, ops)
        writer.mark_paragraph(paragraph, mark)


def _item_side(item: ItemChange) -> tuple[str, Any, list[Op]]:
    """The revision kind of a whole item, the item to show, and the ops for its text."""
    if item.kind in ("deleted", "moved_away"):
        return "delete", item.old, [Op("delete", item.old_text)]
    if item.kind == "inserted" or (item.kind == "moved"):
        return "insert", item.new, [Op("insert", item.new_text)]
    return "equal", item.new, item.ops


def _write_duties(document, writer: _Writer, diff: ListDiff) -> None:
    for item in diff.items:
        kind, _, ops = _item_side(item)
        paragraph = document.add_paragraph(style="List Number")
        writer.add_ops(paragraph, ops)
        writer.mark_paragraph(paragraph, kind)


def _attribute_ops(item: ItemChange, name: str, labels: dict[str, str]) -> list[Op]:
    kind, shown, _ = _item_side(item)
    if kind != "equal":
        return [Op(kind, labels.get(shown.get(name, ""), shown.get(name, "")))]
    if name in item.attributes:
        old, new = item.attributes[name]
        return diff_words(labels.get(old, old), labels.get(new, new))
    return [Op("equal", labels.get(item.new.get(name, ""), item.new.get(name, "")))]


def _write_person_spec(document, writer: _Writer, diff: ListDiff) -> None:
    table = document.add_table(rows=1, cols=3)
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    widths = (Cm(10.0), Cm(3.2), Cm(3.2))
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    for cell, heading, width in zip(table.rows[0].cells, ("Criterion", "Essential or desirable", "Assessed at"),
                                    widths, strict=True):
        cell.width = width
        cell.paragraphs[0].add_run(heading).bold = True
        shading = OxmlElement("w:shd")
        shading.set(qn("w:val"), "clear")
        shading.set(qn("w:fill"), "E8EDF3")
        cell._tc.get_or_add_tcPr().append(shading)
    header = table.rows[0]._tr.get_or_add_trPr()
    header.append(OxmlElement("w:tblHeader"))
    for item in diff.items:
        kind, _, ops = _item_side(item)
        row = table.add_row()
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width
        writer.add_ops(row.cells[0].paragraphs[0], ops)
        writer.add_ops(row.cells[1].paragraphs[0], _attribute_ops(item, "kind", KIND_LABELS))
        writer.add_ops(row.cells[2].paragraphs[0], _attribute_ops(item, "assessed", ASSESSED_LABELS))
        writer.mark_row(row, kind)


def build_document(comparison: Comparison, *, version: Any, revision: Revision | None, note: str = "") -> bytes:
    """Lay out ``comparison`` (its new side, with revisions when ``revision`` is given) as .docx bytes."""
    document = _new_document()
    writer = _Writer(revision)
    jd = getattr(version, "jd", None)
    if jd is not None:
        _add_page_number_footer(document, jd.reference)
        kicker = document.add_paragraph()
        _small(kicker, str(jd.org_unit).upper(), bold=True, colour=ACCENT)
        _small(kicker, "  ·  Job description")
    title = document.add_paragraph(style="Title")
    writer.add_ops(title, comparison.section("job_title").ops)
    if meta := _meta_line(version):
        _small(document.add_paragraph(), meta, bold=True)
    if details := _details_line(version):
        _small(document.add_paragraph(), details)
    if note:
        _small(document.add_paragraph(), note)
    for diff in comparison.sections:
        if diff.section == "job_title":
            continue
        empty = (not diff.items) if isinstance(diff, ListDiff) else not (diff.old or diff.new)
        if empty:
            continue
        document.add_heading(diff.label, level=1)
        if diff.section == "duties":
            _write_duties(document, writer, diff)
        elif diff.section == "person_spec":
            _write_person_spec(document, writer, diff)
        else:
            _write_text_section(document, writer, diff)
    properties = document.core_properties
    properties.title = comparison.section("job_title").new if isinstance(comparison.section("job_title"),
                                                                         TextDiff) else ""
    properties.author = revision.author if revision else (author_of(version) if version is not None else "")
    properties.comments = "Exported from Gradepath."
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def version_docx(version: Any) -> bytes:
    """One version as a Word document in the university layout (no tracked changes)."""
    comparison = compare_versions(version, version)
    return build_document(comparison, version=version, revision=None)


def comparison_docx(old: Any, new: Any) -> bytes:
    """The later version with every change from the earlier one as a real Word tracked change,
    attributed to whoever made the later version, at its last save."""
    comparison = compare_versions(old, new)
    revision = Revision.for_version(new)
    if old.jd_id == new.jd_id:
        sides = f"version {old.number} to version {new.number}"
    else:  # two different JDs (a proposal on a post's own copy, or any two JDs compared)
        sides = f"{old.jd.reference} version {old.number} to {new.jd.reference} version {new.number}"
    note = (f"Tracked changes from {sides}, made by {revision.author}. "
            "Accept all changes to get the later version; reject all to get the earlier one.")
    return build_document(comparison, version=new, revision=revision, note=note)


def version_filename(version: Any) -> str:
    return _safe_name(f"{version.jd.reference} v{version.number} {version.job_title}") + ".docx"


def comparison_filename(old: Any, new: Any) -> str:
    """ "JD-0012-v1-to-v2-tracked-changes.docx"; for two different JDs both are named
    ("JD-0012-v4-to-JD-0040-v1-tracked-changes.docx"), never as if one JD went from v4 to v1."""
    if old.jd_id == new.jd_id:
        return _safe_name(f"{new.jd.reference} v{old.number} to v{new.number} tracked changes") + ".docx"
    return _safe_name(f"{old.jd.reference} v{old.number} to {new.jd.reference} v{new.number} tracked changes") \
        + ".docx"


def _safe_name(text: str) -> str:
    return re.sub(r"[^\w.\- ]+", "", text).strip().replace(" ", "-")[:120] or "job-description"

