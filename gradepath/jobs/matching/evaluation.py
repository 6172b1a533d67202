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
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from gradepath.jobs.matching.backends import MatchingBackend, top_k
from gradepath.jobs.matching.documents import MatchDocument
from gradepath.jobs.matching.matcher import DEFAULT_K, suggest_grade


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


@dataclass(frozen=True)
class EvaluationReport:
    """Leave-one-out results: fractions of the ``n`` records whose suggested grade was right."""

    n: int
    exact: float
    within_one: float
    seconds: float
    build_seconds: float
    confident_share: float  # share of records with a confident suggestion
    confident_exact: float | None  # exact accuracy on those
    baseline_grade: int
    baseline_exact: float  # always answering the commonest grade
    baseline_within_one: float  # always answering the one grade that is within one of the most records

    def as_json(self) -> dict:
        return {"n": self.n, "exact": round(self.exact, 4), "within_one": round(self.within_one, 4),
                "seconds": round(self.seconds, 3)}


def leave_one_out(records: list[Record], backend: MatchingBackend, *, k: int = DEFAULT_K) -> EvaluationReport:
    """For each record, suggest a grade from its ``k`` nearest other records and compare.

    The index is built once over all records and each record's own row is left out of its
    ranking. (The record still counts in the idf statistics: a negligible leak at these sizes.)
    """
    if len(records) < 2:
        raise EvaluationFileError("The file needs at least two job descriptions to compare.")
    started = time.perf_counter()
    documents = [MatchDocument.from_text(r.text, title=r.title, doc_id=i) for i, r in enumerate(records)]
    index = backend.build(documents)
    build_seconds = time.perf_counter() - started
    grades = np.array([r.grade for r in records])
    ids = np.arange(len(records))
    dense = getattr(index, "matrix", None)
    exact = within = confident = confident_right = 0
    for i, document in enumerate(documents):
        if isinstance(dense, np.ndarray):  # embeddings: the document's own vector, no re-encoding
            scores = dense @ dense[i]
        else:
            scores = backend.scores(index, document)
        exclude = ids == i
        nearest = [_Neighbour(int(grades[j]), s, records[j].title) for j, s in top_k(scores, ids, k, exclude=exclude)]
        suggestion = suggest_grade(nearest, title=records[i].title, scale=backend.score_scale)
        guess = suggestion.grade
        right = guess == records[i].grade
        exact += right
        within += guess is not None and abs(guess - records[i].grade) <= 1
        if suggestion.confident:
            confident += 1
            confident_right += right
    n = len(records)
    commonest, count = Counter(grades.tolist()).most_common(1)[0]
    best_within = max(int(np.sum(np.abs(grades - g) <= 1)) for g in np.unique(grades))
    return EvaluationReport(
        n=n, exact=exact / n, within_one=within / n, seconds=time.perf_counter() - started,
        build_seconds=build_seconds, confident_share=confident / n,
        confident_exact=(confident_right / confident) if confident else None,
        baseline_grade=int(commonest), baseline_exact=count / n, baseline_within_one=best_within / n,
    )


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
    are new JDs from the same generator; a query is timed from its text to the top ``k``.
    """
    from gradepath.jobs.matching.synthetic import perturbed, synthetic_jd, synthetic_library

    started = time.perf_counter()
    documents = [document for document, _ in synthetic_library(size, seed=seed)]
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
        ranked = backend.query(index, query, k)
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
