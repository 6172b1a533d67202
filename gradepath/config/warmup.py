"""Warming a web process before it serves: what the first request of each worker used to pay.

Measured before this (issue 13): the first request of each web process took 10 to 12 s (the
imports of the views and of what they load lazily, the matching index read from its file, the
first tracked-changes comparison, the templates compiled, the locale's formats).
:func:`warm_up` does all of that once, in gunicorn's master process before it forks its workers (``preload_app``, see
``gradepath/config/gunicorn.py``), so every worker starts with it in memory (shared, copy on
write) and no user waits for it.

Each step is on its own: one that fails (no database yet, no matching index, no agreed JD) is
logged and skipped, and the server starts all the same. The database connections the warm-up
opened are closed at the end, so no worker inherits a socket of the master's.
"""

from __future__ import annotations

import importlib
import logging
import time
from collections.abc import Callable
from pathlib import Path

logger = logging.getLogger(__name__)

# Modules the pages import only when first used (inside functions or through a lazy __getattr__).
LAZY_MODULES = (
    "gradepath.jobs.matching.matcher",
    "gradepath.jobs.matching.store",
    "gradepath.jobs.matching.backends",
    "gradepath.jobs.redline",
    "gradepath.jobs.word",
    "gradepath.jobs.pdf",
    "gradepath.notifications.tasks",
)

_SAMPLE_OLD = {
    "label": "Version 1", "job_title": "Laboratory Technician", "purpose": "Run the teaching laboratory safely.",
    "duties": [{"text": "Prepare equipment for practical classes.", "time_percent": 60},
               {"text": "Keep records of chemicals and waste.", "time_percent": 40}],
    "line_management": "", "working_relationships": "Academic staff and students.",
    "person_spec": [{"text": "Experience of laboratory work.", "essential": True}],
    "additional_information": "", "job_family": "Technical", "grade": "Grade 4",
}
_SAMPLE_NEW = {
    **_SAMPLE_OLD, "label": "Version 2", "job_title": "Senior Laboratory Technician",
    "duties": [{"text": "Keep records of chemicals, waste and risk assessments.", "time_percent": 30},
               {"text": "Prepare and test equipment for practical classes.", "time_percent": 50},
               {"text": "Train new technicians.", "time_percent": 20}],
    "grade": "Grade 5",
}


def _urls() -> str:
    from django.urls import get_resolver, reverse

    resolver = get_resolver()
    count = 0

    def walk(patterns) -> None:
        nonlocal count
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                walk(pattern.url_patterns)
            else:
                count += 1

    walk(resolver.url_patterns)
    reverse("people:home")  # builds the reverse lookup tables
    return f"{count} URLs"


def _modules() -> str:
    for name in LAZY_MODULES:
        importlib.import_module(name)
    return f"{len(LAZY_MODULES)} modules"


def _templates() -> str:
    """Compile every template of Gradepath's own (the cached loader keeps them for the workers)."""
    from django.conf import settings
    from django.template import engines

    package = Path(settings.PACKAGE_DIR).resolve()
    compiled = failed = 0
    for engine in engines.all():
        for directory in getattr(engine, "template_dirs", ()):
            root = Path(directory).resolve()
            if package not in root.parents and root != package:
                continue
            for path in sorted(root.rglob("*")):
                if path.suffix not in (".html", ".txt", ".xml") or not path.is_file():
                    continue
                try:
                    engine.get_template(path.relative_to(root).as_posix())
                    compiled += 1
                except Exception:  # noqa: BLE001 - a template only another one includes may not stand alone
                    failed += 1
    return f"{compiled} templates" + (f" ({failed} not on their own)" if failed else "")


def _matching_index() -> str:
    """The index of the current agreed JD library, read (or, for a small stale one, rebuilt) now."""
    from gradepath.jobs.matching.store import library_index

    state = library_index()
    if state.index is None:
        return "no index yet" + (" (the worker will build it)" if state.refresh_queued else "")
    return f"{len(state.index):,} agreed JDs" + (" (stale: the worker will rebuild it)"
                                                              if state.stale else "")


def _redline() -> str:
    from gradepath.jobs.redline import compare_versions, render_comparison_html

    comparison = compare_versions(_SAMPLE_OLD, _SAMPLE_NEW)
    render_comparison_html(comparison)
    return f"{len(comparison.summary.sections_changed)} sections compared"


def _formats() -> str:
    """Dates and numbers as the pages show them (loads the locale's formats module)."""
    import datetime as dt

    from django.conf import settings
    from django.utils import formats, translation

    with translation.override(settings.LANGUAGE_CODE):
        shown = formats.date_format(dt.date.today(), "DATE_FORMAT")
        formats.number_format(1234.5, 1)
    return f"dates shown as {shown!r}"


def _login_page() -> str:
    """One anonymous request through the whole middleware stack (the login page)."""
    from django.conf import settings
    from django.test import Client

    hosts = [h for h in settings.ALLOWED_HOSTS if h and h != "*" and not h.startswith(".")]
    host = hosts[0] if hosts else "localhost"
    response = Client().get("/accounts/login/", HTTP_HOST=host,
                            secure=bool(getattr(settings, "SECURE_SSL_REDIRECT", False)))
    return f"login page {response.status_code}"


STEPS: list[tuple[str, Callable[[], str]]] = [
    ("URLs and views", _urls),
    ("lazy modules", _modules),
    ("templates", _templates),
    ("matching index", _matching_index),
    ("first tracked changes", _redline),
    ("dates and numbers", _formats),
    ("first request", _login_page),
]


def warm_up(log: Callable[[str], None] | None = None,
            warn: Callable[[str], None] | None = None) -> dict[str, str]:
    """Run every warm-up step; return what each did (or why it was skipped). Never raises.

    ``log`` hears each step done (default: this module's logger, at INFO), ``warn`` each step
    skipped (default: at WARNING), so a server logging warnings only still says what failed."""
    import django
    from django.apps import apps
    from django.db import connections

    say = log or logger.info
    results: dict[str, str] = {}
    started = time.perf_counter()
    try:
        if not apps.ready:
            django.setup()
        for name, step in STEPS:
            step_started = time.perf_counter()
            try:
                outcome, tell = step(), say
            except Exception as error:  # noqa: BLE001 - a cold start is better than no start
                first_line = str(error).splitlines()[0][:150] if str(error) else ""
                outcome, tell = f"skipped ({type(error).__name__}: {first_line})", warn or logger.warning
            results[name] = outcome
            tell(f"Warm-up: {name}: {outcome}, {time.perf_counter() - step_started:.2f} s")
    finally:
        try:
            connections.close_all()  # never hand a connection of the master's to a forked worker
        except Exception:  # noqa: BLE001 - settings that never loaded have no connection to close
            logger.warning("Warm-up: could not close the database connections.", exc_info=True)
    say(f"Warm-up done in {time.perf_counter() - started:.1f} s.")
    return results
