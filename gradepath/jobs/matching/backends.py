"""Matching backends: the interface, the choice by setting, and the default TF-IDF backend.

A backend turns library documents into an index (``build``) and scores a document against
it (``scores`` / ``query``). Indexes are plain picklable objects, so the library index is
built once by the worker and loaded by every web process (see :mod:`.store`).

Chosen by ``settings.GRADEPATH_MATCHING_BACKEND`` ("tfidf", the default, or "embeddings").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import Any, Protocol, runtime_checkable

import numpy as np
from django.conf import settings
from scipy import sparse
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, strip_accents_unicode
from sklearn.utils import murmurhash3_32

from gradepath.jobs.matching.documents import MatchDocument, as_document
from gradepath.jobs.matching.embeddings import EmbeddingsBackend
from gradepath.jobs.matching.ranking import top_k

__all__ = ["MatchingBackend", "TfidfBackend", "as_document", "get_backend", "top_k"]

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


# --- TF-IDF -----------------------------------------------------------------------------------

_ASCII_WORD = re.compile(r"[a-z]{2,}")  # the same words as below for ASCII text, four times faster
_WORD = re.compile(r"[^\W\d_]{2,}")
_STOP_WORDS = frozenset(ENGLISH_STOP_WORDS)


def _plain(text: str) -> str:
    text = text.lower()
    return text if text.isascii() else strip_accents_unicode(text)


def _words(text: str) -> list[str]:
    """Lower-case words of two letters or more, accents stripped, no digits."""
    text = _plain(text)
    return (_ASCII_WORD if text.isascii() else _WORD).findall(text)


def title_chars(text: str) -> list[str]:
    """Character 3–5-grams of each word of a title, padded with spaces (like scikit-learn's char_wb)."""
    grams = []
    for word in _plain(text).split():
        padded = f" {word} "
        for n in (3, 4, 5):
            grams.extend(padded[i:i + n] for i in range(max(1, len(padded) - n + 1)))
    return grams


_PAIR_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # mixes a word pair's two hashes into one


def word_counts(texts: Sequence[str], n_features: int, *, stop_words: bool) -> sparse.csr_matrix:
    """Counts of words and word pairs (bigrams), hashed into ``n_features`` columns.

    With ``stop_words`` English stop words are dropped first (pairs then span them, as in
    scikit-learn). Python touches each word once (the regex, a dict); everything else is numpy:
    only distinct words are hashed (MurmurHash3, stable across processes), and a pair's column
    is mixed from its two words' hashes, so pairs are never built as strings.
    """
    per_text = [_words(text) for text in texts]
    lengths = np.fromiter(map(len, per_text), dtype=np.int64, count=len(per_text))
    flat = list(chain.from_iterable(per_text))
    vocabulary = list(dict.fromkeys(flat))
    numbers = dict(zip(vocabulary, range(len(vocabulary)), strict=True))
    ids = np.fromiter(map(numbers.__getitem__, flat), dtype=np.int64, count=len(flat))
    rows = np.repeat(np.arange(len(per_text), dtype=np.int64), lengths)
    if stop_words and len(vocabulary):
        stop = np.fromiter((word in _STOP_WORDS for word in vocabulary), dtype=bool, count=len(vocabulary))
        keep = ~stop[ids]
        ids, rows = ids[keep], rows[keep]
    hashes = np.fromiter((murmurhash3_32(word, positive=True) for word in vocabulary), dtype=np.uint64,
                         count=len(vocabulary))
    same_text = rows[1:] == rows[:-1]
    with np.errstate(over="ignore"):  # the mixing wraps around 2^64 on purpose
        pair_hashes = hashes[ids[:-1][same_text]] * _PAIR_MULTIPLIER + hashes[ids[1:][same_text]]
    columns = np.concatenate([hashes[ids] % np.uint64(n_features), pair_hashes % np.uint64(n_features)])
    all_rows = np.concatenate([rows, rows[1:][same_text]])
    matrix = sparse.coo_matrix((np.ones(len(all_rows), dtype=np.float32), (all_rows, columns.astype(np.int64))),
                               shape=(len(per_text), n_features)).tocsr()
    matrix.sum_duplicates()
    return matrix


def count_terms(spec: tuple[str, bool, int], texts: Sequence[str]) -> sparse.csr_matrix:
    """Hashed term counts of some texts for one block ``(kind, stop_words, n_features)``."""
    kind, stop_words, n_features = spec
    if kind == "chars":
        return hashed_counts(title_chars, texts, n_features)
    return word_counts(texts, n_features, stop_words=stop_words)


def hashed_counts(analyzer: Callable[[str], list[str]], texts: Sequence[str], n_features: int) -> sparse.csr_matrix:
    """Counts of the terms ``analyzer`` finds, each hashed (MurmurHash3, stable across processes)
    to one of ``n_features`` columns; only distinct terms are hashed."""
    per_text = [analyzer(text) for text in texts]
    indptr = np.zeros(len(per_text) + 1, dtype=np.int64)
    np.cumsum([len(terms) for terms in per_text], out=indptr[1:])
    flat = list(chain.from_iterable(per_text))
    numbers = {term: number for number, term in enumerate(dict.fromkeys(flat))}  # distinct terms, numbered
    indices = np.fromiter(map(numbers.__getitem__, flat), dtype=np.int64, count=len(flat))
    columns = np.fromiter((murmurhash3_32(term, positive=True) % n_features for term in numbers),
                          dtype=np.int32, count=len(numbers))
    matrix = sparse.csr_matrix(
        (np.ones(len(indices), dtype=np.float32), columns[indices], indptr), shape=(len(texts), n_features))
    matrix.sum_duplicates()
    return matrix


@dataclass
class TfidfIndex:
    """A fitted TF-IDF index: per block, the idf weight of each hashed term column; the weighted,
    L2-normalised document matrix, column-major (CSC) so that a query touches only the columns
    of its own terms."""

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


class TfidfBackend:
    """TF-IDF over the sections, the default backend.

    * the title: word unigrams and bigrams plus character 3–5-grams (so "Technician" matches
      "Technicians" and "Lab" half-matches "Laboratory");
    * the work (purpose and duties) and the context (line management, relationships, person
      specification) each: word unigrams and bigrams, English stop words removed;
    * sublinear tf (1 + log tf), smoothed idf; each block L2-normalised, then weighted
      (``WEIGHTS``, which sum to one) so that a similarity is the weighted mean of the block
      cosines, 0 to 1.

    Terms are hashed (:func:`word_counts`: no vocabulary to keep, and fast) into 2^20 columns
    per block, where collisions are rare at JD vocabulary sizes. For large
    libraries (``LARGE`` documents or more) terms in more than half the documents and terms seen
    only once get no weight: queries stay fast (a query touches only documents that share its
    terms) and little is lost, as such terms carry almost no weight anyway. Figures:
    docs/performance.md, "Matching".
    """

    name = "tfidf"
    heavy = False
    score_scale = (0.15, 0.8)
    WEIGHTS = {"title_words": 0.2, "title_chars": 0.15, "work": 0.45, "context": 0.2}
    LARGE = 2_000
    CHUNK = 2_000

    # Per block: its terms ("words": words and word pairs; "chars": character n-grams), whether
    # English stop words are dropped, and how many hashed columns it has.
    BLOCKS: dict[str, tuple[str, bool, int]] = {
        "title_words": ("words", False, 2**18),
        "title_chars": ("chars", False, 2**18),
        "work": ("words", True, 2**20),
        "context": ("words", True, 2**20),
    }

    @staticmethod
    def _block_texts(documents: Sequence[MatchDocument], block: str) -> list[str]:
        if block.startswith("title"):
            return [d.title for d in documents]
        return [getattr(d, block) for d in documents]

    def _counts(self, block: str, texts: list[str]) -> sparse.csr_matrix:
        """Term counts; texts that repeat a lot (titles) are counted once each.

        One process: counting in parallel worker processes was measured slower here (2 cores,
        shared with other work), as the texts and counts must be copied between processes.
        """
        distinct = list(dict.fromkeys(texts))
        repeats = len(distinct) < 0.8 * len(texts)
        to_count = distinct if repeats else texts
        # In chunks: small working sets stay in the processor's cache (measured a third faster
        # at 100,000 JDs than one pass) and peak memory stays low.
        parts = [count_terms(self.BLOCKS[block], to_count[i:i + self.CHUNK])
                 for i in range(0, len(to_count), self.CHUNK)]
        counts = sparse.vstack(parts, format="csr") if len(parts) > 1 else (
            parts[0] if parts else count_terms(self.BLOCKS[block], []))
        if not repeats:
            return counts
        position = {text: i for i, text in enumerate(distinct)}
        return counts[np.fromiter(map(position.__getitem__, texts), dtype=np.int64, count=len(texts))]

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
        idf: dict[str, np.ndarray] = {}
        blocks: dict[str, sparse.csr_matrix] = {}
        for name in self.BLOCKS:
            counts = self._counts(name, self._block_texts(documents, name))
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
        return TfidfIndex(idf=idf, weights=dict(self.WEIGHTS), matrix=matrix, doc_ids=doc_ids,
                          meta={"nnz": int(matrix.nnz)})

    def vector(self, index: TfidfIndex, document: MatchDocument | str) -> sparse.csr_matrix:
        """The query vector of one document, weighted like the library."""
        document = as_document(document)
        blocks = {name: self._weigh(count_terms(spec, self._block_texts([document], name)), index.idf[name])
                  for name, spec in self.BLOCKS.items()}
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
        return EmbeddingsBackend(in_worker=in_worker)
    raise ValueError(f"Unknown matching backend “{name}”: choose tfidf or embeddings.")
