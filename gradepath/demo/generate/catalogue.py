"""The shape of a generated university: the demo university's units, then more faculties and
professional services divisions as the size grows, or a smaller core for very small sizes.

Plain data, read by :mod:`gradepath.demo.generate.people` through the demo builder
(:class:`gradepath.demo.catalogue.Catalogue`). Every generated university keeps the units the demo
logins work in (the Faculty of Life Sciences with its Division of Biosciences, and Human Resources
with its four departments), so each login has the same place and role at every size.
"""

from __future__ import annotations

from gradepath.demo import catalogue as demo
from gradepath.demo.catalogue import ACADEMIC, PSS, TECHNICAL, Catalogue, Job, UnitSpec

# --- Jobs of the units the demo university does not have --------------------------------------------------


EXTRA_PROFILES: dict[str, tuple[Job, ...]] = {
    "humanities": (
        Job("IT Support Analyst", TECHNICAL, 5, "it", 2),
        Job("Research Coordinator", PSS, 6, "research_admin", 2, manages=True),
        Job("Teaching and Learning Administrator", PSS, 5, "education", 4),
        Job("Student Support Officer", PSS, 5, "student_support", 1),
        *demo.DEPARTMENT_OFFICE,
    ),
    "division_office": (
        Job("Executive Assistant", PSS, 5, "admin", 1),
        Job("Business Support Officer", PSS, 5, "admin", 2),
        Job("Communications Officer", PSS, 6, "comms", 1),
        Job("Finance Officer", PSS, 6, "finance", 1),
    ),
    "finance_services": (
        Job("Finance Clerk", PSS, 3, "finance", 2),
        Job("Finance Assistant", PSS, 4, "finance", 5),
        Job("Accounts Payable Assistant", PSS, 4, "finance", 3),
        Job("Finance Administrator", PSS, 5, "finance", 4),
        Job("Accounts Payable Officer", PSS, 5, "finance", 2),
        Job("Finance Officer", PSS, 6, "finance", 4, manages=True),
        Job("Research Finance Officer", PSS, 6, "finance", 3),
        Job("Management Accountant", PSS, 7, "finance", 2, manages=True),
        Job("Purchasing Assistant", PSS, 4, "procurement", 2),
        Job("Procurement Officer", PSS, 5, "procurement", 2),
        Job("Category Buyer", PSS, 6, "procurement", 1),
        Job("Category Manager", PSS, 7, "procurement", 1, manages=True),
    ),
    "it_services": (
        Job("IT Service Desk Assistant", TECHNICAL, 3, "it", 3),
        Job("IT Support Technician", TECHNICAL, 4, "it", 5),
        Job("IT Support Analyst", TECHNICAL, 5, "it", 6),
        Job("Senior IT Support Analyst", TECHNICAL, 6, "it", 3, manages=True),
        Job("Systems Administrator", TECHNICAL, 6, "it", 4),
        Job("Network Engineer", TECHNICAL, 6, "it", 2),
        Job("Research Software Engineer", TECHNICAL, 6, "it", 2),
        Job("Senior Systems Administrator", TECHNICAL, 7, "it", 2, manages=True),
        Job("IT Support Manager", TECHNICAL, 7, "it", 1, manages=True),
        Job("Research Computing Platform Lead", TECHNICAL, 7, "it", 1),
    ),
    "library": (
        Job("Library Assistant (Shelving)", PSS, 2, "library", 3),
        Job("Library Assistant", PSS, 3, "library", 8),
        Job("Senior Library Assistant", PSS, 4, "library", 4, manages=True),
        Job("Library Services Officer", PSS, 5, "library", 4),
        Job("Subject Librarian", PSS, 6, "library", 3),
        Job("Archivist", PSS, 6, "library", 1),
        Job("Site Librarian", PSS, 7, "library", 1, manages=True),
    ),
    "student_services": (
        Job("Student Records Assistant", PSS, 3, "education", 4),
        Job("Student Administration Assistant", PSS, 4, "education", 5),
        Job("Student Enquiries Assistant", PSS, 4, "student_support", 3),
        Job("Student Support Officer", PSS, 5, "student_support", 4),
        Job("Teaching and Learning Administrator", PSS, 5, "education", 2),
        Job("Student Support Adviser", PSS, 6, "student_support", 3),
        Job("Disability Adviser", PSS, 6, "student_support", 1),
        Job("Assessment Officer", PSS, 6, "education", 2, manages=True),
        Job("Student Wellbeing Manager", PSS, 7, "student_support", 1, manages=True),
    ),
    "campus_services": (
        Job("Domestic Assistant", PSS, 1, "domestic", 10),
        Job("Catering Assistant", PSS, 1, "domestic", 5),
        Job("Senior Domestic Assistant", PSS, 2, "domestic", 3),
        Job("Kitchen Porter", PSS, 2, "domestic", 2),
        Job("Catering Supervisor", PSS, 3, "domestic", 2, manages=True),
        Job("Cleaning Team Leader", PSS, 4, "domestic", 2, manages=True),
        Job("Security Patrol Officer", PSS, 3, "security", 3),
        Job("Security Officer", PSS, 4, "security", 5),
        Job("Security Supervisor", PSS, 5, "security", 2, manages=True),
        Job("Catering Manager", PSS, 6, "domestic", 1, manages=True),
        Job("Security Manager", PSS, 7, "security", 1, manages=True),
    ),
}

EXTRA_TECH_LEADS: dict[str, dict[int, tuple[str, str]]] = {
    "humanities": {8: ("IT Manager", "it"), 7: ("IT Support Manager", "it")},
}

EXTRA_DEPARTMENT_HEADS: dict[str, tuple[str, int, str]] = {
    "finance_services": ("Head of Financial Services", 9, "finance"),
    "it_services": ("Head of IT Infrastructure", 9, "it"),
    "library": ("Head of Library Operations", 8, "library"),
    "student_services": ("Head of Student Support", 8, "student_support"),
    "campus_services": ("Head of Campus Services", 8, "facilities"),
}

EXTRA_DIRECTORS: dict[str, str] = {
    "FINANCE": "Director of Finance",
    "ISD": "Director of Information Services",
    "LIBRARY": "Director of Library Services",
    "STUDENT": "Director of Student and Registry Services",
    "CAMPUS": "Director of Campus Services",
}


def _faculty(code: str, name: str, *departments: UnitSpec) -> UnitSpec:
    return UnitSpec(code, name, "faculty", "faculty_office", 12, departments)


def _division(code: str, name: str, *departments: UnitSpec) -> UnitSpec:
    return UnitSpec(code, name, "ps_division", "division_office", 5, departments)


def _dept(code: str, name: str, profile: str, weight: int, *sections: UnitSpec) -> UnitSpec:
    return UnitSpec(code, name, "department", profile, weight, sections)


def _section(code: str, name: str, profile: str, weight: int) -> UnitSpec:
    return UnitSpec(code, name, "section", profile, weight)


# More faculties and divisions, in the order they join as the university grows.
EXTRA_UNITS: tuple[UnitSpec, ...] = (
    _faculty("MEDSCI", "Faculty of Medical Sciences",
             _dept("MED", "Division of Medicine", "wetlab", 34,
                   _section("MED-RESP", "Department of Respiratory Medicine", "wetlab", 14),
                   _section("MED-KIDNEY", "Department of Renal Medicine", "wetlab", 12)),
             _dept("SURG", "Division of Surgery and Interventional Science", "wetlab", 26),
             _dept("CANCER", "Cancer Institute", "wetlab", 30),
             _dept("ICS", "Institute of Cardiovascular Science", "wetlab", 24),
             _dept("EASTMAN", "Eastman Dental Institute", "wetlab", 18),
             _dept("INFIMM", "Division of Infection and Immunity", "wetlab", 26)),
    _division("FINANCE", "Finance and Procurement",
              _dept("FIN-FS", "Financial Services", "finance_services", 30),
              _dept("FIN-PROC", "Procurement Services", "finance_services", 12),
              _dept("FIN-RFS", "Research Finance", "finance_services", 20)),
    _faculty("MAPS", "Faculty of Mathematical and Physical Sciences",
             _dept("CHEM", "Department of Chemistry", "wetlab", 28),
             _dept("PHAS", "Department of Physics and Astronomy", "engineering", 26,
                   _section("PHAS-WS", "Physics Workshop", "engineering", 10)),
             _dept("EARTH", "Department of Earth Sciences", "engineering", 16),
             _dept("MATHS", "Department of Mathematics", "computing", 12),
             _dept("STATS", "Department of Statistical Science", "computing", 10),
             _dept("MSSL", "Mullard Space Science Laboratory", "engineering", 20)),
    _faculty("POPH", "Faculty of Population Health Sciences",
             _dept("ICH", "Great Ormond Street Institute of Child Health", "wetlab", 34),
             _dept("IWH", "Institute for Women's Health", "wetlab", 18),
             _dept("IEHC", "Institute of Epidemiology and Health Care", "psych", 22),
             _dept("ICTM", "Institute of Clinical Trials and Methodology", "psych", 20),
             _dept("IHI", "Institute of Health Informatics", "computing", 16),
             _dept("IGH", "Institute for Global Health", "psych", 14)),
    _division("ISD", "Information Services Division",
              _dept("ISD-SD", "IT Service Desk", "it_services", 24),
              _dept("ISD-INFRA", "Infrastructure and Networks", "it_services", 22),
              _dept("ISD-RC", "Research Computing", "it_services", 16),
              _dept("ISD-DIG", "Digital Education", "it_services", 14)),
    _faculty("SHS", "Faculty of Social and Historical Sciences",
             _dept("ANTH", "Department of Anthropology", "humanities", 12),
             _dept("ECON", "Department of Economics", "humanities", 14),
             _dept("GEOG", "Department of Geography", "wetlab", 16),
             _dept("HIST", "Department of History", "humanities", 10),
             _dept("POLSCI", "Department of Political Science", "humanities", 14),
             _dept("ARCH", "Institute of Archaeology", "wetlab", 18),
             _dept("SSEES", "School of Slavonic and East European Studies", "humanities", 12)),
    _division("STUDENT", "Student and Registry Services",
              _dept("SRS-REC", "Student Records", "student_services", 20),
              _dept("SRS-SUP", "Student Support and Wellbeing", "student_services", 22),
              _dept("SRS-ADM", "Admissions", "student_services", 18),
              _dept("SRS-EXAM", "Examinations and Assessment", "student_services", 12)),
    _faculty("ARTS", "Faculty of Arts and Humanities",
             _dept("SELCS", "School of European Languages, Culture and Society", "humanities", 16),
             _dept("ENGLISH", "Department of English Language and Literature", "humanities", 10),
             _dept("GRLAT", "Department of Greek and Latin", "humanities", 8),
             _dept("PHIL", "Department of Philosophy", "humanities", 8),
             _dept("SLADE", "Slade School of Fine Art", "engineering", 12),
             _dept("INFSTUD", "Department of Information Studies", "computing", 10)),
    _faculty("BARTLETT", "Faculty of the Built Environment",
             _dept("BSA", "Bartlett School of Architecture", "engineering", 22),
             _dept("BSP", "Bartlett School of Planning", "humanities", 10),
             _dept("BSEER", "Bartlett School of Environment, Energy and Resources", "engineering", 14),
             _dept("CASA", "Centre for Advanced Spatial Analysis", "computing", 10),
             _dept("BSSC", "Bartlett School of Sustainable Construction", "engineering", 12)),
    _division("CAMPUS", "Campus Services",
              _dept("CAMP-SEC", "Security Services", "campus_services", 26),
              _dept("CAMP-CAT", "Catering Services", "campus_services", 20),
              _dept("CAMP-CLEAN", "Cleaning Services", "campus_services", 30)),
    _faculty("IOE", "Institute of Education",
             _dept("IOE-LL", "Department of Learning and Leadership", "humanities", 14),
             _dept("IOE-CPA", "Department of Curriculum, Pedagogy and Assessment", "humanities", 16),
             _dept("IOE-CCM", "Department of Culture, Communication and Media", "humanities", 14),
             _dept("IOE-PHD", "Department of Psychology and Human Development", "psych", 16),
             _dept("IOE-SRI", "Social Research Institute", "computing", 16)),
    _division("LIBRARY", "Library Services",
              _dept("LIB-OPS", "Library Operations", "library", 28),
              _dept("LIB-SPEC", "Special Collections", "library", 12),
              _dept("LIB-REC", "Records Office and Archives", "library", 8)),
    _faculty("LAWS", "Faculty of Laws",
             _dept("LAWS-CCL", "Centre for Commercial Law", "humanities", 8),
             _dept("LAWS-JUST", "Centre for Access to Justice", "humanities", 8),
             _dept("LAWS-JI", "Judicial Institute", "humanities", 6)),
)

# The units every generated university keeps (where the demo logins work), for the smallest sizes.
CORE_UNITS: tuple[UnitSpec, ...] = tuple(
    UnitSpec(spec.code, spec.name, spec.kind, spec.profile, spec.weight,
             tuple(UnitSpec(child.code, child.name, child.kind, child.profile, child.weight)  # no sections
                   for child in spec.children
                   if child.code in ("BIOSC", "EST-CAP", "HR-BP", "HR-SVC", "HR-OD", "HR-EDI")))
    for spec in demo.UNITS if spec.code in ("LIFE", "ESTATES", "HR")  # Capital Projects: the host login
)

FIRST_EXTRA_AT = 6_000  # people: below this the demo university's units hold everyone
PEOPLE_PER_EXTRA_UNIT = 3_500  # people: one more faculty or division for each this many beyond it
DEMO_FROM = 700  # people: below this, only the core units (the demo's 40 units would be nearly empty)


def catalogue_for(people: int) -> Catalogue:
    """The units of a university of ``people``: the core, the demo's, or the demo's and more."""
    if people < DEMO_FROM:
        units = CORE_UNITS
    else:
        extra = 0 if people < FIRST_EXTRA_AT else min(len(EXTRA_UNITS),
                                                      1 + (people - FIRST_EXTRA_AT) // PEOPLE_PER_EXTRA_UNIT)
        units = (*demo.UNITS, *EXTRA_UNITS[:extra])
    return Catalogue(
        units=units,
        profiles={**demo.PROFILES, **EXTRA_PROFILES},
        tech_lead_titles={**demo.TECH_LEAD_TITLES, **EXTRA_TECH_LEADS},
        ps_department_heads={**demo.PS_DEPARTMENT_HEADS, **EXTRA_DEPARTMENT_HEADS},
        ps_section_leads=demo.PS_SECTION_LEADS,
        ps_directors={**demo.PS_DIRECTORS, **EXTRA_DIRECTORS},
    )


def fixed_people(catalogue: Catalogue) -> tuple[int, int]:
    """(academics, others) the builder always makes for ``catalogue``, whatever the size: the deans and
    heads of academic departments, and the role holders (gradepath.demo.builder._plan_fixed_roles)."""
    academics = others = 0
    tops = len(catalogue.units)

    def walk(spec: UnitSpec, parent: UnitSpec | None) -> None:
        nonlocal academics, others
        if spec.kind == "faculty":
            academics += 1
            others += 2
        elif spec.kind == "ps_division":
            others += 2
        elif spec.kind == "department" and parent is not None and parent.kind == "faculty":
            academics += 1
            others += 2 + (5 if spec.code == "BIOSC" else 0)  # the demo's laboratory team in Biosciences
        elif spec.kind == "department":
            others += 1 + {"hrbp": tops, "hr_services": 3, "od": 1, "edi": 1}.get(spec.profile, 0)
        else:
            others += 1
        for child in spec.children:
            walk(child, spec)

    for spec in catalogue.units:
        walk(spec, None)
    return academics, others


__all__ = ["ACADEMIC", "catalogue_for", "fixed_people"]
