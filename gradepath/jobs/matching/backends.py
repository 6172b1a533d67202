"""Matching backends: the interface, the choice by setting, and the default TF-IDF backend.

A backend turns library documents into an index (``build``) and scores a document against
it (``scores`` / ``query``). Indexes are plain picklable objects, so the library index is
built once by the worker and loaded by every web process (see :mod:`.store`).

Chosen by ``settings.GRADEPATH_MATCHING_BACKEND`` ("tfidf", the default, or "embeddings").
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np
from django.conf import settings
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer

from gradepath.jobs.matching.documents import MatchDocument

DEFAULT_BACKEND = "tfidf"


@runtime_checkable
class MatchingBackend(Protocol):
    """What every matching backend provides.

    ``score_scale`` is (weak, strong): below ``weak`` a similarity means little, at ``strong``
    and above the texts are clearly about the same job. Grade suggestions use it to state an
    honest confidence whatever the backend's own similarity scale.
    ``heavy`` backends load a large model: they compute only in the worker (never in a request).
    """

    name: str
    heavy: bool
    score_scale: tuple[float, float]

    def build(self, documents: Sequence[MatchDocument]) -> Any: ...

    def scores(self, index: Any, document: MatchDocument | str) -> np.ndarray: ...

    def query(self, index: Any, document: MatchDocument | str, k: int) -> list[tuple[int, float]]: ...


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


def as_document(document: MatchDocument | str) -> MatchDocument:
    return document if isinstance(document, MatchDocument) else MatchDocument.from_text(document)


# --- TF-IDF -----------------------------------------------------------------------------------

WORD_TOKENS = r"(?u)\b[^\W\d_][^\W\d_]+\b"  # words of two letters or more, no numbers


@dataclass
class TfidfIndex:
    """A fitted TF-IDF index: per block, a stateless hasher and its idf weights; the weighted,
    L2-normalised document matrix, column-major (CSC) so that a query touches only the columns
    of its own terms."""

    hashers: dict[str, HashingVectorizer]
    idf: dict[str, np.ndarray]
    weights: dict[str, float]
    matrix: sparse.csc_matrix
    doc_ids: np.ndarray
    meta: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.doc_ids.shape[0])


def l2_rows(matrix: sparse.spmatrix) -> sparse.csr_matrix:
    """Each row scaled to unit length (empty rows stay empty); works for no rows at all."""
    matrix = sparse.csr_matrix(matrix, dtype=np.float32)
    squares = np.asarray(matrix.multiply(matrix).sum(axis=1), dtype=np.float64).ravel()
    scale = np.zeros_like(squares)
    np.divide(1.0, np.sqrt(squares), out=scale, where=squares > 0)
    matrix.data *= np.repeat(scale, np.diff(matrix.indptr)).astype(np.float32)
    return matrix


def _count_chunk(hasher: HashingVectorizer, texts: list[str]) -> sparse.csr_matrix:
    return hasher.transform(texts)


class TfidfBackend:
    """TF-IDF over the sections, the default backend.

    * the title: word unigrams and bigrams plus character 3–5-grams (so "Technician" matches
      "Technicians" and "Lab" half-matches "Laboratory");
    * the work (purpose and duties) and the context (line management, relationships, person
      specification) each: word unigrams and bigrams, English stop words removed;
    * sublinear tf (1 + log tf), smoothed idf; each block L2-normalised, then weighted
      (``WEIGHTS``, which sum to one) so that a similarity is the weighted mean of the block
      cosines, 0 to 1.

    Terms are hashed (``HashingVectorizer``: no vocabulary to build, so counting can run on every
    core) into 2^20 columns per block, where collisions are rare at JD vocabulary sizes. For large
    libraries (``LARGE`` documents or more) terms in more than half the documents and terms seen
    only once get no weight: queries stay fast (a query touches only documents that share its
    terms) and little is lost, as such terms carry almost no weight anyway. Figures:
    docs/performance.md, "Matching".
    """

    name = "tfidf"
    heavy = False
    score_scale = (0.15, 0.6)
    WEIGHTS = {"title_words": 0.2, "title_chars": 0.15, "work": 0.45, "context": 0.2}
    LARGE = 2_000
    CHUNK = 5_000

    def _hashers(self) -> dict[str, HashingVectorizer]:
        common = {"alternate_sign": False, "norm": None, "dtype": np.float32, "strip_accents": "unicode"}
        words = {**common, "token_pattern": WORD_TOKENS, "ngram_range": (1, 2)}
        return {
            "title_words": HashingVectorizer(**words, n_features=2**18),
            "title_chars": HashingVectorizer(**common, analyzer="char_wb", ngram_range=(3, 5), n_features=2**18),
            "work": HashingVectorizer(**words, stop_words="english", n_features=2**20),
            "context": HashingVectorizer(**words, stop_words="english", n_features=2**20),
        }

    @staticmethod
    def _block_texts(documents: Sequence[MatchDocument], block: str) -> list[str]:
        if block.startswith("title"):
            return [d.title for d in documents]
        return [getattr(d, block) for d in documents]

    def _counts(self, hasher: HashingVectorizer, texts: list[str], *, jobs: int) -> sparse.csr_matrix:
        """Term counts, in parallel chunks for a large library; repeated texts (titles) counted once."""
        if not texts:
            return sparse.csr_matrix((0, hasher.n_features), dtype=np.float32)
        unique, inverse = np.unique(np.asarray(texts, dtype=object), return_inverse=True)
        unique_texts = unique.tolist()
        if jobs > 1 and len(unique_texts) > self.CHUNK:
            from joblib import Parallel, delayed

            chunks = [unique_texts[i:i + self.CHUNK] for i in range(0, len(unique_texts), self.CHUNK)]
            counts = sparse.vstack(Parallel(n_jobs=jobs)(delayed(_count_chunk)(hasher, c) for c in chunks),
                                   format="csr")
        else:
            counts = hasher.transform(unique_texts)
        return counts[inverse]

    @staticmethod
    def _weigh(counts: sparse.csr_matrix, idf: np.ndarray) -> sparse.csr_matrix:
        """Sublinear tf times idf, then each row L2-normalised (all in place on a copy)."""
        matrix = counts.astype(np.float32, copy=True)
        matrix.data = (1.0 + np.log(matrix.data)) * idf[matrix.indices]
        matrix.eliminate_zeros()
        return l2_rows(matrix)

    def _combine(self, blocks: dict[str, sparse.csr_matrix], weights: dict[str, float]) -> sparse.csr_matrix:
        parts = [blocks[name] * np.float32(np.sqrt(weights[name])) for name in weights]
        return l2_rows(sparse.hstack(parts, format="csr", dtype=np.float32))

    def build(self, documents: Sequence[MatchDocument]) -> TfidfIndex:
        """Count the library's terms, learn the idf weights and build its matrix."""
        documents = list(documents)
        n = len(documents)
        large = n >= self.LARGE
        jobs = max(1, min(os.cpu_count() or 1, 4)) if large else 1
        hashers = self._hashers()
        idf: dict[str, np.ndarray] = {}
        blocks: dict[str, sparse.csr_matrix] = {}
        for name, hasher in hashers.items():
            counts = self._counts(hasher, self._block_texts(documents, name), jobs=jobs)
            df = np.bincount(counts.indices, minlength=counts.shape[1]).astype(np.float64)
            weights = (np.log((1 + n) / (1 + df)) + 1).astype(np.float32)
            weights[df == 0] = 0
            if large:
                weights[df < 2] = 0
                if not name.startswith("title"):
                    weights[df > 0.5 * n] = 0
            idf[name] = weights
            blocks[name] = self._weigh(counts, weights)
        matrix = self._combine(blocks, self.WEIGHTS).tocsc()
        doc_ids = np.array([d.doc_id for d in documents], dtype=np.int64)
        return TfidfIndex(hashers=hashers, idf=idf, weights=dict(self.WEIGHTS), matrix=matrix, doc_ids=doc_ids,
                          meta={"nnz": int(matrix.nnz)})

    def vector(self, index: TfidfIndex, document: MatchDocument | str) -> sparse.csr_matrix:
        """The query vector of one document, weighted like the library."""
        document = as_document(document)
        blocks = {name: self._weigh(hasher.transform(self._block_texts([document], name)), index.idf[name])
                  for name, hasher in index.hashers.items()}
        return self._combine(blocks, index.weights)

    def scores(self, index: TfidfIndex, document: MatchDocument | str) -> np.ndarray:
        """Cosine similarity of the document with every library document (0 to 1)."""
        query = self.vector(index, document)
        if query.nnz == 0 or len(index) == 0:
            return np.zeros(len(index), dtype=np.float32)
        # Only the columns of the query's terms: the cost grows with their document frequency,
        # not with the size of the library.
        columns = index.matrix[:, query.indices]
        return np.asarray(columns @ query.data, dtype=np.float32).ravel()

    def query(self, index: TfidfIndex, document: MatchDocument | str, k: int) -> list[tuple[int, float]]:
        return top_k(self.scores(index, document), index.doc_ids, k)


def backend_name() -> str:
    return getattr(settings, "GRADEPATH_MATCHING_BACKEND", DEFAULT_BACKEND) or DEFAULT_BACKEND


def get_backend(name: str | None = None, *, in_worker: bool = False) -> MatchingBackend:
    """The backend named, or the one chosen by ``settings.GRADEPATH_MATCHING_BACKEND``.

    ``in_worker`` allows a heavy backend to run its model (the worker and the commands only).
    """
    name = name or backend_name()
    if name == "tfidf":
        return TfidfBackend()
    if name == "embeddings":
        from gradepath.jobs.matching.embeddings import EmbeddingsBackend

        return EmbeddingsBackend(in_worker=in_worker)
    raise ValueError(f"Unknown matching backend “{name}”: choose tfidf or embeddings.")
