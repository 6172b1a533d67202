"""The grade filter grades adds to the people directory (registered in ``GradesConfig.ready()``
as a :class:`gradepath.people.filters.DirectoryFilter`): the grades of the structure in force."""

from __future__ import annotations

import django_filters
from django.utils import timezone

from gradepath.grades.models import Grade, GradeStructure
from gradepath.people.selectors import people_in_posts_of_grade


def grade_choices(request=None):
    """The grades one may choose: those of the structure in force today (every grade when none is)."""
    structure = GradeStructure.objects.in_force(timezone.localdate())
    grades = Grade.objects.select_related("structure")
    return grades.filter(structure=structure) if structure else grades


def filter_by_grade(queryset, name, value):
    """The people in a post whose grade in force today is this grade."""
    return people_in_posts_of_grade(queryset, value.pk) if value else queryset


def grade_filter() -> django_filters.ModelChoiceFilter:
    return django_filters.ModelChoiceFilter(
        field_name="grade", label="Grade", queryset=grade_choices, method=filter_by_grade,
        empty_label="All grades",
    )
