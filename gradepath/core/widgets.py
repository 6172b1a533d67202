"""Search pickers: a ``<select>`` that holds only what is chosen, and asks the server for the rest.

A picker over people, posts or agreed JDs cannot list its choices in the page: a university has
tens of thousands of people and thousands of agreed JDs. :class:`SearchSelect` and
:class:`SearchSelectMultiple` render the selected options only (with their labels, from one query
on the field's queryset) and name a search URL; ``gradepath/picker.js`` turns the ``<select>`` into a
keyboard-accessible combobox (Tom Select, ADR 0022) that asks that URL as the user types. The field
keeps its queryset, so the submitted ids are still validated on the server, by the same rules
(``ModelChoiceField`` looks each id up in it: no list is ever built).

A search endpoint answers :func:`search_response`: at most :data:`SEARCH_LIMIT` matches, each
``{"value", "text", "detail"}``, and ``more`` when there were others.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.http import JsonResponse

SEARCH_LIMIT = 20
MIN_QUERY_LENGTH = 1


def search_response(rows: Iterable[dict[str, Any]], *, limit: int = SEARCH_LIMIT) -> JsonResponse:
    """The answer of a picker's search endpoint. ``rows`` holds up to ``limit + 1`` matches (ask the
    database for one more than you show): the extra one only says that there are more."""
    rows = list(rows)
    response = JsonResponse({"results": rows[:limit], "more": len(rows) > limit})
    response["Cache-Control"] = "no-store"  # names of people: never kept by a browser or a proxy
    return response


def search_words(request, *, max_length: int = 100) -> str:
    """The ``q`` of a search request, trimmed (the middleware has already refused unstorable text)."""
    return (request.GET.get("q") or "").strip()[:max_length]


class _SearchChoiceMixin:
    """Renders only the selected choices and the data attributes ``picker.js`` reads."""

    def __init__(self, *, search_url: str = "", placeholder: str = "Type to search…",
                 noun: str = "matches", label=None, attrs: dict | None = None):
        super().__init__(attrs=attrs)  # type: ignore[call-arg]
        self.search_url = search_url
        self.placeholder = placeholder
        self.noun = noun
        self.label = label  # how a chosen object is named (the search endpoint names it the same way)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)  # type: ignore[misc]
        context["widget"]["attrs"].update({
            "data-gp-search": str(self.search_url),
            "data-gp-placeholder": self.placeholder,
            "data-gp-noun": self.noun,
            "data-gp-min-chars": str(MIN_QUERY_LENGTH),
        })
        return context

    def use_required_attribute(self, initial) -> bool:
        # Select's own check iterates the choices (a query over every option); the picker's
        # empty choice is always first when the field may be empty.
        return forms.Widget.use_required_attribute(self, initial)  # type: ignore[arg-type]

    def optgroups(self, name, value, attrs=None):
        """The empty choice (single pickers) and the selected choices, in the order given."""
        selected = [str(v) for v in value if v not in (None, "")]
        choices = self.choices  # type: ignore[attr-defined]
        options: list[tuple[Any, str]] = []
        queryset = getattr(choices, "queryset", None)
        if queryset is not None:
            field = choices.field
            if not self.allow_multiple_selected and field.empty_label is not None:  # type: ignore[attr-defined]
                options.append(("", field.empty_label))
            ids = [v for v in selected if v.isdigit()]
            found = {str(obj.pk): obj for obj in queryset.filter(pk__in=ids)} if ids else {}
            name_of = self.label or field.label_from_instance
            options += [(pk, name_of(found[pk])) for pk in ids if pk in found]
        else:
            options = [(v, label) for v, label in choices if str(v) in selected or v == ""]
        return [(None, [self.create_option(name, v, label, str(v) in selected, index, attrs=attrs)], index)  # type: ignore[attr-defined]
                for index, (v, label) in enumerate(options)]


class SearchSelect(_SearchChoiceMixin, forms.Select):
    """One choice, searched for as the user types."""


class SearchSelectMultiple(_SearchChoiceMixin, forms.SelectMultiple):
    """Several choices, each searched for as the user types."""
