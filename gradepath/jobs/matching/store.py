"""The index of the current agreed JD library: built by the worker, kept in a file, loaded lazily.

* ``refresh_library_index()`` (run by the task :func:`refresh_matching_index`,
  queued by ``log_agreed_jd`` after commit) builds the index of every current agreed JD and
  writes it atomically to ``DATA_DIR/matching/<backend>.pickle``, stamped with the state of the
  library it was built from.
* ``library_index()`` gives the index for a request: one aggregate query computes the
  library's stamp; the file is loaded only when the stamp changed (each process keeps the last
  one in memory). A missing or stale index is rebuilt in the request only when the library is
  small (``settings.GRADEPATH_MATCHING_SYNC_LIMIT`` agreed JDs, default 2,000: under a second
  with TF-IDF) and the backend is not heavy; otherwise the refresh is queued for the worker and
  the request uses the stale index if there is one (the result says so), or no index at all.

The file is a pickle written and read only by this application in its own data directory,
never from user input.
"""

from __future__ import annotations

import logging
import os
import pickle
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.db.models import Count, Max, Sum
from django_tasks import task

from gradepath.jobs.matching.backends import MatchingBackend, get_backend
from gradepath.jobs.matching.documents import MatchDocument, document_from_sections
from gradepath.jobs.matching.embeddings import prune_query_embeddings
from gradepath.jobs.models import AgreedJD

logger = logging.getLogger(__name__)

FORMAT = 1  # bump when the stored layout changes: older files are then rebuilt
DEFAULT_SYNC_LIMIT = 2_000


@dataclass
class LibraryIndex:
    """A backend index of the current agreed JDs, with what a match needs beside the scores."""

    backend: str
    stamp: str
    built_at: float
    built_seconds: float
    agreed_ids: np.ndarray  # AgreedJD ids, in index order
    jd_ids: np.ndarray  # their JobDescription ids (to leave a JD's own agreed version out)
    grades: np.ndarray  # their grade numbers
    index: Any
    format: int = FORMAT
    meta: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.agreed_ids.shape[0])


@dataclass
class IndexState:
    """The index a request may use, and whether it reflects the library as it is now."""

    index: LibraryIndex | None
    stale: bool
    refresh_queued: bool = False


_LIBRARY_COLUMNS = [
    "id", "grade__number", "version__jd_id", "version__job_title", "version__purpose", "version__duties",
    "version__line_management", "version__working_relationships", "version__person_spec",
    "version__additional_information",
]


def current_library():
    return AgreedJD.objects.filter(is_current=True)


def library_stamp() -> str:
    """A fingerprint of the current library that changes whenever an agreed JD joins or leaves it."""
    row = current_library().aggregate(n=Count("id"), top=Max("id"), total=Sum("id"), last=Max("logged_at"))
    last = row["last"].isoformat() if row["last"] else "-"
    return f"{row['n']}:{row['top'] or 0}:{row['total'] or 0}:{last}"


def library_documents() -> tuple[list[MatchDocument], list[int], list[int]]:
    """Every current agreed JD as a document (one query), with their JD ids and grade numbers."""
    documents, jd_ids, grades = [], [], []
    for row in current_library().order_by("id").values(*_LIBRARY_COLUMNS).iterator(chunk_size=5_000):
        documents.append(document_from_sections(
            row["id"], job_title=row["version__job_title"], purpose=row["version__purpose"],
            duties=row["version__duties"], line_management=row["version__line_management"],
            working_relationships=row["version__working_relationships"], person_spec=row["version__person_spec"],
            additional_information=row["version__additional_information"],
        ))
        jd_ids.append(row["version__jd_id"])
        grades.append(row["grade__number"])
    return documents, jd_ids, grades


def index_path(backend_name: str) -> Path:
    return Path(settings.DATA_DIR) / "matching" / f"{backend_name}.pickle"


def build_library_index(backend: MatchingBackend | None = None) -> LibraryIndex:
    """Build (but do not save) the index of the current library."""
    backend = backend or get_backend()
    stamp = library_stamp()
    documents, jd_ids, grades = library_documents()
    started = time.perf_counter()
    index = backend.build(documents)
    return LibraryIndex(
        backend=backend.name, stamp=stamp, built_at=time.time(), built_seconds=time.perf_counter() - started,
        agreed_ids=np.array([d.doc_id for d in documents], dtype=np.int64),
        jd_ids=np.array(jd_ids, dtype=np.int64), grades=np.array(grades, dtype=np.int16), index=index,
    )


def save_index(library: LibraryIndex) -> Path:
    """Write the index atomically: a reader sees the old file or the new one, never half of one."""
    path = index_path(library.backend)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(library, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _remember(path, library)
    return path


_cache: dict[str, tuple[int, LibraryIndex]] = {}  # path -> (file mtime in ns, index)
_cache_lock = threading.Lock()


def _remember(path: Path, library: LibraryIndex) -> None:
    with _cache_lock:
        _cache[str(path)] = (path.stat().st_mtime_ns, library)


def load_index(backend_name: str) -> LibraryIndex | None:
    """The stored index; read from disk only when the file changed since this process last read it."""
    path = index_path(backend_name)
    try:
        mtime = path.stat().st_mtime_ns
    except FileNotFoundError:
        return None
    cached = _cache.get(str(path))
    if cached is not None and cached[0] == mtime:
        return cached[1]
    try:
        with path.open("rb") as handle:
            library = pickle.load(handle)  # noqa: S301 - our own file in our own data directory
    except Exception:  # noqa: BLE001 - a damaged or outdated file is rebuilt, not fatal
        logger.warning("The matching index %s could not be read; it will be rebuilt.", path, exc_info=True)
        return None
    if not isinstance(library, LibraryIndex) or library.format != FORMAT:
        return None
    with _cache_lock:
        _cache[str(path)] = (mtime, library)
    return library


def refresh_library_index(*, force: bool = False, backend: MatchingBackend | None = None) -> LibraryIndex:
    """Rebuild and save the index unless the stored one already reflects the library (worker side)."""
    backend = backend or get_backend(in_worker=True)
    if not force:
        stored = load_index(backend.name)
        if stored is not None and stored.stamp == library_stamp():
            return stored
    library = build_library_index(backend)
    save_index(library)
    return library


def sync_limit() -> int:
    return int(getattr(settings, "GRADEPATH_MATCHING_SYNC_LIMIT", DEFAULT_SYNC_LIMIT))


def library_index(backend: MatchingBackend | None = None) -> IndexState:
    """The index for a request (see the module docstring for when it is rebuilt here)."""
    backend = backend or get_backend()
    stamp = library_stamp()
    stored = load_index(backend.name)
    if stored is not None and stored.stamp == stamp:
        return IndexState(stored, stale=False)
    size = int(stamp.split(":", 1)[0])
    if not backend.heavy and size <= sync_limit():
        return IndexState(refresh_library_index(force=True, backend=backend), stale=False)
    queued = queue_refresh()
    return IndexState(stored, stale=True, refresh_queued=queued)


@task()
def refresh_matching_index() -> dict:
    """Rebuild the matching index of the current agreed JD library if the library has changed.

    Queued by ``log_agreed_jd`` after commit, and by a request that finds the index stale.
    Returns a short summary (backend, number of agreed JDs, build time) for the task result.
    """
    library = refresh_library_index()
    prune_query_embeddings()
    return {"backend": library.backend, "size": len(library), "stamp": library.stamp,
            "built_seconds": round(library.built_seconds, 3)}


def queue_refresh() -> bool:
    """Queue the refresh task for the worker; False when no task backend could take it."""
    try:
        refresh_matching_index.enqueue()
    except Exception:  # noqa: BLE001 - matching must still answer when the queue is down
        logger.warning("Could not queue the matching index refresh.", exc_info=True)
        return False
    return True
