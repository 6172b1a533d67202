"""Ranking scores: the best library documents for a query, shared by every backend."""

from __future__ import annotations

import numpy as np


def top_k(scores: np.ndarray, doc_ids: np.ndarray, k: int, *, exclude: np.ndarray | None = None) -> list[tuple[int, float]]:
    """The ``k`` best (doc_id, score) pairs, best first, without sorting the whole library."""
    if exclude is not None and exclude.any():
        scores = scores.copy()
        scores[exclude] = -np.inf
    n = scores.shape[0]
    if n == 0 or k <= 0:
        return []
    k = min(k, n)
    if k < n:
        candidates = np.argpartition(-scores, k - 1)[:k]
    else:
        candidates = np.arange(n)
    # Best first; ties broken by position (older library entries first) so results are stable.
    order = candidates[np.lexsort((candidates, -scores[candidates]))]
    return [(int(doc_ids[i]), float(scores[i])) for i in order if np.isfinite(scores[i])]
