"""Step "notifications": the messages people have besides their grading cases' (those come with the
cases, gradepath.demo.generate.grading), as the demo's own are worded (gradepath.demo.builder):

* everyone whose pay went up at the last annual increment is told so (most have read it);
* line managers are reminded of their reports' probation reviews coming up in the next three months;
* each HR Business Partner hears of the new starters in their faculty or division;
* everyone with a login was welcomed when it was made (read long ago).

Each message is e-mailed too (notifications.services.notify), and the e-mail marked sent when it was
written, as the demo's are.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

from django.conf import settings
from django.utils import timezone

from gradepath.demo.builder import DemoBuilder, _Person
from gradepath.demo.generate.base import Generation, Step
from gradepath.grades.models import PayRecord
from gradepath.grades.services import increment_date
from gradepath.notifications.models import Notification, OutboxEmail

NAME = "notifications"


def _name(p: _Person) -> str:
    return f"{p.known_as or p.first_name} {p.last_name}"


def run(generation: Generation) -> dict[str, int]:
    u: DemoBuilder = generation.shared["university"]
    logins: dict[int, int] = generation.shared["logins"]
    rng = random.Random(generation.seed * 1_000 + 7)
    today, now = generation.today, generation.now
    tz = timezone.get_current_timezone()
    messages: list[tuple[_Person, str, str, str, dt.datetime, bool]] = []  # (to, subject, body, link, at, read)

    increment = increment_date(u.pay_year)
    if increment <= today:
        at = dt.datetime.combine(increment, dt.time(7, 30), tzinfo=tz)
        for p in u.people:
            row = next((r for r in reversed(p.pay_rows) if r[0] == increment
                        and r[3] == PayRecord.Reason.ANNUAL_INCREMENT), None)
            if row is not None:
                messages.append((p, "Your pay record has been updated",
                                 f"HR Services recorded a change to your pay: {u.grades[row[1]]}, spine point {row[2]} "
                                 f"from {row[0]:%d %B %Y} (annual increment).", f"/people/{p.pk}/",
                                 min(at, now), rng.random() < 0.8))

    soon = today + dt.timedelta(days=90)
    for p in u.people:
        if p.manager is None or p.probation_end is None or not (today <= p.probation_end <= soon):
            continue
        at = min(now, dt.datetime.combine(p.probation_end - dt.timedelta(days=60), dt.time(8, 0), tzinfo=tz))
        messages.append((p.manager, f"Probation review due for {_name(p)}",
                         f"{_name(p)}'s probation ends on {p.probation_end:%d %B %Y}. Hold the probation review and "
                         "tell HR Services the outcome before then.", f"/people/{p.pk}/", at, False))

    starters: dict[str, list[_Person]] = defaultdict(list)
    for p in u.people:
        if p.start is not None and (today - p.start).days <= 120:
            starters[p.node.top.spec.code].append(p)
    for code, hrbp in u.hrbps.items():
        node = u.by_code[code]
        joined = starters.get(code, [])
        if joined:
            messages.append((hrbp, f"New starters in the {node.unit.name}",
                             f"{len(joined)} people joined the {node.unit.name} in the last four months.",
                             f"/units/{node.unit.pk}/", min(now, timezone.make_aware(dt.datetime.combine(
                                 today - dt.timedelta(days=6), dt.time(9, 0)))), False))

    by_pk = {p.pk: p for p in u.people}
    for person_pk in logins:
        p = by_pk.get(person_pk)
        if p is None or p.start is None:
            continue
        at = min(now, max(u._imported_at(p), timezone.make_aware(dt.datetime.combine(
            today - dt.timedelta(days=3 * 365), dt.time(9, 0)))))
        messages.append((p, "Welcome to Gradepath", "Gradepath holds your job, grade, spine point and pay history. "
                         "Tell HR Services if anything on My home looks wrong.", "/", at, True))

    w = generation.writer
    w.insert(Notification, ("id", "recipient_id", "subject", "body", "link", "key", "created_at", "read_at"), (
        (pk, p.pk, subject, body, link, "", at, at + dt.timedelta(hours=rng.randint(1, 96)) if read else None)
        for pk, (p, subject, body, link, at, read) in zip(w.ids(Notification, len(messages)), messages, strict=True)))
    w.insert(OutboxEmail, ("id", "to_address", "subject", "body", "created_at", "status", "attempts", "sent_at",
                           "last_error"), (
        (pk, p.email, f"[Gradepath] {subject}"[:200], f"{body}\n\nOpen Gradepath: {settings.SITE_URL}{link}\n", at,
         OutboxEmail.Status.SENT, 1, at, "")
        for pk, (p, subject, body, link, at, _) in zip(w.ids(OutboxEmail, len(messages)), messages, strict=True)))
    return {"notifications": len(messages), "unread": sum(1 for m in messages if not m[5]),
            "e-mails": len(messages)}


STEP = Step(NAME, "Messages waiting besides the cases'", run, after=("people",))
