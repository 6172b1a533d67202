"""The people directory's search and filters (django-filter).

The filter only narrows a queryset that already went through
:func:`gradepath.people.permissions.visible_people`; the unit choices are the units the
user may see.

A higher layer adds a filter of its own by registering a :class:`DirectoryFilter` to the slot
``"people_filters"`` of :mod:`gradepath.core.registry` in its ``AppConfig.ready()`` (grades adds
the grade filter: the grades one may choose are the grade structure's, which people does not
know). Added filters come after people's own, in their order.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import django_filters
from django import forms

from gradepath.core.registry import contributions
from gradepath.people import selectors
from gradepath.people.models import OrgUnit, Person
from gradepath.people.permissions import unit_subtree, visible_units

FILTERS_SLOT = "people_filters"


@dataclass(frozen=True)
class DirectoryFilter:
    """A filter a higher layer adds to the people directory.

    ``filter`` is a django-filter ``Filter`` (copied for each request); it narrows the directory's
    queryset, :func:`gradepath.people.selectors.directory` (its annotations, such as ``grade_id``,
    are there to filter on). ``key`` is its name in the query string.
    """

    key: str
    filter: django_filters.Filter
    order: int


def _units(request):
    if request is None:
        return OrgUnit.objects.none()
    return visible_units(request.user).order_by("name")


class PersonFilter(django_filters.FilterSet):
    """Search by name, employee number or e-mail; filter by unit and staff category, and by what
    other apps add (the grade)."""

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

    class Meta:
        model = Person
        fields = ["q", "unit", "staff_category"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for added in contributions(FILTERS_SLOT):
            if added.key not in self.filters:
                extra = copy.deepcopy(added.filter)
                extra.model, extra.parent = self.queryset.model, self
                self.filters[added.key] = extra
        for name, form_field in self.form.fields.items():
            form_field.widget.attrs["class"] = "form-control" if name == "q" else "form-select"

    def filter_search(self, queryset, name, value):
        return selectors.search_people(queryset, value) if value else queryset

    def filter_unit(self, queryset, name, value):
        return selectors.people_in_unit_tree(queryset, unit_subtree(value)) if value else queryset
