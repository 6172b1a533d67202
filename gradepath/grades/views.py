"""The grade structure page: grades, spine points and salaries in force (public to all staff)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from gradepath.grades.models import GradeStructure
from gradepath.grades.selectors import pay_year_start, structure_table


@require_GET
def structure_view(request: HttpRequest) -> HttpResponse:
    """Pay scales are published to every member of staff, so any signed-in user may read them."""
    on = timezone.localdate()
    requested = request.GET.get("on", "")
    error = ""
    if requested:
        try:
            on = dt.date.fromisoformat(requested)
        except ValueError:
            error = f"“{requested}” is not a date. Use the form YYYY-MM-DD, for example 2025-08-01."
    structure = GradeStructure.objects.in_force(on)
    return render(
        request,
        "grades/structure.html",
        {
            "on": on,
            "error": error,
            "structure": structure,
            "rows": structure_table(structure, on) if structure else [],
            "pay_year": pay_year_start(on),
            "structures": GradeStructure.objects.all(),
        },
    )
