"""The demo university's shape: its org units and the jobs each kind of unit employs.

Plain data read by :mod:`gradepath.demo.builder`. ``weight`` is a unit's share of the
professional services and technical headcount (before scaling to the requested size).
"""

from __future__ import annotations

from dataclasses import dataclass

PSS = "pss"
TECHNICAL = "technical"
ACADEMIC = "academic"


@dataclass(frozen=True)
class Job:
    """A job title at a grade, in a job family; ``manages`` if holders usually line-manage others."""

    title: str
    category: str
    grade: int
    family: str
    weight: int = 1
    manages: bool = False


@dataclass(frozen=True)
class UnitSpec:
    """One org unit of the demo university and the units below it."""

    code: str
    name: str
    kind: str  # OrgUnit.Kind value
    profile: str  # key of PROFILES: which jobs the unit employs
    weight: int
    children: tuple[UnitSpec, ...] = ()


def _dept(code: str, name: str, profile: str, weight: int, *children: UnitSpec) -> UnitSpec:
    return UnitSpec(code, name, "department", profile, weight, children)


def _section(code: str, name: str, profile: str, weight: int) -> UnitSpec:
    return UnitSpec(code, name, "section", profile, weight)


UNITS: tuple[UnitSpec, ...] = (
    UnitSpec("LIFE", "Faculty of Life Sciences", "faculty", "faculty_office", 12, (
        _dept("BIOSC", "Division of Biosciences", "wetlab", 22,
              _section("BIOSC-CDB", "Department of Cell and Developmental Biology", "wetlab", 14),
              _section("BIOSC-GEE", "Department of Genetics, Evolution and Environment", "wetlab", 13),
              _section("BIOSC-SMB", "Department of Structural and Molecular Biology", "wetlab", 14),
              _section("BIOSC-NPP", "Department of Neuroscience, Physiology and Pharmacology", "wetlab", 15)),
        _dept("PHARM", "School of Pharmacy", "wetlab", 34),
        _dept("SWC", "Sainsbury Wellcome Centre", "wetlab", 22),
        _dept("GATSBY", "Gatsby Computational Neuroscience Unit", "computing", 8),
        _dept("LMCB", "MRC Laboratory for Molecular Cell Biology", "wetlab", 18),
    )),
    UnitSpec("ENG", "Faculty of Engineering Sciences", "faculty", "faculty_office", 12, (
        _dept("BENG", "Department of Biochemical Engineering", "wetlab", 18),
        _dept("CHENG", "Department of Chemical Engineering", "engineering", 24),
        _dept("CEGE", "Department of Civil, Environmental and Geomatic Engineering", "engineering", 22),
        _dept("CS", "Department of Computer Science", "computing", 30),
        _dept("EEE", "Department of Electronic and Electrical Engineering", "engineering", 22),
        _dept("MECH", "Department of Mechanical Engineering", "engineering", 18,
              _section("MECH-WS", "Mechanical Engineering Workshop", "engineering", 10)),
        _dept("MPBE", "Department of Medical Physics and Biomedical Engineering", "engineering", 24),
    )),
    UnitSpec("BRAIN", "Faculty of Brain Sciences", "faculty", "faculty_office", 10, (
        _dept("ION", "Queen Square Institute of Neurology", "wetlab", 24,
              _section("ION-CEE", "Department of Clinical and Experimental Epilepsy", "wetlab", 12),
              _section("ION-DRC", "Dementia Research Centre", "wetlab", 12),
              _section("ION-NMD", "Department of Neuromuscular Diseases", "wetlab", 12)),
        _dept("IOO", "Institute of Ophthalmology", "wetlab", 30),
        _dept("EAR", "Ear Institute", "wetlab", 14),
        _dept("PSYCH", "Division of Psychiatry", "psych", 10),
        _dept("PALS", "Division of Psychology and Language Sciences", "psych", 22),
    )),
    UnitSpec("ESTATES", "Estates", "ps_division", "estates_office", 5, (
        _dept("EST-ME", "Maintenance and Engineering", "maintenance", 18,
              _section("EST-ME-MECH", "Mechanical Services", "maintenance", 10),
              _section("EST-ME-ELEC", "Electrical Services", "maintenance", 10)),
        _dept("EST-FAC", "Facilities Services", "facilities", 30),
        _dept("EST-CAP", "Capital Projects", "projects", 10),
        _dept("EST-SUS", "Sustainability", "sustainability", 6),
    )),
    UnitSpec("HR", "Human Resources", "ps_division", "hr_office", 4, (
        _dept("HR-BP", "HR Business Partnering", "hrbp", 14),
        _dept("HR-SVC", "HR Services and Payroll", "hr_services", 20),
        _dept("HR-OD", "Organisational Development", "od", 10),
        _dept("HR-EDI", "Equality, Diversity and Inclusion", "edi", 6),
    )),
)

# The PS division whose HR Business Partnering team partners every faculty and division.
HR_DIVISION = "HR"
HRBP_TEAM = "HR-BP"

_DEPARTMENT_OFFICE = (
    Job("Teaching and Learning Administrator", PSS, 5, "education", 5),
    Job("Teaching and Learning Officer", PSS, 6, "education", 2, manages=True),
    Job("Student Services Adviser", PSS, 6, "education", 2),
    Job("Teaching and Learning Manager", PSS, 7, "education", 1, manages=True),
    Job("Finance Assistant", PSS, 4, "finance", 2),
    Job("Finance Officer", PSS, 6, "finance", 2, manages=True),
    Job("Research Grants Administrator", PSS, 5, "research_admin", 2),
    Job("Departmental Administrator", PSS, 4, "admin", 2),
    Job("Communications Officer", PSS, 6, "comms", 1),
)

DEPARTMENT_OFFICE = _DEPARTMENT_OFFICE  # the office jobs of every academic department (the generator's too)

PROFILES: dict[str, tuple[Job, ...]] = {
    "faculty_office": (
        Job("Finance Assistant", PSS, 4, "finance", 2),
        Job("Finance Officer", PSS, 6, "finance", 3, manages=True),
        Job("Faculty Finance Manager", PSS, 7, "finance", 1, manages=True),
        Job("HR Administrator", PSS, 5, "hr", 3),
        Job("Faculty HR Officer", PSS, 6, "hr", 1, manages=True),
        Job("Teaching and Learning Administrator", PSS, 5, "education", 2),
        Job("Faculty Education Officer", PSS, 6, "education", 1, manages=True),
        Job("Communications Officer", PSS, 6, "comms", 2),
        Job("Events Coordinator", PSS, 5, "comms", 1),
        Job("Executive Assistant", PSS, 5, "admin", 1),
        Job("IT Support Analyst", TECHNICAL, 5, "it", 2),
        Job("Systems Administrator", TECHNICAL, 6, "it", 1, manages=True),
        Job("Research Facilitator", PSS, 7, "research_admin", 1),
    ),
    "wetlab": (
        Job("Laboratory Technician", TECHNICAL, 4, "lab", 6),
        Job("Research Technician", TECHNICAL, 5, "lab", 16),
        Job("Teaching Laboratory Technician", TECHNICAL, 5, "lab", 4),
        Job("Senior Research Technician", TECHNICAL, 6, "lab", 7, manages=True),
        Job("Microscopy and Imaging Technician", TECHNICAL, 6, "lab", 2),
        Job("Laboratory Manager", TECHNICAL, 7, "lab", 2, manages=True),
        Job("Workshop Technician", TECHNICAL, 5, "workshop", 1),
        Job("IT Support Analyst", TECHNICAL, 5, "it", 1),
        *_DEPARTMENT_OFFICE,
    ),
    "engineering": (
        Job("Laboratory Technician", TECHNICAL, 4, "lab", 3),
        Job("Research Technician", TECHNICAL, 5, "lab", 4),
        Job("Teaching Laboratory Technician", TECHNICAL, 5, "lab", 3),
        Job("Senior Research Technician", TECHNICAL, 6, "lab", 2, manages=True),
        Job("Workshop Technician", TECHNICAL, 5, "workshop", 9),
        Job("Mechanical Engineering Technician", TECHNICAL, 5, "workshop", 7),
        Job("Electronics Technician", TECHNICAL, 5, "workshop", 4),
        Job("Senior Workshop Technician", TECHNICAL, 6, "workshop", 4, manages=True),
        Job("Senior Mechanical Engineering Technician", TECHNICAL, 6, "workshop", 2, manages=True),
        Job("Workshop Manager", TECHNICAL, 7, "workshop", 1, manages=True),
        Job("IT Support Analyst", TECHNICAL, 5, "it", 2),
        Job("Systems Administrator", TECHNICAL, 6, "it", 1),
        *_DEPARTMENT_OFFICE,
    ),
    "computing": (
        Job("IT Support Analyst", TECHNICAL, 5, "it", 8),
        Job("Senior IT Support Analyst", TECHNICAL, 6, "it", 3, manages=True),
        Job("Systems Administrator", TECHNICAL, 6, "it", 6),
        Job("Senior Systems Administrator", TECHNICAL, 7, "it", 2, manages=True),
        Job("Electronics Technician", TECHNICAL, 5, "workshop", 2),
        *_DEPARTMENT_OFFICE,
    ),
    "psych": (
        Job("Laboratory Technician", TECHNICAL, 4, "lab", 2),
        Job("Research Technician", TECHNICAL, 5, "lab", 3),
        Job("IT Support Analyst", TECHNICAL, 5, "it", 2),
        Job("Research Coordinator", PSS, 6, "research_admin", 3, manages=True),
        Job("Teaching and Learning Administrator", PSS, 5, "education", 5),
        *_DEPARTMENT_OFFICE,
    ),
    "estates_office": (
        Job("Executive Assistant", PSS, 5, "admin", 1),
        Job("Estates Finance Officer", PSS, 6, "finance", 1),
        Job("Business Support Officer", PSS, 5, "admin", 1),
        Job("Estates Communications Officer", PSS, 6, "comms", 1),
    ),
    "maintenance": (
        Job("Multi-skilled Maintenance Operative", PSS, 4, "estates", 6),
        Job("Estates Maintenance Officer", PSS, 5, "estates", 8),
        Job("Senior Estates Maintenance Officer", PSS, 6, "estates", 3, manages=True),
        Job("Mechanical Engineering Technician", TECHNICAL, 5, "estates_technical", 3),
        Job("Electrical Technician", TECHNICAL, 5, "estates_technical", 3),
        Job("Estates Helpdesk Administrator", PSS, 4, "admin", 2),
        Job("Building Services Engineer", PSS, 7, "estates", 2, manages=True),
    ),
    "facilities": (
        Job("Facilities Assistant", PSS, 3, "facilities", 8),
        Job("Porter", PSS, 3, "facilities", 5),
        Job("Mailroom Assistant", PSS, 3, "facilities", 2),
        Job("Security Officer", PSS, 4, "security", 6),
        Job("Security Supervisor", PSS, 5, "security", 1, manages=True),
        Job("Facilities Supervisor", PSS, 5, "facilities", 4, manages=True),
        Job("Facilities Officer", PSS, 6, "facilities", 2, manages=True),
        Job("Facilities Manager", PSS, 7, "facilities", 1, manages=True),
    ),
    "projects": (
        Job("Project Administrator", PSS, 4, "projects", 2),
        Job("Assistant Project Manager", PSS, 6, "projects", 3),
        Job("Project Manager", PSS, 7, "projects", 3, manages=True),
        Job("Senior Project Manager", PSS, 8, "projects", 1, manages=True),
    ),
    "sustainability": (
        Job("Sustainability Administrator", PSS, 4, "sustainability", 1),
        Job("Sustainability Officer", PSS, 6, "sustainability", 3),
        Job("Energy Analyst", PSS, 6, "sustainability", 2),
        Job("Energy Manager", PSS, 7, "sustainability", 1, manages=True),
    ),
    "hr_office": (
        Job("Executive Assistant", PSS, 5, "admin", 1),
        Job("HR Communications Officer", PSS, 6, "comms", 1),
    ),
    "hrbp": (
        Job("HR Administrator", PSS, 5, "hr", 4),
        Job("HR Officer", PSS, 6, "hr", 3),
        Job("HR Adviser", PSS, 7, "hr", 3),
        Job("Employee Relations Adviser", PSS, 7, "hr", 1),
    ),
    "hr_services": (
        Job("HR Assistant", PSS, 4, "hr", 2),
        Job("Recruitment Administrator", PSS, 4, "hr", 3),
        Job("HR Administrator", PSS, 5, "hr", 6),
        Job("Payroll Officer", PSS, 5, "payroll", 4),
        Job("Senior Payroll Officer", PSS, 6, "payroll", 1, manages=True),
        Job("HR Services Officer", PSS, 6, "hr", 5),
        Job("Pensions Officer", PSS, 6, "payroll", 2),
        Job("HR Systems Analyst", PSS, 7, "hr_systems", 1),
    ),
    "od": (
        Job("Learning and Development Administrator", PSS, 5, "od", 3),
        Job("Learning and Development Officer", PSS, 6, "od", 3),
        Job("Organisational Development Adviser", PSS, 7, "od", 2, manages=True),
        Job("Technician Commitment Project Officer", PSS, 6, "technician_commitment", 1),
    ),
    "edi": (
        Job("Equality, Diversity and Inclusion Administrator", PSS, 5, "edi", 1),
        Job("Equality, Diversity and Inclusion Officer", PSS, 6, "edi", 2),
        Job("Equality, Diversity and Inclusion Adviser", PSS, 7, "edi", 1, manages=True),
    ),
}

# The technical lead of an academic department or section, by profile and grade.
TECH_LEAD_TITLES: dict[str, dict[int, tuple[str, str]]] = {
    "wetlab": {8: ("Technical Manager", "lab"), 7: ("Laboratory Manager", "lab")},
    "engineering": {8: ("Technical Manager", "workshop"), 7: ("Workshop Manager", "workshop")},
    "computing": {8: ("IT Manager", "it"), 7: ("Senior Systems Administrator", "it")},
    "psych": {8: ("Technical Manager", "lab"), 7: ("Laboratory Manager", "lab")},
}

# The head of each professional services department (also its departmental contact).
PS_DEPARTMENT_HEADS: dict[str, tuple[str, int, str]] = {
    "maintenance": ("Head of Maintenance and Engineering", 9, "estates"),
    "facilities": ("Head of Facilities Services", 9, "facilities"),
    "projects": ("Head of Capital Projects", 9, "projects"),
    "sustainability": ("Head of Sustainability", 8, "sustainability"),
    "hrbp": ("Head of HR Business Partnering", 9, "hr"),
    "hr_services": ("Head of HR Services", 9, "hr"),
    "od": ("Head of Organisational Development", 9, "od"),
    "edi": ("Head of Equality, Diversity and Inclusion", 8, "edi"),
}

PS_SECTION_LEADS: dict[str, tuple[str, int, str]] = {
    "EST-ME-MECH": ("Mechanical Services Manager", 7, "estates"),
    "EST-ME-ELEC": ("Electrical Services Manager", 7, "estates"),
}

PS_DIRECTORS: dict[str, str] = {"ESTATES": "Director of Estates", "HR": "Director of Human Resources"}

FUNDERS: tuple[tuple[str, str], ...] = (
    ("Wellcome Trust", "{n:06d}/Z/{y:02d}/Z"),
    ("UKRI Medical Research Council", "MR/{l}{n:06d}/1"),
    ("UKRI Engineering and Physical Sciences Research Council", "EP/{l}{n:06d}/1"),
    ("UKRI Biotechnology and Biological Sciences Research Council", "BB/{l}{n:06d}/1"),
    ("Cancer Research UK", "C{n:05d}/A{y:02d}"),
    ("European Research Council", "ERC-{n:06d}"),
    ("National Institute for Health and Care Research", "NIHR{n:06d}"),
    ("British Heart Foundation", "PG/{y:02d}/{n:05d}"),
)


@dataclass(frozen=True)
class Catalogue:
    """Everything the builder reads about a university's shape: its units and the jobs, heads and
    leads each kind of unit has. The demo university is :data:`DEMO`; the generator
    (:mod:`gradepath.demo.generate`) builds larger ones from the same kinds of data."""

    units: tuple[UnitSpec, ...]
    profiles: dict[str, tuple[Job, ...]]
    tech_lead_titles: dict[str, dict[int, tuple[str, str]]]
    ps_department_heads: dict[str, tuple[str, int, str]]
    ps_section_leads: dict[str, tuple[str, int, str]]
    ps_directors: dict[str, str]


DEMO = Catalogue(units=UNITS, profiles=PROFILES, tech_lead_titles=TECH_LEAD_TITLES,
                 ps_department_heads=PS_DEPARTMENT_HEADS, ps_section_leads=PS_SECTION_LEADS,
                 ps_directors=PS_DIRECTORS)
