"""Finding a person as you type, for the search pickers (``core.widgets``): the people directory's
search endpoint and the case-specific ones (an appeal panel) share it.

The words are looked up as surname / first name / staff number prefixes with index range lookups
only (:func:`gradepath.people.lookup.find_people`), inside whatever set of people the caller may
offer (the access gate ``visible_people``, narrowed further by the caller), and at most
``limit + 1`` rows are read: fast at 50,000 people on SQLite and PostgreSQL
(``gradepath picker-search-bench``).
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.db.models.functions import Upper

from gradepath.core.widgets import SEARCH_LIMIT
from gradepath.people.lookup import find_people
from gradepath.people.models import Person
from gradepath.people.selectors import with_job_facts


def person_label(person: Person) -> str:
    """How a picker names a person: the name, and the staff number that tells two namesakes apart."""
    return f"{person.full_name} ({person.employee_number})"


def people_matching(people: QuerySet[Person], text: str) -> QuerySet[Person]:
    """Those of ``people`` the words find, by name (every row read comes from the name indexes)."""
    if not text.strip():
        return Person.objects.none()
    return (find_people(text) & people).order_by(Upper("last_name"), Upper("first_name"), "pk")


def picker_rows(people: QuerySet[Person], text: str, *, limit: int = SEARCH_LIMIT) -> list[dict]:
    """Up to ``limit + 1`` matches as picker rows (``core.widgets.search_response`` shows ``limit``)."""
    found = with_job_facts(people_matching(people, text))[:limit + 1]
    return [{"value": p.pk, "text": person_label(p),
             "detail": ", ".join(filter(None, [p.job_title, p.unit_name]))} for p in found]
