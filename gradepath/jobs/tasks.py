"""Background work for job descriptions, run by `gradepath db_worker`."""

from __future__ import annotations

from django_tasks import task


@task()
def refresh_matching_index() -> dict:
    """Rebuild the matching index of the current agreed JD library if the library has changed.

    Queued by ``log_agreed_jd`` after commit, and by a request that finds the index stale.
    Returns a short summary (backend, number of agreed JDs, build time) for the task result.
    """
    from gradepath.jobs.matching.embeddings import prune_query_embeddings
    from gradepath.jobs.matching.store import refresh_library_index

    library = refresh_library_index()
    prune_query_embeddings()
    return {"backend": library.backend, "size": len(library), "stamp": library.stamp,
            "built_seconds": round(library.built_seconds, 3)}


@task()
def compute_match_embedding(text_hash: str, title: str, work: str, context: str) -> str:
    """Embed one JD text for the embeddings backend (the model runs in the worker only)."""
    from gradepath.jobs.matching.embeddings import compute_query_embedding

    compute_query_embedding(text_hash, title=title, work=work, context=context)
    return text_hash
