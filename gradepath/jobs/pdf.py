"""PDF export of a JD version (weasyprint), in the university layout.

The HTML comes from ``jobs/pdf/version.html`` and the styles from ``jobs/static/jobs/pdf.css``.
That template is never served to browsers, so the Content-Security-Policy does not apply to
it; still, it uses the stylesheet file rather than inline styles. Weasyprint may fetch only
``file://`` URLs inside this package (:class:`PackageOnlyFetcher`): nothing from the network,
nothing elsewhere on disk, whatever a JD's text contains (text is escaped anyway).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher

from gradepath.jobs.word import STATUS_WORDS

PACKAGE_DIR = Path(__file__).resolve().parent
STYLESHEET = PACKAGE_DIR / "static" / "jobs" / "pdf.css"
PDF_CONTENT_TYPE = "application/pdf"


class PackageOnlyFetcher(URLFetcher):
    """Fetch ``file://`` URLs inside the jobs package; refuse everything else."""

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise ValueError(f"Refused to fetch {url!r}: only files inside the application may be used.")
        path = Path(unquote(parts.path)).resolve()
        if not path.is_relative_to(PACKAGE_DIR) or not path.is_file():
            raise ValueError(f"Refused to fetch {url!r}: only files inside the application may be used.")
        return super().fetch(path.as_uri(), headers)


def version_context(version: Any) -> dict[str, Any]:
    """What the PDF template shows for a version."""
    jd = version.jd
    paragraphs = {
        key: [p for p in re.split(r"\n", getattr(version, key) or "") if p.strip()]
        for key in ("purpose", "line_management", "working_relationships", "additional_information")
    }
    grade_label, grade = version.stated_grade()
    return {
        "version": version,
        "jd": jd,
        "status": STATUS_WORDS.get(version.status, version.status),
        "is_draft": version.status == "draft",
        "grade_label": grade_label,
        "grade": grade,
        "paragraphs": paragraphs,
        "essential": version.essential_criteria(),
        "desirable": version.desirable_criteria(),
        "criteria": version.person_spec,
        "generated": timezone.localtime(),
    }


def version_html(version: Any) -> str:
    return render_to_string("jobs/pdf/version.html", version_context(version))


def version_pdf(version: Any) -> bytes:
    """One version as a PDF (bytes starting with ``%PDF``)."""
    fetcher = PackageOnlyFetcher()
    document = HTML(string=version_html(version), base_url=str(PACKAGE_DIR) + "/", url_fetcher=fetcher)
    return document.write_pdf(stylesheets=[CSS(filename=str(STYLESHEET), url_fetcher=fetcher)])


def version_pdf_filename(version: Any) -> str:
    name = re.sub(r"[^\w.\- ]+", "", f"{version.jd.reference} v{version.number} {version.job_title}")
    return (name.strip().replace(" ", "-")[:120] or "job-description") + ".pdf"
