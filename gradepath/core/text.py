"""One check for text that comes in from outside: web forms, the API, query strings, imports.

SQLite stores anything; PostgreSQL refuses a NUL character (``DataError``) and neither database
can store a lone UTF-16 surrogate (``UnicodeEncodeError``). So that both databases accept and
refuse the same input, and bad input gets a message instead of a server error, every entry point
asks :func:`text_problem` (or :func:`clean_text`) before the text reaches a query or a row.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.core.exceptions import ValidationError

NUL = "a null character (\\0)"
SURROGATE = "a character that is not valid Unicode (an unpaired surrogate)"
NUL_MESSAGE = f"The text contains {NUL}, which cannot be stored. Remove it and try again."
SURROGATE_MESSAGE = f"The text contains {SURROGATE}. Remove it and try again."
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def bad_character(value: str) -> str | None:
    """The kind of character in ``value`` that cannot be stored, as a noun phrase; None if none."""
    if "\x00" in value:
        return NUL
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return SURROGATE
    return None


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored or searched for, in the user's words; None when it can."""
    what = bad_character(value)
    if what is None:
        return None
    return NUL_MESSAGE if what == NUL else SURROGATE_MESSAGE


def texts_problem(values: Iterable[str]) -> str | None:
    """:func:`text_problem` of the first of ``values`` that has one; None when all can be stored."""
    for value in values:
        if (problem := text_problem(value)) is not None:
            return problem
    return None


def nested_text_problem(data: object) -> str | None:
    """:func:`text_problem` of any string (value or key) anywhere inside parsed JSON ``data``.

    Walks without recursion, so a deeply nested body cannot exhaust the stack.
    """
    pending = [data]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if (problem := text_problem(item)) is not None:
                return problem
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list | tuple):
            pending.extend(item)
    return None


def strip_unstorable(value: str) -> str:
    """``value`` without the characters no database can store (for text read from files)."""
    return _UNSTORABLE.sub("", value) if bad_character(value) else value


def clean_text(value: str, *, label: str = "", max_length: int | None = None, strip: bool = True) -> str:
    """``value`` stripped and checked; ValidationError with a sentence naming ``label`` otherwise."""
    if not isinstance(value, str):
        raise ValidationError(f"{label or 'The value'} must be text.")
    if (problem := text_problem(value)) is not None:
        raise ValidationError(f"{label}: {problem}" if label else problem)
    if strip:
        value = value.strip()
    if max_length is not None and len(value) > max_length:
        raise ValidationError(
            f"{label or 'The text'} is too long: at most {max_length:,} characters (it has {len(value):,}).")
    return value


def lower_first(text: str) -> str:
    """A label as words inside a sentence: its first letter in lower case, the rest as written, so
    "Line manager reviewing the proposed JD" reads "… line manager reviewing the proposed JD" and a
    label that starts with an abbreviation ("HR Services to agree", "FM/HPS approval") stays as it is."""
    word = text.split(" ", 1)[0]
    if any(c.isupper() for c in word[1:]):  # HR, FM/HPS, HoD, JD
        return text
    return text[:1].lower() + text[1:]
