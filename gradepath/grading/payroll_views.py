"""The payroll change export page: HR Services download the period's regrades as CSV."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils import timezone
from django.views.decorators.http import require_GET

from gradepath.grading.payroll import parse_period, payroll_changes, write_csv
from gradepath.people import roles


@require_GET
def payroll_export(request: HttpRequest) -> HttpResponse:
    """``?start=YYYY-MM-DD&end=YYYY-MM-DD`` (default: this month) → a CSV download. HR Services
    only: anyone else gets 404, as if the page did not exist."""
    if not roles.in_group(request.user, roles.HR_SERVICES):
        raise Http404("No such page.")
    try:
        start, end = parse_period(request.GET.get("start"), request.GET.get("end"), today=timezone.localdate())
    except ValueError as exc:
        return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="payroll-changes-{start:%Y-%m-%d}-to-{end:%Y-%m-%d}.csv"'
    response["Cache-Control"] = "no-store"
    write_csv(payroll_changes(start, end), response)
    return response
