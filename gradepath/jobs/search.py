"""Full-text search of the agreed JD library, ranked by relevance."""

from __future__ import annotations

import re

from django.db.models import Q, QuerySet

from gradepath.jobs.models import AgreedJD

WORD = re.compile(r"[\w'-]{2,}", re.UNICODE)


def search_library(q: str, queryset: QuerySet[AgreedJD]) -> list[AgreedJD]:
    """Entries whose text contains every word of the query, most relevant first.

    Relevance: words in the job title count most, then the purpose and duties.
    """
    words = [w.lower() for w in WORD.findall(q)][:10]
    if not words:
        return list(queryset.order_by("version__job_title"))
    for word in words:
        queryset = queryset.filter(
            Q(version__job_title__icontains=word) | Q(version__purpose__icontains=word)
            | Q(version__duties__icontains=word) | Q(area__icontains=word) | Q(reference__iexact=word)
        )
    entries = list(queryset)

    def score(entry: AgreedJD) -> tuple[int, str]:
        title = entry.version.job_title.lower()
        body = (entry.version.purpose + " " + " ".join(entry.version.duties)).lower()
        return (-sum(5 * title.count(w) + body.count(w) for w in words), title)

    return sorted(entries, key=score)


# --- The agreed JD pickers (core.widgets) -----------------------------------------------------------

PICKER_WORDS = 5


def agreed_label(entry: AgreedJD) -> str:
    """How a picker names an agreed JD: reference, job title and grade."""
    return f"{entry.reference} {entry.version.job_title} ({entry.grade.name})"


def agreed_matching(entries: QuerySet[AgreedJD], text: str) -> QuerySet[AgreedJD]:
    """Current agreed JDs among ``entries`` whose job title holds every word (or whose reference
    starts with it), by title and grade. Slice it: the database stops after the rows it returns."""
    words = text.split()[:PICKER_WORDS]
    if not words:
        return entries.none()
    found = entries.filter(is_current=True)
    for word in words:
        found = found.filter(Q(version__job_title__icontains=word) | Q(reference__istartswith=word))
    return found.select_related("version", "grade", "job_family").order_by("version__job_title", "grade__number", "pk")
