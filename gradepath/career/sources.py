"""What each process contributes to a person's career record (the ``"career"`` slot of
:mod:`gradepath.core.registry`).

A process (appraisal, accelerated increments, secondments, acting up, grading) registers one
:class:`CareerSource` in its ``AppConfig.ready()``; the career record page lists every source's entries
under its heading, in ``order``, without naming the process. ``entries(person, user)`` returns the
entries about ``person`` that ``user`` may see (the page has already checked that ``user`` may see
``person``'s career record at all) with a bounded number of queries (one or two, whatever the number of
entries), newest first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gradepath.core.registry import contributions, register

SLOT = "career"


@dataclass(frozen=True)
class CareerEntry:
    """One line of a career record: what happened, from when (to when), where it stands and where to read it."""

    start: dt.date
    title: str  # "Secondment to the Research Office as Project Officer (Grade 7)"
    status: str = ""  # "Returned", "Approved: one accelerated increment from 1 May 2026"
    end: dt.date | None = None
    detail: str = ""
    link: str = ""  # the record's page ("" when the reader may not open it)
    reference: str = ""


@dataclass(frozen=True)
class CareerSource:
    """A heading of the career record and how to read its entries."""

    key: str
    label: str  # the heading: "Appraisals", "Secondments"
    order: int
    entries: Callable[[Any, Any], list[CareerEntry]]


def register_career_source(source: CareerSource) -> None:
    register(SLOT, source)


def career_sources() -> list[CareerSource]:
    return list(contributions(SLOT))
