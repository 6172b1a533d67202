"""The career record's pages (policy §4.9): the record, and the record as a PDF. Both look the person up
through the career record's own gate (:mod:`gradepath.career.permissions`): strangers get 404."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from gradepath.career.pdf import PDF_CONTENT_TYPE, record_pdf, record_pdf_filename
from gradepath.career.permissions import get_career_person_for_user
from gradepath.career.selectors import CHART_DATA_ID, career_record
from gradepath.core.downloads import attachment


@require_GET
def record(request: HttpRequest, pk: int) -> HttpResponse:
    """One person's career record: grade and spine point over time (a chart, and the same figures as a
    table), appointments, and a section per registered source (grading cases, appraisals, …)."""
    person = get_career_person_for_user(request.user, pk)
    return render(request, "career/record.html", {
        "person": person,
        "record": career_record(person, request.user),
        "chart_data_id": CHART_DATA_ID,
    })


@require_GET
def record_pdf_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The career record as a PDF: the table (not the chart), the appointments and every section."""
    person = get_career_person_for_user(request.user, pk)
    record = career_record(person, request.user)
    return attachment(record_pdf(record), PDF_CONTENT_TYPE, record_pdf_filename(record))
