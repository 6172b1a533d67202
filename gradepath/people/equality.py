"""Equality-monitoring data for the equality data viewer (policy §2.8, §6.2).

* :data:`PURPOSES`: what a reader may state as the purpose of reading one person's record.
  Every individual read states one, and it is recorded with the read
  (``people.permissions.get_equality_data_for_user``).
* :func:`find_people` (from ``people.lookup``, which the directory and pickers share): the viewer's
  way to a person's record, by surname (optionally with the first name) or staff number. The viewer
  reads any member of staff's record, so the finder searches everyone, with index range lookups
  only: it stays fast at 50,000 people on SQLite and PostgreSQL.
"""

from __future__ import annotations

from gradepath.people.lookup import find_people  # noqa: F401 - the viewer's finder, shared: people.lookup

OTHER = "other"
# (code, label as the form shows it, the words that finish "Viewed … for ___").
PURPOSES: list[tuple[str, str, str]] = [
    ("equal_pay_audit", "Equal-pay audit", "an equal-pay audit"),
    ("grading_fairness", "Fairness check of a grading case", "a grading case fairness check"),
    ("statutory_reporting", "Statutory reporting", "statutory reporting"),
    (OTHER, "Another purpose (say which)", "another purpose"),
]
PURPOSE_LABELS = {code: label for code, label, _ in PURPOSES}
PURPOSE_PHRASES = {code: phrase for code, _, phrase in PURPOSES}
DETAIL_MAX_LENGTH = 300


def purpose_sentence(purpose: str, detail: str = "") -> str:
    """"an equal-pay audit (2026 review)": the purpose as the history row states it."""
    phrase = PURPOSE_PHRASES[purpose]
    return f"{phrase}: {detail}" if purpose == OTHER else (f"{phrase} ({detail})" if detail else phrase)
