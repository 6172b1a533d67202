"""Reading the HR extract: the file format, the file checks, and each row parsed into a plain record.

:func:`read_csv` checks the file as a whole (size, encoding, CSV syntax, the header row) and turns it
into :class:`Row` objects, each with its CSV line number; :func:`parse_rows` checks each row's own
values (formats, lengths, which columns go together) and gives a :class:`Parsed` record with the
row's problems in plain words. Nothing here reads the database: checks against other rows and
against Gradepath are the plan's (:mod:`.plan`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from gradepath.core.text import bad_character
from gradepath.people.models import Appointment, OrgUnit, Person, UnitRole

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
DATE_WORDS = {"start_date": "start date", "end_date": "end date", "probation_end": "probation end date"}

TRUE_WORDS = {"yes", "y", "true", "1"}
FALSE_WORDS = {"no", "n", "false", "0", ""}


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


# --- Records -----------------------------------------------------------------------------------------

ProgressCallback = Callable[[str, int, int], None]


def no_progress(phase: str, done: int, total: int) -> None:
    """The progress callback when nobody is watching."""


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


def _check_header(header: list[str]) -> list[str]:
    """The header's column names, or a FileError naming every missing, unknown or repeated column."""
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
    return columns


def _row(record: list[str], columns: list[str], start: int) -> Row:
    """One CSV record as a Row, or a FileError if it has values past the header or unstorable text."""
    if len(record) > len(columns) and any(cell.strip() for cell in record[len(columns):]):
        raise FileError(f"Line {start} has {len(record)} values but the header has {len(columns)} "
                        "columns. Check for an unquoted comma in a value.")
    values = {c: (record[i].strip() if i < len(record) else "") for i, c in enumerate(columns) if c}
    for column, value in values.items():  # before any value reaches a query (core.text)
        if (what := bad_character(value)) is not None:
            raise FileError(f"Line {start}: the {column.replace('_', ' ')} contains {what}, which "
                            "cannot be stored. Remove it and import the file again.")
    return Row(line=start, values=values)


def read_csv(data: bytes) -> list[Row]:
    """Check and parse the file: size, encoding, CSV syntax, and the header row."""
    text = decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except (csv.Error, StopIteration) as exc:
        raise FileError(f"The first line is not a CSV header row ({exc}).") from None
    columns = _check_header(header)
    rows: list[Row] = []
    previous_end = reader.line_num
    try:
        for record in reader:
            start = previous_end + 1
            previous_end = reader.line_num
            if any(cell.strip() for cell in record):
                rows.append(_row(record, columns, start))
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


def parse_rows(rows: list[Row], progress: ProgressCallback = no_progress) -> list[Parsed]:
    """Every row parsed on its own (the columns are the header's: a column left out is not touched)."""
    columns = set(rows[0].values) if rows else set()
    total = len(rows)
    parsed = []
    for i, row in enumerate(rows, 1):
        parsed.append(parse_row(row, columns))
        if i % 500 == 0 or i == total:
            progress("Checking", i, total)
    return parsed


def parse_row(row: Row, columns: set[str]) -> Parsed:
    """One row's values, checked on their own, a column group at a time."""
    p = Parsed(row=row, unit_code=row.get("unit_code"), employee_number=row.get("employee_number"),
               post_id=row.get("post_id"))
    _check_lengths(p)
    dates = _parse_dates(p)
    _parse_unit(p)
    _parse_holders(p)
    _check_unit_code(p)
    if p.employee_number:
        _parse_person(p, columns, dates)
    elif given := _given(p, PERSON_COLUMNS):
        p.errors.append(f"the employee number is missing, but the row gives person details ({', '.join(given)}).")
    if p.post_id:
        _parse_post(p, columns)
    elif given := _given(p, POST_COLUMNS):
        p.errors.append(f"the post id is missing, but the row gives post details ({', '.join(given)}).")
    _parse_appointment(p, dates)
    return p


def _given(p: Parsed, columns: Iterable[str]) -> list[str]:
    """The columns of the group that have a value on this row."""
    return [c for c in columns if p.row.get(c)]


def _check_lengths(p: Parsed) -> None:
    for column, limit in MAX_LENGTHS.items():
        if len(p.row.get(column)) > limit:
            p.errors.append(f"the {column.replace('_', ' ')} is {len(p.row.get(column))} characters long; "
                            f"at most {limit} fit.")


def _parse_dates(p: Parsed) -> dict[str, dt.date | None]:
    dates: dict[str, dt.date | None] = {}
    for column, words in DATE_WORDS.items():
        try:
            dates[column] = parse_date(p.row.get(column))
        except ValueError:
            p.errors.append(f"the {words} '{p.row.get(column)}' is not a real date. Use YYYY-MM-DD or DD/MM/YYYY.")
            dates[column] = None
    return dates


def _parse_unit(p: Parsed) -> None:
    """The unit's own details: kind, name, parent."""
    row = p.row
    if row.get("unit_kind"):
        kind = UNIT_KINDS.get(_word(row.get("unit_kind")))
        if kind is None:
            p.errors.append(f"the unit kind '{row.get('unit_kind')}' is not one Gradepath knows. "
                            f"Use {_allowed(OrgUnit.Kind.choices)}.")
        else:
            p.unit["kind"] = kind
    if row.get("unit_name"):
        p.unit["name"] = row.get("unit_name")
    if row.get("parent_unit_code"):
        p.unit["parent"] = row.get("parent_unit_code")
        if p.unit["parent"] == p.unit_code:
            p.errors.append(f"unit {p.unit_code} cannot be its own parent unit.")


def _parse_holders(p: Parsed) -> None:
    """The unit's role holders (the ``<role>_employee_number`` columns)."""
    for column, role in ROLE_COLUMNS.items():
        if p.row.get(column):
            p.holders[role] = p.row.get(column)
    if p.holders and not p.unit_code:
        p.errors.append("the unit code is missing, but the row names unit role holders "
                        f"({', '.join(UnitRole(r).label for r in p.holders)}).")


def _check_unit_code(p: Parsed) -> None:
    if not p.unit_code and (p.unit or p.post_id):
        p.errors.append("the unit code is missing. Every unit and every post needs the HR system's unit code.")
    if not p.unit_code and not p.employee_number:
        p.errors.append("the row has neither a unit code nor an employee number, so there is nothing to import.")


def _parse_person(p: Parsed, columns: set[str], dates: dict[str, dt.date | None]) -> None:
    """The person's details; a column left out of the file is left out here too (not touched)."""
    row = p.row
    person: dict[str, Any] = {column: row.get(column) for column in ("title", "first_name", "last_name", "known_as")
                              if column in columns}
    person["work_email"] = _parse_email(p)
    person["staff_category"] = _parse_staff_category(p)
    if "probation_end" in columns:
        person["probation_end"] = dates["probation_end"]
    if "line_manager_employee_number" in columns:
        p.manager = row.get("line_manager_employee_number")
        if p.manager == p.employee_number:
            p.errors.append(f"{p.employee_number} cannot be their own line manager.")
    p.person = person


def _parse_email(p: Parsed) -> str:
    email = p.row.get("work_email")
    if email:
        email = email.strip().lower()  # stored lower-case (people.services)
        try:
            validate_email(email)
        except ValidationError:
            p.errors.append(f"the work e-mail '{email}' is not an e-mail address.")
    return email


def _parse_staff_category(p: Parsed) -> str:
    category = p.row.get("staff_category")
    if not category:
        return ""
    value = STAFF_CATEGORIES.get(_word(category))
    if value is None:
        p.errors.append(f"the staff category '{category}' is not one Gradepath knows. "
                        f"Use {_allowed(Person.StaffCategory.choices)}.")
    return value or category  # invalid: reported above, not as missing


def _parse_post(p: Parsed, columns: set[str]) -> None:
    """The post's details; a column left out of the file is left out here too (not touched)."""
    post: dict[str, Any] = {"title": p.row.get("post_title")}
    if "fte" in columns and (fte := _parse_fte(p)) is not None:
        post["fte"] = fte
    if "funding_source" in columns:
        post["funding_source"] = p.row.get("funding_source")
    if "grant_funded" in columns and (grant_funded := _parse_grant_funded(p)) is not None:
        post["grant_funded"] = grant_funded
    p.post = post


def _parse_fte(p: Parsed) -> Decimal | None:
    """The FTE (blank is 1); None if it is not a number. Out of range is reported but kept."""
    raw = p.row.get("fte")
    try:
        fte = Decimal(raw) if raw else Decimal("1")
        if not fte.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        p.errors.append(f"the FTE '{raw}' is not a number. Use a number such as 1 or 0.6.")
        return None
    if not (Decimal(0) < fte <= Decimal(1)) or fte != fte.quantize(Decimal("0.01")):
        p.errors.append(f"the FTE '{raw}' must be more than 0 and at most 1, with at most two decimal "
                        "places (for example 0.6).")
    return fte


def _parse_grant_funded(p: Parsed) -> bool | None:
    word = p.row.get("grant_funded").strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    p.errors.append(f"grant funded must be yes or no, not '{p.row.get('grant_funded')}'.")
    return None


def _parse_appointment(p: Parsed, dates: dict[str, dt.date | None]) -> None:
    """The appointment's kind and dates; it needs both an employee number and a post id."""
    row = p.row
    kind = APPOINTMENT_KINDS.get(_word(row.get("appointment_kind")))
    if kind is None:
        p.errors.append(f"the appointment kind '{row.get('appointment_kind')}' is not one Gradepath knows. "
                        f"Use {_allowed(Appointment.Kind.choices)}.")
        kind = Appointment.Kind.SUBSTANTIVE.value
    p.kind = kind
    p.start_date, p.end_date = dates["start_date"], dates["end_date"]
    if not p.has_appointment:
        if given := _given(p, APPOINTMENT_COLUMNS):
            p.errors.append("an appointment needs both an employee number and a post id; "
                            f"this row gives {', '.join(given)} without them.")
        return
    if not row.get("start_date"):
        p.errors.append("the start date of the appointment is missing.")
    if p.start_date and p.end_date and p.end_date < p.start_date:
        p.errors.append(f"the end date {p.end_date:%d %b %Y} is before the start date {p.start_date:%d %b %Y}.")
    if kind != Appointment.Kind.SUBSTANTIVE and row.get("end_date") == "":
        p.errors.append(f"a {Appointment.Kind(kind).label.lower()} is temporary: give its end date.")
