"""Declared input fields: what a move (or any operation) accepts, with its type and limits.

A process declares the fields each of its moves takes; :func:`clean_input` checks a submitted
``data`` mapping against them in one place, whichever door it came through (the web form builds its
fields from the same declarations and hands its values to the same service; the API passes the JSON
object straight in). Unknown keys, wrong types, text that cannot be stored and values out of range
are refused with a sentence naming the field, and nothing is changed.

What the server derives (who acts, in which role and capacity) is never a field: a client cannot
supply it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError

from gradepath.core.text import text_problem

TEXT, INTEGER, BOOLEAN, DATE, CHOICE, ID_LIST, SCORES = (
    "text", "integer", "boolean", "date", "choice", "id_list", "scores")
KINDS = (TEXT, INTEGER, BOOLEAN, DATE, CHOICE, ID_LIST, SCORES)


@dataclass(frozen=True)
class InputField:
    """One declared input.

    ``kind`` is one of :data:`KINDS`. ``max_length`` bounds text; ``min_value``/``max_value``
    bound integers and scores; ``choices`` lists (value, label) pairs for a choice; ``max_items``
    bounds an id list; ``keys`` names the entries of a scores mapping (all of them required).
    ``required`` is the plain rule; a field whose need depends on the record (for example "required
    unless the case already has one") is declared optional and checked by the effect that reads it.
    """

    name: str
    kind: str
    label: str
    required: bool = False
    max_length: int = 5000
    min_value: int | None = None
    max_value: int | None = None
    choices: tuple[tuple[str, str], ...] = ()
    max_items: int = 100
    keys: tuple[str, ...] = ()
    help_text: str = ""
    required_message: str = ""  # what a person is told when a required field is missing

    def __post_init__(self) -> None:
        if self.kind not in KINDS:  # pragma: no cover - a mistake in a table, caught at import
            raise ValueError(f"unknown input kind {self.kind!r} for {self.name!r}")

    def describe(self) -> dict[str, Any]:
        """The field for an API client: name, type, label, whether required, and its limits."""
        out: dict[str, Any] = {"name": self.name, "type": self.kind, "label": self.label, "required": self.required}
        if self.kind == TEXT:
            out["max_length"] = self.max_length
        if self.kind in (INTEGER, SCORES):
            out.update(min_value=self.min_value, max_value=self.max_value)
        if self.kind == CHOICE:
            out["choices"] = [value for value, _ in self.choices]
        if self.kind == ID_LIST:
            out["max_items"] = self.max_items
        if self.kind == SCORES:
            out["keys"] = list(self.keys)
        return out


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _clean_one(field: InputField, value: Any) -> Any:
    label = field.label
    if field.kind == TEXT:
        if not isinstance(value, str):
            raise ValidationError(f"{label}: give text.")
        if (problem := text_problem(value)) is not None:
            raise ValidationError(f"{label}: {problem}")
        value = value.strip()
        if len(value) > field.max_length:
            raise ValidationError(f"{label}: at most {field.max_length:,} characters (this has {len(value):,}).")
        return value
    if field.kind == INTEGER:
        if isinstance(value, str) and value.strip().lstrip("-").isdigit() and len(value.strip()) < 12:
            value = int(value.strip())  # a form posts numbers as text
        if not _is_int(value):
            raise ValidationError(f"{label}: give a whole number.")
        return _in_range(field, value, label)
    if field.kind == BOOLEAN:
        if isinstance(value, bool):
            return value
        if value in ("true", "false"):
            return value == "true"
        raise ValidationError(f"{label}: give true or false.")
    if field.kind == DATE:
        if isinstance(value, dt.datetime):
            raise ValidationError(f"{label} must be a date (YYYY-MM-DD), not a date and time.")
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str) and len(value) <= 10:
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        raise ValidationError(f"{label} must be a date (YYYY-MM-DD).")
    if field.kind == CHOICE:
        allowed = [v for v, _ in field.choices]
        if not isinstance(value, str) or value not in allowed:
            raise ValidationError(f"{label}: choose one of {', '.join(allowed)}.")
        return value
    if field.kind == ID_LIST:
        if not isinstance(value, (list, tuple)):
            raise ValidationError(f"{label}: give a list of ids.")
        if len(value) > field.max_items:
            raise ValidationError(f"{label}: at most {field.max_items} entries.")
        ids: list[int] = []
        for item in value:
            if isinstance(item, str) and item.isdigit() and len(item) < 12:
                item = int(item)
            if not _is_int(item) or item < 1:
                raise ValidationError(f"{label}: every entry must be an id (a positive whole number).")
            if item not in ids:
                ids.append(item)
        return ids
    if field.kind == SCORES:
        if not isinstance(value, Mapping):
            raise ValidationError(f"{label}: give a score for each of: {', '.join(field.keys)}.")
        unknown = sorted(set(value) - set(field.keys), key=str)
        missing = [k for k in field.keys if k not in value]
        if unknown:
            raise ValidationError(f"{label}: {', '.join(map(str, unknown))[:200]} is not one of the elements.")
        if missing:
            first = field.required_message or f"{label}: give one for every element."
            raise ValidationError(f"{first} Missing: {', '.join(missing)}.")
        scores = {}
        for key in field.keys:
            score = value[key]
            if isinstance(score, str) and score.strip().isdigit() and len(score.strip()) < 12:
                score = int(score.strip())
            if not _is_int(score):
                raise ValidationError(f"{label}: the score for {key} must be a whole number.")
            scores[key] = _in_range(field, score, f"{label}: the score for {key}")
        return scores
    raise AssertionError(field.kind)  # pragma: no cover


def _in_range(field: InputField, value: int, label: str) -> int:
    if field.min_value is not None and value < field.min_value:
        raise ValidationError(f"{label}: at least {field.min_value}.")
    if field.max_value is not None and value > field.max_value:
        raise ValidationError(f"{label}: at most {field.max_value}.")
    return value


def clean_input(fields: Iterable[InputField], data: Any, *, what: str = "This action") -> dict[str, Any]:
    """``data`` checked against ``fields``: a new dict with every declared field (None when not given).

    Raises ValidationError (all problems, one sentence each) when ``data`` is not a mapping, names a
    field that is not declared, misses a required one, or holds a value of the wrong type or size.
    """
    fields = list(fields)
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise ValidationError("The data of the request must be an object of named fields.")
    by_name = {f.name: f for f in fields}
    problems: list[str] = []
    unknown = [str(k) for k in data if k not in by_name]
    if unknown:
        takes = ", ".join(by_name) or "no fields"
        shown = ", ".join(sorted(unknown)[:5])[:200]
        problems.append(f"{what} does not take {shown}: it takes {takes}.")
    cleaned: dict[str, Any] = {}
    for field in fields:
        value = data.get(field.name)
        if _empty(value):
            if field.required:
                problems.append(field.required_message or f"{field.label}: this is required.")
            cleaned[field.name] = None
            continue
        try:
            cleaned[field.name] = _clean_one(field, value)
        except ValidationError as error:
            problems.extend(error.messages)
            continue
        if field.required and _empty(cleaned[field.name]):
            problems.append(field.required_message or f"{field.label}: this is required.")
    if problems:
        raise ValidationError(problems)
    return cleaned
