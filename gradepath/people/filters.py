"""The people directory's search and filters (django-filter).

The filter only narrows a queryset that already went through
:func:`gradepath.people.permissions.visible_people`; the unit choices are the units the
user may see.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.utils import timezone

from gradepath.grades.models import Grade, GradeStructure
from gradepath.people import selectors
from gradepath.people.models import OrgUnit, Person
from gradepath.people.permissions import unit_subtree, visible_units


def _units(request):
    if request is None:
        return OrgUnit.objects.none()
    return visible_units(request.user).order_by("name")


def _grades(request):
    structure = GradeStructure.objects.in_force(timezone.localdate())
    grades = Grade.objects.select_related("structure")
    return grades.filter(structure=structure) if structure else grades


class PersonFilter(django_filters.FilterSet):
    """Search by name, employee number or e-mail; filter by unit, staff category and grade."""

    q = django_filters.CharFilter(
        label="Search", method="filter_search",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name, employee number or e-mail",
                                      "autocomplete": "off"}),
    )
    unit = django_filters.ModelChoiceFilter(
        label="Unit (and the units below it)", queryset=_units, method="filter_unit", empty_label="All units",
    )
    staff_category = django_filters.ChoiceFilter(
        label="Staff category", choices=Person.StaffCategory.choices, empty_label="All categories",
    )
    grade = django_filters.ModelChoiceFilter(
        label="Grade", queryset=_grades, method="filter_grade", empty_label="All grades",
    )

    class Meta:
        model = Person
        fields = ["q", "unit", "staff_category", "grade"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, form_field in self.form.fields.items():
            form_field.widget.attrs["class"] = "form-control" if name == "q" else "form-select"

    def filter_search(self, queryset, name, value):
        return selectors.search_people(queryset, value) if value else queryset

    def filter_unit(self, queryset, name, value):
        return selectors.people_in_unit_tree(queryset, unit_subtree(value)) if value else queryset

    def filter_grade(self, queryset, name, value):
        # ``grade_id`` is the annotation from selectors.with_job_facts (the grade on today's pay record).
        return queryset.filter(grade_id=value.pk) if value else queryset
