"""Finding people by name, staff number or e-mail as they are typed: index range lookups only.

The start of each word is looked up as ranges of the B-tree indexes on ``(last_name, first_name)``,
``employee_number`` and ``work_email`` (``field >= 'Pat' AND field < 'Pau'``, in every upper/lower-case
spelling of its first letters), never a scan of the staff list, so a search stays fast at 50,000
people on SQLite and PostgreSQL. The directory (``people.selectors.search_people``), the pickers
(``people.search``) and the equality data viewer (``people.equality``) share it.
"""

from __future__ import annotations

import itertools

from django.db.models import Q, QuerySet
from django.db.models.functions import Upper

from gradepath.people.models import Person

MAX_WORDS = 3
# The start of a word, up to its third letter (digits and other characters do not count, so a
# staff number is looked up whole), is looked up in every upper/lower-case spelling: at most
# 2**3 index ranges a word. The whole word is then compared case-insensitively within them.
PREFIX_LETTERS = 3


def _indexed_prefix(word: str) -> str:
    """The longest start of ``word`` with at most PREFIX_LETTERS letters that have a case."""
    cased = 0
    for i, char in enumerate(word):
        if char.lower() != char.upper():
            cased += 1
            if cased > PREFIX_LETTERS:
                return word[:i]
    return word


def _spellings(prefix: str) -> set[str]:
    """Every upper/lower-case spelling of ``prefix`` (at most 2**PREFIX_LETTERS)."""
    options = [sorted({c.lower(), c.upper()}) if c.lower() != c.upper() else [c] for c in prefix]
    return {"".join(p) for p in itertools.product(*options)}


def _prefix_ranges(field: str, word: str) -> list[Q]:
    """``field`` starts with ``word`` (any case), as index range lookups on ``field``.

    ``field >= 'Pat' AND field < 'Pau'`` is answered from a B-tree index on both databases, where
    ``LIKE 'pat%'``/``UPPER(field) LIKE`` are not (SQLite's LIKE is not indexable with the default
    collation; PostgreSQL needs a pattern or expression index the table does not have)."""
    found = []
    for spelling in sorted(_spellings(_indexed_prefix(word))):
        bounds = {f"{field}__gte": spelling}
        if ord(spelling[-1]) < 0x10FFFF:
            bounds[f"{field}__lt"] = spelling[:-1] + chr(ord(spelling[-1]) + 1)
        found.append(Q(**bounds, **{f"{field}__istartswith": word}))
    return found


def _words(text: str) -> list[str]:
    return [w for w in text.replace(",", " ").split() if w][:MAX_WORDS]


def people_q(text: str, *, emails: bool = False) -> Q | None:
    """The condition :func:`find_people` searches by (None for a text with no words); with
    ``emails`` a single word also finds work e-mail addresses that start with it (the unique
    index on ``work_email``). Only index range lookups: fast at 50,000 people on both databases."""
    words = _words(text)
    if not words:
        return None
    found = Q()
    for i, surname in enumerate(words):
        others = Q()
        for j, word in enumerate(words):
            if j != i:
                others &= (Q(first_name__istartswith=word) | Q(known_as__istartswith=word)
                           | Q(last_name__istartswith=word))
        for term in _prefix_ranges("last_name", surname):
            found |= term & others
    if len(words) == 1:
        for term in _prefix_ranges("employee_number", words[0]):
            found |= term
        if emails:
            for term in _prefix_ranges("work_email", words[0]):
                found |= term
    return found


def find_people(text: str) -> QuerySet[Person]:
    """People whose surname starts with one of the words (the other words then start their first
    or known-as name, or their surname), or whose staff number starts with the text, by name.

    "patel", "sam patel", "Patel, Sam", "E000123" and "e0001" all work. Uses the indexes on
    ``(last_name, first_name)`` and on ``employee_number``; an empty text finds nobody."""
    found = people_q(text)
    if found is None:
        return Person.objects.none()
    # Ordered case-insensitively, not by the index order: the planner then reads only the index
    # ranges above and sorts the few rows found, instead of walking the whole index in its order.
    return Person.objects.filter(found).order_by(Upper("last_name"), Upper("first_name"), "pk")
