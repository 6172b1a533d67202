"""Background work for job descriptions, run by `gradepath db_worker`.

Each task lives beside the work it does (the matching index's refresh in ``matching.store``, a
query's embedding in ``matching.embeddings``), so nothing below imports this module; it lists
them in one place.
"""

from __future__ import annotations

from gradepath.jobs.matching.embeddings import compute_match_embedding
from gradepath.jobs.matching.store import refresh_matching_index

__all__ = ["compute_match_embedding", "refresh_matching_index"]
