"""The career record as a PDF (weasyprint, as ``jobs.pdf``): the pay history as a table (not the chart),
the appointments and every section of the page, in the university layout.

The HTML comes from ``career/pdf/record.html`` and the styles from ``career/static/career/pdf.css``.
The document needs nothing from outside it: the stylesheet is read from this package and passed as
text, and every URL weasyprint would fetch is refused (:class:`NothingFetched`), whatever a record's
text contains (text is escaped anyway).
"""

from __future__ import annotations

import re
from pathlib import Path

from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher

from gradepath.career.selectors import CareerRecord

PACKAGE_DIR = Path(__file__).resolve().parent
STYLESHEET = PACKAGE_DIR / "static" / "career" / "pdf.css"
PDF_CONTENT_TYPE = "application/pdf"


class NothingFetched(URLFetcher):
    """Refuse every URL: the career record's PDF loads no image, font or stylesheet of its own."""

    def fetch(self, url, headers=None):
        raise ValueError(f"Refused to fetch {url!r}: the career record's PDF loads nothing.")


def record_html(record: CareerRecord) -> str:
    return render_to_string("career/pdf/record.html", {"record": record, "person": record.person,
                                                        "generated": timezone.localtime()})


def record_pdf(record: CareerRecord) -> bytes:
    """The career record as a PDF (bytes starting with ``%PDF``)."""
    fetcher = NothingFetched()
    document = HTML(string=record_html(record), url_fetcher=fetcher)
    stylesheet = CSS(string=STYLESHEET.read_text(encoding="utf-8"), url_fetcher=fetcher)
    return document.write_pdf(stylesheets=[stylesheet])


def record_pdf_filename(record: CareerRecord) -> str:
    person = record.person
    name = re.sub(r"[^\w.\- ]+", "", f"Career record {person.full_name} {person.employee_number}")
    return (name.strip().replace(" ", "-")[:120] or "career-record") + ".pdf"
