"""Imports started on the admin page, carried out by the worker (``gradepath db_worker``).

The admin page keeps the uploaded file in an :class:`~gradepath.people.models.ImportRun` and queues
:func:`run_import`; the page then shows the run, reloading itself every few seconds while it waits or
runs (:func:`progress_of`), and its report once it has finished. A file of 50,000 rows takes a while,
longer than a web request should wait.

How far a running import has got cannot be kept in the database: a real import is one transaction,
which would hide it until the end (and on SQLite holds the whole database). So the worker writes it to a
small file in ``GRADEPATH_DATA_DIR/imports/``, which the web processes share with the worker (as they
share uploads), and the page reads that.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from gradepath.core.errors import PermissionDenied
from gradepath.people.importer.plan import ImportReport
from gradepath.people.models import ImportRun

log = logging.getLogger(__name__)

SHOWN = 1_000  # problems and changes a finished run keeps for its page
PHASES = {"Checking": "Checking the rows", "Planning": "Working out the changes", "Importing": "Importing",
          "Writing": "Writing the changes"}
STALLED_AFTER = 600  # seconds without progress before the page says the worker may have stopped


@dataclass
class Progress:
    """Where a running import has got: the phase, and how many of its rows or records are done."""

    phase: str
    done: int
    total: int
    at: float  # time.time() of the last report

    @property
    def words(self) -> str:
        return PHASES.get(self.phase, self.phase)

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0

    @property
    def seconds_since(self) -> float:
        return max(time.time() - self.at, 0.0)


def _progress_file(run_id: int) -> Path:
    return Path(settings.DATA_DIR) / "imports" / f"run-{run_id}.json"


def progress_of(run: ImportRun) -> Progress | None:
    """The progress the worker last reported for a running import, if any."""
    try:
        data = json.loads(_progress_file(run.pk).read_text())
        return Progress(phase=str(data["phase"]), done=int(data["done"]), total=int(data["total"]),
                        at=float(data["at"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


class _Reporter:
    """The import's progress callback: writes the progress file, at most a few times a second."""

    def __init__(self, run_id: int) -> None:
        self.path = _progress_file(run_id)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.last = 0.0
        self.phase = ""

    def __call__(self, phase: str, done: int, total: int) -> None:
        now = time.time()
        if phase == self.phase and done < total and now - self.last < 0.5:
            return
        self.phase, self.last = phase, now
        partial = self.path.with_suffix(".part")
        partial.write_text(json.dumps({"phase": phase, "done": done, "total": total, "at": now}))
        os.replace(partial, self.path)  # the page never reads half a file

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)


def report_data(report: ImportReport) -> dict[str, Any]:
    """What the run's page shows of a report: the problems and changes (the first SHOWN of each) and
    the counts."""
    changes = [c for c in report.changes if c.action != "unchanged"]
    return {
        "errors": [e.message for e in report.errors[:SHOWN]],
        "error_count": len(report.errors),
        "changes": [{"line": c.line, "kind": c.kind, "key": c.key, "description": c.description}
                    for c in changes[:SHOWN]],
        "change_count": len(changes),
        "counts": [list(row) for row in report.counts_by_kind()],
        "rows": report.rows,
    }


@task()
def run_import(run_id: int) -> str:
    """Carry out a queued import run (see the module docstring). Returns its summary."""
    from gradepath.people.importer import import_people

    claimed = (ImportRun.objects.filter(pk=run_id, status=ImportRun.Status.QUEUED)
               .update(status=ImportRun.Status.RUNNING, started_at=timezone.now()))
    if not claimed:  # another worker has it, or it is gone
        return "Not run: this import is not waiting."
    run = ImportRun.objects.select_related("started_by").get(pk=run_id)
    reporter = _Reporter(run_id)
    try:
        if run.started_by is None:  # never the system's rights for a run someone started
            raise PermissionDenied("The login that started this import no longer exists.")
        report = import_people(actor=run.started_by, data=bytes(run.data), dry_run=run.dry_run,
                               per_row=run.per_row, progress=reporter)
    except PermissionDenied as exc:
        run.status, run.ok = ImportRun.Status.FAILED, False
        run.summary = f"{exc} Nothing was imported."
    except Exception as exc:  # recorded for the page; the import's own transaction wrote nothing
        log.exception("HR import run %s stopped.", run_id)
        run.status, run.ok = ImportRun.Status.FAILED, False
        run.summary = f"The import stopped before it finished ({exc.__class__.__name__}: {exc}). Nothing was imported."
    else:
        run.status, run.ok, run.summary, run.report = (ImportRun.Status.FINISHED, report.ok, report.summary(),
                                                       report_data(report))
    finally:
        reporter.remove()
    run.finished_at = timezone.now()
    if not run.dry_run:
        run.data = b""  # imported: the file is not needed again
    run.save(update_fields=["status", "ok", "summary", "report", "finished_at", "data"])
    return run.summary
