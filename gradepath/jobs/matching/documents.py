"""What the matcher reads from a job description: its sections, grouped into weighted blocks.

A JD is matched on three blocks of text, each weighted by the backend:

* ``title``: the job title (short, but the strongest single clue);
* ``work``: the purpose and the main duties and responsibilities (what the job does);
* ``context``: line management, working relationships, person specification and
  additional information (how and with whom it is done).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class MatchDocument:
    """One job description as the matcher sees it. ``doc_id`` is the agreed JD id in the library."""

    doc_id: int
    title: str = ""
    work: str = ""
    context: str = ""

    @property
    def text(self) -> str:
        return "\n".join(part for part in (self.title, self.work, self.context) if part)

    @classmethod
    def from_text(cls, text: str, *, title: str = "", doc_id: int = 0) -> MatchDocument:
        """A document from free text (evaluation files, ad hoc searches): all of it counts as work."""
        return cls(doc_id=doc_id, title=title or "", work=text or "")


def _criteria_text(person_spec: Any) -> list[str]:
    if not isinstance(person_spec, list):
        return []
    return [str(c.get("text", "")) if isinstance(c, dict) else str(c) for c in person_spec]


def _duties_text(duties: Any) -> list[str]:
    if isinstance(duties, str):
        return [duties]
    if not isinstance(duties, list):
        return []
    return [str(d) for d in duties]


def document_from_sections(doc_id: int, *, job_title: str, purpose: str = "", duties: Any = None,
                           line_management: str = "", working_relationships: str = "",
                           person_spec: Any = None, additional_information: str = "") -> MatchDocument:
    """A document from the sections of a JD version (as model fields or ``values()`` columns)."""
    work = "\n".join(p for p in [purpose or "", *_duties_text(duties)] if p)
    context = "\n".join(p for p in [line_management or "", working_relationships or "",
                                    *_criteria_text(person_spec), additional_information or ""] if p)
    return MatchDocument(doc_id=doc_id, title=job_title or "", work=work, context=context)


def document_from_version(version, doc_id: int = 0) -> MatchDocument:
    """A document from a :class:`~gradepath.jobs.models.JDVersion`."""
    return document_from_sections(
        doc_id, job_title=version.job_title, purpose=version.purpose, duties=version.duties,
        line_management=version.line_management, working_relationships=version.working_relationships,
        person_spec=version.person_spec, additional_information=version.additional_information,
    )


def as_document(document: MatchDocument | str) -> MatchDocument:
    """A document as given, or one made from plain text."""
    return document if isinstance(document, MatchDocument) else MatchDocument.from_text(document)
