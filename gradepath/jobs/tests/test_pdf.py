"""PDF export of a JD version (weasyprint), with no fetches outside the application."""

import shutil
import subprocess

import pytest

from gradepath.jobs.pdf import (
    PACKAGE_DIR,
    STYLESHEET,
    PackageOnlyFetcher,
    version_html,
    version_pdf,
)
from gradepath.testing.factories import JDVersionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def version():
    return JDVersionFactory(
        job_title="Senior Research Technician",
        purpose="To lead technical support for the research groups.\nBased in the Darwin Building.",
        additional_information="Occasional weekend work.",
    )


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "version.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True, timeout=60).stdout


def test_a_version_exports_as_a_pdf(version):
    data = version_pdf(version)
    assert data.startswith(b"%PDF")


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")
def test_the_pdf_shows_the_title_sections_and_criteria(version, tmp_path):
    text = pdf_text(version_pdf(version), tmp_path)
    assert "Senior Research Technician" in text
    assert version.jd.reference in text
    for heading in ("Purpose of the job", "Main duties and responsibilities", "Person specification",
                    "Additional information"):
        assert heading in text
    assert "Maintain laboratory equipment and keep its records." in text
    assert "Experience of working in a laboratory." in text
    assert "Page 1 of 1" in text


def test_the_pdf_template_escapes_text_and_loads_nothing_remote(version):
    version.purpose = '<img src="http://example.com/x.png"> <script>alert(1)</script>'
    html = version_html(version)
    assert "<img" not in html and "<script>" not in html and "&lt;img" in html
    assert "http://" not in html.replace('http://example.com/x.png', "")


def test_the_fetcher_refuses_the_network_and_files_outside_the_package(tmp_path):
    fetcher = PackageOnlyFetcher()
    outside = tmp_path / "secret.css"
    outside.write_text("body { color: red }")
    for url in ("http://example.com/a.css", "https://example.com/a.png", outside.as_uri(),
                (PACKAGE_DIR / ".." / ".." / "pyproject.toml").as_uri(), "data:text/css,body{}",
                "file://example.com/etc/passwd"):
        with pytest.raises(ValueError, match="Refused"):
            fetcher.fetch(url)
    response = fetcher.fetch(STYLESHEET.as_uri())
    assert response is not None
