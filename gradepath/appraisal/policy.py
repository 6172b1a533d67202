"""Appraisal's policy settings (docs/policy.md §4.5): ``GRADEPATH_APPRAISAL`` in the settings, each
key falling back to the default here when the settings do not name it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # The appraisal season: (month, day) of its first and last day each year (January to April).
    "SEASON": ((1, 1), (4, 30)),
    # Working days each step's task is due in ("default" for any step not named).
    "STEP_TARGETS": {"default": 10, "pre_review": 15, "meeting": 20, "sign_off": 5},
    # Reminders this many working days before a task is due; escalation when it is overdue.
    "REMIND_BEFORE_WORKING_DAYS": 3,
}


def policy(name: str) -> Any:
    given = getattr(settings, "GRADEPATH_APPRAISAL", None) or {}
    return given.get(name, DEFAULTS[name])


def season(year: int) -> tuple[dt.date, dt.date]:
    """The first and last day of the appraisal season of ``year``."""
    (first_month, first_day), (last_month, last_day) = policy("SEASON")
    return dt.date(year, first_month, first_day), dt.date(year, last_month, last_day)


def season_words(year: int) -> str:
    start, end = season(year)
    return f"{start.day} {start:%B} to {end.day} {end:%B %Y}"
