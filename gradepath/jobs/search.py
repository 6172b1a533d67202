"""Full-text search of the agreed JD library, ranked by relevance, in the database.

Each database searches its own index of JD versions (migration jobs 0004): PostgreSQL a weighted
``tsvector`` with a GIN index, SQLite an FTS5 table. Both find the entries whose text holds every
word of the query (as a word or the start of one, stemmed: "equip" finds "equipment"), rank a word
in the job title above one in the purpose or duties, and leave paging to the database, so a search
reads only the rows of its page whatever the size of the library.
"""

from __future__ import annotations

import re

from django.db import connections
from django.db.models import Q, QuerySet

from gradepath.jobs.models import AgreedJD, JDVersion

# Words of a query: letters and digits only, so no query can carry search syntax to the database.
WORD = re.compile(r"[^\W_]+", re.UNICODE)
MAX_WORDS = 10
# Words too common to search by: PostgreSQL's English list (tsearch_data/english.stop), left out of
# every query on both databases, so SQLite does not demand a word PostgreSQL would ignore.
STOP_WORDS = frozenset("""
i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers
herself it its itself they them their theirs themselves what which who whom this that these those am is
are was were be been being have has had having do does did doing a an the and but if or because as until
while of at by for with about against between into through during before after above below to from up
down in out on off over under again further then once here there when where why how all any both each
few more most other some such no nor not only own same so than too very s t can will just don should now
""".split())


def query_words(q: str) -> list[str]:
    """The words of a search query, lower-cased, without the stop words, at most ten."""
    return [w for w in (w.lower() for w in WORD.findall(q or "")) if w not in STOP_WORDS][:MAX_WORDS]


def search_library(q: str, queryset: QuerySet[AgreedJD]) -> QuerySet[AgreedJD]:
    """Entries of ``queryset`` whose version holds every word of the query, most relevant first, then
    by job title; a query that is an entry's reference finds that entry. Nothing is read until the
    page is sliced, and then only that page's rows."""
    reference = q.strip()[:20]
    if reference and queryset.filter(reference__iexact=reference).exists():
        return queryset.filter(reference__iexact=reference).order_by("pk")
    words = query_words(q)
    if not words:
        return queryset.order_by("version__job_title", "pk")
    if _vendor(queryset) == "postgresql":
        expression = " & ".join(f"{w}:*" for w in words)
        # The version's stored tsvector, through the GIN index of agreed versions (migration 0006:
        # the library's versions are agreed, and the condition lets the planner use that index);
        # the filter joins the version for the page and its count alike. ts_rank weighs the title
        # (A) five times the purpose and duties (C).
        return (queryset.filter(version__status=JDVersion.Status.AGREED)
                .extra(where=["jobs_jdversion.search_document @@ to_tsquery('english', %s)"], params=[expression],
                       select={"relevance": "-ts_rank(jobs_jdversion.search_document, to_tsquery('english', %s))"},
                       select_params=[expression])
                .order_by("relevance", "version__job_title", "pk"))
    expression = " AND ".join(f'"{w}"*' for w in words)
    # The FTS5 table joined on the version's rowid: one MATCH for the whole query (the planner starts
    # from it), bm25 read in the same pass; a word in the title counts five times one in the body.
    return (queryset.extra(tables=["jobs_jdversion_fts"],
                           where=["jobs_jdversion_fts.rowid = jobs_agreedjd.version_id",
                                  "jobs_jdversion_fts MATCH %s"], params=[expression],
                           select={"relevance": "bm25(jobs_jdversion_fts, 5.0, 1.0)"})
            .order_by("relevance", "version__job_title", "pk"))


def _vendor(queryset: QuerySet) -> str:
    return connections[queryset.db].vendor


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
