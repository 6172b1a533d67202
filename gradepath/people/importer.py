"""Import org units (with their role holders), people, posts, appointments and line managers from the HR
system's CSV extract.

The file format, the modes and the error messages are described in docs/import.md.

How it works:

1. :func:`read_csv` checks the file is a size-limited UTF-8 CSV with the required columns and turns
   it into :class:`Row` objects, each with its CSV line number.
2. :func:`import_people` parses and checks every row, looks up what Gradepath already holds in a
   handful of batched queries, and builds a plan: for each unit, person, post and appointment,
   whether it would be created, updated (and which fields) or left unchanged. Errors are collected
   row by row, in plain words, with line numbers.
3. Unless it is a dry run, the plan is carried out row by row through the services in
   :mod:`gradepath.people.services` (so permissions are checked and history is written), parents
   before children and line managers before their reports. By default the whole import is one
   transaction and nothing is written if any row fails; in per-row mode each good row is its own
   transaction and rows that depend on a failed row are reported too. Unit role holders
   (``<role>_employee_number`` columns) are named last, once every person is written.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone

from gradepath.core.errors import PermissionDenied, user_message
from gradepath.core.text import bad_character
from gradepath.people import services
from gradepath.people.models import Appointment, OrgUnit, Person, Post, UnitRole, UnitRoleAssignment
from gradepath.people.permissions import can_manage_structure

# --- The file format -------------------------------------------------------------------------

REQUIRED_COLUMNS = (
    "unit_code", "employee_number", "first_name", "last_name", "work_email", "staff_category",
    "post_id", "post_title", "start_date",
)
# One optional column per unit role, named by the role: fm_hps_employee_number, head_employee_number,
# hrbp_employee_number, dean_employee_number … (a new role in UnitRole is a new column, nothing else).
ROLE_COLUMNS = {f"{role}_employee_number": role for role in UnitRole.values}
OPTIONAL_COLUMNS = (
    "unit_name", "unit_kind", "parent_unit_code", "title", "known_as", "line_manager_employee_number",
    "probation_end", "fte", "funding_source", "grant_funded", "appointment_kind", "end_date",
    *ROLE_COLUMNS,
)
ALL_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

UNIT_COLUMNS = ("unit_name", "unit_kind", "parent_unit_code")
PERSON_COLUMNS = ("title", "first_name", "last_name", "known_as", "work_email", "staff_category",
                  "line_manager_employee_number", "probation_end")
POST_COLUMNS = ("post_title", "fte", "funding_source", "grant_funded")
APPOINTMENT_COLUMNS = ("appointment_kind", "start_date", "end_date")

MAX_LENGTHS = {
    "unit_code": 30, "unit_name": 200, "parent_unit_code": 30, "employee_number": 20, "title": 20,
    "first_name": 100, "last_name": 100, "known_as": 100, "work_email": 254,
    "line_manager_employee_number": 20, "post_id": 30, "post_title": 200, "funding_source": 200,
    **{column: 20 for column in ROLE_COLUMNS},
}

TOP_LEVEL_KINDS = {OrgUnit.Kind.FACULTY.value, OrgUnit.Kind.PS_DIVISION.value}
TRUE_WORDS = {"yes", "y", "true", "1"}
FALSE_WORDS = {"no", "n", "false", "0", ""}
BATCH = 500  # ids per IN (...) query: well under SQLite's parameter limit


def _word(value: str) -> str:
    return re.sub(r"[\s\-/]+", "_", value.strip().lower())


def _choice_aliases(choices: Iterable[tuple[str, str]], extra: dict[str, str] | None = None) -> dict[str, str]:
    aliases = {}
    for value, label in choices:
        aliases[_word(value)] = value
        aliases[_word(label)] = value
    aliases.update(extra or {})
    return aliases


UNIT_KINDS = _choice_aliases(OrgUnit.Kind.choices, {
    "ps_division": "ps_division", "division": "ps_division", "professional_services_division": "ps_division",
    "department": "department", "institute": "department",
})
STAFF_CATEGORIES = _choice_aliases(Person.StaffCategory.choices, {
    "pss": "pss", "ps": "pss", "professional_services_staff": "pss",
})
APPOINTMENT_KINDS = _choice_aliases(Appointment.Kind.choices, {"": Appointment.Kind.SUBSTANTIVE.value})


def _allowed(choices: Iterable[tuple[str, str]]) -> str:
    items = [f"{value} ({label})" for value, label in choices]
    return ", ".join(items[:-1]) + " or " + items[-1]


class FileError(Exception):
    """The file as a whole cannot be read (too big, not UTF-8 text, not CSV, columns missing)."""


@dataclass
class Row:
    """One data row of the CSV file, with the line it starts on and its values (stripped)."""

    line: int
    values: dict[str, str]

    def get(self, column: str) -> str:
        return self.values.get(column, "")


@dataclass
class RowError:
    """A problem with one row (``line`` is the CSV line number; None for the whole file)."""

    line: int | None
    message: str

    def __str__(self) -> str:
        return self.message


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


ProgressCallback = Callable[[str, int, int], None]


# --- Reading the file ----------------------------------------------------------------------------


def max_upload_bytes() -> int:
    return int(settings.GRADEPATH_MAX_UPLOAD_BYTES)


def _size_text(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB" if n >= 1024 * 1024 else f"{max(n // 1024, 1)} KB"


def check_size(size: int) -> None:
    """Refuse a file above settings.GRADEPATH_MAX_UPLOAD_BYTES before reading it."""
    limit = max_upload_bytes()
    if size > limit:
        raise FileError(f"The file is {_size_text(size)}, which is more than the {_size_text(limit)} "
                        "Gradepath accepts. Split it into smaller files and import each one.")


def decode(data: bytes) -> str:
    """The file's text, or a FileError saying in plain words why it is not a UTF-8 CSV file."""
    check_size(len(data))
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileError("This looks like an Excel workbook, not a CSV file. In Excel use File › Save As › "
                        "'CSV UTF-8 (comma delimited)' and import that file.")
    if data.startswith(b"%PDF"):
        raise FileError("This is a PDF document, not a CSV file. Export the HR extract as CSV (UTF-8).")
    if b"\x00" in data[:65536]:
        raise FileError("This file is not text (it contains binary data). Export the HR extract as "
                        "CSV (UTF-8) and import that file.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise FileError(f"The file is not UTF-8 text (the first problem is on line {line}). Save it as "
                        "'CSV UTF-8' and import it again.") from None
    if not text.strip():
        raise FileError("The file is empty.")
    return text


def _header(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", (name or "").strip().lower())


def read_csv(data: bytes) -> list[Row]:
    """Check and parse the file: size, encoding, CSV syntax, and the header row."""
    text = decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except (csv.Error, StopIteration) as exc:
        raise FileError(f"The first line is not a CSV header row ({exc}).") from None
    columns = [_header(h) for h in header]
    if len(columns) < 2:
        raise FileError("The first line should be the column names separated by commas, for example "
                        "'unit_code,employee_number,first_name,…'. Is the file comma-separated?")
    unknown = [h for h, c in zip(header, columns, strict=True) if c and c not in ALL_COLUMNS]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    repeated = sorted({c for c in columns if c and columns.count(c) > 1})
    problems = []
    if missing:
        problems.append(f"These required columns are missing: {', '.join(missing)}.")
    if unknown:
        problems.append(f"These columns are not ones Gradepath knows: {', '.join(repr(u) for u in unknown)}. "
                        f"The columns are: {', '.join(ALL_COLUMNS)}.")
    if repeated:
        problems.append(f"These columns appear more than once: {', '.join(repeated)}.")
    if problems:
        raise FileError(" ".join(problems))
    rows: list[Row] = []
    previous_end = reader.line_num
    try:
        for record in reader:
            start = previous_end + 1
            previous_end = reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if len(record) > len(columns) and any(cell.strip() for cell in record[len(columns):]):
                raise FileError(f"Line {start} has {len(record)} values but the header has {len(columns)} "
                                "columns. Check for an unquoted comma in a value.")
            values = {c: (record[i].strip() if i < len(record) else "") for i, c in enumerate(columns) if c}
            for column, value in values.items():  # before any value reaches a query (core.text)
                if (what := bad_character(value)) is not None:
                    raise FileError(f"Line {start}: the {column.replace('_', ' ')} contains {what}, which "
                                    "cannot be stored. Remove it and import the file again.")
            rows.append(Row(line=start, values=values))
    except csv.Error as exc:
        raise FileError(f"Line {reader.line_num} is not valid CSV ({exc}). Check the quotation marks.") from None
    if not rows:
        raise FileError("The file has a header row but no data rows.")
    return rows


# --- Parsing values --------------------------------------------------------------------------------


def parse_date(value: str) -> dt.date | None:
    """YYYY-MM-DD or DD/MM/YYYY; blank is None; anything else raises ValueError."""
    if not value:
        return None
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise ValueError(value)


DATE_WORDS = {"start_date": "start date", "end_date": "end date", "probation_end": "probation end date"}


@dataclass
class Parsed:
    """One row's values after parsing, and its own problems."""

    row: Row
    errors: list[str] = field(default_factory=list)
    unit_code: str = ""
    employee_number: str = ""
    post_id: str = ""
    unit: dict[str, Any] = field(default_factory=dict)
    person: dict[str, Any] = field(default_factory=dict)
    manager: str | None = None  # None: column absent; "": no line manager
    holders: dict[str, str] = field(default_factory=dict)  # unit role -> employee number of its holder
    post: dict[str, Any] = field(default_factory=dict)
    kind: str = Appointment.Kind.SUBSTANTIVE.value
    start_date: dt.date | None = None
    end_date: dt.date | None = None

    @property
    def line(self) -> int:
        return self.row.line

    @property
    def has_appointment(self) -> bool:
        return bool(self.employee_number and self.post_id)


def _parse_row(row: Row, columns: set[str]) -> Parsed:
    p = Parsed(row=row)
    err = p.errors.append
    for column, limit in MAX_LENGTHS.items():
        if len(row.get(column)) > limit:
            err(f"the {column.replace('_', ' ')} is {len(row.get(column))} characters long; "
                f"at most {limit} fit.")
    dates: dict[str, dt.date | None] = {}
    for column, words in DATE_WORDS.items():
        try:
            dates[column] = parse_date(row.get(column))
        except ValueError:
            err(f"the {words} '{row.get(column)}' is not a real date. Use YYYY-MM-DD or DD/MM/YYYY.")
            dates[column] = None

    p.unit_code = row.get("unit_code")
    p.employee_number = row.get("employee_number")
    p.post_id = row.get("post_id")

    # Unit
    if row.get("unit_kind"):
        kind = UNIT_KINDS.get(_word(row.get("unit_kind")))
        if kind is None:
            err(f"the unit kind '{row.get('unit_kind')}' is not one Gradepath knows. "
                f"Use {_allowed(OrgUnit.Kind.choices)}.")
        else:
            p.unit["kind"] = kind
    if row.get("unit_name"):
        p.unit["name"] = row.get("unit_name")
    if row.get("parent_unit_code"):
        p.unit["parent"] = row.get("parent_unit_code")
        if p.unit["parent"] == p.unit_code:
            err(f"unit {p.unit_code} cannot be its own parent unit.")
    for column, role in ROLE_COLUMNS.items():
        if row.get(column):
            p.holders[role] = row.get(column)
    if p.holders and not p.unit_code:
        err("the unit code is missing, but the row names unit role holders "
            f"({', '.join(UnitRole(r).label for r in p.holders)}).")
    if not p.unit_code and (p.unit or p.post_id):
        err("the unit code is missing. Every unit and every post needs the HR system's unit code.")
    if not p.unit_code and not p.employee_number:
        err("the row has neither a unit code nor an employee number, so there is nothing to import.")

    # Person
    if p.employee_number:
        person: dict[str, Any] = {}
        for column in ("title", "first_name", "last_name", "known_as"):
            if column in columns:
                person[column] = row.get(column)
        email = row.get("work_email")
        if email:
            email = email.strip().lower()  # stored lower-case (people.services)
            try:
                validate_email(email)
            except ValidationError:
                err(f"the work e-mail '{email}' is not an e-mail address.")
        person["work_email"] = email
        category = row.get("staff_category")
        if category:
            value = STAFF_CATEGORIES.get(_word(category))
            if value is None:
                err(f"the staff category '{category}' is not one Gradepath knows. "
                    f"Use {_allowed(Person.StaffCategory.choices)}.")
            person["staff_category"] = value or category  # invalid: reported above, not as missing
        else:
            person["staff_category"] = ""
        if "probation_end" in columns:
            person["probation_end"] = dates["probation_end"]
        if "line_manager_employee_number" in columns:
            p.manager = row.get("line_manager_employee_number")
            if p.manager == p.employee_number:
                err(f"{p.employee_number} cannot be their own line manager.")
        p.person = person
    else:
        given = [c for c in PERSON_COLUMNS if row.get(c)]
        if given:
            err(f"the employee number is missing, but the row gives person details ({', '.join(given)}).")

    # Post
    if p.post_id:
        post: dict[str, Any] = {"title": row.get("post_title")}
        if "fte" in columns:
            raw = row.get("fte")
            try:
                fte = Decimal(raw) if raw else Decimal("1")
                if not fte.is_finite():
                    raise InvalidOperation
                if not (Decimal(0) < fte <= Decimal(1)) or fte != fte.quantize(Decimal("0.01")):
                    err(f"the FTE '{raw}' must be more than 0 and at most 1, with at most two decimal "
                        "places (for example 0.6).")
                post["fte"] = fte
            except InvalidOperation:
                err(f"the FTE '{raw}' is not a number. Use a number such as 1 or 0.6.")
        if "funding_source" in columns:
            post["funding_source"] = row.get("funding_source")
        if "grant_funded" in columns:
            word = row.get("grant_funded").strip().lower()
            if word in TRUE_WORDS:
                post["grant_funded"] = True
            elif word in FALSE_WORDS:
                post["grant_funded"] = False
            else:
                err(f"grant funded must be yes or no, not '{row.get('grant_funded')}'.")
        p.post = post
    else:
        given = [c for c in POST_COLUMNS if row.get(c)]
        if given:
            err(f"the post id is missing, but the row gives post details ({', '.join(given)}).")

    # Appointment
    kind_text = row.get("appointment_kind")
    kind = APPOINTMENT_KINDS.get(_word(kind_text))
    if kind is None:
        err(f"the appointment kind '{kind_text}' is not one Gradepath knows. "
            f"Use {_allowed(Appointment.Kind.choices)}.")
        kind = Appointment.Kind.SUBSTANTIVE.value
    p.kind = kind
    p.start_date, p.end_date = dates["start_date"], dates["end_date"]
    if p.has_appointment:
        if not row.get("start_date"):
            err("the start date of the appointment is missing.")
        if p.start_date and p.end_date and p.end_date < p.start_date:
            err(f"the end date {p.end_date:%d %b %Y} is before the start date {p.start_date:%d %b %Y}.")
        if kind != Appointment.Kind.SUBSTANTIVE and row.get("end_date") == "":
            err(f"a {Appointment.Kind(kind).label.lower()} is temporary: give its end date.")
    else:
        given = [c for c in APPOINTMENT_COLUMNS if row.get(c)]
        if given:
            err("an appointment needs both an employee number and a post id; "
                f"this row gives {', '.join(given)} without them.")
    return p


# --- Planning ----------------------------------------------------------------------------------------


def _in_batches(values: Iterable[Any]) -> Iterable[list[Any]]:
    values = list(values)
    for i in range(0, len(values), BATCH):
        yield values[i:i + BATCH]


def _fetch(queryset, field_name: str, values: Iterable[Any]) -> list[Any]:
    found: list[Any] = []
    for chunk in _in_batches(values):
        found.extend(queryset.filter(**{f"{field_name}__in": chunk}))
    return found


@dataclass
class Plan:
    """Everything the import would do, keyed by the HR system's identifiers."""

    units: dict[str, dict[str, Any]] = field(default_factory=dict)   # code -> final values
    people: dict[str, dict[str, Any]] = field(default_factory=dict)  # employee no -> final values
    managers: dict[str, str | None] = field(default_factory=dict)    # employee no -> manager no / None
    posts: dict[str, dict[str, Any]] = field(default_factory=dict)   # post id -> final values
    unit_lines: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    unit_decl_lines: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    person_lines: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    post_lines: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    holders: dict[tuple[str, str], str] = field(default_factory=dict)  # (unit code, role) -> employee no
    holder_lines: dict[tuple[str, str], int] = field(default_factory=dict)  # first line naming it
    current_holders: dict[tuple[str, str], str] = field(default_factory=dict)  # in Gradepath today
    existing_units: dict[str, OrgUnit] = field(default_factory=dict)
    existing_people: dict[str, Person] = field(default_factory=dict)
    existing_posts: dict[str, Post] = field(default_factory=dict)


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


class Importer:
    """One run of the import: parse, check, plan, then (unless a dry run) write."""

    def __init__(self, *, actor, rows: list[Row], dry_run: bool, per_row: bool,
                 progress: ProgressCallback | None = None) -> None:
        self.actor = actor
        self.rows = rows
        self.dry_run = dry_run
        self.per_row = per_row
        self.progress = progress or (lambda phase, done, total: None)
        self.report = ImportReport(dry_run=dry_run, per_row=per_row, rows=len(rows))
        self.columns = set(rows[0].values) if rows else set()
        self.row_errors: dict[int, list[str]] = defaultdict(list)
        self.plan = Plan()

    # ---- checking -------------------------------------------------------------------------

    def check(self) -> list[Parsed]:
        total = len(self.rows)
        parsed = []
        for i, row in enumerate(self.rows, 1):
            p = _parse_row(row, self.columns)
            self.row_errors[row.line].extend(p.errors)
            parsed.append(p)
            if i % 500 == 0 or i == total:
                self.progress("Checking", i, total)
        self._load_existing(parsed)
        self._collect(parsed)
        self._check_units(parsed)
        self._check_people(parsed)
        self._check_appointments(parsed)
        return parsed

    def _load_existing(self, parsed: list[Parsed]) -> None:
        unit_codes = {p.unit_code for p in parsed if p.unit_code} | {p.unit["parent"] for p in parsed if "parent" in p.unit}
        numbers = ({p.employee_number for p in parsed if p.employee_number} | {p.manager for p in parsed if p.manager}
                   | {number for p in parsed for number in p.holders.values()})
        post_ids = {p.post_id for p in parsed if p.post_id}
        plan = self.plan
        plan.existing_units = {u.code: u for u in _fetch(OrgUnit.objects.select_related("parent"), "code", unit_codes)}
        plan.existing_people = {
            x.employee_number: x for x in _fetch(Person.objects.select_related("line_manager"), "employee_number", numbers)
        }
        plan.existing_posts = {x.post_number: x for x in _fetch(Post.objects.select_related("org_unit"), "post_number", post_ids)}
        naming = {p.unit_code for p in parsed if p.holders}
        named_units = [u.pk for code, u in plan.existing_units.items() if code in naming]
        plan.current_holders = {
            (a.unit.code, a.role): a.person.employee_number
            for a in _fetch(UnitRoleAssignment.objects.on(timezone.localdate()).select_related("unit", "person"),
                            "unit_id", named_units)
        }
        emails = {p.person["work_email"].lower() for p in parsed if p.person.get("work_email")}
        self.email_owner = {
            email: (number, pk) for email, number, pk in (
                row for chunk in _in_batches(emails)
                for row in Person.objects.annotate(email_lower=Lower("work_email"))
                .filter(email_lower__in=chunk).values_list("email_lower", "employee_number", "pk")
            )
        }
        # The whole management graph (one small query) to find loops through people not in the file.
        self.db_manager_of: dict[int, int | None] = {}
        self.db_number_of: dict[int, str] = {}
        self.db_pk_of: dict[str, int] = {}
        for pk, number, manager_id in Person.objects.values_list("pk", "employee_number", "line_manager_id"):
            self.db_manager_of[pk] = manager_id
            self.db_number_of[pk] = number
            self.db_pk_of[number] = pk
        person_pks = [x.pk for x in plan.existing_people.values()]
        self.db_appointments: dict[int, list[Appointment]] = defaultdict(list)
        for appointment in _fetch(Appointment.objects.select_related("post"), "person_id", person_pks):
            self.db_appointments[appointment.person_id].append(appointment)

    def _collect(self, parsed: list[Parsed]) -> None:
        """Merge rows that describe the same unit, person or post; spot duplicates."""
        plan = self.plan
        unit_first: dict[str, dict[str, int]] = defaultdict(dict)
        person_first: dict[str, dict[str, int]] = defaultdict(dict)
        post_first: dict[str, dict[str, int]] = defaultdict(dict)
        seen: dict[tuple[str, str], int] = {}
        self.duplicate_lines: set[int] = set()
        self.bad_unit_kind: set[str] = set()
        self.bad_units: dict[str, int] = {}  # unit code -> the line reporting its problem
        for p in parsed:
            if p.unit_code and p.row.get("unit_kind") and "kind" not in p.unit:
                self.bad_unit_kind.add(p.unit_code)
                self.bad_units.setdefault(p.unit_code, p.line)
        for p in parsed:
            errors = self.row_errors[p.line]
            if p.unit_code:
                plan.unit_lines[p.unit_code].append(p.line)
                if p.unit:
                    plan.unit_decl_lines[p.unit_code].append(p.line)
                _merge(plan.units.setdefault(p.unit_code, {}), p.unit, line=p.line,
                       first_line=unit_first[p.unit_code], what=f"unit {p.unit_code}", errors=errors)
            for role, number in p.holders.items():
                key = (p.unit_code, role)
                if key not in plan.holders:
                    plan.holders[key], plan.holder_lines[key] = number, p.line
                elif plan.holders[key] != number:
                    errors.append(f"the {UnitRole(role).label} of unit {p.unit_code} is {number} here but "
                                  f"{plan.holders[key]} on line {plan.holder_lines[key]}. Give the same holder on "
                                  "every row, or leave it blank after the first.")
            if p.employee_number:
                key = (p.employee_number, p.post_id)
                if key in seen:
                    where = f"for the same post ({p.post_id})" if p.post_id else "without a post"
                    errors.append(f"employee number {p.employee_number} is already on line {seen[key]} {where}. "
                                  "Each person appears once per post.")
                    self.duplicate_lines.add(p.line)
                else:
                    seen[key] = p.line
                plan.person_lines[p.employee_number].append(p.line)
                values = dict(p.person)
                if p.manager is not None:
                    values["line_manager"] = p.manager
                _merge(plan.people.setdefault(p.employee_number, {}), values, line=p.line,
                       first_line=person_first[p.employee_number], what=p.employee_number, errors=errors)
            if p.post_id:
                plan.post_lines[p.post_id].append(p.line)
                values = dict(p.post, org_unit=p.unit_code)
                _merge(plan.posts.setdefault(p.post_id, {}), values, line=p.line,
                       first_line=post_first[p.post_id], what=f"post {p.post_id}", errors=errors)
        for number, values in plan.people.items():
            if "line_manager" in values:
                plan.managers[number] = values.pop("line_manager") or None
        for post_id, values in plan.posts.items():
            if not values.get("title") and post_id not in plan.existing_posts:
                self._error(plan.post_lines[post_id][0], f"the post title of new post {post_id} is missing.")
            elif not values.get("title"):
                values["title"] = plan.existing_posts[post_id].title

    def _error(self, line: int, message: str) -> None:
        if message not in self.row_errors[line]:
            self.row_errors[line].append(message)

    def _check_units(self, parsed: list[Parsed]) -> None:
        plan = self.plan
        for code, values in plan.units.items():
            line = (plan.unit_decl_lines.get(code) or plan.unit_lines[code])[0]
            existing = plan.existing_units.get(code)
            if existing is None:
                if code in self.bad_unit_kind:
                    continue  # the unknown kind is reported on its line (and recorded in bad_units)
                if not values.get("name") or not values.get("kind"):
                    missing = " and ".join(w for w, k in (("unit_name", "name"), ("unit_kind", "kind")) if not values.get(k))
                    self._unit_error(code, line, f"unit {code} is not in Gradepath yet, so give its {missing}.")
                    continue
            final_kind = values.get("kind") or existing.kind
            parent = values.get("parent") or ""
            if final_kind in TOP_LEVEL_KINDS:
                if parent:
                    self._unit_error(code, line, f"unit {code} is a {OrgUnit.Kind(final_kind).label.lower()}, which sits at the "
                                      "top of the structure: leave its parent unit code blank.")
                    continue
            elif not parent:
                if existing is None or existing.parent is None:
                    self._unit_error(code, line, f"unit {code} is a {OrgUnit.Kind(final_kind).label.lower()}, so it needs a "
                                      "parent unit code (the faculty, division or department it belongs to).")
                    continue
                parent = existing.parent.code
            if parent and parent not in plan.units and parent not in plan.existing_units:
                self._unit_error(code, line, f"the parent unit {parent} of {code} is not in this file or in Gradepath.")
                continue
            values["final_kind"] = final_kind
            values["final_parent"] = parent or None
        # Loops in the unit tree (after the import).
        for code in plan.units:
            chain, current = [code], self._unit_parent(code)
            while current is not None and current not in chain and len(chain) < 100:
                chain.append(current)
                current = self._unit_parent(current)
            if current == code:
                self._unit_error(code, (plan.unit_decl_lines.get(code) or plan.unit_lines[code])[0],
                                 "the parent units form a loop: "
                            + " → ".join(chain + [code]) + ". A unit cannot be inside itself.")

    def _unit_error(self, code: str, line: int, message: str) -> None:
        """A problem with a unit: rows in that unit cannot be imported in per-row mode either."""
        self._error(line, message)
        self.bad_units.setdefault(code, line)

    def _unit_parent(self, code: str) -> str | None:
        values = self.plan.units.get(code)
        if values is not None and "final_parent" in values:
            return values["final_parent"]
        unit = self.plan.existing_units.get(code)
        if unit is not None and unit.parent_id:
            return unit.parent.code if unit.parent else None
        return None

    def _check_people(self, parsed: list[Parsed]) -> None:
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
        for email, number in file_emails.items():
            owner = self.email_owner.get(email)
            # Someone else in the file may be giving up this address in the same import.
            if owner and owner[0] != number and owner[0] not in plan.people:
                self._error(plan.person_lines[number][0],
                            f"the work e-mail {plan.people[number]['work_email']} already belongs to {owner[0]} in Gradepath.")
        manager_line = {}
        for p in parsed:
            if p.manager:
                manager_line.setdefault(p.employee_number, p.line)
        for (code, role), holder in plan.holders.items():
            if holder not in plan.people and holder not in plan.existing_people:
                self._error(plan.holder_lines[(code, role)],
                            f"the {UnitRole(role).label} {holder} of unit {code} is not in this file or in Gradepath.")
        for number, manager in plan.managers.items():
            if manager and manager not in plan.people and manager not in plan.existing_people:
                self._error(manager_line.get(number, plan.person_lines[number][0]),
                            f"line manager {manager} is not in this file or in Gradepath.")
        # Loops in line management (after the import), through people in the file or not.
        for number in plan.managers:
            chain = [number]
            current = self._manager_of(number)
            while current is not None and current not in chain and len(chain) < 200:
                chain.append(current)
                current = self._manager_of(current)
            if current == number and len(chain) > 1:
                self._error(plan.person_lines[number][0], "the line managers form a loop: "
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

    def _check_appointments(self, parsed: list[Parsed]) -> None:
        plan = self.plan
        # Final substantive appointments per person: (start, end, description, line or None, db id)
        self.appointment_match: dict[int, Appointment | None] = {}
        by_person: dict[str, list[Parsed]] = defaultdict(list)
        for p in parsed:
            if p.has_appointment and p.start_date and p.line not in self.duplicate_lines:
                by_person[p.employee_number].append(p)
        for number, rows in by_person.items():
            person = plan.existing_people.get(number)
            existing = self.db_appointments.get(person.pk, []) if person else []
            final: list[tuple[dt.date, dt.date | None, str, int | None, int | None]] = []
            matched: set[int] = set()
            for p in rows:
                match = next((a for a in existing if a.post.post_number == p.post_id and a.kind == p.kind
                              and a.start_date == p.start_date), None)
                self.appointment_match[p.line] = match
                if match is not None:
                    matched.add(match.pk)
                    if match.end_date is not None and p.end_date is None:
                        self._error(p.line, f"this {match.get_kind_display().lower()} appointment ended on "
                                            f"{match.end_date:%d %b %Y} in Gradepath; the import cannot remove an "
                                            "end date. Give the end date, or ask HR Services to correct it.")
                if p.kind == Appointment.Kind.SUBSTANTIVE:
                    final.append((p.start_date, p.end_date, f"in post {p.post_id} on line {p.line}", p.line,
                                  match.pk if match else None))
            for a in existing:
                if a.pk not in matched and a.kind == Appointment.Kind.SUBSTANTIVE:
                    final.append((a.start_date, a.end_date, f"in post {a.post.post_number} already in Gradepath",
                                  None, a.pk))
            final.sort(key=lambda t: t[0])
            for i, (start, end, desc, line, _pk) in enumerate(final):
                for start2, end2, desc2, line2, _pk2 in final[i + 1:]:
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

    # ---- dependencies and order ---------------------------------------------------------------

    def _dependencies(self, p: Parsed) -> list[tuple[str, str, str]]:
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
    def _described(p: Parsed) -> list[tuple[str, str]]:
        """The records a row describes (a unit only if the row gives its name, kind or parent)."""
        keys = []
        if p.unit_code and p.unit:
            keys.append(("unit", p.unit_code))
        if p.employee_number:
            keys.append(("person", p.employee_number))
        if p.post_id:
            keys.append(("post", p.post_id))
        return keys

    def _spread_failures(self, parsed: list[Parsed]) -> None:
        """Per-row mode: a row fails if a row describing a record it needs fails (to a fixed point).

        So the rows for one person (or one post) stand or fall together, and the people a failed
        person line-manages are skipped too.
        """
        failed_by: dict[tuple[str, str], int] = {("unit", code): line for code, line in self.bad_units.items()}
        failed = set()
        for p in parsed:
            if self.row_errors.get(p.line):
                failed.add(p.line)
                for key in self._described(p):
                    failed_by.setdefault(key, p.line)
        changed = True
        while changed:
            changed = False
            for p in parsed:
                if p.line in failed:
                    continue
                for kind, key, words in self._dependencies(p):
                    bad = failed_by.get((kind, key))
                    if bad is not None:
                        self.row_errors[p.line].append(
                            f"not imported because it needs {words}, and line {bad}, which describes it, "
                            "has a problem.")
                        failed.add(p.line)
                        for described in self._described(p):
                            failed_by.setdefault(described, p.line)
                        changed = True
                        break

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

    # ---- writing ------------------------------------------------------------------------------

    def run(self) -> ImportReport:
        parsed = self.check()
        if self.per_row:
            self._spread_failures(parsed)
        for line in sorted(self.row_errors):
            for message in self.row_errors[line]:
                self.report.errors.append(RowError(line, f"Line {line}: {message}"))
        self.report.failed_lines = {line for line, errors in self.row_errors.items() if errors}
        if self.report.errors and not self.per_row:
            return self.report
        good = [p for p in parsed if p.line not in self.report.failed_lines]
        memo: dict[str, int] = {}
        good.sort(key=lambda p: (self._manager_depth(p.employee_number, memo) if p.employee_number else -1,
                                 p.employee_number, 0 if self.appointment_match.get(p.line) else 1, p.line))
        writer = _Writer(self)
        total = len(good)
        if self.dry_run or not self.per_row:
            try:
                with transaction.atomic():
                    for i, p in enumerate(good, 1):
                        writer.write_row(p)
                        if i % 50 == 0 or i == total:
                            self.progress("Importing" if not self.dry_run else "Planning", i, total)
                    writer.write_roles()
            except (ValidationError, PermissionDenied) as exc:
                if isinstance(exc, PermissionDenied):
                    raise
                line = writer.current_line
                self.report.errors.append(RowError(line, f"Line {line}: {user_message(exc)} Nothing was imported."))
                self.report.failed_lines.add(line)
                self.report.changes = []
                return self.report
        else:
            for i, p in enumerate(good, 1):
                writer.write_row_alone(p)
                if i % 50 == 0 or i == total:
                    self.progress("Importing", i, total)
            writer.write_roles()
        self.report.changes = sorted(writer.changes, key=lambda c: c.line)
        return self.report


class _Writer:
    """Carries out the plan row by row through the services, remembering what is done."""

    def __init__(self, importer: Importer) -> None:
        self.importer = importer
        self.plan = importer.plan
        self.actor = importer.actor
        self.dry_run = importer.dry_run
        self.units: dict[str, OrgUnit | None] = dict(self.plan.existing_units)
        self.people: dict[str, Person | None] = dict(self.plan.existing_people)
        self.posts: dict[str, Post | None] = dict(self.plan.existing_posts)
        self.done: set[tuple[str, str]] = set()
        self.changes: list[Change] = []
        self.current_line: int | None = None
        self._journal: list[tuple[Any, Any, Any, bool]] | None = None
        self._failed_keys: set[tuple[str, str]] = set()  # per-row mode: records whose row failed on writing

    # A small undo journal so a failed row in per-row mode leaves no trace in memory either.
    def _set(self, mapping: dict, key: Any, value: Any) -> None:
        if self._journal is not None:
            self._journal.append((mapping, key, mapping.get(key), key in mapping))
        mapping[key] = value

    def _mark(self, kind: str, key: str) -> None:
        if self._journal is not None:
            self._journal.append((self.done, (kind, key), None, (kind, key) in self.done))
        self.done.add((kind, key))

    def write_row_alone(self, p: Parsed) -> None:
        self._journal, changes_before = [], len(self.changes)
        try:
            with transaction.atomic():
                self.write_row(p)
        except ValidationError as exc:
            for mapping, key, old, existed in reversed(self._journal):
                if mapping is self.done:
                    if not existed:
                        self.done.discard(key)
                elif existed:
                    mapping[key] = old
                else:
                    mapping.pop(key, None)
            del self.changes[changes_before:]
            report = self.importer.report
            report.errors.append(RowError(p.line, f"Line {p.line}: {user_message(exc)}"))
            report.failed_lines.add(p.line)
            self._failed_keys.update(self.importer._described(p))
        finally:
            self._journal = None

    def write_row(self, p: Parsed) -> None:
        self.current_line = p.line
        for kind, key, words in self.importer._dependencies(p):
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

    def _record(self, kind: str, key: str, action: str, line: int, description: str,
                fields: Iterable[str] = ()) -> None:
        self.changes.append(Change(kind=kind, key=key, action=action, line=line, description=description,
                                   fields=tuple(fields)))

    def ensure_unit(self, code: str, line: int) -> OrgUnit | None:
        if ("unit", code) in self.done or code not in self.plan.units:
            return self.units.get(code)
        values = self.plan.units[code]
        parent_code = values.get("final_parent")
        parent = self.ensure_unit(parent_code, line) if parent_code else None
        existing = self.units.get(code)
        first = self.plan.unit_lines[code][0]
        if existing is None:
            words = f"{OrgUnit.Kind(values['kind']).label.lower()} {values['name']} ({code})"
            unit = None
            if not self.dry_run:
                if parent is not None:
                    parent.refresh_from_db(fields=["path"])  # an ancestor may have moved in this import
                unit = services.create_org_unit(actor=self.actor, code=code, name=values["name"],
                                                 kind=values["kind"], parent=parent)
            self._set(self.units, code, unit)
            self._record("unit", code, "create", first, f"Create {words}.")
        else:
            changes: dict[str, Any] = {}
            if values.get("name") and values["name"] != existing.name:
                changes["name"] = values["name"]
            if values.get("kind") and values["kind"] != existing.kind:
                changes["kind"] = values["kind"]
            current_parent = existing.parent.code if existing.parent_id and existing.parent else None
            if values.get("final_parent", current_parent) != current_parent:
                changes["parent"] = parent
            if changes:
                if not self.dry_run:
                    if parent is not None:
                        parent.refresh_from_db(fields=["path"])
                    unit = services.update_org_unit(actor=self.actor, unit=existing, **changes)
                    self._set(self.units, code, unit)
                self._record("unit", code, "update", first, f"Update unit {code}: {', '.join(changes)}.", changes)
            else:
                self._record("unit", code, "unchanged", first, f"Unit {code} is unchanged.")
        self._mark("unit", code)
        return self.units.get(code)

    def ensure_person(self, number: str, line: int) -> Person | None:
        if ("person", number) in self.done:
            return self.people.get(number)
        values = dict(self.plan.people[number])
        first = self.plan.person_lines[number][0]
        if number in self.plan.managers:
            manager_number = self.plan.managers[number]
            if manager_number:
                manager = self.people.get(manager_number)
                if manager is None and manager_number in self.plan.people and ("person", manager_number) not in self.done:
                    manager = self.ensure_person(manager_number, line)
                values["line_manager"] = manager
            else:
                values["line_manager"] = None
        if number not in self.plan.existing_people:
            name = f"{values.get('known_as') or values['first_name']} {values['last_name']}"
            person = None
            if not self.dry_run:
                extra = {k: v for k, v in values.items() if k not in ("first_name", "last_name", "work_email",
                                                                     "staff_category")}
                if extra.get("line_manager") is None:
                    extra.pop("line_manager", None)
                person = services.create_person(actor=self.actor, employee_number=number,
                                                 first_name=values["first_name"], last_name=values["last_name"],
                                                 work_email=values["work_email"],
                                                 staff_category=values["staff_category"], **extra)
            self._set(self.people, number, person)
            self._record("person", number, "create", first, f"Create person {number} ({name}).")
        else:
            existing = self.people[number]
            changes: dict[str, Any] = {}
            for key, value in values.items():
                if key == "line_manager":
                    current = existing.line_manager.employee_number if existing.line_manager_id and existing.line_manager else None
                    wanted = self.plan.managers.get(number)
                    if current != wanted:
                        changes[key] = value
                elif getattr(existing, key) != value:
                    changes[key] = value
            if changes:
                if not self.dry_run:
                    person = services.update_person(actor=self.actor, person=existing, changes=changes)
                    self._set(self.people, number, person)
                self._record("person", number, "update", first,
                             f"Update person {number}: {', '.join(c.replace('_', ' ') for c in changes)}.", changes)
            else:
                self._record("person", number, "unchanged", first, f"Person {number} is unchanged.")
        self._mark("person", number)
        return self.people.get(number)

    def ensure_post(self, post_id: str, line: int) -> Post | None:
        if ("post", post_id) in self.done:
            return self.posts.get(post_id)
        values = dict(self.plan.posts[post_id])
        unit = self.units.get(values.pop("org_unit"))
        first = self.plan.post_lines[post_id][0]
        unit_code = self.plan.posts[post_id]["org_unit"]
        if post_id not in self.plan.existing_posts:
            post = None
            if not self.dry_run:
                post = services.create_post(actor=self.actor, post_number=post_id, org_unit=unit, **values)
            self._set(self.posts, post_id, post)
            self._record("post", post_id, "create", first, f"Create post {post_id} ({values['title']}).")
        else:
            existing = self.posts[post_id]
            changes: dict[str, Any] = {}
            for key, value in values.items():
                if getattr(existing, key) != value:
                    changes[key] = value
            if unit_code != existing.org_unit.code:
                changes["org_unit"] = unit
            if changes:
                if not self.dry_run:
                    post = services.update_post(actor=self.actor, post=existing, changes=changes)
                    self._set(self.posts, post_id, post)
                self._record("post", post_id, "update", first,
                             f"Update post {post_id}: {', '.join(c.replace('_', ' ') for c in changes)}.", changes)
            else:
                self._record("post", post_id, "unchanged", first, f"Post {post_id} is unchanged.")
        self._mark("post", post_id)
        return self.posts.get(post_id)

    def write_roles(self) -> None:
        """Name the unit role holders the file gives, from the day of the import (after every person
        is written). Someone else named on the unit for that role stops the day before; a holder the
        file leaves blank is kept (ending a role without a successor is done in the admin site)."""
        importer, plan, today = self.importer, self.plan, timezone.localdate()
        refused = set(importer.report.failed_lines)  # rows with a problem: their holders are not named
        for (code, role), number in sorted(plan.holders.items(), key=lambda item: plan.holder_lines[item[0]]):
            line = plan.holder_lines[(code, role)]
            if line in refused:
                continue
            label, current = UnitRole(role).label, plan.current_holders.get((code, role))
            key = f"{code}/{role}"
            if current == number:
                self._record("role", key, "unchanged", line, f"{number} is still the {label} of unit {code}.")
                continue
            words = (f"Name {number} as the {label} of unit {code} from {today:%d %b %Y}"
                     + (f" (instead of {current})." if current else "."))
            self.current_line = line
            if not self.dry_run:
                unit, person = self.units.get(code), self.people.get(number)
                if unit is None or person is None or ("unit", code) in self._failed_keys \
                        or ("person", number) in self._failed_keys:
                    missing = f"unit {code}" if unit is None or ("unit", code) in self._failed_keys else number
                    self._role_failed(line, f"Not imported because {missing} could not be imported.")
                    continue
                try:
                    with transaction.atomic():
                        services.assign_unit_role(actor=self.actor, unit=unit, role=role, person=person,
                                                  start_date=today, replace_current=True)
                except ValidationError as exc:
                    if not importer.per_row:
                        raise
                    self._role_failed(line, user_message(exc))
                    continue
            self._record("role", key, "update" if current else "create", line, words)

    def _role_failed(self, line: int, message: str) -> None:
        if not self.importer.per_row:
            raise ValidationError(message)
        self.importer.report.errors.append(RowError(line, f"Line {line}: {message}"))
        self.importer.report.failed_lines.add(line)

    def ensure_appointment(self, p: Parsed) -> None:
        match = self.importer.appointment_match.get(p.line)
        kind_words = Appointment.Kind(p.kind).label.lower()
        key = f"{p.employee_number}/{p.post_id}/{p.kind}/{p.start_date}"
        if match is None:
            if not self.dry_run:
                services.start_appointment(actor=self.actor, person=self.people[p.employee_number],
                                           post=self.posts[p.post_id], kind=p.kind, start_date=p.start_date,
                                           end_date=p.end_date)
            self._record("appointment", key, "create", p.line,
                         f"Appoint {p.employee_number} to post {p.post_id} ({kind_words}) from {p.start_date:%d %b %Y}"
                         + (f" to {p.end_date:%d %b %Y}." if p.end_date else "."))
        elif match.end_date != p.end_date:
            if not self.dry_run:
                services.end_appointment(actor=self.actor, appointment=match, end_date=p.end_date)
            self._record("appointment", key, "update", p.line,
                         f"Set the end date of {p.employee_number}'s {kind_words} appointment to post {p.post_id} "
                         f"to {p.end_date:%d %b %Y}.", ("end_date",))
        else:
            self._record("appointment", key, "unchanged", p.line, "Appointment unchanged.")


# --- Entry points ----------------------------------------------------------------------------------


def import_people(*, actor, data: bytes, dry_run: bool = False, per_row: bool = False,
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
    return Importer(actor=actor, rows=rows, dry_run=dry_run, per_row=per_row, progress=progress).run()


def import_people_file(*, actor, uploaded, dry_run: bool = False, per_row: bool = False,
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
