"""Carrying out the plan: every change made through the people services' rules, with its history row.

The writer (:class:`_Writer`) goes through the rows in the planner's order (line managers before
their reports; a unit's parents before it, on demand) and decides, record by record, what to create
or change, calling a *sink* with the services' signatures:

* :class:`~.bulk.BulkWriter` (the import, and every dry run): checks each change with the services'
  own rule functions against the records in memory and queues it; the queue is then written in bulk,
  a few statements per thousand records, with its history rows (``HistoryEntry.objects.bulk_create``).
  A dry run never writes the queue.
* :class:`RowWriter`: the services themselves, one record at a time. Used only when the database
  refuses the bulk write (nothing of it is kept): the rows are written again one at a time, so the row
  at fault is named and, in per-row mode, only it and the rows that depend on it are left out.

By default the whole import is one transaction and nothing is written if any row fails; in per-row mode
a row that fails leaves nothing behind, in the database or in what the writer remembers. Unit role
holders are named last, once every person is written.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone

from gradepath.core.errors import user_message
from gradepath.people import services
from gradepath.people.importer.bulk import BulkWriter
from gradepath.people.importer.parse import Parsed, ProgressCallback, RowError, no_progress
from gradepath.people.importer.plan import Change, ImportReport, Planner, RecordKey
from gradepath.people.models import Appointment, OrgUnit, Person, Post, UnitRole

_K = TypeVar("_K")
_V = TypeVar("_V")
log = logging.getLogger(__name__)
REFUSED = (ValidationError, PermissionDenied)  # a change the services' rules refuse


def apply_plan(planner: Planner, report: ImportReport, *, actor: Any, dry_run: bool, per_row: bool,
               progress: ProgressCallback = no_progress) -> None:
    """Write the rows without problems (or, in a dry run, list what writing them would change).

    Call inside the import's transaction (unless ``dry_run``), with the history chain locked before
    the plan read the database."""
    good = planner.write_order(report.failed_lines)
    errors, failed = list(report.errors), set(report.failed_lines)
    bulk = BulkWriter(planner, actor=actor)
    writer = _Writer(planner, report, actor=actor, sink=bulk, per_row=per_row)
    if not writer.write(good, "Planning", progress):
        return
    if not dry_run:
        try:
            with transaction.atomic():
                bulk.flush(progress)
        except (DatabaseError, *REFUSED):
            # Nothing of the bulk write is kept: write the rows one at a time instead, to name the row at
            # fault, from a plan read again (the bulk writer changed the records of this one in memory).
            log.warning("The bulk import was refused by the database; writing it row by row.", exc_info=True)
            report.errors, report.failed_lines = errors, failed
            planner = planner.again()
            writer = _Writer(planner, report, actor=actor, sink=RowWriter(), per_row=per_row)
            if not writer.write(planner.write_order(report.failed_lines), "Importing", progress):
                return
    report.changes = sorted(writer.changes, key=lambda c: c.line)


class RowWriter:
    """The people services, one record at a time (what the import did before it wrote in bulk)."""

    @staticmethod
    def row() -> contextlib.AbstractContextManager[Any]:
        return transaction.atomic()

    @staticmethod
    def together() -> contextlib.AbstractContextManager[Any]:
        return transaction.atomic()

    def create_org_unit(self, *, parent: OrgUnit | None = None, **kwargs: Any) -> OrgUnit:
        if parent is not None:
            parent.refresh_from_db(fields=["path"])  # an ancestor may have moved in this import
        return services.create_org_unit(parent=parent, **kwargs)

    def update_org_unit(self, **kwargs: Any) -> OrgUnit:
        parent = kwargs.get("parent")
        if parent is not None:
            parent.refresh_from_db(fields=["path"])
        return services.update_org_unit(**kwargs)

    def create_person(self, **kwargs: Any) -> Person:
        return services.create_person(**kwargs)

    def update_person(self, **kwargs: Any) -> Person:
        return services.update_person(**kwargs)

    def create_post(self, **kwargs: Any) -> Post:
        return services.create_post(**kwargs)

    def update_post(self, **kwargs: Any) -> Post:
        return services.update_post(**kwargs)

    def start_appointment(self, **kwargs: Any) -> Appointment:
        return services.start_appointment(**kwargs)

    def end_appointment(self, **kwargs: Any) -> Appointment:
        return services.end_appointment(**kwargs)

    def assign_unit_role(self, **kwargs: Any) -> Any:
        return services.assign_unit_role(**kwargs)


class _Writer:
    """Carries out the plan row by row through a sink with the services' signatures (:class:`BulkWriter`
    or :class:`RowWriter`), remembering what is done.

    ``units``, ``people`` and ``posts`` hold the records as written so far, starting from those already
    in Gradepath.
    """

    def __init__(self, planner: Planner, report: ImportReport, *, actor: Any, sink: BulkWriter | RowWriter,
                 per_row: bool) -> None:
        self.planner = planner
        self.plan = planner.plan
        self.report = report
        self.actor = actor
        self.sink = sink
        self.per_row = per_row
        self.units: dict[str, OrgUnit | None] = dict(self.plan.existing_units)
        self.people: dict[str, Person | None] = dict(self.plan.existing_people)
        self.posts: dict[str, Post | None] = dict(self.plan.existing_posts)
        self.done: set[RecordKey] = set()
        self.changes: list[Change] = []
        self.current_line: int | None = None
        # Per-row mode: what a row changed in memory, undone if the row fails (mapping, key, old value, existed).
        self._journal: list[tuple[Any, Any, Any, bool]] | None = None
        self._failed_keys: set[RecordKey] = set()  # per-row mode: records whose row failed on writing

    # ---- remembering, with the undo journal of per-row mode -----------------------------------------

    def _set(self, mapping: dict[_K, _V], key: _K, value: _V) -> None:
        if self._journal is not None:
            self._journal.append((mapping, key, mapping.get(key), key in mapping))
        mapping[key] = value

    def _mark(self, kind: str, key: str) -> None:
        if self._journal is not None:
            self._journal.append((self.done, (kind, key), None, (kind, key) in self.done))
        self.done.add((kind, key))

    def _undo(self, journal: list[tuple[Any, Any, Any, bool]]) -> None:
        for mapping, key, old, existed in reversed(journal):
            if mapping is self.done:
                if not existed:
                    self.done.discard(key)
            elif existed:
                mapping[key] = old
            else:
                mapping.pop(key, None)

    def _record(self, kind: str, key: str, action: str, line: int, description: str,
                fields: Iterable[str] = ()) -> None:
        self.changes.append(Change(kind=kind, key=key, action=action, line=line, description=description,
                                   fields=tuple(fields)))

    @staticmethod
    def _written(records: dict[str, _V | None], key: str, words: str) -> _V:
        """A record written earlier in this import (every record a row needs is written before it)."""
        record = records.get(key)
        if record is None:
            raise ValidationError(f"Not imported because {words} could not be imported.")
        return record

    # ---- rows -------------------------------------------------------------------------------------

    def write(self, good: list[Parsed], phase: str, progress: ProgressCallback) -> bool:
        """Every good row, then the unit role holders. All or nothing: False (and nothing written,
        the report saying why) if a row is refused; per row: each refused row is reported and skipped."""
        if self.per_row:
            for i, p in enumerate(good, 1):
                self.write_row_alone(p)
                if i % 500 == 0 or i == len(good):
                    progress(phase, i, len(good))
            self.write_roles()
            return True
        try:
            with self.sink.together():
                for i, p in enumerate(good, 1):
                    self.write_row(p)
                    if i % 500 == 0 or i == len(good):
                        progress(phase, i, len(good))
                self.write_roles()
        except REFUSED as exc:
            line = self.current_line
            outcome = "Nothing would be imported." if self.report.dry_run else "Nothing was imported."
            self.report.errors.append(RowError(line, f"Line {line}: {user_message(exc)} {outcome}"))
            if line is not None:
                self.report.failed_lines.add(line)
            self.report.changes = []
            return False
        return True

    def write_row_alone(self, p: Parsed) -> None:
        """Per-row mode: the row on its own (its own transaction, or undone in memory by the bulk
        writer); a failure is reported and leaves nothing behind."""
        journal: list[tuple[Any, Any, Any, bool]] = []
        self._journal, changes_before = journal, len(self.changes)
        try:
            with self.sink.row():
                self.write_row(p)
        except REFUSED as exc:
            self._undo(journal)
            del self.changes[changes_before:]
            self.report.errors.append(RowError(p.line, f"Line {p.line}: {user_message(exc)}"))
            self.report.failed_lines.add(p.line)
            self._failed_keys.update(self.planner.described(p))
        finally:
            self._journal = None

    def write_row(self, p: Parsed) -> None:
        self.current_line = p.line
        for kind, key, words in self.planner.dependencies(p):
            if (kind, key) in self._failed_keys:
                raise ValidationError(f"Not imported because it needs {words}, which could not be imported.")
        if p.unit_code:
            self.ensure_unit(p.unit_code, p.line)
        if p.employee_number:
            self.ensure_person(p.employee_number, p.line)
        if p.post_id:
            self.ensure_post(p.post_id, p.line)
        if p.has_appointment:
            self.ensure_appointment(p)

    # ---- units --------------------------------------------------------------------------------------

    def ensure_unit(self, code: str, line: int) -> OrgUnit | None:
        if ("unit", code) in self.done or code not in self.plan.units:
            return self.units.get(code)
        values = self.plan.units[code]
        parent_code = values.get("final_parent")
        parent = self.ensure_unit(parent_code, line) if parent_code else None
        existing = self.units.get(code)
        if existing is None:
            self._create_unit(code, values, parent)
        else:
            self._update_unit(code, values, parent, existing)
        self._mark("unit", code)
        return self.units.get(code)

    def _create_unit(self, code: str, values: dict[str, Any], parent: OrgUnit | None) -> None:
        words = f"{OrgUnit.Kind(values['kind']).label.lower()} {values['name']} ({code})"
        unit = self.sink.create_org_unit(actor=self.actor, code=code, name=values["name"], kind=values["kind"],
                                         parent=parent)
        self._set(self.units, code, unit)
        self._record("unit", code, "create", self.plan.unit_lines[code][0], f"Create {words}.")

    def _update_unit(self, code: str, values: dict[str, Any], parent: OrgUnit | None, existing: OrgUnit) -> None:
        first = self.plan.unit_lines[code][0]
        changes: dict[str, Any] = {}
        if values.get("name") and values["name"] != existing.name:
            changes["name"] = values["name"]
        if values.get("kind") and values["kind"] != existing.kind:
            changes["kind"] = values["kind"]
        current_parent = existing.parent.code if existing.parent_id and existing.parent else None
        if values.get("final_parent", current_parent) != current_parent:
            changes["parent"] = parent
        if not changes:
            self._record("unit", code, "unchanged", first, f"Unit {code} is unchanged.")
            return
        unit = self.sink.update_org_unit(actor=self.actor, unit=existing, **changes)
        self._set(self.units, code, unit)
        self._record("unit", code, "update", first, f"Update unit {code}: {', '.join(changes)}.", changes)

    # ---- people -------------------------------------------------------------------------------------

    def ensure_person(self, number: str, line: int) -> Person | None:
        if ("person", number) in self.done:
            return self.people.get(number)
        values = dict(self.plan.people[number])
        if number in self.plan.managers:
            values["line_manager"] = self._line_manager(self.plan.managers[number], line)
        if number not in self.plan.existing_people:
            self._create_person(number, values)
        else:
            self._update_person(number, values, self.plan.existing_people[number])
        self._mark("person", number)
        return self.people.get(number)

    def _line_manager(self, manager_number: str | None, line: int) -> Person | None:
        """The line manager the file gives, written first if the file describes them."""
        if not manager_number:
            return None
        manager = self.people.get(manager_number)
        if manager is None and manager_number in self.plan.people and ("person", manager_number) not in self.done:
            manager = self.ensure_person(manager_number, line)
        return manager

    def _create_person(self, number: str, values: dict[str, Any]) -> None:
        name = f"{values.get('known_as') or values['first_name']} {values['last_name']}"
        extra = {k: v for k, v in values.items() if k not in ("first_name", "last_name", "work_email",
                                                             "staff_category")}
        if extra.get("line_manager") is None:
            extra.pop("line_manager", None)
        person = self.sink.create_person(actor=self.actor, employee_number=number, first_name=values["first_name"],
                                         last_name=values["last_name"], work_email=values["work_email"],
                                         staff_category=values["staff_category"], **extra)
        self._set(self.people, number, person)
        self._record("person", number, "create", self.plan.person_lines[number][0], f"Create person {number} ({name}).")

    def _update_person(self, number: str, values: dict[str, Any], existing: Person) -> None:
        first = self.plan.person_lines[number][0]
        changes: dict[str, Any] = {}
        for key, value in values.items():
            if key == "line_manager":
                current = existing.line_manager.employee_number if existing.line_manager_id and existing.line_manager else None
                if current != self.plan.managers.get(number):
                    changes[key] = value
            elif getattr(existing, key) != value:
                changes[key] = value
        if not changes:
            self._record("person", number, "unchanged", first, f"Person {number} is unchanged.")
            return
        person = self.sink.update_person(actor=self.actor, person=existing, changes=changes)
        self._set(self.people, number, person)
        self._record("person", number, "update", first,
                     f"Update person {number}: {', '.join(c.replace('_', ' ') for c in changes)}.", changes)

    # ---- posts --------------------------------------------------------------------------------------

    def ensure_post(self, post_id: str, line: int) -> Post | None:
        if ("post", post_id) in self.done:
            return self.posts.get(post_id)
        values = dict(self.plan.posts[post_id])
        unit_code = values.pop("org_unit")
        if post_id not in self.plan.existing_posts:
            self._create_post(post_id, values, unit_code)
        else:
            self._update_post(post_id, values, unit_code, self.plan.existing_posts[post_id])
        self._mark("post", post_id)
        return self.posts.get(post_id)

    def _create_post(self, post_id: str, values: dict[str, Any], unit_code: str) -> None:
        unit = self._written(self.units, unit_code, f"unit {unit_code}")
        post = self.sink.create_post(actor=self.actor, post_number=post_id, org_unit=unit, **values)
        self._set(self.posts, post_id, post)
        self._record("post", post_id, "create", self.plan.post_lines[post_id][0],
                     f"Create post {post_id} ({values['title']}).")

    def _update_post(self, post_id: str, values: dict[str, Any], unit_code: str, existing: Post) -> None:
        first = self.plan.post_lines[post_id][0]
        changes: dict[str, Any] = {key: value for key, value in values.items() if getattr(existing, key) != value}
        if unit_code != existing.org_unit.code:
            changes["org_unit"] = self.units.get(unit_code)
        if not changes:
            self._record("post", post_id, "unchanged", first, f"Post {post_id} is unchanged.")
            return
        post = self.sink.update_post(actor=self.actor, post=existing, changes=changes)
        self._set(self.posts, post_id, post)
        self._record("post", post_id, "update", first,
                     f"Update post {post_id}: {', '.join(c.replace('_', ' ') for c in changes)}.", changes)

    # ---- appointments -------------------------------------------------------------------------------

    def ensure_appointment(self, p: Parsed) -> None:
        match = self.plan.appointment_match.get(p.line)
        kind_words = Appointment.Kind(p.kind).label.lower()
        key = f"{p.employee_number}/{p.post_id}/{p.kind}/{p.start_date}"
        if match is None:
            self._start_appointment(p, key, kind_words)
        elif p.end_date is not None and match.end_date != p.end_date:
            # (an end date the file leaves blank, when Gradepath has one, is refused while planning)
            self.sink.end_appointment(actor=self.actor, appointment=match, end_date=p.end_date)
            self._record("appointment", key, "update", p.line,
                         f"Set the end date of {p.employee_number}'s {kind_words} appointment to post {p.post_id} "
                         f"to {p.end_date:%d %b %Y}.", ("end_date",))
        else:
            self._record("appointment", key, "unchanged", p.line, "Appointment unchanged.")

    def _start_appointment(self, p: Parsed, key: str, kind_words: str) -> None:
        start = p.start_date
        if start is None:  # a row without one is refused while parsing
            raise ValidationError("the start date of the appointment is missing.")
        self.sink.start_appointment(actor=self.actor,
                                    person=self._written(self.people, p.employee_number, p.employee_number),
                                    post=self._written(self.posts, p.post_id, f"post {p.post_id}"),
                                    kind=p.kind, start_date=start, end_date=p.end_date)
        self._record("appointment", key, "create", p.line,
                     f"Appoint {p.employee_number} to post {p.post_id} ({kind_words}) from {start:%d %b %Y}"
                     + (f" to {p.end_date:%d %b %Y}." if p.end_date else "."))

    # ---- unit role holders --------------------------------------------------------------------------

    def write_roles(self) -> None:
        """Name the unit role holders the file gives, from the day of the import (after every person
        is written). Someone else named on the unit for that role stops the day before; a holder the
        file leaves blank is kept (ending a role without a successor is done in the admin site)."""
        plan, today = self.plan, timezone.localdate()
        refused = set(self.report.failed_lines)  # rows with a problem: their holders are not named
        for (code, role), number in sorted(plan.holders.items(), key=lambda item: plan.holder_lines[item[0]]):
            line = plan.holder_lines[(code, role)]
            if line in refused:
                continue
            label, current = UnitRole(role).label, plan.current_holders.get((code, role))
            key = f"{code}/{role}"
            if current == number:
                self._record("role", key, "unchanged", line, f"{number} is still the {label} of unit {code}.")
                continue
            self.current_line = line
            if self._assign_role(code, role, number, line, today):
                self._record("role", key, "update" if current else "create", line,
                             f"Name {number} as the {label} of unit {code} from {today:%d %b %Y}"
                             + (f" (instead of {current})." if current else "."))

    def _assign_role(self, code: str, role: str, number: str, line: int, today: Any) -> bool:
        """Name the holder; in per-row mode a failure is reported on the line (False), else it stops the import."""
        unit, person = self.units.get(code), self.people.get(number)
        if unit is None or ("unit", code) in self._failed_keys:
            return self._role_failed(line, f"Not imported because unit {code} could not be imported.")
        if person is None or ("person", number) in self._failed_keys:
            return self._role_failed(line, f"Not imported because {number} could not be imported.")
        try:
            with self.sink.row():
                self.sink.assign_unit_role(actor=self.actor, unit=unit, role=role, person=person,
                                           start_date=today, replace_current=True)
        except REFUSED as exc:
            if not self.per_row:
                raise
            return self._role_failed(line, user_message(exc))
        return True

    def _role_failed(self, line: int, message: str) -> bool:
        if not self.per_row:
            raise ValidationError(message)
        self.report.errors.append(RowError(line, f"Line {line}: {message}"))
        self.report.failed_lines.add(line)
        return False
