"""Matching a JD against the agreed JD library, for the pages, the API and grading cases.

* :func:`match_version` ranks the current agreed JDs by similarity to a version;
* :func:`grade_distribution` summarises the grades of the nearest ones;
* :func:`suggest_grade` suggests a grade with an honest confidence (or says there is no
  confident suggestion);
* :func:`duty_alignment` pairs the duties of two versions side by side.

These are read-only selectors: the caller has already passed the access gate for the version
(``get_version_for_user``); the agreed JD library is visible to every member of staff.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from gradepath.jobs.matching.backends import MatchingBackend, TfidfBackend, get_backend, top_k
from gradepath.jobs.matching.documents import MatchDocument, document_from_version
from gradepath.jobs.matching.embeddings import EmbeddingPending, compute_match_embedding
from gradepath.jobs.matching.store import IndexState, library_index
from gradepath.jobs.models import AgreedJD, JDVersion

logger = logging.getLogger(__name__)

DEFAULT_K = 10
# How the suggested grade is voted (see suggest_grade). Chosen by leave-one-set-out
# cross-validation over five evaluation sets, three of them outside data (`gradepath
# jd-match-eval --tune`; figures in docs/performance.md, ADR 0010), never on one set alone.
VOTERS = 20  # the nearest agreed JDs that vote on a suggested grade
NEAR_GRADE_SUPPORT = 0.2  # how much a vote for a grade also counts for the grades either side of it
ADJUSTED_DISCOUNT = 0.6  # confidence kept when a vote was moved by a title's level word


@dataclass(frozen=True)
class Match:
    """One agreed JD and its similarity (0 to 1) to the JD being matched."""

    agreed: AgreedJD
    score: float

    @property
    def grade_number(self) -> int:
        return self.agreed.grade.number

    @property
    def grade_name(self) -> str:
        return str(self.agreed.grade)

    @property
    def title(self) -> str:
        return self.agreed.version.job_title

    @property
    def percent(self) -> int:
        return round(self.score * 100)

    def as_dict(self) -> dict:
        return {
            "agreed_jd": self.agreed.pk, "reference": self.agreed.reference, "job_title": self.agreed.version.job_title,
            "grade": self.grade_number, "grade_name": self.grade_name, "job_family": str(self.agreed.job_family),
            "area": self.agreed.area, "score": round(self.score, 4),
        }


class MatchList(list):
    """The ranked matches a page shows (a plain list), carrying what the grade suggestion needs
    beyond them: the ``VOTERS`` nearest agreed JDs (however few matches the page asked for) and
    the title of the JD being matched. So ``suggest_grade(result.matches)`` gives the same
    suggestion whether a page shows 1, 10 or 50 matches."""

    def __init__(self, matches=(), *, voters: Sequence[Match] | None = None, title: str = ""):
        super().__init__(matches)
        self.voters = list(self if voters is None else voters)
        self.title = title


@dataclass
class MatchResult:
    """Ranked matches, best first, and what the page should say about them."""

    matches: list[Match]
    backend: str
    library_size: int
    stale: bool = False
    note: str = ""

    def __post_init__(self):
        if not isinstance(self.matches, MatchList):
            self.matches = MatchList(self.matches)

    @property
    def voters(self) -> list[Match]:
        return self.matches.voters

    def __iter__(self):
        return iter(self.matches)

    def __len__(self) -> int:
        return len(self.matches)


def _library_note(state: IndexState) -> str:
    if state.index is None:
        return ("The agreed JD library is being indexed for matching. Try again in a few minutes.")
    if state.stale:
        return ("The agreed JD library has changed since it was last indexed; these matches may miss the newest "
                "agreed job descriptions until the index is refreshed (it has been queued).")
    return ""


def match_document(document: MatchDocument, k: int = DEFAULT_K, *, exclude_jd_id: int | None = None,
                   backend: MatchingBackend | None = None) -> MatchResult:
    """Rank the current agreed JDs against any document (a version, or free text)."""
    backend = backend or get_backend()
    state = library_index(backend)
    if state.index is None:
        return MatchResult([], backend=backend.name, library_size=0, stale=True, note=_library_note(state))
    library = state.index
    if len(library) == 0:
        return MatchResult([], backend=backend.name, library_size=0,
                           note="There are no agreed job descriptions in the library yet.")
    try:
        scores = backend.scores(library.index, document)
    except EmbeddingPending as pending:
        # The model runs in the worker only: queue this text and answer with TF-IDF meanwhile.
        _queue_embedding(pending)
        result = match_document(document, k, exclude_jd_id=exclude_jd_id, backend=TfidfBackend())
        result.note = " ".join(filter(None, [result.note, "These matches use TF-IDF while the embeddings of this "
                                                           "text are computed; reload in a minute."]))
        return result
    exclude = library.jd_ids == exclude_jd_id if exclude_jd_id is not None else None
    # The page's k matches and the suggestion's voters come from one ranking and one query.
    # A stale index may still hold agreed JDs that have since left the library: ask for spares.
    needed = max(k, VOTERS)
    wanted = 2 * needed if state.stale else needed
    ranked = [(agreed_id, score) for agreed_id, score in top_k(scores, library.agreed_ids, wanted, exclude=exclude)
              if score > 0]
    entries = (AgreedJD.objects.filter(pk__in=[agreed_id for agreed_id, _ in ranked], is_current=True)
               .select_related("version", "grade", "job_family").in_bulk())
    nearest = [Match(entries[agreed_id], score) for agreed_id, score in ranked if agreed_id in entries]
    matches = MatchList(nearest[:k], voters=nearest[:VOTERS], title=document.title)
    return MatchResult(matches, backend=backend.name, library_size=len(library), stale=state.stale,
                       note=_library_note(state))


def _queue_embedding(pending) -> None:
    try:
        compute_match_embedding.enqueue(pending.text_hash, pending.document.title, pending.document.work,
                                        pending.document.context)
    except Exception:  # noqa: BLE001 - matching still answers (with TF-IDF) when the queue is down
        logger.warning("Could not queue the embedding of a JD for matching.", exc_info=True)


def match_version(version: JDVersion, k: int = DEFAULT_K, *, backend: MatchingBackend | None = None) -> MatchResult:
    """The ``k`` current agreed JDs most similar to this version, best first, with their grades.

    The JD's own agreed versions are left out: a JD is never matched to itself.
    """
    return match_document(document_from_version(version), k, exclude_jd_id=version.jd_id, backend=backend)


# --- Grades of the nearest matches ----------------------------------------------------------------

class Neighbour(Protocol):
    """Anything with a grade and a similarity (and a job title, if known): a :class:`Match`, or
    an evaluation record."""

    score: float

    @property
    def grade_number(self) -> int: ...


# Title words that name a level of the same job: "Senior Library Assistant" is normally one
# grade above "Library Assistant", "Assistant Facilities Manager" one below "Facilities Manager".
LEVEL_WORDS = {"senior": 1, "principal": 2, "assistant": -1, "deputy": -1, "junior": -1, "trainee": -1}


@lru_cache(maxsize=4096)
def title_level(title: str) -> tuple[str, int]:
    """A job title without its leading level words, and the level they add (``("library
    assistant", 1)`` for "Senior Library Assistant")."""
    words = re.findall(r"[^\W\d_]+", title.lower())
    level = 0
    while len(words) > 1 and words[0] in LEVEL_WORDS:
        level += LEVEL_WORDS[words.pop(0)]
    return " ".join(words), level


def level_shift(title: str, other_title: str) -> int:
    """How many grades above ``other_title`` a job called ``title`` normally is: non-zero only
    when the two are the same job at different levels ("Senior Technician" and "Technician")."""
    if not title or not other_title:
        return 0
    core, level = title_level(title)
    other_core, other_level = title_level(other_title)
    return level - other_level if core and core == other_core else 0


@dataclass(frozen=True)
class GradeShare:
    """How many of the nearest matches are at one grade, and their share of the similarity."""

    grade: int
    count: int
    share: float  # similarity-weighted share, 0 to 1
    best_score: float

    @property
    def percent(self) -> int:
        return round(self.share * 100)


def _weight(score: float, power: float = 1.0) -> float:
    # The similarity itself: a close match counts more than a loose one. (Squared similarity,
    # used until issue 11, did worse across the evaluation sets: docs/performance.md.)
    return max(score, 0.0) ** power


def grade_distribution(matches: Sequence[Neighbour]) -> list[GradeShare]:
    """The grades of the matches given (usually the top ``k``), lowest grade first."""
    counts: dict[int, int] = defaultdict(int)
    weights: dict[int, float] = defaultdict(float)
    best: dict[int, float] = defaultdict(float)
    for match in matches:
        counts[match.grade_number] += 1
        weights[match.grade_number] += _weight(match.score)
        best[match.grade_number] = max(best[match.grade_number], match.score)
    total = sum(weights.values())
    return [GradeShare(grade, counts[grade], (weights[grade] / total) if total else 0.0, best[grade])
            for grade in sorted(counts)]


@dataclass(frozen=True)
class GradeSuggestion:
    """A suggested grade and how far to trust it.

    ``grade`` is the similarity-weighted vote of the nearest agreed JDs, neighbouring grades
    supporting each other (None when there is nothing to vote). ``confidence`` (0 to 1) is the
    share of the vote on exactly that grade times the strength of the best match on the
    backend's own scale; ``confident`` is False below
    ``MEDIUM``, and then the page must say there is no confident suggestion (``message``).
    """

    grade: int | None
    confidence: float
    level: str  # "high", "medium", "low" or "none"
    message: str
    agreement: float = 0.0
    best_score: float = 0.0
    voters: int = 0
    grades_seen: list[int] = field(default_factory=list)
    adjusted: list[str] = field(default_factory=list)  # matches taken as the same job at another level

    HIGH = 0.6
    MEDIUM = 0.35

    @property
    def confident(self) -> bool:
        return self.level in ("high", "medium")


def suggest_grade(matches: Sequence[Neighbour] | MatchResult, *, title: str | None = None,
                  scale: tuple[float, float] | None = None, voters: int = VOTERS,
                  near_support: float = NEAR_GRADE_SUPPORT, power: float = 1.0) -> GradeSuggestion:
    """Suggest a grade from the nearest matches (best first), with an honest confidence.

    ``matches`` is a :class:`MatchResult`, its ``matches`` (which carry the suggestion's voters
    and the JD's title), or any neighbours best first (the evaluation). The ``voters`` nearest
    vote with their similarity (to the ``power`` given: 1, or 2 as before issue 11, for the
    evaluation's comparisons). Grades are ordered, so a vote for grade 5 also counts
    ``near_support`` for grades 4 and 6: the suggested grade is the grade voted for whose own
    votes plus that support from the grades either side weigh most (ties: the grade of the
    closest match among them). ``title`` is the job title of the JD being matched: a match that
    is the same job at another level ("Senior Technician" for a "Technician") votes for its
    grade moved by that level, and confidence is then lowered, as that is a rule of thumb, not
    a match.

    Confidence is the share of the similarity-weighted vote on exactly the suggested grade
    times the strength of the best match on the backend's scale (see :class:`GradeSuggestion`).
    """
    if isinstance(matches, MatchResult):
        matches = matches.matches
    if title is None:
        title = getattr(matches, "title", "") or ""
    matches = getattr(matches, "voters", matches)
    weak, strong = scale or get_backend().score_scale
    nearest = [m for m in matches if m.score > 0][:voters]
    if not nearest:
        return GradeSuggestion(None, 0.0, "none", "No confident suggestion: no agreed job description is similar "
                                                  "enough to compare with.")
    votes: dict[int, float] = defaultdict(float)
    effective: list[int] = []
    adjusted: list[str] = []
    for match in nearest:
        shift = level_shift(title, getattr(match, "title", "") or "")
        grade_voted = max(1, match.grade_number + shift)
        if shift:
            adjusted.append(f"“{title}” is taken as {_grades_apart(shift)} “{match.title}” (grade "
                            f"{match.grade_number})")
        effective.append(grade_voted)
        votes[grade_voted] += _weight(match.score, power)
    total = sum(votes.values())
    best_score = max(m.score for m in nearest)
    support = {g: w + near_support * (votes.get(g - 1, 0.0) + votes.get(g + 1, 0.0)) for g, w in votes.items()}
    top_support = max(support.values())
    tied = {g for g, w in support.items() if np.isclose(w, top_support)}
    grade = next(g for g in effective if g in tied)
    agreement = votes[grade] / total if total else 0.0
    strength = float(np.clip((best_score - weak) / (strong - weak), 0.0, 1.0))
    confidence = round(agreement * strength * (ADJUSTED_DISCOUNT if adjusted else 1.0), 2)
    level = ("high" if confidence >= GradeSuggestion.HIGH else
             "medium" if confidence >= GradeSuggestion.MEDIUM else "low")
    seen = sorted(votes)
    same = sum(1 for g in effective if g == grade)
    beside = sum(1 for g in effective if abs(g - grade) == 1)
    note = f" ({adjusted[0]}.)" if adjusted else ""
    if level == "low":
        if strength < 0.5:
            reason = (f"the closest agreed job descriptions are only loosely similar (the best is "
                      f"{round(best_score * 100)}% similar)")
        elif adjusted and agreement >= 0.5:
            reason = "the closest agreed job description is the same job at another level"
        else:
            reason = f"the closest agreed job descriptions are at different grades ({_grades_text(seen)})"
        message = (f"No confident suggestion: {reason}. The closest ones point to grade {grade}{note}, but match "
                   "the job to an agreed JD or refer it for evaluation.")
    else:
        either_side = f", {beside} more one grade either side" if beside else ""
        message = (f"Grade {grade} suggested with {level} confidence: {same} of the {len(nearest)} closest agreed "
                   f"job descriptions are at grade {grade}{either_side} ({round(agreement * 100)}% of the "
                   f"similarity-weighted vote is for grade {grade}), and the best match is "
                   f"{round(best_score * 100)}% similar.{note}")
    return GradeSuggestion(grade, confidence, level, message, agreement=round(agreement, 3),
                           best_score=best_score, voters=len(nearest), grades_seen=seen, adjusted=adjusted)


def _grades_apart(shift: int) -> str:
    size = "one grade" if abs(shift) == 1 else f"{abs(shift)} grades"
    return f"{size} {'above' if shift > 0 else 'below'}"


def _grades_text(grades: list[int]) -> str:
    names = [str(g) for g in grades]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


# --- Duties side by side --------------------------------------------------------------------------

PAIR_THRESHOLD = 0.2


@dataclass(frozen=True)
class DutyPair:
    """A duty of the version matched with a duty of the agreed JD (numbers count from 1)."""

    left_number: int
    left: str
    right_number: int
    right: str
    similarity: float

    @property
    def percent(self) -> int:
        return round(self.similarity * 100)


@dataclass
class DutyAlignment:
    """Which duties match which, and the duties on each side that match nothing."""

    pairs: list[DutyPair]
    unmatched_left: list[tuple[int, str]]
    unmatched_right: list[tuple[int, str]]

    @property
    def coverage(self) -> float:
        """The share of the version's duties that have a counterpart."""
        total = len(self.pairs) + len(self.unmatched_left)
        return len(self.pairs) / total if total else 0.0


def _duties(version: JDVersion | AgreedJD) -> list[str]:
    if isinstance(version, AgreedJD):
        version = version.version
    return [str(d) for d in version.duties if str(d).strip()]


def duty_alignment(version: JDVersion, agreed_version: JDVersion | AgreedJD, *,
                   threshold: float = PAIR_THRESHOLD) -> DutyAlignment:
    """Pair each duty of ``version`` with at most one duty of ``agreed_version`` (best overall pairing).

    Duties are compared with TF-IDF over words and character n-grams fitted on the two duty
    lists; pairs below ``threshold`` similarity are not pairs.
    """
    left, right = _duties(version), _duties(agreed_version)
    if not left or not right:
        return DutyAlignment([], list(enumerate(left, start=1)), list(enumerate(right, start=1)))
    texts = left + right
    words = TfidfVectorizer(sublinear_tf=True, stop_words="english", ngram_range=(1, 2), strip_accents="unicode")
    chars = TfidfVectorizer(sublinear_tf=True, analyzer="char_wb", ngram_range=(3, 5), strip_accents="unicode")
    try:
        word_matrix = words.fit_transform(texts)
    except ValueError:  # only stop words
        word_matrix = None
    char_matrix = chars.fit_transform(texts)
    blocks = [char_matrix * np.sqrt(0.4)] + ([normalize(word_matrix) * np.sqrt(0.6)] if word_matrix is not None else [])
    matrix = normalize(hstack(blocks, format="csr"))
    similarity = (matrix[: len(left)] @ matrix[len(left):].T).toarray()
    rows, cols = linear_sum_assignment(-similarity)
    pairs = [DutyPair(r + 1, left[r], c + 1, right[c], float(similarity[r, c]))
             for r, c in zip(rows, cols, strict=True) if similarity[r, c] >= threshold]
    pairs.sort(key=lambda p: p.left_number)
    paired_left = {p.left_number for p in pairs}
    paired_right = {p.right_number for p in pairs}
    return DutyAlignment(
        pairs,
        [(i, text) for i, text in enumerate(left, start=1) if i not in paired_left],
        [(i, text) for i, text in enumerate(right, start=1) if i not in paired_right],
    )
