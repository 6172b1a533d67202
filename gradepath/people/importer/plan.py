"""What the import would change: the parsed rows checked against each other and against Gradepath.

:class:`Planner` looks up what Gradepath already holds in a handful of batched queries (the same
number for 50 rows as for 500), merges the rows that describe one unit, person or post, checks what
only the whole file shows (missing units and line managers, loops, overlapping appointments, one
holder per unit role) and builds the :class:`Plan`: for each unit, person, post, appointment and unit
role holder, whether it would be created, updated or left unchanged. Problems are collected per CSV
line. In per-row mode it also works out which rows fall with a failed row they depend on.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db.models import Model, Q, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone

from gradepath.people.importer.parse import Parsed, RowError
from gradepath.people.models import Appointment, OrgUnit, Person, Post, UnitRole, UnitRoleAssignment

TOP_LEVEL_KINDS = {OrgUnit.Kind.FACULTY.value, OrgUnit.Kind.PS_DIVISION.value}
BATCH = 500  # ids per IN (...) query: well under SQLite's parameter limit
# A file naming more people or posts than this reads the whole people, posts and appointments tables
# in one query each instead of looking them up by key, a batch of BATCH keys at a time.
WHOLE_TABLES = 2_000

_M = TypeVar("_M", bound=Model)


def _in_batches(values: Iterable[Any]) -> Iterator[list[Any]]:
    values = list(values)
    for i in range(0, len(values), BATCH):
        yield values[i:i + BATCH]


def _fetch(queryset: QuerySet[_M], field_name: str, values: Iterable[Any]) -> list[_M]:
    found: list[_M] = []
    for chunk in _in_batches(values):
        found.extend(queryset.filter(**{f"{field_name}__in": chunk}))
    return found


def _link(record: Model, name: str, related: Model) -> None:
    """Point ``record``'s foreign key ``name`` at ``related``, the record it already names by id (the
    descriptor's checks, for hundreds of thousands of records, are most of the time of reading them)."""
    record._meta.get_field(name).set_cached_value(record, related)  # type: ignore[union-attr]


# --- What the import does ------------------------------------------------------------------------


@dataclass
class Change:
    """One record the import creates, updates or leaves unchanged."""

    kind: str  # "unit", "person", "post", "appointment", "role"
    key: str
    action: str  # "create", "update", "unchanged"
    line: int
    description: str
    fields: tuple[str, ...] = ()


@dataclass
class ImportReport:
    """What the import did (or, in a dry run, would do), and every problem found."""

    dry_run: bool
    per_row: bool
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    failed_lines: set[int] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return not self.errors

    def count(self, action: str, kind: str | None = None) -> int:
        return sum(1 for c in self.changes if c.action == action and (kind is None or c.kind == kind))

    @property
    def created(self) -> int:
        return self.count("create")

    @property
    def updated(self) -> int:
        return self.count("update")

    @property
    def unchanged(self) -> int:
        return self.count("unchanged")

    def counts_by_kind(self) -> list[tuple[str, int, int, int]]:
        labels = (("unit", "org units"), ("person", "people"), ("post", "posts"), ("appointment", "appointments"),
                  ("role", "unit roles"))
        return [(label, self.count("create", kind), self.count("update", kind), self.count("unchanged", kind))
                for kind, label in labels]

    def summary(self) -> str:
        """One paragraph for the command line and the admin page."""
        verb = "Dry run: would have made" if self.dry_run else "Imported"
        if not self.dry_run and not self.per_row and self.errors:
            return (f"Nothing was imported: {len(self.failed_lines) or len(self.errors)} "
                    f"row{'s' if len(self.failed_lines) != 1 else ''} of {self.rows} "
                    f"{'have' if len(self.failed_lines) != 1 else 'has'} problems. Correct them and import the file again.")
        if self.dry_run and not self.per_row and self.errors:
            return (f"Dry run: {len(self.failed_lines) or len(self.errors)} of {self.rows} rows have problems, "
                    "so this file would import nothing. Correct them and try again.")
        parts = [f"{verb} {self.created} created, {self.updated} updated, {self.unchanged} unchanged"]
        detail = "; ".join(f"{label}: {c} created, {u} updated, {n} unchanged"
                           for label, c, u, n in self.counts_by_kind() if c or u or n)
        text = parts[0] + (f" ({detail})." if detail else ".")
        if self.errors:
            text += f" {len(self.failed_lines)} of {self.rows} rows were {'would be ' if self.dry_run else ''}skipped because of problems."
        return text


@dataclass
class Plan:
    """Everything the import would do, keyed by the HR system's identifiers."""

    units: dict[str, dict[str, Any]] = field(default_factory=dict)   # code -> final values
    people: dict[str, dict[str, Any]] = field(default_factory=dict)  # employee no -> final values
    managers: dict[str, str | None] = field(default_factory=dict)    # employee no -> manager no / None
    posts: dict[str, dict[str, Any]] = field(default_factory=dict)   # post id -> final values
    unit_lines: defaultdict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    unit_decl_lines: defaultdict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    person_lines: defaultdict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    post_lines: defaultdict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    holders: dict[tuple[str, str], str] = field(default_factory=dict)  # (unit code, role) -> employee no
    holder_lines: dict[tuple[str, str], int] = field(default_factory=dict)  # first line naming it
    current_holders: dict[tuple[str, str], str] = field(default_factory=dict)  # in Gradepath today
    # The assignments of the roles the file names, held today or later, earliest first.
    role_assignments: defaultdict[tuple[str, str], list[UnitRoleAssignment]] = field(
        default_factory=lambda: defaultdict(list))
    # Every unit (the tree, parents linked in memory), by code; the people and posts the file names
    # (or all of them, for a large file), by employee number and post id. Each record's unit, parent,
    # line manager and post are linked to these same objects, so what the import changes in one is
    # seen from the others.
    existing_units: dict[str, OrgUnit] = field(default_factory=dict)
    existing_people: dict[str, Person] = field(default_factory=dict)
    existing_posts: dict[str, Post] = field(default_factory=dict)
    # CSV line -> the appointment already in Gradepath that the row describes (None: a new one)
    appointment_match: dict[int, Appointment | None] = field(default_factory=dict)

    def unit_line(self, code: str) -> int:
        """The line a unit's problems are reported on: the first that declares it, else the first naming it."""
        return (self.unit_decl_lines.get(code) or self.unit_lines[code])[0]


def _merge(target: dict[str, Any], values: dict[str, Any], *, line: int, first_line: dict[str, int],
           what: str, errors: list[str]) -> None:
    """Merge one row's values into an entity; non-blank values given on several rows must agree."""
    for key, value in values.items():
        if value in ("", None):
            target.setdefault(key, value)
            continue
        current = target.get(key)
        if current in ("", None):
            target[key] = value
            first_line[key] = line
        elif current != value:
            label = key.replace("_", " ")
            errors.append(f"the {label} of {what} is '{value}' here but '{current}' on line {first_line[key]}. "
                          "Give the same details on every row, or leave them blank after the first.")


def _kind_words(kind: str) -> str:
    return OrgUnit.Kind(kind).label.lower()


# (kind, key) of a record in the file: ("unit", code), ("person", employee no), ("post", post id)
RecordKey = tuple[str, str]
# An appointment's start, end, description, and its CSV line (None: already in Gradepath)
Span = tuple[dt.date, dt.date | None, str, int | None]


class Planner:
    """Checks the parsed rows against each other and against Gradepath, and builds the plan."""

    def __init__(self, parsed: list[Parsed]) -> None:
        self.parsed = parsed
        self.plan = Plan()
        self.row_errors: defaultdict[int, list[str]] = defaultdict(list)
        for p in parsed:
            self.row_errors[p.line].extend(p.errors)
        self.email_owner: dict[str, tuple[str, int]] = {}  # lower-case e-mail -> (employee no, pk) in Gradepath
        # The whole management graph in Gradepath, to find loops through people not in the file.
        self.db_manager_of: dict[int, int | None] = {}
        self.db_number_of: dict[int, str] = {}
        self.db_pk_of: dict[str, int] = {}
        self.db_appointments: defaultdict[int, list[Appointment]] = defaultdict(list)  # person pk -> theirs
        self.duplicate_lines: set[int] = set()
        self.bad_unit_kind: set[str] = set()
        self.bad_units: dict[str, int] = {}  # unit code -> the line reporting its problem
        self.spread = False  # whether spread_failures() ran (per-row mode)

    def again(self) -> Planner:
        """The same rows planned afresh from what the database holds now (the records this plan read
        may have been changed in memory since)."""
        planner = Planner(self.parsed)
        planner.check()
        if self.spread:
            planner.spread_failures()
        return planner

    def check(self) -> None:
        """Every check that needs more than one row or what Gradepath holds."""
        self._load_existing()
        self._collect()
        self._check_units()
        self._check_people()
        self._check_appointments()

    def report_problems(self, report: ImportReport) -> None:
        """Every problem found, in line order, with the lines that have one."""
        for line in sorted(self.row_errors):
            for message in self.row_errors[line]:
                report.errors.append(RowError(line, f"Line {line}: {message}"))
        report.failed_lines = {line for line, errors in self.row_errors.items() if errors}

    def _error(self, line: int, message: str) -> None:
        if message not in self.row_errors[line]:
            self.row_errors[line].append(message)

    # ---- what Gradepath holds (batched queries, as many for 50 rows as for 500) ------------------

    def _load_existing(self) -> None:
        parsed, plan = self.parsed, self.plan
        numbers = ({p.employee_number for p in parsed if p.employee_number} | {p.manager for p in parsed if p.manager}
                   | {number for p in parsed for number in p.holders.values()})
        post_ids = {p.post_id for p in parsed if p.post_id}
        whole = len(numbers) > WHOLE_TABLES or len(post_ids) > WHOLE_TABLES
        units = {u.pk: u for u in OrgUnit.objects.all()}
        for unit in units.values():
            if unit.parent_id is not None:
                _link(unit, "parent", units[unit.parent_id])
        plan.existing_units = {u.code: u for u in units.values()}
        people = self._load_people(numbers, whole)
        posts = {x.pk: x for x in (Post.objects.all() if whole else _fetch(Post.objects.all(), "post_number", post_ids))}
        for post in posts.values():
            _link(post, "org_unit", units[post.org_unit_id])
        plan.existing_posts = {x.post_number: x for x in posts.values()}
        self._load_roles(units, people)
        self._load_email_owners(whole)
        file_people = [people[self.db_pk_of[n]] for n in numbers if n in self.db_pk_of]
        appointments = (Appointment.objects.all() if whole
                        else _fetch(Appointment.objects.select_related("post"), "person_id", [x.pk for x in file_people]))
        for appointment in appointments:
            if appointment.person_id not in people:
                continue
            _link(appointment, "person", people[appointment.person_id])
            if appointment.post_id in posts:
                _link(appointment, "post", posts[appointment.post_id])
            self.db_appointments[appointment.person_id].append(appointment)

    def _load_people(self, numbers: set[str], whole: bool) -> dict[int, Person]:
        """The people the file names (all of them, if ``whole``), line managers linked in memory, and
        the whole management graph in Gradepath (to find loops through people not in the file)."""
        if whole:
            people = {x.pk: x for x in Person.objects.all()}
            graph: Iterable[tuple[int, str, int | None]] = (
                (x.pk, x.employee_number, x.line_manager_id) for x in people.values())
        else:
            people = {x.pk: x for x in _fetch(Person.objects.select_related("line_manager"), "employee_number", numbers)}
            graph = Person.objects.values_list("pk", "employee_number", "line_manager_id")
        for pk, number, manager_id in graph:
            self.db_manager_of[pk] = manager_id
            self.db_number_of[pk] = number
            self.db_pk_of[number] = pk
        for person in people.values():
            if person.line_manager_id in people:
                _link(person, "line_manager", people[person.line_manager_id])
        self.plan.existing_people = {x.employee_number: x for x in people.values()}
        return people

    def _load_roles(self, units: dict[int, OrgUnit], people: dict[int, Person]) -> None:
        """The assignments held today or later of the roles of the units whose holders the file names."""
        naming = {p.unit_code for p in self.parsed if p.holders}
        named_units = [u.pk for u in units.values() if u.code in naming]
        today = timezone.localdate()
        held = (UnitRoleAssignment.objects.filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
                .select_related("person").order_by("start_date", "pk"))
        for assignment in _fetch(held, "unit_id", named_units):
            _link(assignment, "unit", units[assignment.unit_id])
            if assignment.person_id in people:
                _link(assignment, "person", people[assignment.person_id])
            key = (assignment.unit.code, assignment.role)
            self.plan.role_assignments[key].append(assignment)
            if assignment.start_date <= today:
                self.plan.current_holders[key] = assignment.person.employee_number
        for assignments in self.plan.role_assignments.values():
            assignments.sort(key=lambda a: (a.start_date, a.pk))

    def _load_email_owners(self, whole: bool) -> None:
        if whole:  # the people table is in memory already
            self.email_owner = {x.work_email.lower(): (x.employee_number, x.pk)
                                for x in self.plan.existing_people.values()}
            return
        emails = {p.person["work_email"].lower() for p in self.parsed if p.person.get("work_email")}
        self.email_owner = {
            email: (number, pk) for email, number, pk in (
                row for chunk in _in_batches(emails)
                for row in Person.objects.annotate(email_lower=Lower("work_email"))
                .filter(email_lower__in=chunk).values_list("email_lower", "employee_number", "pk")
            )
        }

    # ---- the rows that describe one record ------------------------------------------------------

    def _collect(self) -> None:
        """Merge rows that describe the same unit, person or post; spot duplicates."""
        unit_first: defaultdict[str, dict[str, int]] = defaultdict(dict)
        person_first: defaultdict[str, dict[str, int]] = defaultdict(dict)
        post_first: defaultdict[str, dict[str, int]] = defaultdict(dict)
        seen: dict[tuple[str, str], int] = {}
        for p in self.parsed:
            if p.unit_code and p.row.get("unit_kind") and "kind" not in p.unit:
                self.bad_unit_kind.add(p.unit_code)
                self.bad_units.setdefault(p.unit_code, p.line)
        for p in self.parsed:
            errors = self.row_errors[p.line]
            if p.unit_code:
                self._collect_unit(p, unit_first[p.unit_code], errors)
            self._collect_holders(p, errors)
            if p.employee_number:
                self._collect_person(p, person_first[p.employee_number], seen, errors)
            if p.post_id:
                self.plan.post_lines[p.post_id].append(p.line)
                _merge(self.plan.posts.setdefault(p.post_id, {}), dict(p.post, org_unit=p.unit_code), line=p.line,
                       first_line=post_first[p.post_id], what=f"post {p.post_id}", errors=errors)
        for number, values in self.plan.people.items():
            if "line_manager" in values:
                self.plan.managers[number] = values.pop("line_manager") or None
        self._check_post_titles()

    def _collect_unit(self, p: Parsed, first_line: dict[str, int], errors: list[str]) -> None:
        plan = self.plan
        plan.unit_lines[p.unit_code].append(p.line)
        if p.unit:
            plan.unit_decl_lines[p.unit_code].append(p.line)
        _merge(plan.units.setdefault(p.unit_code, {}), p.unit, line=p.line, first_line=first_line,
               what=f"unit {p.unit_code}", errors=errors)

    def _collect_holders(self, p: Parsed, errors: list[str]) -> None:
        """One holder per role of a unit: the first row naming it, and any other row must agree."""
        plan = self.plan
        for role, number in p.holders.items():
            key = (p.unit_code, role)
            if key not in plan.holders:
                plan.holders[key], plan.holder_lines[key] = number, p.line
            elif plan.holders[key] != number:
                errors.append(f"the {UnitRole(role).label} of unit {p.unit_code} is {number} here but "
                              f"{plan.holders[key]} on line {plan.holder_lines[key]}. Give the same holder on "
                              "every row, or leave it blank after the first.")

    def _collect_person(self, p: Parsed, first_line: dict[str, int], seen: dict[tuple[str, str], int],
                        errors: list[str]) -> None:
        key = (p.employee_number, p.post_id)
        if key in seen:
            where = f"for the same post ({p.post_id})" if p.post_id else "without a post"
            errors.append(f"employee number {p.employee_number} is already on line {seen[key]} {where}. "
                          "Each person appears once per post.")
            self.duplicate_lines.add(p.line)
        else:
            seen[key] = p.line
        self.plan.person_lines[p.employee_number].append(p.line)
        values = dict(p.person)
        if p.manager is not None:
            values["line_manager"] = p.manager
        _merge(self.plan.people.setdefault(p.employee_number, {}), values, line=p.line, first_line=first_line,
               what=p.employee_number, errors=errors)

    def _check_post_titles(self) -> None:
        """A new post needs a title; a blank title keeps the current one."""
        plan = self.plan
        for post_id, values in plan.posts.items():
            if not values.get("title") and post_id not in plan.existing_posts:
                self._error(plan.post_lines[post_id][0], f"the post title of new post {post_id} is missing.")
            elif not values.get("title"):
                values["title"] = plan.existing_posts[post_id].title

    # ---- units ----------------------------------------------------------------------------------

    def _check_units(self) -> None:
        for code, values in self.plan.units.items():
            self._check_unit(code, values)
        for code in self.plan.units:
            self._check_unit_loop(code)

    def _check_unit(self, code: str, values: dict[str, Any]) -> None:
        """A unit's kind and parent after the import (``final_kind``, ``final_parent``), if they make sense."""
        line = self.plan.unit_line(code)
        existing = self.plan.existing_units.get(code)
        if existing is not None:
            final_kind = values.get("kind") or existing.kind
        elif code in self.bad_unit_kind:
            return  # the unknown kind is reported on its line (and recorded in bad_units)
        elif not values.get("name") or not values.get("kind"):
            missing = " and ".join(w for w, k in (("unit_name", "name"), ("unit_kind", "kind")) if not values.get(k))
            self._unit_error(code, line, f"unit {code} is not in Gradepath yet, so give its {missing}.")
            return
        else:
            final_kind = values["kind"]
        parent = self._final_parent(code, line, final_kind, values.get("parent") or "", existing)
        if parent is not None:
            values["final_kind"] = final_kind
            values["final_parent"] = parent or None

    def _final_parent(self, code: str, line: int, kind: str, parent: str, existing: OrgUnit | None) -> str | None:
        """The unit's parent code after the import ("" for none), or None after reporting why it cannot be."""
        if kind in TOP_LEVEL_KINDS:
            if parent:
                self._unit_error(code, line, f"unit {code} is a {_kind_words(kind)}, which sits at the "
                                 "top of the structure: leave its parent unit code blank.")
                return None
        elif not parent:
            if existing is None or existing.parent is None:
                self._unit_error(code, line, f"unit {code} is a {_kind_words(kind)}, so it needs a "
                                 "parent unit code (the faculty, division or department it belongs to).")
                return None
            parent = existing.parent.code
        if parent and parent not in self.plan.units and parent not in self.plan.existing_units:
            self._unit_error(code, line, f"the parent unit {parent} of {code} is not in this file or in Gradepath.")
            return None
        return parent

    def _check_unit_loop(self, code: str) -> None:
        """Loops in the unit tree (after the import)."""
        chain, current = [code], self._unit_parent(code)
        while current is not None and current not in chain and len(chain) < 100:
            chain.append(current)
            current = self._unit_parent(current)
        if current == code:
            self._unit_error(code, self.plan.unit_line(code), "the parent units form a loop: "
                             + " → ".join(chain + [code]) + ". A unit cannot be inside itself.")

    def _unit_error(self, code: str, line: int, message: str) -> None:
        """A problem with a unit: rows in that unit cannot be imported in per-row mode either."""
        self._error(line, message)
        self.bad_units.setdefault(code, line)

    def _unit_parent(self, code: str) -> str | None:
        """The unit's parent code after the import."""
        values = self.plan.units.get(code)
        if values is not None and "final_parent" in values:
            return values["final_parent"]
        unit = self.plan.existing_units.get(code)
        if unit is not None and unit.parent_id:
            return unit.parent.code if unit.parent else None
        return None

    # ---- people ---------------------------------------------------------------------------------

    def _check_people(self) -> None:
        file_emails = self._check_person_details()
        self._check_emails_in_gradepath(file_emails)
        self._check_holders_exist()
        self._check_managers_exist()
        self._check_manager_loops()

    def _check_person_details(self) -> dict[str, str]:
        """Required details, and one person per e-mail address in the file (lower-case e-mail -> employee no)."""
        plan = self.plan
        file_emails: dict[str, str] = {}
        for number, values in plan.people.items():
            line = plan.person_lines[number][0]
            for column in ("first_name", "last_name", "work_email", "staff_category"):
                if not values.get(column):
                    self._error(line, f"the {column.replace('_', ' ')} of {number} is missing.")
            email = (values.get("work_email") or "").lower()
            if email:
                other = file_emails.get(email)
                if other and other != number:
                    self._error(line, f"the work e-mail {values['work_email']} is also given for {other} on line "
                                      f"{plan.person_lines[other][0]}. Each person needs their own address.")
                file_emails[email] = number
        return file_emails

    def _check_emails_in_gradepath(self, file_emails: dict[str, str]) -> None:
        plan = self.plan
        for email, number in file_emails.items():
            owner = self.email_owner.get(email)
            # Someone else in the file may be giving up this address in the same import.
            if owner and owner[0] != number and owner[0] not in plan.people:
                self._error(plan.person_lines[number][0],
                            f"the work e-mail {plan.people[number]['work_email']} already belongs to {owner[0]} in Gradepath.")

    def _known(self, number: str) -> bool:
        """Someone in the file or already in Gradepath."""
        return number in self.plan.people or number in self.plan.existing_people

    def _check_holders_exist(self) -> None:
        for (code, role), holder in self.plan.holders.items():
            if not self._known(holder):
                self._error(self.plan.holder_lines[(code, role)],
                            f"the {UnitRole(role).label} {holder} of unit {code} is not in this file or in Gradepath.")

    def _check_managers_exist(self) -> None:
        manager_line: dict[str, int] = {}
        for p in self.parsed:
            if p.manager:
                manager_line.setdefault(p.employee_number, p.line)
        for number, manager in self.plan.managers.items():
            if manager and not self._known(manager):
                self._error(manager_line.get(number, self.plan.person_lines[number][0]),
                            f"line manager {manager} is not in this file or in Gradepath.")

    def _check_manager_loops(self) -> None:
        """Loops in line management (after the import), through people in the file or not."""
        for number in self.plan.managers:
            chain = [number]
            current = self._manager_of(number)
            while current is not None and current not in chain and len(chain) < 200:
                chain.append(current)
                current = self._manager_of(current)
            if current == number and len(chain) > 1:
                self._error(self.plan.person_lines[number][0], "the line managers form a loop: "
                            + " → ".join(chain + [number]) + ". Someone in the chain must report outside it.")

    def _manager_of(self, number: str) -> str | None:
        """The line manager after the import: from the file if it says, else from Gradepath."""
        if number in self.plan.managers:
            return self.plan.managers[number]
        pk = self.db_pk_of.get(number)
        if pk is None:
            return None
        manager_pk = self.db_manager_of.get(pk)
        return self.db_number_of.get(manager_pk) if manager_pk else None

    # ---- appointments ---------------------------------------------------------------------------

    def _check_appointments(self) -> None:
        """Match each appointment row to one already in Gradepath; no overlapping substantive appointments."""
        by_person: defaultdict[str, list[tuple[Parsed, dt.date]]] = defaultdict(list)
        for p in self.parsed:
            if p.has_appointment and p.start_date and p.line not in self.duplicate_lines:
                by_person[p.employee_number].append((p, p.start_date))
        for number, rows in by_person.items():
            person = self.plan.existing_people.get(number)
            existing = self.db_appointments.get(person.pk, []) if person else []
            self._check_overlaps(number, self._match_appointments(rows, existing))

    def _match_appointments(self, rows: list[tuple[Parsed, dt.date]], existing: list[Appointment]) -> list[Span]:
        """The person's substantive appointments after the import, earliest first."""
        spans: list[Span] = []
        matched: set[int] = set()
        for p, start in rows:
            match = next((a for a in existing if a.post.post_number == p.post_id and a.kind == p.kind
                          and a.start_date == start), None)
            self.plan.appointment_match[p.line] = match
            if match is not None:
                matched.add(match.pk)
                if match.end_date is not None and p.end_date is None:
                    self._error(p.line, f"this {match.get_kind_display().lower()} appointment ended on "
                                        f"{match.end_date:%d %b %Y} in Gradepath; the import cannot remove an "
                                        "end date. Give the end date, or ask HR Services to correct it.")
            if p.kind == Appointment.Kind.SUBSTANTIVE:
                spans.append((start, p.end_date, f"in post {p.post_id} on line {p.line}", p.line))
        for a in existing:
            if a.pk not in matched and a.kind == Appointment.Kind.SUBSTANTIVE:
                spans.append((a.start_date, a.end_date, f"in post {a.post.post_number} already in Gradepath", None))
        spans.sort(key=lambda t: t[0])
        return spans

    def _check_overlaps(self, number: str, spans: list[Span]) -> None:
        """Blames the later row of two overlapping spans (or the row, if the other is in Gradepath)."""
        for i, (start, end, desc, line) in enumerate(spans):
            for start2, end2, desc2, line2 in spans[i + 1:]:
                if not ((end is None or start2 <= end) and (end2 is None or start <= end2)):
                    continue
                if line2 is not None:
                    blame, other = line2, f"from {start:%d %b %Y} {desc}"
                elif line is not None:
                    blame, other = line, f"from {start2:%d %b %Y} {desc2}"
                else:
                    continue
                self._error(blame, f"this substantive appointment overlaps {number}'s substantive appointment "
                                   f"{other}. End the earlier one first (give its end date), or record one of "
                                   "them as a secondment or acting up.")

    # ---- dependencies and order -------------------------------------------------------------------

    def dependencies(self, p: Parsed) -> list[tuple[str, str, str]]:
        """(kind, key, words) of every record the row needs from other rows."""
        deps: list[tuple[str, str, str]] = []
        code = p.unit_code
        guard = 0
        while code and guard < 100:
            deps.append(("unit", code, f"unit {code}"))
            code = self._unit_parent(code) or ""
            guard += 1
        if p.employee_number:
            deps.append(("person", p.employee_number, f"person {p.employee_number}"))
            manager = self.plan.managers.get(p.employee_number)
            if manager:
                deps.append(("person", manager, f"line manager {manager}"))
        if p.post_id:
            deps.append(("post", p.post_id, f"post {p.post_id}"))
        return deps

    @staticmethod
    def described(p: Parsed) -> list[RecordKey]:
        """The records a row describes (a unit only if the row gives its name, kind or parent)."""
        keys = []
        if p.unit_code and p.unit:
            keys.append(("unit", p.unit_code))
        if p.employee_number:
            keys.append(("person", p.employee_number))
        if p.post_id:
            keys.append(("post", p.post_id))
        return keys

    def spread_failures(self) -> None:
        """Per-row mode: a row fails if a row describing a record it needs fails (to a fixed point).

        So the rows for one person (or one post) stand or fall together, and the people a failed
        person line-manages are skipped too.
        """
        self.spread = True
        failed_by: dict[RecordKey, int] = {("unit", code): line for code, line in self.bad_units.items()}
        failed = set()
        for p in self.parsed:
            if self.row_errors.get(p.line):
                failed.add(p.line)
                for key in self.described(p):
                    failed_by.setdefault(key, p.line)
        changed = True
        while changed:
            changed = False
            for p in self.parsed:
                if p.line not in failed and self._fails_with_dependency(p, failed_by):
                    failed.add(p.line)
                    changed = True

    def _fails_with_dependency(self, p: Parsed, failed_by: dict[RecordKey, int]) -> bool:
        """Whether the row needs a record whose row failed (reported, and what it describes fails too)."""
        for kind, key, words in self.dependencies(p):
            bad = failed_by.get((kind, key))
            if bad is not None:
                self.row_errors[p.line].append(
                    f"not imported because it needs {words}, and line {bad}, which describes it, "
                    "has a problem.")
                for described in self.described(p):
                    failed_by.setdefault(described, p.line)
                return True
        return False

    def write_order(self, failed_lines: set[int]) -> list[Parsed]:
        """The rows to write: line managers before their reports, a person's known appointments first."""
        good = [p for p in self.parsed if p.line not in failed_lines]
        memo: dict[str, int] = {}
        good.sort(key=lambda p: (self._manager_depth(p.employee_number, memo) if p.employee_number else -1,
                                 p.employee_number, 0 if self.plan.appointment_match.get(p.line) else 1, p.line))
        return good

    def _manager_depth(self, number: str, memo: dict[str, int]) -> int:
        if number in memo:
            return memo[number]
        depth, current, seen = 0, self.plan.managers.get(number), {number}
        while current and current in self.plan.managers and current not in seen and depth < 200:
            seen.add(current)
            depth += 1
            current = self.plan.managers.get(current)
        memo[number] = depth
        return depth
