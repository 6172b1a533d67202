"""Judging and timing the matcher: leave-one-out grade accuracy and a latency benchmark.

Used by ``gradepath jd-match-eval`` and ``gradepath jd-match-bench``; figures are in
docs/performance.md, "Matching".
"""

from __future__ import annotations

import json
import os
import random
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from gradepath.jobs.matching.backends import MatchingBackend, top_k
from gradepath.jobs.matching.documents import MatchDocument
from gradepath.jobs.matching.matcher import DEFAULT_K, VOTERS, suggest_grade


class EvaluationFileError(ValueError):
    """A line of an evaluation file is not a usable record (the message names the line)."""


@dataclass(frozen=True)
class Record:
    """One line of an evaluation file: ``{"id", "title", "text", "grade"}``."""

    id: str
    title: str
    text: str
    grade: int


def read_records(lines: Iterable[str]) -> list[Record]:
    """Parse JSON Lines; blank lines are skipped, anything else wrong stops with the line number."""
    records: list[Record] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as error:
            raise EvaluationFileError(f"Line {number} is not valid JSON ({error.msg}).") from None
        if not isinstance(data, dict):
            raise EvaluationFileError(f"Line {number} must be a JSON object with id, title, text and grade.")
        missing = [key for key in ("id", "text", "grade") if key not in data]
        if missing:
            raise EvaluationFileError(f"Line {number} has no {' or '.join(missing)}.")
        grade = data["grade"]
        if isinstance(grade, bool) or not isinstance(grade, int):
            raise EvaluationFileError(f"Line {number}: the grade must be a whole number, not {grade!r}.")
        text, title = data["text"], data.get("title", "") or ""
        if not isinstance(text, str) or not text.strip():
            raise EvaluationFileError(f"Line {number} has no text to match.")
        if not isinstance(title, str):
            raise EvaluationFileError(f"Line {number}: the title must be text.")
        record_id = str(data["id"])
        if record_id in seen:
            raise EvaluationFileError(f"Line {number} repeats the id {record_id!r}.")
        seen.add(record_id)
        records.append(Record(record_id, title, text, grade))
    return records


@dataclass(frozen=True)
class _Neighbour:
    grade_number: int
    score: float
    title: str = ""


PLAIN_K = 5  # the plain baseline's neighbours (as issue 11 defines it)


def _vote(grades: Sequence[int], scores: Sequence[float]) -> int | None:
    """A similarity-weighted vote: most weight wins, a tie goes to the closest match's grade."""
    votes: dict[int, float] = {}
    for grade, score in zip(grades, scores, strict=True):
        if score > 0:
            votes[grade] = votes.get(grade, 0.0) + score
    if not votes:
        return None
    top = max(votes.values())
    return next(g for g, s in zip(grades, scores, strict=True) if s > 0 and np.isclose(votes[g], top))


def plain_baseline(records: Sequence[Record], *, k: int = PLAIN_K, chunk: int = 500) -> list[int | None]:
    """The plain baseline every evaluation is judged against, leave-one-out: scikit-learn's
    ``TfidfVectorizer`` with its defaults (word unigrams, smoothed idf, L2 norm) over each
    record's title and text, cosine similarity, and a similarity-weighted vote of the ``k``
    nearest other records (ties: the closest one's grade; None when nothing is similar)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [f"{r.title}\n{r.text}" for r in records]
    try:
        matrix = TfidfVectorizer().fit_transform(texts)
    except ValueError:  # no word at all in any text
        return [None] * len(records)
    grades = np.array([r.grade for r in records])
    guesses: list[int | None] = []
    for start in range(0, len(records), chunk):
        block = (matrix[start:start + chunk] @ matrix.T).toarray()
        for row, scores in enumerate(block):
            scores[start + row] = -np.inf  # never its own neighbour
            nearest = top_k(scores, np.arange(len(records)), k)
            guesses.append(_vote([int(grades[j]) for j, _ in nearest], [s for _, s in nearest]))
    return guesses


def _accuracy(guesses: Sequence[int | None], truth: Sequence[int]) -> tuple[float, float]:
    n = len(truth)
    exact = sum(g is not None and g == t for g, t in zip(guesses, truth, strict=True))
    within = sum(g is not None and abs(g - t) <= 1 for g, t in zip(guesses, truth, strict=True))
    return exact / n, within / n


@dataclass(frozen=True)
class EvaluationReport:
    """Leave-one-out results: fractions of the ``n`` records whose suggested grade was right,
    beside the plain baseline's (:func:`plain_baseline`) on the same records."""

    n: int
    grades: list[int]  # the distinct grades (bands, levels) in the file
    exact: float
    within_one: float
    seconds: float
    build_seconds: float
    confident_share: float  # share of records with a confident suggestion
    confident_exact: float | None  # exact accuracy on those
    commonest_grade: int
    commonest_exact: float  # always answering the commonest grade
    commonest_within_one: float  # always answering the one grade that is within one of the most records
    plain_exact: float
    plain_within_one: float
    plain_seconds: float
    voters: int = VOTERS

    @property
    def beats_plain(self) -> bool:
        return self.exact > self.plain_exact and self.within_one > self.plain_within_one

    def as_json(self) -> dict:
        return {"n": self.n, "grades": len(self.grades), "exact": round(self.exact, 4),
                "within_one": round(self.within_one, 4), "plain_exact": round(self.plain_exact, 4),
                "plain_within_one": round(self.plain_within_one, 4), "seconds": round(self.seconds, 3)}


def nearest_neighbours(records: Sequence[Record], backend: MatchingBackend, *, k: int) -> tuple[list[list[_Neighbour]], float]:
    """For each record, its ``k`` nearest other records as the matcher ranks them (the index is
    built once over all records and each record's own row is left out of its ranking; the
    record still counts in the idf statistics: a negligible leak at these sizes). Also the
    seconds the index took to build."""
    started = time.perf_counter()
    documents = [MatchDocument.from_text(r.text, title=r.title, doc_id=i) for i, r in enumerate(records)]
    index = backend.build(documents)
    build_seconds = time.perf_counter() - started
    ids = np.arange(len(records))
    dense = getattr(index, "matrix", None)
    neighbours = []
    for i, document in enumerate(documents):
        if isinstance(dense, np.ndarray):  # embeddings: the document's own vector, no re-encoding
            scores = dense @ dense[i]
        else:
            scores = backend.scores(index, document)
        neighbours.append([_Neighbour(records[j].grade, s, records[j].title)
                           for j, s in top_k(scores, ids, k, exclude=ids == i)])
    return neighbours, build_seconds


def leave_one_out(records: list[Record], backend: MatchingBackend, *, voters: int = VOTERS,
                  plain_k: int = PLAIN_K) -> EvaluationReport:
    """For each record, suggest a grade from its nearest other records and compare; the same
    for the plain baseline."""
    if len(records) < 2:
        raise EvaluationFileError("The file needs at least two job descriptions to compare.")
    started = time.perf_counter()
    neighbours, build_seconds = nearest_neighbours(records, backend, k=voters)
    exact = within = confident = confident_right = 0
    for record, nearest in zip(records, neighbours, strict=True):
        suggestion = suggest_grade(nearest, title=record.title, scale=backend.score_scale, voters=voters)
        guess = suggestion.grade
        right = guess == record.grade
        exact += right
        within += guess is not None and abs(guess - record.grade) <= 1
        if suggestion.confident:
            confident += 1
            confident_right += right
    seconds = time.perf_counter() - started
    plain_started = time.perf_counter()
    truth = [r.grade for r in records]
    plain_exact, plain_within = _accuracy(plain_baseline(records, k=plain_k), truth)
    plain_seconds = time.perf_counter() - plain_started
    n = len(records)
    grades = np.array(truth)
    commonest, count = Counter(truth).most_common(1)[0]
    best_within = max(int(np.sum(np.abs(grades - g) <= 1)) for g in np.unique(grades))
    return EvaluationReport(
        n=n, grades=sorted(set(truth)), exact=exact / n, within_one=within / n, seconds=seconds,
        build_seconds=build_seconds, confident_share=confident / n,
        confident_exact=(confident_right / confident) if confident else None,
        commonest_grade=int(commonest), commonest_exact=count / n, commonest_within_one=best_within / n,
        plain_exact=plain_exact, plain_within_one=plain_within, plain_seconds=plain_seconds, voters=voters,
    )


# --- Choosing the suggestion's settings across evaluation sets ------------------------------------

# (voters, near_support, power). (5, 0.0, 2.0) is the suggestion as it was before issue 11.
TUNING_GRID: tuple[tuple[int, float, float], ...] = tuple(
    (voters, support, power) for voters in (5, 10, 20, 40) for support in (0.0, 0.2, 0.4, 0.6) for power in (1.0, 2.0))


TOLERANCE = 0.005  # half a percentage point of the tuning objective


@dataclass(frozen=True)
class TuningReport:
    """Leave-one-set-out: for each set, the settings that did best on the *other* sets and how
    they do on this one; then the settings best over all sets, set by set."""

    names: list[str]
    results: dict[tuple[str, tuple[int, float, float]], tuple[float, float]]  # (set, settings) → exact, within one
    plain: dict[str, tuple[float, float]]
    held_out: dict[str, tuple[int, float, float]]  # set → settings chosen without it
    chosen: tuple[int, float, float]  # chosen on all sets
    seconds: float

    @staticmethod
    def objective(results, names, settings) -> float:
        """Mean over the sets of the mean of exact and within-one accuracy."""
        return float(np.mean([sum(results[(name, settings)]) / 2 for name in names]))


def tune_across_sets(sets: dict[str, list[Record]], backend: MatchingBackend, *,
                     grid: Sequence[tuple[int, float, float]] = TUNING_GRID) -> TuningReport:
    """Score every setting of ``grid`` on every set (leave-one-out within a set), then choose by
    leave-one-set-out: a set's figures are only ever those of settings chosen on the others.
    The objective is the mean over the sets of the mean of exact and within-one accuracy; the
    simplest setting within ``TOLERANCE`` of the best is chosen (:func:`choose_settings`)."""
    if len(sets) < 2:
        raise EvaluationFileError("Tuning needs at least two evaluation files, to choose on some and judge on another.")
    started = time.perf_counter()
    most = max(voters for voters, _, _ in grid)
    results: dict[tuple[str, tuple[int, float, float]], tuple[float, float]] = {}
    plain: dict[str, tuple[float, float]] = {}
    for name, records in sets.items():
        neighbours, _ = nearest_neighbours(records, backend, k=most)
        truth = [r.grade for r in records]
        plain[name] = _accuracy(plain_baseline(records), truth)
        for settings in grid:
            voters, support, power = settings
            guesses = [suggest_grade(nearest, title=record.title, scale=backend.score_scale, voters=voters,
                                     near_support=support, power=power).grade
                       for record, nearest in zip(records, neighbours, strict=True)]
            results[(name, settings)] = _accuracy(guesses, truth)
    names = list(sets)

    held_out = {name: choose_settings(results, [other for other in names if other != name], grid)
                for name in names}
    return TuningReport(names=names, results=results, plain=plain, held_out=held_out,
                        chosen=choose_settings(results, names, grid), seconds=time.perf_counter() - started)


def choose_settings(results, names: Sequence[str], grid: Sequence[tuple[int, float, float]]) -> tuple[int, float, float]:
    """The simplest setting within ``TOLERANCE`` of the best objective on the sets ``names``:
    fewest voters (a match page reads fewer rows, and the confidence stays about the closest
    JDs), then the lower power, then the less near-grade support. Smaller differences are a
    record or two per set: noise, not a reason for a bigger vote."""
    scored = {settings: TuningReport.objective(results, names, settings) for settings in grid}
    top = max(scored.values())
    return min((settings for settings, value in scored.items() if value >= top - TOLERANCE),
               key=lambda settings: (settings[0], settings[2], settings[1]))


@dataclass(frozen=True)
class BenchmarkReport:
    """Index build time and match latency over a synthetic library."""

    size: int
    build_seconds: float
    p50_ms: float
    p95_ms: float
    queries: int
    generate_seconds: float
    near_copy_top1: float  # share of near-copy queries whose original ranked first
    matrix_nnz: int
    build_cpu_seconds: float  # CPU time of the build: what it would take on an idle core
    p95_cpu_ms: float
    load_average: float  # the machine's 1-minute load average when the run started

    def as_json(self) -> dict:
        return {"size": self.size, "build_seconds": round(self.build_seconds, 3), "p50_ms": round(self.p50_ms, 3),
                "p95_ms": round(self.p95_ms, 3)}


def benchmark(backend: MatchingBackend, *, size: int, queries: int = 200, k: int = DEFAULT_K,
              seed: int = 20260801) -> BenchmarkReport:
    """Build an index of ``size`` synthetic JDs and time ``queries`` matches against it.

    Half the queries are near copies of library JDs (some duties dropped and reordered), half
    are new JDs from the same generator; a query is timed from its text to the top ``k`` and
    the suggested grade (the top ``VOTERS`` voting). Synthetic doc ids count from 1.
    """
    from gradepath.jobs.matching.synthetic import perturbed, synthetic_jd, synthetic_library

    started = time.perf_counter()
    library = list(synthetic_library(size, seed=seed))
    documents = [document for document, _ in library]
    grades = np.array([grade for _, grade in library])
    titles = [document.title for document in documents]
    del library
    generate_seconds = time.perf_counter() - started
    load_average = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    started, cpu_started = time.perf_counter(), time.process_time()
    index = backend.build(documents)
    build_seconds, build_cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    rng = random.Random(seed + 1)
    latencies: list[float] = []
    cpu_latencies: list[float] = []
    near = hits = 0
    for q in range(queries):
        if q % 2 == 0:
            original = documents[rng.randrange(size)]
            query = perturbed(original, rng)
        else:
            original, query = None, synthetic_jd(rng, 0)[0]
        began, cpu_began = time.perf_counter(), time.process_time()
        ranked = backend.query(index, query, max(k, VOTERS))
        suggest_grade([_Neighbour(int(grades[doc_id - 1]), score, titles[doc_id - 1]) for doc_id, score in ranked],
                      title=query.title, scale=backend.score_scale)
        ranked = ranked[:k]
        latencies.append((time.perf_counter() - began) * 1000)
        cpu_latencies.append((time.process_time() - cpu_began) * 1000)
        if original is not None:
            near += 1
            hits += bool(ranked) and ranked[0][0] == original.doc_id
    matrix = getattr(index, "matrix", None)
    return BenchmarkReport(
        size=size, build_seconds=build_seconds, p50_ms=float(np.percentile(latencies, 50)),
        p95_ms=float(np.percentile(latencies, 95)), queries=queries, generate_seconds=generate_seconds,
        near_copy_top1=hits / near if near else 0.0, matrix_nnz=int(getattr(matrix, "nnz", 0) or 0),
        build_cpu_seconds=build_cpu_seconds, p95_cpu_ms=float(np.percentile(cpu_latencies, 95)),
        load_average=load_average,
    )
