"""Writing the import in bulk: the people services' rules and history rows, in a few statements per
thousand records instead of a dozen statements per record.

:class:`BulkWriter` has the signatures of the services the import calls (``create_org_unit``,
``update_person``, ``start_appointment``, ``assign_unit_role`` …), so the import's writer
(:mod:`.apply`) calls it exactly as it calls the services, row by row, in the same order. Each call
checks what the service checks, with the service's own functions (:mod:`gradepath.people.services`:
``check_unit``, ``check_line_manager``, ``check_appointment``, ``role_change`` …), against the records
as they stand in memory: what the plan read from the database (under the history chain's lock, so
nothing else writes meanwhile) and the changes made so far in this import. It changes the records in
memory, and queues the writes, the notifications and the history rows (built by the services' own
``*_history`` functions). :meth:`BulkWriter.flush` then writes everything in dependency order: units
parents first, people line managers first, posts, appointments, unit role holders, notifications,
then the history rows with ``HistoryEntry.objects.bulk_create``, which links them into the audit
chain. A dry run makes the same calls and never flushes.

In per-row mode a row that is refused is undone (:meth:`BulkWriter.row`): what it changed in memory
and what it queued.

New records go in through :func:`gradepath.core.bulk.insert` (one ``COPY`` on PostgreSQL, one
``executemany`` on SQLite, ids given first so records made together can point at each other); changes to
records already in Gradepath through ``bulk_update``, a batch of ``BATCH`` at a time. So the number of
statements does not grow with the number of new records, and grows with changed records only by batch.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

from django.db.models import Min, Model
from django.utils import timezone

from gradepath.core.bulk import insert, reserve_ids
from gradepath.core.errors import ServiceError
from gradepath.core.history import actor_label, diff, history_entry, snapshot
from gradepath.core.models import HistoryEntry
from gradepath.notifications.models import Notification
from gradepath.notifications.services import in_app_notification
from gradepath.people import services
from gradepath.people.importer.parse import ProgressCallback, no_progress
from gradepath.people.importer.plan import Planner
from gradepath.people.models import Appointment, OrgUnit, Person, Post, UnitRoleAssignment

BATCH = 1_000  # records per UPDATE (the database may take fewer at a time)
HISTORY_PART = 25_000  # history rows linked and written at a time

_M = TypeVar("_M", bound=Model)


def _batches(items: Sequence[_M], size: int = BATCH) -> Iterator[Sequence[_M]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


class BulkWriter:
    """The people services' changes for one import, checked and made in memory, written by :meth:`flush`."""

    def __init__(self, planner: Planner, *, actor: Any) -> None:
        plan = planner.plan
        self.actor = actor
        self.label = actor_label(actor)
        self.today = timezone.localdate()
        self.units: dict[str, OrgUnit] = dict(plan.existing_units)  # every unit, by code
        self.people: dict[str, Person] = dict(plan.existing_people)  # the file's people (or all), by number
        self.post_numbers: set[str] = set(plan.existing_posts)
        # Who manages whom in Gradepath (employee numbers), kept as the import changes it.
        self.manager_number: dict[str, str | None] = {
            planner.db_number_of[pk]: planner.db_number_of.get(manager_pk) if manager_pk else None
            for pk, manager_pk in planner.db_manager_of.items()
        }
        self.email_owner: dict[str, str] = {email: number for email, (number, _) in planner.email_owner.items()}
        self.appointments: defaultdict[str, list[Appointment]] = defaultdict(list)
        for person_pk, theirs in planner.db_appointments.items():
            self.appointments[planner.db_number_of[person_pk]].extend(theirs)
        self.role_assignments = defaultdict(list, {key: list(v) for key, v in plan.role_assignments.items()})
        self._exists_from: dict[int, dt.date] | None = None  # id(unit) -> unit_exists_from, once first asked
        # What flush() writes.
        self.new_units: list[OrgUnit] = []
        self.changed_units: dict[int, OrgUnit] = {}
        self.new_people: list[Person] = []
        self.changed_people: dict[int, tuple[Person, set[str]]] = {}
        self.new_posts: list[Post] = []
        self.changed_posts: dict[int, tuple[Post, set[str]]] = {}
        self.new_appointments: list[Appointment] = []
        self.ended_appointments: list[Appointment] = []
        self.new_assignments: list[UnitRoleAssignment] = []
        self.ended_assignments: list[UnitRoleAssignment] = []
        self.notices: list[tuple[Person, Person]] = []  # (person, their new line manager)
        self.history: list[tuple[HistoryEntry, Model, Person | None]] = []  # (row, its record, its person)
        self._undo: list[Callable[[], None]] | None = None

    # ---- per-row mode: undoing a refused row ------------------------------------------------------------

    @contextlib.contextmanager
    def row(self) -> Iterator[None]:
        """One row of a per-row import: if it is refused, what it changed and queued is undone."""
        undo: list[Callable[[], None]] = []
        self._undo = undo
        try:
            yield
        except BaseException:
            for step in reversed(undo):
                step()
            raise
        finally:
            self._undo = None

    @staticmethod
    def together() -> contextlib.AbstractContextManager[Any]:
        """All the rows of an all-or-nothing import: nothing to do, as nothing is written until :meth:`flush`."""
        return contextlib.nullcontext()

    def _remember(self, step: Callable[[], None]) -> None:
        if self._undo is not None:
            self._undo.append(step)

    def _append(self, items: list[Any], item: Any) -> None:
        items.append(item)
        self._remember(items.pop)

    def _put(self, mapping: dict[Any, Any], key: Any, value: Any) -> None:
        had, old = key in mapping, mapping.get(key)
        mapping[key] = value
        self._remember(lambda: mapping.__setitem__(key, old) if had else mapping.pop(key, None))

    def _set_fields(self, record: Model, changes: dict[str, Any]) -> Callable[[], None]:
        """Set the fields; returns the step that sets them back (also remembered for a refused row)."""
        old = {name: getattr(record, name) for name in changes}

        def restore() -> None:
            for name, value in old.items():
                setattr(record, name, value)

        for name, value in changes.items():
            setattr(record, name, value)
        self._remember(restore)
        return restore

    def _record_history(self, arguments: dict[str, Any], person: Person | None = None) -> None:
        entry = history_entry(actor=self.actor, label=self.label, **arguments)
        self._append(self.history, (entry, arguments["obj"], person))

    # ---- units ----------------------------------------------------------------------------------------

    def create_org_unit(self, *, actor: Any, code: str, name: str, kind: str, parent: OrgUnit | None = None) -> OrgUnit:
        services.require_admin(actor)
        services.check_unit(kind, parent)
        if code in self.units:
            raise services.unit_code_in_use(code)
        unit = OrgUnit(code=code, name=name, kind=kind, parent=parent)
        self._put(self.units, code, unit)
        self._append(self.new_units, unit)
        self._record_history(services.unit_created_history(unit))
        return unit

    def update_org_unit(self, *, actor: Any, unit: OrgUnit, **changes: Any) -> OrgUnit:
        services.require_admin(actor)
        # Only the fields changing can differ, so they are the snapshot (the service takes every field).
        before = snapshot(unit, changes)
        restore = self._set_fields(unit, changes)
        try:
            services.check_unit(unit.kind, unit.parent, unit)
        except ServiceError:
            restore()
            raise
        old, new = diff(before, snapshot(unit, changes))
        if not new:
            restore()
            return unit
        self._put(self.changed_units, unit.pk, unit)
        self._record_history(services.unit_updated_history(unit, old, new))
        return unit

    @staticmethod
    def _root_kind(unit: OrgUnit) -> str:
        """The kind of the unit at the top of the unit's tree, as the import leaves it."""
        while unit.parent is not None:
            unit = unit.parent
        return unit.kind

    # ---- people ---------------------------------------------------------------------------------------

    def create_person(self, *, actor: Any, employee_number: str, first_name: str, last_name: str, work_email: str,
                      staff_category: str, **extra: Any) -> Person:
        services.require_hr(actor, "add people")
        services.check_new_person_fields(extra)
        if employee_number in self.people:
            raise services.employee_number_in_use(employee_number)
        work_email = services.normalise_email(work_email)
        if work_email in self.email_owner:
            raise services.email_in_use(work_email)
        person = Person(employee_number=employee_number, first_name=first_name, last_name=last_name,
                        work_email=work_email, staff_category=staff_category, **extra)
        self._put(self.people, employee_number, person)
        self._put(self.email_owner, work_email, employee_number)
        manager = extra.get("line_manager")
        self._put(self.manager_number, employee_number, manager.employee_number if manager else None)
        self._append(self.new_people, person)
        self._record_history(services.person_created_history(person), person)
        return person

    def _manager_of(self, person: Person) -> Person | None:
        """A person's line manager as the import leaves them (for the loop check): the record in
        memory, or just the employee number of someone the import does not read."""
        number = self.manager_number.get(person.employee_number)
        if number is None:
            return None
        return self.people.get(number) or Person(employee_number=number)

    def update_person(self, *, actor: Any, person: Person, changes: dict[str, Any]) -> Person:
        services.check_person_changes(actor, person, changes)
        if isinstance(changes.get("work_email"), str):
            changes = {**changes, "work_email": services.normalise_email(changes["work_email"])}
        before = snapshot(person, changes)
        old_email = person.work_email
        restore = self._set_fields(person, changes)
        try:
            if "line_manager" in changes:
                services.check_line_manager(person, person.line_manager, manager_of=self._manager_of)
            if "work_email" in changes and self.email_owner.get(person.work_email) not in (None, person.employee_number):
                raise services.email_in_use(person.work_email)
        except ServiceError:
            restore()
            raise
        old, new = diff(before, snapshot(person, changes))
        if not new:
            restore()
            return person
        fields = {name for name in changes if name in new}
        _, earlier = self.changed_people.get(person.pk, (person, set()))
        self._put(self.changed_people, person.pk, (person, earlier | fields))
        if "work_email" in fields:
            if self.email_owner.get(old_email) == person.employee_number:
                self._put(self.email_owner, old_email, None)
            self._put(self.email_owner, person.work_email, person.employee_number)
        if "line_manager" in fields:
            manager = person.line_manager
            self._put(self.manager_number, person.employee_number, manager.employee_number if manager else None)
        self._record_history(services.person_updated_history(person, old, new))
        if "line_manager" in new and person.line_manager is not None:
            self._append(self.notices, (person, person.line_manager))
        return person

    # ---- posts ----------------------------------------------------------------------------------------

    def create_post(self, *, actor: Any, post_number: str, org_unit: OrgUnit, title: str, **extra: Any) -> Post:
        services.require_admin(actor)
        if "grade" in extra:  # a grade is a dated change of its own (services.change_post_grade)
            raise ServiceError("The import does not set grades.")
        if post_number in self.post_numbers:
            raise services.post_id_in_use(post_number)
        services.check_fte(extra.get("fte", 1))
        post = Post(post_number=post_number, org_unit=org_unit, title=title, **extra)
        self.post_numbers.add(post_number)
        self._remember(lambda: self.post_numbers.discard(post_number))
        self._append(self.new_posts, post)
        self._record_history(services.post_created_history(post))
        return post

    def update_post(self, *, actor: Any, post: Post, changes: dict[str, Any]) -> Post:
        services.require_admin(actor)
        if "grade" in changes:
            raise ServiceError("The import does not set grades.")
        if "fte" in changes:
            services.check_fte(changes["fte"])
        before = snapshot(post, changes)
        restore = self._set_fields(post, changes)
        old, new = diff(before, snapshot(post, changes))
        if not new:
            restore()
            return post
        _, earlier = self.changed_posts.get(post.pk, (post, set()))
        self._put(self.changed_posts, post.pk, (post, earlier | {name for name in changes if name in new}))
        self._record_history(services.post_updated_history(post, old, new))
        return post

    # ---- appointments ---------------------------------------------------------------------------------

    def start_appointment(self, *, actor: Any, person: Person, post: Post, kind: str = Appointment.Kind.SUBSTANTIVE,
                          start_date: dt.date, end_date: dt.date | None = None) -> Appointment:
        services.require_hr(actor, "record appointments")
        theirs = self.appointments[person.employee_number]
        services.check_appointment(person, kind, start_date, end_date, theirs)
        appointment = Appointment(person=person, post=post, kind=kind, start_date=start_date, end_date=end_date)
        self._append(theirs, appointment)
        self._append(self.new_appointments, appointment)
        self._record_history(services.appointment_started_history(appointment), person)
        return appointment

    def end_appointment(self, *, actor: Any, appointment: Appointment, end_date: dt.date) -> Appointment:
        services.require_hr(actor, "record appointments")
        services.check_appointment_end(appointment, end_date)
        if appointment.end_date == end_date:
            return appointment
        before = appointment.end_date
        self._set_fields(appointment, {"end_date": end_date})
        self._append(self.ended_appointments, appointment)
        self._record_history(services.appointment_ended_history(appointment, before))
        return appointment

    # ---- unit role holders ----------------------------------------------------------------------------

    def assign_unit_role(self, *, actor: Any, unit: OrgUnit, role: str, person: Person, start_date: dt.date,
                         end_date: dt.date | None = None, replace_current: bool = False) -> UnitRoleAssignment:
        services.require_admin(actor)
        services.check_role_dates(role, start_date, end_date)
        services.check_role_holder(unit, person, start_date, self._unit_exists_from(unit))
        held = self.role_assignments[(unit.code, role)]
        clashes = [a for a in held if (a.end_date is None or a.end_date >= start_date)
                   and (end_date is None or a.start_date <= end_date)]
        root_kind = self._root_kind(unit)
        keep, to_end = services.role_change(clashes, unit=unit, person=person, start_date=start_date,
                                            end_date=end_date, replace_current=replace_current, root_kind=root_kind)
        if keep is not None:
            return keep
        if to_end is not None:
            before = to_end.end_date
            self._set_fields(to_end, {"end_date": start_date - dt.timedelta(days=1)})
            self._append(self.ended_assignments, to_end)
            self._record_history(services.role_ended_history(to_end, unit, before, root_kind), to_end.person)
        assignment = UnitRoleAssignment(unit=unit, role=role, person=person, start_date=start_date, end_date=end_date)
        self._append(held, assignment)
        self._append(self.new_assignments, assignment)
        self._record_history(services.role_assigned_history(assignment, unit, root_kind), person)
        return assignment

    def _unit_exists_from(self, unit: OrgUnit) -> dt.date | None:
        """:func:`services.unit_exists_from` for the tree as the import leaves it: the day the unit was
        recorded (today, for one this import adds), or the first appointment in it or below it (in the
        database or made by this import), whichever is earlier. Worked out for every unit at once the
        first time it is asked (unit role holders are named after every row is written)."""
        if self._exists_from is None:
            self._exists_from = self._read_exists_from()
        return self._exists_from.get(id(unit))

    def _read_exists_from(self) -> dict[int, dt.date]:
        by_pk = {u.pk: u for u in self.units.values() if u.pk is not None}
        exists: dict[int, dt.date] = {id(u): self.today for u in self.units.values() if u.pk is None}
        recorded = (HistoryEntry.objects.filter(object_type=OrgUnit._meta.label_lower, action="org_unit.created")
                    .values("object_id").annotate(first=Min("created_at")).values_list("object_id", "first"))
        for pk, first in recorded:
            if (unit := by_pk.get(int(pk))) is not None:
                exists[id(unit)] = timezone.localdate(first)
        firsts: list[tuple[OrgUnit, dt.date]] = [
            (by_pk[unit_pk], first) for unit_pk, first in
            Appointment.objects.values("post__org_unit_id").annotate(first=Min("start_date"))
            .values_list("post__org_unit_id", "first") if unit_pk in by_pk]
        firsts += [(a.post.org_unit, a.start_date) for a in self.new_appointments]
        for below, first in firsts:  # an appointment counts for its unit and every unit above it
            above: OrgUnit | None = below
            while above is not None:
                if exists.get(id(above)) is None or first < exists[id(above)]:
                    exists[id(above)] = first
                above = above.parent
        return exists

    # ---- writing ----------------------------------------------------------------------------------------

    def flush(self, progress: ProgressCallback = no_progress) -> None:
        """Write everything queued (inside the import's transaction), parents and managers first."""
        total = (len(self.new_units) + len(self.changed_units) + len(self.new_people) + len(self.changed_people)
                 + len(self.new_posts) + len(self.changed_posts) + len(self.new_appointments)
                 + len(self.ended_appointments) + len(self.new_assignments) + len(self.ended_assignments)
                 + len(self.history))
        done = 0

        def step(count: int) -> None:
            nonlocal done
            done += count
            progress("Writing", done, total)

        self._write_units(step)
        self._write_people(step)
        insert(self.new_posts)
        step(len(self.new_posts))
        self._update(Post, self.changed_posts.values(), step)
        for ended in _batches(self.ended_appointments):
            Appointment.objects.bulk_update(ended, ["end_date"])
            step(len(ended))
        insert(self.new_appointments)
        step(len(self.new_appointments))
        for ended_roles in _batches(self.ended_assignments):
            UnitRoleAssignment.objects.bulk_update(ended_roles, ["end_date"])
            step(len(ended_roles))
        insert(self.new_assignments)
        step(len(self.new_assignments))
        Notification.objects.bulk_create(
            [in_app_notification(recipient_id=manager.pk, **services.new_report_message(person))
             for person, manager in self.notices], batch_size=BATCH)
        self._write_history(step)
        progress("Writing", total, total)

    def _write_units(self, step: Callable[[int], None]) -> None:
        """New units (ids first, so each knows its parent's and its own path), then every unit whose
        fields or path changed (a unit that moved takes the units below it along)."""
        reserve_ids(self.new_units)
        paths: dict[int, str] = {}

        def path(unit: OrgUnit) -> str:
            if unit.pk not in paths:
                paths[unit.pk] = f"{path(unit.parent) if unit.parent is not None else '/'}{unit.pk}/"
            return paths[unit.pk]

        new = {id(unit) for unit in self.new_units}
        changed = dict(self.changed_units)
        for unit in self.units.values():
            if unit.path != path(unit):
                unit.path = path(unit)
                if id(unit) not in new:
                    changed[unit.pk] = unit
        insert(self.new_units)
        step(len(self.new_units))
        for units in _batches(list(changed.values())):
            OrgUnit.objects.bulk_update(units, ["name", "kind", "parent", "path"])
        step(len(self.changed_units))

    def _write_people(self, step: Callable[[int], None]) -> None:
        """New people (all at once: ids are given first, so a new line manager's id is known), then the
        changes to people already in Gradepath (an e-mail address moving from one to another through a
        placeholder, so no two people hold one address at any moment)."""
        insert(self.new_people)
        step(len(self.new_people))
        moving = [person for person, fields in self.changed_people.values() if "work_email" in fields]
        if moving:
            addresses = {person.pk: person.work_email for person in moving}
            for person in moving:
                person.work_email = f"import-{person.pk}@gradepath.invalid"
            for people in _batches(moving):
                Person.objects.bulk_update(people, ["work_email"])
            for person in moving:
                person.work_email = addresses[person.pk]
        self._update(Person, self.changed_people.values(), step)

    @staticmethod
    def _update(model: type[_M], changed: Iterable[tuple[_M, set[str]]], step: Callable[[int], None]) -> None:
        """Save the changed fields, one UPDATE per batch of records changing the same fields."""
        by_fields: defaultdict[tuple[str, ...], list[_M]] = defaultdict(list)
        for record, fields in changed:
            by_fields[tuple(sorted(fields))].append(record)
        for names, records in by_fields.items():
            for batch in _batches(records):
                model._default_manager.bulk_update(batch, list(names))
                step(len(batch))

    def _write_history(self, step: Callable[[int], None]) -> None:
        """The history rows, in the order the changes were made, a part at a time (for the progress shown;
        each part continues the chain where the one before it ended)."""
        entries = []
        for entry, record, person in self.history:
            entry.object_id = str(record.pk)
            if person is not None:
                entry.person_id = person.pk
            entries.append(entry)
        for part in _batches(entries, HISTORY_PART):
            HistoryEntry.objects.bulk_create(part)
            step(len(part))
