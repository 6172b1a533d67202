"""Import a job description from a Word (.docx) file, tracked changes included.

Three steps, each usable on its own:

1. :func:`check_upload` refuses anything that is not a plain Word document *before* it is
   parsed: files over ``GRADEPATH_MAX_UPLOAD_BYTES``; anything whose content (not its name)
   is not a zip holding ``[Content_Types].xml`` and ``word/document.xml``; old ``.doc`` files
   and password-protected documents (both are OLE compound files, signature ``D0CF11E0``;
   an encrypted .docx is one with an ``EncryptedPackage`` stream); macro-enabled files
   (``vbaProject.bin`` or a ``macroEnabled`` content type); zip bombs (entry count, total
   and per-entry expansion checked from the zip directory, and every read capped anyway).
2. :func:`parse_docx` reads the XML itself with a parser that resolves no entities, loads
   no DTD and never touches the network (documents with a DOCTYPE are refused). python-docx
   is not used here: ``paragraph.text`` silently drops text inside ``w:ins``. Each paragraph
   is read twice: the *original* text (``w:delText`` and ``w:moveFrom`` kept, ``w:ins`` and
   ``w:moveTo`` left out) and the *proposed* text (the reverse); inserted or deleted paragraph
   marks and table rows are honoured the same way. Headings (heading styles, bold or short
   lines, "Label: value" lines, the first column of two-column tables) are matched
   tolerantly to the template's sections; the person specification is read from a table
   (criterion | essential/desirable | assessed at, or tick columns) or from lists under
   "Essential" and "Desirable" headings.
3. :func:`import_jd_from_docx` creates the versions through the JD services, in one
   transaction, so nothing is written unless everything succeeds.

Versions created (see :func:`import_jd_from_docx` for the reasoning):

* no tracked changes: one draft (a new JD, or a new draft of ``jd``);
* tracked changes, new JD: version 1 = the original text, submitted (frozen, so the
  starting point of the proposal is on record), and version 2 = the proposed text, a draft
  based on version 1;
* tracked changes, existing ``jd``: the original becomes a new submitted version only if
  it differs from the JD's latest version (otherwise the latest version *is* the original
  and the proposal is based on it); the proposed text is always the new draft.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from lxml import etree
from rapidfuzz import fuzz, process

from gradepath.core.errors import PermissionDenied, ServiceError
from gradepath.core.history import record_history
from gradepath.core.locking import lock
from gradepath.core.text import strip_unstorable
from gradepath.jobs import services
from gradepath.jobs.models import JDVersion, JobDescription
from gradepath.jobs.permissions import can_create_jd, can_edit_jd

W_NAMESPACES = {
    "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "http://purl.oclc.org/ooxml/wordprocessingml/main",  # Strict Open XML
}
MC_NAMESPACE = "http://schemas.openxmlformats.org/markup-compatibility/2006"
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_ENTRIES = 1_000
MAX_TOTAL_UNCOMPRESSED = 64 * 1024 * 1024
MAX_PART_BYTES = 32 * 1024 * 1024
MAX_RATIO = 150  # a text-heavy .docx part compresses ~5-20x; a bomb, thousands of times
SEP = "\u2029"  # paragraph separator inside a section's text stream
SECTIONS = ("job_title", "purpose", "duties", "line_management", "working_relationships", "person_spec",
            "additional_information")

NOT_DOCX = ("This file is not a Word document (.docx). Save your job description in Word as “Word Document "
            "(*.docx)” and upload it again.")
DAMAGED = ("This Word document is damaged and could not be read. Open it in Word, save it again and upload the "
           "new copy.")
TOO_BIG_INSIDE = ("This file expands to far more data than a job description needs, so it was not opened. "
                  "Check that it is an ordinary Word document and upload it again.")
NO_SECTIONS = ("We could not find any of the usual headings (Job purpose, Main duties…) in this document. "
               "Use the university template, or add headings such as “Purpose of the job”, “Main duties and "
               "responsibilities” and “Person specification”, and upload it again.")
MACROS = ("This document contains macros (a macro-enabled .docm file). Gradepath does not accept files with "
          "macros: in Word, save it as “Word Document (*.docx)” and upload the new file.")


class DocxImportError(ServiceError):
    """The uploaded file cannot be imported; the message says why and what to do."""


# --- 1. Checking the upload ------------------------------------------------------------------------


def _size_words(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB"
    return f"{max(1, round(n / 1024))} KB"


def read_upload(uploaded_file: Any) -> bytes:
    """The bytes of an upload (Django UploadedFile, file object or bytes), refusing oversize files
    without reading more than the limit."""
    limit = settings.GRADEPATH_MAX_UPLOAD_BYTES
    if isinstance(uploaded_file, bytes | bytearray):
        data = bytes(uploaded_file)
    else:
        size = getattr(uploaded_file, "size", None)
        if size is not None and size > limit:
            raise DocxImportError(f"This file is {_size_words(size)}; the largest file you can upload is "
                                  f"{_size_words(limit)}.")
        if hasattr(uploaded_file, "seek"):
            uploaded_file.seek(0)
        data = uploaded_file.read(limit + 1)
    if len(data) > limit:
        raise DocxImportError(f"This file is larger than {_size_words(limit)}, the largest file you can upload.")
    if not data:
        raise DocxImportError("This file is empty. Choose the Word document with the job description.")
    return data


def check_upload(data: bytes, *, filename: str = "") -> zipfile.ZipFile:
    """Refuse anything that is not a plain, safe .docx; return the opened zip."""
    name = filename.lower()
    if data.startswith(OLE_SIGNATURE):
        if "EncryptedPackage".encode("utf-16-le") in data or "EncryptionInfo".encode("utf-16-le") in data:
            raise DocxImportError("This document is protected with a password, so it cannot be read. In Word, "
                                  "remove the password (File › Info › Protect Document › Encrypt with Password), "
                                  "save it and upload it again.")
        raise DocxImportError("This is an old-style Word document (.doc) or another older Office file. Open it "
                              "in Word, save it as “Word Document (*.docx)” and upload the new file.")
    if data.startswith(b"{\\rtf"):
        raise DocxImportError("This is a Rich Text (.rtf) file. Open it in Word, save it as “Word Document "
                              "(*.docx)” and upload the new file.")
    if data.startswith(b"%PDF"):
        raise DocxImportError("This is a PDF. Upload the Word version of the job description (.docx) instead.")
    if not data.startswith(b"PK\x03\x04"):
        raise DocxImportError(NOT_DOCX)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        raise DocxImportError(DAMAGED) from None
    if len(infos) > MAX_ENTRIES:
        raise DocxImportError(TOO_BIG_INSIDE)
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > MAX_PART_BYTES or (
            info.file_size > 1024 * 1024 and info.file_size > MAX_RATIO * max(info.compress_size, 1)
        ):
            raise DocxImportError(TOO_BIG_INSIDE)
    if total > MAX_TOTAL_UNCOMPRESSED:
        raise DocxImportError(TOO_BIG_INSIDE)
    names = {info.filename for info in infos}
    lowered = {n.lower() for n in names}
    if any(n.endswith("vbaproject.bin") or n.endswith("vbadata.xml") for n in lowered) or name.endswith(".docm"):
        raise DocxImportError(MACROS)
    if "[Content_Types].xml" not in names or "word/document.xml" not in names:
        if "xl/workbook.xml" in names:
            raise DocxImportError("This is an Excel workbook, not a Word document. Upload the job description "
                                  "as a Word document (.docx).")
        if "ppt/presentation.xml" in names:
            raise DocxImportError("This is a PowerPoint presentation, not a Word document. Upload the job "
                                  "description as a Word document (.docx).")
        raise DocxImportError(NOT_DOCX)
    if any(info.flag_bits & 0x1 for info in infos):
        raise DocxImportError("This file is protected with a password, so it cannot be read. Remove the password, "
                              "save it and upload it again.")
    content_types = _read_part(archive, "[Content_Types].xml")
    if b"macroenabled" in content_types.lower() or b"vbaproject" in content_types.lower():
        raise DocxImportError(MACROS)
    return archive



def _read_part(archive: zipfile.ZipFile, name: str) -> bytes:
    """Read one part, never more than MAX_PART_BYTES whatever the zip directory claims."""
    try:
        with archive.open(name) as handle:
            data = handle.read(MAX_PART_BYTES + 1)
    except KeyError:
        return b""
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, EOFError, ValueError):
        raise DocxImportError(DAMAGED) from None
    if len(data) > MAX_PART_BYTES:
        raise DocxImportError(TOO_BIG_INSIDE)
    return data


def safe_xml(data: bytes):
    """Parse XML with no entity expansion, no DTD, no network; refuse documents with a DOCTYPE."""
    head = data[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in data.lower():
        raise DocxImportError(DAMAGED)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                             huge_tree=False, remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(data, parser=parser)  # noqa: S320 - hardened parser above
    except etree.XMLSyntaxError:
        raise DocxImportError(DAMAGED) from None
    if root is None:
        raise DocxImportError(DAMAGED)
    return root


# --- 2. Reading the document -------------------------------------------------------------------------


def _local(element) -> str | None:
    """The WordprocessingML local name of an element, or None for other namespaces."""
    tag = element.tag
    if not isinstance(tag, str) or not tag.startswith("{"):
        return None
    ns, _, local = tag[1:].partition("}")
    return local if ns in W_NAMESPACES else None


def _is_mc(element, local: str) -> bool:
    return isinstance(element.tag, str) and element.tag == f"{{{MC_NAMESPACE}}}{local}"


def _attr(element, name: str) -> str | None:
    for ns in W_NAMESPACES:
        value = element.get(f"{{{ns}}}{name}")
        if value is not None:
            return value
    return None


def _child(element, local: str):
    for child in element:
        if _local(child) == local:
            return child
    return None


SKIP = {"pPr", "rPr", "instrText", "delInstrText", "drawing", "pict", "object", "footnoteReference",
        "endnoteReference", "commentReference", "fldData", "txbxContent", "sectPr", "tblPr", "trPr", "tcPr",
        "sdtPr"}


def _run_text(element, in_ins: bool, in_del: bool, out: list[list[str]]) -> None:
    """Append text to out[0] (original) and out[1] (proposed), walking runs and revision wrappers."""
    for child in element:
        if _is_mc(child, "Fallback"):
            continue
        local = _local(child)
        if local is None:
            _run_text(child, in_ins, in_del, out)
            continue
        if local in SKIP:
            continue
        text = None
        if local in ("ins", "moveTo"):
            _run_text(child, True, in_del, out)
            continue
        if local in ("del", "moveFrom"):
            _run_text(child, in_ins, True, out)
            continue
        if local in ("t", "delText"):
            # XML cannot carry a NUL or a lone surrogate, so this removes nothing from a real
            # document; it keeps the guarantee local should the reader ever change (core.text).
            text = strip_unstorable(child.text or "")
        elif local == "tab":
            text = "\t"
        elif local in ("br", "cr"):
            text = "\n"
        elif local == "noBreakHyphen":
            text = "-"
        if text is None:
            _run_text(child, in_ins, in_del, out)
            continue
        if not in_ins:
            out[0].append(text)
        if not in_del and local != "delText":
            out[1].append(text)


@dataclass
class Para:
    """One paragraph, read both ways."""

    original: str
    proposed: str
    mark: str | None = None  # "insert" / "delete": the paragraph mark itself is a tracked change
    style: str = ""  # "title", "heading" or ""
    bold: bool = False
    listed: bool = False

    @property
    def text(self) -> str:
        return (self.proposed or self.original).strip()


@dataclass
class Row:
    cells: list[tuple[str, str]]  # (original, proposed) per cell
    mark: str | None = None


@dataclass
class Table:
    rows: list[Row]


@dataclass
class Styles:
    """Paragraph style ids that are headings (by name or outline level) or titles."""

    headings: set[str] = field(default_factory=set)
    titles: set[str] = field(default_factory=set)
    bold: set[str] = field(default_factory=set)
    lists: set[str] = field(default_factory=set)


def _read_styles(root) -> Styles:
    styles = Styles()
    if root is None:
        return styles
    for style in root:
        if _local(style) != "style":
            continue
        style_id = _attr(style, "styleId") or ""
        name_el = _child(style, "name")
        name = (_attr(name_el, "val") if name_el is not None else "") or style_id
        lowered = name.lower()
        ppr = _child(style, "pPr")
        outline = _child(ppr, "outlineLvl") if ppr is not None else None
        if re.match(r"^heading\s*\d", lowered) or (outline is not None and (_attr(outline, "val") or "9") < "9"):
            styles.headings.add(style_id)
        if lowered in ("title", "subtitle") or style_id.lower() == "title":
            styles.titles.add(style_id)
        if "list" in lowered:
            styles.lists.add(style_id)
        rpr = _child(style, "rPr")
        bold = _child(rpr, "b") if rpr is not None else None
        if bold is not None and (_attr(bold, "val") or "true") not in ("0", "false", "off"):
            styles.bold.add(style_id)
    return styles


def _revision_mark(container) -> str | None:
    if container is None:
        return None
    for local, kind in (("ins", "insert"), ("del", "delete"), ("moveTo", "insert"), ("moveFrom", "delete")):
        if _child(container, local) is not None:
            return kind
    return None


def _is_bold(p, styles: Styles, style_id: str) -> bool:
    runs = [r for r in p.iter() if _local(r) == "r"]
    seen_text = False
    for run in runs:
        text = "".join((t.text or "") for t in run.iter() if _local(t) in ("t", "delText"))
        if not text.strip():
            continue
        seen_text = True
        rpr = _child(run, "rPr")
        bold = _child(rpr, "b") if rpr is not None else None
        if bold is None:
            if style_id not in styles.bold:
                return False
        elif (_attr(bold, "val") or "true") in ("0", "false", "off"):
            return False
    return seen_text


def _read_paragraph(p, styles: Styles) -> Para:
    out: list[list[str]] = [[], []]
    _run_text(p, False, False, out)
    ppr = _child(p, "pPr")
    style_id = ""
    mark = None
    listed = False
    outline = None
    if ppr is not None:
        pstyle = _child(ppr, "pStyle")
        style_id = (_attr(pstyle, "val") or "") if pstyle is not None else ""
        mark = _revision_mark(_child(ppr, "rPr"))
        listed = _child(ppr, "numPr") is not None
        outline = _child(ppr, "outlineLvl")
    style = ""
    if style_id in styles.titles:
        style = "title"
    elif style_id in styles.headings or (outline is not None and (_attr(outline, "val") or "9") < "9"):
        style = "heading"
    return Para(original="".join(out[0]), proposed="".join(out[1]), mark=mark, style=style,
                bold=_is_bold(p, styles, style_id), listed=listed or style_id in styles.lists)


def _cell_text(tc, styles: Styles) -> tuple[str, str]:
    originals, proposeds = [], []
    for p in tc.iter():
        if _local(p) == "p":
            para = _read_paragraph(p, styles)
            originals.append(para.original.strip())
            proposeds.append(para.proposed.strip())
    return " ".join(t for t in originals if t), " ".join(t for t in proposeds if t)


def _blocks(container, styles: Styles, out: list[Para | Table]) -> None:
    for child in container:
        local = _local(child)
        if local == "p":
            out.append(_read_paragraph(child, styles))
        elif local == "tbl":
            rows = []
            for tr in child:
                if _local(tr) != "tr":
                    continue
                cells = [_cell_text(tc, styles) for tc in tr if _local(tc) in ("tc", "sdt")]
                rows.append(Row(cells=cells, mark=_revision_mark(_child(tr, "trPr"))))
            out.append(Table(rows=rows))
        elif local in ("sdt", "sdtContent", "customXml", "ins", "del", "moveTo", "moveFrom", "smartTag"):
            _blocks(child, styles, out)


# --- Headings --------------------------------------------------------------------------------------

HEADINGS: dict[str, str] = {}
for _key, _aliases in {
    "job_title": ["job title", "title of post", "post title", "role title", "position title", "title of role",
                  "job role", "post", "title"],
    "purpose": ["purpose of the job", "job purpose", "purpose of the post", "purpose of the role", "role purpose",
                "main purpose of the job", "main purpose of the role", "overall purpose", "purpose",
                "overview of the role", "role overview", "job overview", "overview", "job summary", "summary",
                "summary of the role", "about the role", "the role", "background"],
    "duties": ["main duties and responsibilities", "main duties and key responsibilities", "duties and "
               "responsibilities", "key responsibilities", "key duties and responsibilities", "main duties",
               "key duties", "main responsibilities", "responsibilities", "principal duties", "duties",
               "key accountabilities", "main accountabilities", "accountabilities", "key tasks", "main tasks",
               "responsibilities and duties", "role responsibilities", "specific duties"],
    "line_management": ["line management and budget responsibility", "line management and budget "
                        "responsibilities", "line management", "line management responsibilities",
                        "line management responsibility", "management responsibilities",
                        "budget responsibility", "budget responsibilities", "supervisory responsibilities",
                        "staff management", "line and budget management", "management and supervision",
                        "people management"],
    "working_relationships": ["working relationships", "key working relationships", "key relationships",
                              "key contacts", "contacts", "internal and external relationships",
                              "relationships", "key internal and external contacts", "communication and "
                              "working relationships", "stakeholders", "key stakeholders"],
    "person_spec": ["person specification", "person spec", "personal specification", "person specification "
                    "criteria", "selection criteria", "knowledge skills and experience",
                    "skills knowledge and experience", "skills and experience", "requirements of the role",
                    "essential and desirable criteria", "criteria", "the person"],
    "additional_information": ["additional information", "other information", "further information",
                               "additional requirements", "special conditions", "special requirements",
                               "other requirements", "notes", "general", "other duties"],
}.items():
    for _alias in _aliases:
        HEADINGS[_alias] = _key
KIND_HEADINGS = {
    "essential": "essential", "essential criteria": "essential", "essential requirements": "essential",
    "essential skills": "essential", "desirable": "desirable", "desirable criteria": "desirable",
    "desirable requirements": "desirable", "desirable skills": "desirable",
}
_ALIASES = list(HEADINGS)


def normalise_heading(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower().replace("&", " and ")
    text = re.sub(r"^\s*(?:section\s+)?(?:\d+(?:\.\d+)*|[a-h]|[ivx]+)[.)]\s+", "", text)
    text = re.sub(r"[^\w\s]", " ", text)
    return " ".join(text.split())


def match_heading(text: str, *, strict: bool = False) -> tuple[str | None, str | None]:
    """(section key, kind hint) for a heading text, or (None, None)."""
    norm = normalise_heading(text)
    if not norm or len(norm) > 80:
        return None, None
    if norm in KIND_HEADINGS:
        return "person_spec", KIND_HEADINGS[norm]
    if norm in HEADINGS:
        return HEADINGS[norm], None
    if len(norm) < 8:
        return None, None
    found = process.extractOne(norm, _ALIASES, scorer=fuzz.ratio, score_cutoff=94 if strict else 88)
    if found:
        return HEADINGS[found[0]], None
    return None, None


# --- Person specification --------------------------------------------------------------------------

_TICKS = {"✓", "✔", "✅", "x", "X", "y", "yes", "Yes", "YES", "*", "•", "☑", "☒", "e", "d", "E", "D"}


def parse_kind(text: str) -> str | None:
    value = normalise_heading(text)
    if not value:
        return None
    if value.startswith("ess") or value == "e":
        return "essential"
    if value.startswith("des") or value == "d":
        return "desirable"
    return None


def parse_assessed(text: str) -> str | None:
    value = normalise_heading(text)
    if not value:
        return None
    words = set(value.replace("/", " ").split())
    at_application = bool(words & {"a", "application", "app", "cv", "form", "s", "supporting", "statement"})
    at_interview = bool(words & {"i", "interview", "int", "test", "presentation", "t", "p"})
    if "both" in words or (at_application and at_interview):
        return "both"
    if at_interview:
        return "interview"
    if at_application:
        return "application"
    return None


_MARKERS = re.compile(r"\s*[\(\[]\s*(essential|desirable|e|d)\s*(?:[,;/]\s*([a-z /&,]+?))?\s*[\)\]]\s*$", re.I)
_ASSESSED_MARK = re.compile(r"\s*[\(\[]\s*((?:a|i|application|interview|both)(?:\s*[/,&]\s*(?:a|i|application|"
                            r"interview|and))*)\s*[\)\]]\s*$", re.I)


def criterion_from_line(text: str, default_kind: str) -> dict[str, str] | None:
    text = re.sub(r"^\s*(?:[-•*▪◦]|\d+[.)])\s*", "", text).strip()
    if not text:
        return None
    kind, assessed = default_kind, "application"
    if m := _MARKERS.search(text):
        kind = parse_kind(m.group(1)) or kind
        assessed = parse_assessed(m.group(2) or "") or assessed
        text = text[: m.start()].strip()
    if m := _ASSESSED_MARK.search(text):
        assessed = parse_assessed(m.group(1)) or assessed
        text = text[: m.start()].strip()
    return {"text": text, "kind": kind, "assessed": assessed} if text else None


def _criteria_from_table(table: Table, side: int) -> list[dict[str, str]]:
    rows = table.rows
    if not rows:
        return []
    crit_col = kind_col = assessed_col = ess_col = des_col = None
    header_index = None
    for index, row in enumerate(rows[:3]):
        labels = [normalise_heading(c[1] or c[0]) for c in row.cells]
        for col, label in enumerate(labels):
            if re.search(r"essential\s*(?:or|and)?\s*desirable|^e\s*d$|^e\s*or\s*d$", label):
                kind_col = col
            elif label in ("essential", "e"):
                ess_col = col
            elif label in ("desirable", "d"):
                des_col = col
            elif re.search(r"assess|method|identified|how|measured|evidenced", label):
                assessed_col = col
            elif re.search(r"criteri|requirement|description|specification|attribute|skill", label):
                crit_col = col
        if kind_col is not None or ess_col is not None or assessed_col is not None:
            header_index = index
            break
    width = max(len(r.cells) for r in rows)
    if header_index is None:
        # No header row: the layout Gradepath exports (criterion | essential/desirable | assessed at)
        # if the second column reads like kinds; otherwise each row's longest cell is a criterion.
        if width >= 2 and any(parse_kind(r.cells[1][side]) for r in rows if len(r.cells) > 1):
            crit_col, kind_col, assessed_col = 0, 1, 2 if width >= 3 else None
        header_index = -1
    if crit_col is None:
        body = [r for r in rows[header_index + 1:]]
        used = {kind_col, assessed_col, ess_col, des_col}
        lengths = {col: sum(len(r.cells[col][side]) for r in body if col < len(r.cells))
                   for col in range(width) if col not in used}
        crit_col = max(lengths, key=lambda c: lengths[c]) if lengths else 0
    criteria = []
    current_kind = "essential"
    for row in rows[header_index + 1:]:
        if (side == 0 and row.mark == "insert") or (side == 1 and row.mark == "delete"):
            continue
        cells = [c[side].strip() for c in row.cells]
        if crit_col >= len(cells) or not cells[crit_col]:
            continue
        text = cells[crit_col]
        others = [c for i, c in enumerate(cells) if i != crit_col and c]
        if not others and (hint := parse_kind(text)) and len(text) < 30:
            current_kind = hint  # an "Essential" / "Desirable" row splitting the table
            continue
        marked_columns = kind_col is not None or ess_col is not None or des_col is not None
        if not others and marked_columns and len(text.split()) <= 4 and not text.endswith("."):
            continue  # a category row such as "Qualifications" or "Skills and abilities"
        kind = current_kind
        if kind_col is not None and kind_col < len(cells):
            kind = parse_kind(cells[kind_col]) or kind
        elif ess_col is not None or des_col is not None:
            if des_col is not None and des_col < len(cells) and cells[des_col] and (
                    ess_col is None or ess_col >= len(cells) or not cells[ess_col]):
                kind = "desirable"
            elif ess_col is not None and ess_col < len(cells) and cells[ess_col]:
                kind = "essential"
        assessed = "application"
        if assessed_col is not None and assessed_col < len(cells):
            assessed = parse_assessed(cells[assessed_col]) or assessed
        item = criterion_from_line(text, kind)
        if item is None:
            continue
        if kind_col is not None or ess_col is not None or des_col is not None:
            item["kind"] = kind
        if assessed_col is not None:
            item["assessed"] = assessed
        criteria.append(item)
    return criteria


# --- Assembling the sections -----------------------------------------------------------------------


@dataclass
class ParsedDocument:
    """Both readings of a document: ``original`` (changes rejected) and ``proposed`` (accepted)."""

    original: dict[str, Any]
    proposed: dict[str, Any]
    found: list[str]

    @property
    def has_tracked_changes(self) -> bool:
        return self.original != self.proposed


class _Section:
    def __init__(self) -> None:
        self.streams = ["", ""]
        self.criteria: list[list[dict[str, str]]] = [[], []]
        self.kind = "essential"

    def add_para(self, para: Para) -> None:
        for side, text in ((0, para.original), (1, para.proposed)):
            skip_mark = para.mark == ("insert" if side == 0 else "delete")
            self.streams[side] += text + ("" if skip_mark else SEP)

    def add_text(self, original: str, proposed: str, mark: str | None = None) -> None:
        """Add a table row's text; an inserted row is not in the original, a deleted one not proposed."""
        if mark != "insert":
            self.streams[0] += original + SEP
        if mark != "delete":
            self.streams[1] += proposed + SEP


def _split_label(text: str) -> tuple[str, str] | None:
    if ":" not in text:
        return None
    label, value = text.split(":", 1)
    return (label, value) if 0 < len(label.strip()) <= 60 else None


def parse_docx(data: bytes, *, filename: str = "") -> ParsedDocument:
    """Check and read a .docx: the sections in their original and proposed forms."""
    archive = check_upload(data, filename=filename)
    document = safe_xml(_read_part(archive, "word/document.xml"))
    styles_data = _read_part(archive, "word/styles.xml")
    styles = _read_styles(safe_xml(styles_data) if styles_data else None)
    body = _child(document, "body")
    if _local(document) != "document" or body is None:
        raise DocxImportError(DAMAGED)
    blocks: list[Para | Table] = []
    _blocks(body, styles, blocks)

    sections: dict[str, _Section] = {}
    title_candidate: Para | None = None
    current: str | None = None

    def open_section(key: str) -> _Section:
        nonlocal current
        current = key
        return sections.setdefault(key, _Section())

    styled_headings = sum(1 for b in blocks if isinstance(b, Para) and b.style == "heading"
                          and match_heading(b.text)[0]) >= 2

    def heading_of(para: Para) -> tuple[str | None, str | None, tuple[str, str] | None]:
        """(key, kind hint, inline value) if the paragraph is a heading we know."""
        text = para.text
        if not text or para.style == "title":
            return None, None, None
        marked = para.style == "heading" or para.bold
        # A document whose known headings use heading styles does not hide headings in plain text:
        # there a plain line such as "Contacts" is text, not a heading.
        looks_like_heading = marked or (not styled_headings and not para.listed and (
            text.endswith(":") or len(text.split()) <= 8))
        if looks_like_heading:
            key, hint = match_heading(text, strict=not (para.style or para.bold))
            if key:
                return key, hint, None
        split = _split_label(text) if current in (None, "job_title") and not para.listed else None
        if split:
            key, hint = match_heading(split[0], strict=not (para.style or para.bold))
            if key and hint is None:
                original = _split_label(para.original)
                proposed = _split_label(para.proposed)
                return key, None, (original[1] if original else "", proposed[1] if proposed else "")
        return None, None, None

    for block in blocks:
        if isinstance(block, Table):
            # Two-column "label | value" rows (a common JD layout): known labels are headings with
            # their text; other rows ("Department", "Grade", "Reports to") are details we do not keep.
            if current != "person_spec" and block.rows and all(len(r.cells) == 2 for r in block.rows):
                keys = [match_heading(r.cells[0][1] or r.cells[0][0], strict=True)[0] for r in block.rows]
                if any(keys):
                    for row, key in zip(block.rows, keys, strict=True):
                        if key:
                            section = open_section(key)
                            if key != "person_spec":
                                section.add_text(*row.cells[1], mark=row.mark)
                    continue
            if current == "person_spec":
                section = sections[current]
                for side in (0, 1):
                    section.criteria[side].extend(_criteria_from_table(block, side))
            elif current:
                for row in block.rows:
                    sections[current].add_text(" ".join(c[0] for c in row.cells if c[0]),
                                               " ".join(c[1] for c in row.cells if c[1]), mark=row.mark)
            continue

        para = block
        key, hint, inline = heading_of(para)
        if key:
            section = open_section(key)
            if hint:
                section.kind = hint
            if inline is not None:
                section.add_text(*inline, mark=para.mark)
            continue
        if (para.style == "title" and title_candidate is None and current is None
                and not re.match(r"^\s*(job description|role profile|job profile)\b", para.text, re.I)):
            title_candidate = para
            continue
        if current is None:
            continue  # text before the first heading: the unit, reference lines and so on
        if para.style == "heading" or (para.bold and len(para.text) <= 80 and para.text):
            if current == "person_spec":
                continue  # a category inside the person specification ("Qualifications", "Skills")
            if current != "job_title":
                # A heading we do not know: keep its text under additional information.
                section = open_section("additional_information")
                section.add_para(para)
                continue
        section = sections[current]
        if current == "person_spec":
            for side, text in ((0, para.original), (1, para.proposed)):
                if para.mark == ("insert" if side == 0 else "delete") and not text.strip():
                    continue
                item = criterion_from_line(text, section.kind)
                if item:
                    section.criteria[side].append(item)
        else:
            section.add_para(para)

    found = [key for key in SECTIONS if key in sections and key != "job_title"]
    if not found:
        raise DocxImportError(NO_SECTIONS)
    if "job_title" not in sections and title_candidate is not None:
        sections["job_title"] = _Section()
        sections["job_title"].add_para(title_candidate)
    result: list[dict[str, Any]] = [{}, {}]
    for side in (0, 1):
        for key, section in sections.items():
            stream = section.streams[side]
            if key == "duties":
                result[side][key] = [d.strip() for d in stream.split(SEP) if d.strip()]
            elif key == "person_spec":
                result[side][key] = section.criteria[side]
            elif key == "job_title":
                result[side][key] = " ".join(part.strip() for part in stream.split(SEP) if part.strip())
            else:
                result[side][key] = _tidy(stream)
    return ParsedDocument(original=result[0], proposed=result[1], found=found)


def _tidy(stream: str) -> str:
    text = stream.replace(SEP, "\n")
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


# --- 3. Creating the versions -------------------------------------------------------------------------


@dataclass
class ImportResult:
    """What an import created, and a sentence saying so."""

    jd: JobDescription
    versions: list[JDVersion]
    tracked_changes: bool
    message: str

    @property
    def draft(self) -> JDVersion:
        return self.versions[-1]


_CONTENT_KEYS = ("job_title", "purpose", "duties", "line_management", "working_relationships", "person_spec",
                 "additional_information")


def _cleaned(sections: dict[str, Any], *, fallback_title: str = "", which: str = "") -> dict[str, Any]:
    data = {key: sections.get(key, [] if key in ("duties", "person_spec") else "") for key in _CONTENT_KEYS}
    if not data["job_title"]:
        data["job_title"] = fallback_title
    if not data["job_title"]:
        raise DocxImportError("We could not find the job title in this document. Add a “Job title” heading (or a "
                              "line “Job title: …”) at the top and upload it again.")
    try:
        return services.clean_sections(data)
    except ServiceError as exc:
        raise DocxImportError(f"{which}{' '.join(exc.messages)}") from None


def _same_content(version: JDVersion, cleaned: dict[str, Any]) -> bool:
    return all(getattr(version, key) == cleaned[key] for key in _CONTENT_KEYS)


def _submittable(cleaned: dict[str, Any]) -> None:
    if not cleaned["purpose"] or not cleaned["duties"]:
        raise DocxImportError("The original text of this document (before its tracked changes) has no purpose or "
                              "no duties, so it cannot be kept as a version. Accept the changes in Word, or add "
                              "the missing section, and upload it again.")


def import_jd_from_docx(*, actor, uploaded_file, org_unit=None, job_family=None, staff_category: str = "",
                        area: str = "", jd: JobDescription | None = None) -> ImportResult:
    """Import a JD from a Word document: one draft, or (with tracked changes) the original text as a
    submitted version and the proposed text as a draft based on it.

    With ``jd``, the versions are added to that JD (``org_unit``, ``staff_category`` and ``area`` are then
    ignored; ``job_family``, if given, applies to the new versions). The original text becomes a new
    submitted version only if it differs from the JD's latest version: usually the document was exported
    from that very version, and a duplicate frozen copy would only clutter the history. If the JD already
    has a draft, nothing is imported (someone's unsubmitted work would otherwise be overwritten).

    Nothing is written unless everything succeeds: bad files raise :class:`DocxImportError` before the
    database is touched, and every write happens in one transaction.
    """
    if jd is None:
        if not can_create_jd(actor):
            raise PermissionDenied("You need a staff record to draft a job description.")
        if org_unit is None or job_family is None:
            raise DocxImportError("Choose the unit and the job family for the imported job description.")
    elif not can_edit_jd(actor, jd):
        raise PermissionDenied("You cannot edit this job description.")
    filename = str(getattr(uploaded_file, "name", "") or "")
    data = read_upload(uploaded_file)
    parsed = parse_docx(data, filename=filename)
    fallback = ""
    if jd is not None:
        latest_title = jd.versions.order_by("-number").values_list("job_title", flat=True).first()
        fallback = latest_title or ""
    proposed = _cleaned(parsed.proposed, fallback_title=fallback)
    original = _cleaned(parsed.original, fallback_title=proposed["job_title"],
                        which="In the original text (before the tracked changes): ")
    tracked = parsed.has_tracked_changes and original != proposed
    shown_name = re.sub(r"[^\w .()\-]+", "", filename)[:100] or "a Word document"

    with transaction.atomic():
        versions: list[JDVersion] = []
        if jd is None:
            first = original if tracked else proposed
            if tracked:
                _submittable(original)
            version = services.create_job_description(
                actor=actor, org_unit=org_unit, job_family=job_family, staff_category=staff_category, area=area,
                **first)
            jd = version.jd
            versions.append(version)
            if tracked:
                versions[0] = services.submit_version(actor=actor, version=version)
                draft = services.start_new_draft(actor=actor, version=versions[0])
                versions.append(_fill(actor, draft, proposed, job_family=None))
        else:
            jd = lock(jd)
            latest = jd.versions.order_by("-number").first()
            if latest is not None and latest.status == JDVersion.Status.DRAFT:
                raise DocxImportError(f"{jd.reference} already has a draft (version {latest.number}). Submit that "
                                      "draft first, then import the document again.")
            base = latest
            if tracked and (latest is None or not _same_content(latest, original)):
                _submittable(original)
                if latest is None:
                    raise DocxImportError(f"{jd.reference} has no version to build on.")
                step = services.start_new_draft(actor=actor, version=latest)
                step = _fill(actor, step, original, job_family=job_family)
                base = services.submit_version(actor=actor, version=step)
                versions.append(base)
            target = proposed
            if base is None:
                raise DocxImportError(f"{jd.reference} has no version to build on.")
            if not tracked and _same_content(base, target) and (job_family is None
                                                                 or base.job_family_id == job_family.pk):
                raise DocxImportError(f"This document is the same as version {base.number} of {jd.reference}, so "
                                      "nothing was imported.")
            draft = services.start_new_draft(actor=actor, version=base)
            versions.append(_fill(actor, draft, target, job_family=job_family))
        if tracked:
            message = (f"Imported “{versions[-1].job_title}” from {shown_name}: the original text is version "
                       f"{versions[-1].based_on.number} and the tracked changes are in draft version "
                       f"{versions[-1].number}.")
        else:
            message = f"Imported “{versions[-1].job_title}” from {shown_name} as draft version {versions[-1].number}."
        record_history(actor=actor, action="jd.imported", obj=jd, summary=message)
    return ImportResult(jd=jd, versions=versions, tracked_changes=tracked, message=message)


def _fill(actor, draft: JDVersion, sections: dict[str, Any], *, job_family) -> JDVersion:
    changes = dict(sections)
    if job_family is not None:
        changes["job_family"] = job_family
    return services.save_draft(actor=actor, version=draft, base_revision=draft.revision, changes=changes)
