"""The demo's clock: the demo's history is written at the dates it shows.

The demo builder drives real services (grading moves, JD saves, notifications, e-mails, pay
records), and each of them stamps what it writes with :func:`django.utils.timezone.now`. To give a
case that started on 17 September history rows, events, tasks and e-mails dated on its own
timeline, the builder sets this clock to the moment of each step and calls the service: everything
the service writes (including defaults such as ``created_at = models.DateTimeField(default=
timezone.now)``, and due dates counted from ``timezone.localdate()``) is then dated at that moment.
The history chain still links rows in the order they are written (core.chain): its positions,
not its dates, are what ``gradepath audit-verify`` checks.

:func:`demo_clock` replaces ``timezone.now`` (and every model field default that is
``timezone.now``) for the duration of a build only, and puts them back afterwards, whatever
happens. No third-party time library is needed: the project's code reads the time only through
``django.utils.timezone``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator

from django.apps import apps
from django.utils import timezone

_real_now = timezone.now


class DemoClock:
    """A clock set by the builder; ``None`` means the real time."""

    def __init__(self, real_now: dt.datetime):
        self.real_now = real_now  # when the build started: the demo's "now"; nothing is dated later
        self.moment: dt.datetime | None = None

    def now(self) -> dt.datetime:
        return self.moment if self.moment is not None else _real_now()

    def set(self, moment: dt.datetime) -> dt.datetime:
        """Set the clock to ``moment`` (never later than the build's start) and return it."""
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        self.moment = min(moment, self.real_now)
        return self.moment


_active: DemoClock | None = None


def _fields_defaulting_to_now() -> list:
    return [f for model in apps.get_models() for f in model._meta.local_fields if f.default is _real_now]


def _set_default(field, default) -> None:
    field.default = default
    field.__dict__.pop("_get_default", None)  # Field caches its default callable


@contextlib.contextmanager
def demo_clock() -> Iterator[DemoClock]:
    """Run the block with ``timezone.now`` answering the demo clock (re-entrant: an inner call
    shares the outer clock)."""
    global _active
    if _active is not None:
        yield _active
        return
    clock = DemoClock(_real_now())
    fields = _fields_defaulting_to_now()
    _active = clock
    timezone.now = clock.now
    for field in fields:
        _set_default(field, clock.now)
    try:
        yield clock
    finally:
        timezone.now = _real_now
        for field in fields:
            _set_default(field, _real_now)
        _active = None
