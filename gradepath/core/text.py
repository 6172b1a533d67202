"""One check for text that comes in from outside: web forms, the API, query strings, imports.

SQLite stores anything; PostgreSQL refuses a NUL character (``DataError``) and neither database
can store a lone UTF-16 surrogate (``UnicodeEncodeError``). So that both databases accept and
refuse the same input, and bad input gets a message instead of a server error, every entry point
asks :func:`text_problem` (or :func:`clean_text`) before the text reaches a query or a row.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

NUL_MESSAGE = "The text contains a null character (\\0), which cannot be stored. Remove it and try again."
SURROGATE_MESSAGE = ("The text contains a character that is not valid Unicode (an unpaired surrogate). "
                     "Remove it and try again.")


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored or searched for, in the user's words; None when it can."""
    if "\x00" in value:
        return NUL_MESSAGE
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return SURROGATE_MESSAGE
    return None


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
