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
