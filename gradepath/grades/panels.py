"""What grades shows on pages people owns, registered in ``GradesConfig.ready()`` through
``core.registry``: a person's grade, spine point and salary, pay history and coming grade changes
on the person page, and "My grade and pay" on My home (people does not know pay; grades tells it).

Each page passes the person and the appointments it has already read (``people.selectors``
``current_appointments``, which give each post's coming grade changes), so a coming regrade of a
post is shown without reading the posts again.
"""

from __future__ import annotations

from django.utils import timezone

from gradepath.grades.selectors import (
    coming_changes,
    coming_pay,
    coming_pay_records,
    current_pay,
    current_pay_from,
    pay_history,
)


def person_pay(request, person, appointments) -> dict:
    """The person page's pay: every line of the history (two queries), the line in force with
    today's salary (one) and what is coming (none). One context for the page's three pay panels
    (the summary's facts, "Coming changes" and "Pay history"), so it is read once."""
    today = timezone.localdate()
    lines = pay_history(person, today)
    user = getattr(request, "user", None)
    return {
        "pay_lines": lines,
        "pay": current_pay_from(lines, today),
        "coming": coming_changes([line.record for line in coming_pay(lines)], appointments),
        "you": user is not None and person.user_id == user.pk,
    }


def home_pay(request, person, appointments) -> dict:
    """My home's "My grade and pay": the pay line in force with today's salary (two queries) and
    what is coming (one)."""
    today = timezone.localdate()
    return {
        "pay": current_pay(person, today),
        "coming": coming_changes(coming_pay_records(person, today), appointments),
    }
