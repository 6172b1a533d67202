"""Matching job descriptions against the agreed JD library (issue 3, item 6).

Public API for pages, the REST API and grading cases (all read-only selectors)::

    from gradepath.jobs.matching import match_version, grade_distribution, suggest_grade, duty_alignment

    result = match_version(version, k=10)        # MatchResult: .matches (Match: .agreed, .score), .note, .stale
    shares = grade_distribution(result.matches)  # [GradeShare(grade, count, share, best_score)]
    suggestion = suggest_grade(result.matches)   # GradeSuggestion(grade, confidence, level, message):
                                                 # voted by the VOTERS nearest, whatever k was asked for
    alignment = duty_alignment(version, result.matches[0].agreed)  # DutyAlignment(pairs, unmatched_left, ...)

The backend (TF-IDF by default, or the optional embeddings) is chosen by the setting
``GRADEPATH_MATCHING_BACKEND``; see :mod:`.backends` and :mod:`.store`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__all__ = [
    "DutyAlignment", "DutyPair", "GradeShare", "GradeSuggestion", "Match", "MatchResult", "duty_alignment",
    "grade_distribution", "match_document", "match_version", "suggest_grade",
]

if TYPE_CHECKING:
    from gradepath.jobs.matching.matcher import (  # noqa: F401
        DutyAlignment,
        DutyPair,
        GradeShare,
        GradeSuggestion,
        Match,
        MatchResult,
        duty_alignment,
        grade_distribution,
        match_document,
        match_version,
        suggest_grade,
    )


def __getattr__(name: str):
    # Imported lazily: the index builder's worker processes import .backends without Django set up.
    if name in __all__:
        from gradepath.jobs.matching import matcher

        return getattr(matcher, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
