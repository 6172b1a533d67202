"""The inbox page: everything waiting for me, across every process."""

from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from gradepath.people.models import OrgUnit
from gradepath.workflow import inbox
from gradepath.workflow.registry import processes

PAGE_SIZE = 50


class InboxFilterForm(forms.Form):
    process = forms.ChoiceField(required=False, label="Process")
    unit = forms.ModelChoiceField(queryset=OrgUnit.objects.none(), required=False, label="Unit",
                                  empty_label="Every unit")

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        process_field = self.fields["process"]
        unit_field = self.fields["unit"]
        assert isinstance(process_field, forms.ChoiceField) and isinstance(unit_field, forms.ModelChoiceField)
        process_field.choices = [("", "Every process"), *((p.name, p.label) for p in processes())]
        unit_field.queryset = units
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select"


def inbox_view(request: HttpRequest) -> HttpResponse:
    mine = inbox.waiting_for(request.user)
    form = InboxFilterForm(request.GET or None, units=inbox.units_of(mine))
    tasks = mine
    if form.is_valid():
        tasks = inbox.filtered(mine, process=form.cleaned_data["process"], unit=form.cleaned_data["unit"])
    page = Paginator(tasks, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    return render(request, "workflow/inbox.html", {
        "form": form, "page_obj": page, "rows": inbox.rows(page.object_list, today),
        "total": page.paginator.count, "filtered": form.is_bound and form.is_valid() and any(form.cleaned_data.values()),
        "querystring": "&".join(f"{k}={v}" for k, v in request.GET.items() if k != "page" and v),
    }, status=200 if not form.is_bound or form.is_valid() else 400)
