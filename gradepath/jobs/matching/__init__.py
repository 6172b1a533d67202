"""Matching job descriptions against the agreed JD library (issue 3, item 6).

Public API for pages, the REST API and grading cases (all read-only selectors)::

    from gradepath.jobs.matching import match_version, grade_distribution, suggest_grade, duty_alignment

    result = match_version(version, k=10)        # MatchResult: .matches (Match: .agreed, .score), .note, .stale
    shares = grade_distribution(result.matches)  # [GradeShare(grade, count, share, best_score)]
    suggestion = suggest_grade(result.matches)   # GradeSuggestion(grade, confidence, level, message)
    alignment = duty_alignment(version, result.matches[0].agreed)  # DutyAlignment(pairs, unmatched_left, ...)

The backend (TF-IDF by default, or the optional embeddings) is chosen by the setting
``GRADEPATH_MATCHING_BACKEND``; see :mod:`.backends` and :mod:`.store`.
"""

from gradepath.jobs.matching.matcher import (
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

__all__ = [
    "DutyAlignment", "DutyPair", "GradeShare", "GradeSuggestion", "Match", "MatchResult", "duty_alignment",
    "grade_distribution", "match_document", "match_version", "suggest_grade",
]
