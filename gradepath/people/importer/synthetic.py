"""A synthetic HR extract of any size, in the import's own CSV format (docs/import.md), for the
benchmark (``gradepath import-bench``) and the tests.

Deterministic for a seed. Shaped like a university's extract: academic faculties and professional
services divisions, departments under them and sections under some departments, each declared on
a row of its own with its role holders (FM/HPS, head, HRBP, dean); one row per person-in-post with
the person's details, line manager (a management tree in each department, its head reporting to
the faculty or division manager), the post and the appointment; some people on probation, some in
fixed-term or grant-funded posts, part-time posts, secondments and acting-up arrangements in a
second post, and vacant posts. Grades are not in the format (they are set in Gradepath).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from dataclasses import dataclass, field

HEADER = (
    "unit_code", "unit_name", "unit_kind", "parent_unit_code", "employee_number", "title", "first_name",
    "last_name", "known_as", "work_email", "staff_category", "line_manager_employee_number", "post_id",
    "post_title", "fte", "funding_source", "grant_funded", "appointment_kind", "start_date", "end_date",
    "probation_end", "fm_hps_employee_number", "head_employee_number", "hrbp_employee_number",
    "dean_employee_number",
)

FIRST_NAMES = ("Amelia", "Oliver", "Priya", "Mohammed", "Olivia", "Jack", "Isla", "Noah", "Ava", "Leo", "Mia",
               "Arjun", "Chen", "Sofia", "Kwame", "Hannah", "Daniel", "Aisha", "Thomas", "Chloe", "Liam",
               "Grace", "Ravi", "Zainab", "Tomasz", "Niamh", "Yusuf", "Ellie", "Samuel", "Mei")
LAST_NAMES = ("Smith", "Patel", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Okafor", "Nguyen", "Khan",
              "Evans", "Thompson", "Walker", "Roberts", "Hughes", "Clarke", "O'Brien", "Kowalski", "Murphy",
              "Singh", "Mensah", "Lawson", "Marquez", "Rahman", "Whitfield", "Asante", "Bennett", "Cole")
TITLES = ("Dr", "Ms", "Mr", "Mrs", "Mx", "Prof", "")
SUBJECTS = ("Physics", "Chemistry", "History", "Mechanical Engineering", "Economics", "Psychology", "Medicine",
            "Computer Science", "Geography", "Mathematics", "Linguistics", "Law", "Architecture", "Biosciences",
            "Earth Sciences", "Philosophy", "Music", "Statistics", "Neuroscience", "Education")
SERVICES = ("Estates", "Finance", "Human Resources", "Information Services", "Library Services",
            "Student Services", "Research Services", "Communications")
JOBS = {
    "academic": ("Lecturer", "Senior Lecturer", "Associate Professor", "Professor", "Research Fellow",
                 "Research Assistant", "Teaching Fellow"),
    "technical": ("Laboratory Technician", "Senior Technician", "Research Technician", "Workshop Technician",
                  "Research Software Engineer", "IT Support Analyst"),
    "pss": ("Administrator", "Departmental Manager", "Finance Officer", "HR Adviser", "Project Officer",
            "Student Advisor", "Facilities Assistant"),
}
FUNDERS = ("EPSRC grant EP/X{:06d}/1", "Wellcome Trust grant {:06d}/Z/24/Z", "ESRC grant ES/Y{:06d}/1",
           "Horizon Europe grant {:09d}")


@dataclass
class _Unit:
    code: str
    name: str
    kind: str
    parent: str = ""
    holders: dict[str, str] = field(default_factory=dict)  # role column -> employee number


def _date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randrange((end - start).days))


class _Extract:
    def __init__(self, rows: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.target = rows
        self.people_rows: list[dict[str, str]] = []
        self.units: list[_Unit] = []
        self.next_person = 0
        self.next_post = 0

    def number(self) -> str:
        self.next_person += 1
        return f"E{self.next_person:07d}"

    def post_id(self, unit: str) -> str:
        self.next_post += 1
        return f"{unit}-{self.next_post:06d}"

    def person(self, unit: str, manager: str, category: str, title_words: str | None = None) -> dict[str, str]:
        rng = self.rng
        number = self.number()
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        start = _date(rng, dt.date(1998, 1, 1), dt.date(2025, 12, 1))
        fixed_term = rng.random() < 0.1
        grant = fixed_term and rng.random() < 0.6
        row = {
            "unit_code": unit, "employee_number": number, "title": rng.choice(TITLES), "first_name": first,
            "last_name": last, "known_as": rng.choice(("Sam", "Jo", "Alex", "Kit")) if rng.random() < 0.08 else "",
            "work_email": f"{first}.{last}.{number[1:]}@example.ac.uk".lower().replace("'", ""),
            "staff_category": category, "line_manager_employee_number": manager,
            "post_id": self.post_id(unit), "post_title": title_words or rng.choice(JOBS[category]),
            "fte": rng.choice(("1", "1", "1", "1", "0.8", "0.6", "0.5")),
            "funding_source": rng.choice(FUNDERS).format(rng.randrange(10**6)) if grant else "Departmental budget",
            "grant_funded": "yes" if grant else "no", "appointment_kind": "substantive",
            "start_date": start.isoformat() if rng.random() < 0.7 else f"{start:%d/%m/%Y}",
            "end_date": _date(rng, dt.date(2026, 6, 1), dt.date(2029, 6, 1)).isoformat() if fixed_term else "",
            "probation_end": (start + dt.timedelta(days=182)).isoformat() if start.year >= 2025 else "",
        }
        self.people_rows.append(row)
        return row

    def temporary(self, holder: dict[str, str], unit: str) -> None:
        """A secondment or acting up in a second post, for someone already in the file."""
        rng = self.rng
        start = _date(rng, dt.date(2025, 1, 1), dt.date(2026, 12, 1))
        self.people_rows.append({
            "unit_code": unit, "employee_number": holder["employee_number"], "post_id": self.post_id(unit),
            "post_title": "Acting " + holder["post_title"] if rng.random() < 0.5 else "Project Lead",
            "fte": "1", "funding_source": "Departmental budget", "grant_funded": "no",
            "appointment_kind": rng.choice(("secondment", "acting up")), "start_date": start.isoformat(),
            "end_date": (start + dt.timedelta(days=rng.randrange(90, 540))).isoformat(),
        })

    def vacant(self, unit: str, category: str) -> None:
        self.people_rows.append({"unit_code": unit, "post_id": self.post_id(unit),
                                 "post_title": self.rng.choice(JOBS[category]), "fte": "1",
                                 "funding_source": "Departmental budget", "grant_funded": "no"})

    def build(self) -> list[dict[str, str]]:
        rng = self.rng
        departments = max(self.target // 230, 1)
        faculties = max(departments // 30, 1)
        divisions = max(departments // 60, 1)
        tops = [_Unit(f"F{i:02d}", f"Faculty of {SUBJECTS[i % len(SUBJECTS)]} {i // len(SUBJECTS) or ''}".strip(),
                      "faculty") for i in range(faculties)]
        tops += [_Unit(f"S{i:02d}", f"{SERVICES[i % len(SERVICES)]} Division {i // len(SERVICES) or ''}".strip(),
                       "ps_division") for i in range(divisions)]
        hr = tops[-1]
        self.units.extend(tops)
        depts: list[_Unit] = []
        for d in range(departments):
            top = tops[d % len(tops)]
            dept = _Unit(f"{top.code}D{d:03d}", f"Department of {SUBJECTS[d % len(SUBJECTS)]} {d}", "department",
                         top.code)
            depts.append(dept)
            self.units.append(dept)
            if d % 3 == 0:
                self.units.append(_Unit(f"{dept.code}W", f"{dept.name} Workshop", "section", dept.code))
        people_wanted = self.target - len(self.units)
        # The managers of the faculties and divisions, and the HR business partners.
        managers = {}
        for top in tops:
            category = "pss" if top.kind == "ps_division" else rng.choice(("pss", "academic"))
            row = self.person(top.code, "", category, "Faculty Manager" if top.kind == "faculty" else "Director")
            managers[top.code] = row["employee_number"]
            top.holders["fm_hps_employee_number"] = row["employee_number"]
        hrbps = [self.person(hr.code, managers[hr.code], "pss", "HR Business Partner")["employee_number"]
                 for _ in range(max(len(tops) // 2, 1))]
        for i, top in enumerate(tops):
            top.holders["hrbp_employee_number"] = hrbps[i % len(hrbps)]
            if top.kind == "faculty":
                dean = self.person(top.code, managers[top.code], "academic", "Dean")
                top.holders["dean_employee_number"] = dean["employee_number"]
        # Each department: a head reporting to the top unit's manager, a tree six wide below them.
        heads = {}
        for dept in depts:
            category = rng.choice(("academic", "academic", "technical", "pss"))
            heads[dept.code] = (self.person(dept.code, managers[dept.parent], category, "Head of Department"),
                                category)
            dept.holders["head_employee_number"] = heads[dept.code][0]["employee_number"]
        sections = {u.parent: u.code for u in self.units if u.kind == "section"}
        remaining = people_wanted - len(self.people_rows)
        for d, dept in enumerate(depts):
            head, category = heads[dept.code]
            staff = [head]
            share = remaining // len(depts) + (1 if d < remaining % len(depts) else 0)
            for i in range(1, share + 1):
                manager = staff[(len(staff) - 1) // 6]["employee_number"]
                unit = sections[dept.code] if dept.code in sections and i % 9 == 0 else dept.code
                roll = rng.random()
                if roll < 0.02:
                    self.vacant(unit, category)
                elif roll < 0.05 and len(staff) > 3:
                    self.temporary(rng.choice(staff[1:]), unit)
                else:
                    staff.append(self.person(unit, manager, rng.choice(("academic", "technical", "pss", category))))
        rows: list[dict[str, str]] = []
        for declared in self.units:
            rows.append({"unit_code": declared.code, "unit_name": declared.name, "unit_kind": declared.kind,
                         "parent_unit_code": declared.parent, **declared.holders})
        rows.extend(self.people_rows)
        return rows


def hr_extract(rows: int, *, seed: int = 2026) -> bytes:
    """A CSV extract (UTF-8 bytes) of ``rows`` data rows, the same for the same seed and size."""
    if rows < 1:
        raise ValueError("An extract needs at least one row.")
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=HEADER, lineterminator="\n")
    writer.writeheader()
    for row in _Extract(rows, seed).build():
        writer.writerow({column: row.get(column, "") for column in HEADER})
    return buffer.getvalue().encode()
