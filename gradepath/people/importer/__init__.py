"""Import org units (with their role holders), people, posts, appointments and line managers from the HR
system's CSV extract.

The file format, the modes and the error messages are described in docs/import.md.

How it works, a module per step:

1. :mod:`.parse` checks the file is a size-limited UTF-8 CSV with the required columns, turns it into
   rows, each with its CSV line number, and parses and checks each row on its own into a plain
   record (:class:`Parsed`).
2. :mod:`.plan` looks up what Gradepath already holds in a handful of batched queries and builds the
   plan: for each unit, person, post, appointment and unit role holder, whether it would be created,
   updated (and which fields) or left unchanged. Errors are collected row by row, in plain words,
   with line numbers.
3. :mod:`.apply` goes through the good rows in order (parents before children, line managers before
   their reports) and decides each change, calling :class:`.bulk.BulkWriter`, which has the people
   services' signatures and checks each change with the services' own rule functions against the
   records in memory; then (unless it is a dry run) :mod:`.bulk` writes them all, with their history
   rows, in a few statements (``core.bulk.insert``, ``HistoryEntry.objects.bulk_create``). A real
   import is one transaction, under the history chain's lock from before it reads anything. By
   default nothing is written if any row fails; in per-row mode the good rows are written and a
   refused row leaves nothing behind. Unit role holders (``<role>_employee_number`` columns) are
   named last, once every person is written. If the database refuses the bulk write, the rows are
   written again one at a time through the services (:class:`.apply.RowWriter`), to name the row at
   fault.
4. :mod:`.runs` carries out an import started on the admin page, in the worker, and reports its
   progress to the page; :mod:`.synthetic` makes an extract of any size for ``gradepath import-bench``.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from typing import Any, Protocol

from django.db import transaction

from gradepath.core.errors import PermissionDenied
from gradepath.core.models import lock_history_chain
from gradepath.people.importer.apply import apply_plan
from gradepath.people.importer.parse import (
    ALL_COLUMNS,
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    ROLE_COLUMNS,
    FileError,
    Parsed,
    ProgressCallback,
    Row,
    RowError,
    check_size,
    decode,
    max_upload_bytes,
    no_progress,
    parse_date,
    parse_rows,
    read_csv,
)
from gradepath.people.importer.plan import Change, ImportReport, Plan, Planner
from gradepath.people.permissions import can_manage_structure

__all__ = [
    "ALL_COLUMNS", "OPTIONAL_COLUMNS", "REQUIRED_COLUMNS", "ROLE_COLUMNS", "Change", "FileError", "ImportReport",
    "Parsed", "Plan", "ProgressCallback", "Row", "RowError", "check_size", "decode", "import_people",
    "import_people_file", "max_upload_bytes", "parse_date", "read_csv",
]


class Upload(Protocol):
    """A file to import: Django's UploadedFile or an open binary file (``size`` is optional)."""

    def read(self, size: int = ..., /) -> bytes: ...


def import_people(*, actor: Any, data: bytes, dry_run: bool = False, per_row: bool = False,
                  progress: ProgressCallback | None = None) -> ImportReport:
    """Import the HR extract in ``data`` (the CSV file's bytes). See docs/import.md.

    ``actor`` is the importing user (an administrator) or None for the system (the management
    command). Raises PermissionDenied for anyone else. Never raises for bad data: problems are
    in ``report.errors``, and with any error and ``per_row=False`` nothing is written.
    """
    if not can_manage_structure(actor):
        raise PermissionDenied("Only an administrator can import from the HR system.")
    report = ImportReport(dry_run=dry_run, per_row=per_row)
    try:
        rows = read_csv(data)
    except FileError as exc:
        report.errors.append(RowError(None, str(exc)))
        return report
    report.rows = len(rows)
    progress = progress or no_progress
    with _without_cyclic_gc():
        parsed = parse_rows(rows, progress)
        if dry_run:
            _plan_and_apply(parsed, report, actor=actor, dry_run=True, per_row=per_row, progress=progress)
            return report
        with transaction.atomic():
            # Every service takes this lock before it writes: from here nothing else changes what the plan
            # reads, so the bulk writes need no re-check (and on SQLite the transaction holds the database).
            lock_history_chain()
            _plan_and_apply(parsed, report, actor=actor, dry_run=False, per_row=per_row, progress=progress)
    return report


@contextlib.contextmanager
def _without_cyclic_gc() -> Iterator[None]:
    """Python's cyclic garbage collector paused: an import makes hundreds of thousands of objects (rows,
    records, history rows) that all live until it ends, and the collector would walk them over and over
    for nothing (a third of the planning time at 50,000 rows). What is garbage is collected after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _plan_and_apply(parsed: list[Parsed], report: ImportReport, *, actor: Any, dry_run: bool, per_row: bool,
                    progress: ProgressCallback) -> None:
    planner = Planner(parsed)
    planner.check()
    if per_row:
        planner.spread_failures()
    planner.report_problems(report)
    if report.errors and not per_row:
        return
    apply_plan(planner, report, actor=actor, dry_run=dry_run, per_row=per_row, progress=progress)


def import_people_file(*, actor: Any, uploaded: Upload, dry_run: bool = False, per_row: bool = False,
                       progress: ProgressCallback | None = None) -> ImportReport:
    """Import an uploaded file (Django UploadedFile or an open binary file), checking its size first."""
    if not can_manage_structure(actor):
        raise PermissionDenied("Only an administrator can import from the HR system.")
    size = getattr(uploaded, "size", None)
    try:
        if size is not None:
            check_size(size)
        data = uploaded.read(max_upload_bytes() + 1)
        check_size(len(data))
    except FileError as exc:
        report = ImportReport(dry_run=dry_run, per_row=per_row)
        report.errors.append(RowError(None, str(exc)))
        return report
    return import_people(actor=actor, data=data, dry_run=dry_run, per_row=per_row, progress=progress)
