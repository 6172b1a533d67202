"""What the career record shows on pages people owns, registered in ``CareerConfig.ready()`` through
``core.registry``: the way to a person's career record on their person page (only for those who may
open it) and to one's own on My home."""

from __future__ import annotations

from gradepath.career.permissions import can_see_career
from gradepath.career.sources import career_sources


def _headings() -> list[str]:
    return ["grade and spine point over time", "appointments"] + [s.label.lower() for s in career_sources()]


def person_link(request, person, appointments) -> dict | None:
    """The person page's "Career record" card, for those who may open the record (none for others)."""
    user = getattr(request, "user", None)
    if not can_see_career(user, person):
        return None
    return {"person": person, "headings": _headings(), "you": person.user_id == getattr(user, "pk", None)}


def home_link(request, person, appointments) -> dict | None:
    """My home's "My career record" card (My home is always one's own)."""
    return {"person": person, "headings": _headings()}
