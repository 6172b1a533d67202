"""A synthetic agreed JD library for the matching benchmark (``gradepath jd-match-bench``).

Job descriptions are put together from vocabularies per job family and per level of
responsibility, with a fixed random seed, so every run builds the same library. The text is
"realistic-ish": the right shape and length (a title, a purpose, 6–12 duties, line management,
working relationships, 8–11 criteria, additional information; about 400 words) and a broad, skewed vocabulary, which is what
the index size and the query cost depend on. It is not used to judge accuracy (see
``jd-match-eval`` for that).
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from gradepath.jobs.matching.documents import MatchDocument, document_from_sections

FAMILIES: dict[str, dict[str, list[str]]] = {
    "it": {
        "roles": ["IT Support", "Infrastructure", "Network", "Applications", "Service Desk", "Systems",
                  "Cyber Security", "Database", "Research Computing", "Web Development", "Cloud Platform"],
        "objects": ["user accounts and access rights", "desktop and laptop builds", "the service desk queue",
                    "network switches and wireless access points", "server patching and backups",
                    "the virtual learning environment", "software licences", "identity and access management",
                    "the high performance computing cluster", "firewall rules", "the incident management process",
                    "database performance and integrity", "web content management system", "cloud subscriptions",
                    "audio visual equipment in teaching rooms", "mobile device management",
                    "change requests", "vulnerability scans", "the asset register", "service level reports"],
        "tools": ["ServiceNow", "Active Directory", "Azure", "Linux", "Windows Server", "VMware", "PowerShell",
                  "Python", "SQL Server", "PostgreSQL", "Ansible", "Moodle", "Jamf", "Cisco", "Jira", "SCCM"],
    },
    "research_tech": {
        "roles": ["Research Technician", "Laboratory Technician", "Imaging Technician", "Genomics Technician",
                  "Animal Technician", "Microscopy Technician", "Cell Culture Technician", "Analytical Technician",
                  "Bioinformatics Technician", "Proteomics Technician"],
        "objects": ["reagents, media and buffers", "tissue culture facilities", "confocal and electron microscopes",
                    "the category two containment laboratory", "samples and biological material",
                    "sequencing libraries", "mass spectrometry runs", "laboratory stock and consumables",
                    "risk assessments and COSHH records", "equipment calibration and servicing",
                    "research data and sample databases", "autoclaves and waste streams", "cold rooms and freezers",
                    "experimental protocols", "training of students in laboratory techniques",
                    "booking of shared equipment", "liquid nitrogen stores", "flow cytometers", "PCR and qPCR assays",
                    "histology sections"],
        "tools": ["HPLC", "flow cytometry", "qPCR", "confocal microscopy", "LIMS", "CRISPR", "ELISA", "Western blot",
                  "NMR", "GC-MS", "FACS", "ImageJ", "R", "next generation sequencing", "cryostat", "ultracentrifuge"],
    },
    "finance": {
        "roles": ["Finance", "Accounts Payable", "Research Finance", "Management Accounts", "Payroll", "Procurement",
                  "Financial Reporting", "Income", "Treasury", "Grants", "Budget"],
        "objects": ["purchase orders and invoices", "supplier payments", "research grant budgets",
                    "month end journals", "balance sheet reconciliations", "the departmental budget",
                    "expense claims", "VAT returns", "cost recovery on research awards", "the annual accounts",
                    "payroll variations", "income from short courses", "forecasts and reforecasts",
                    "audit queries", "procurement tenders", "credit control", "fixed asset register",
                    "financial regulations", "funder reports", "cash flow"],
        "tools": ["SAP", "Agresso", "Excel", "Power BI", "Oracle Financials", "iProcurement", "Worktribe", "Concur",
                  "pivot tables", "Unit4", "Business World", "Cognos"],
    },
    "hr": {
        "roles": ["HR", "Recruitment", "Employee Relations", "Learning and Development", "Reward", "HR Systems",
                  "Equality and Diversity", "Wellbeing", "Organisational Development", "Resourcing"],
        "objects": ["recruitment campaigns", "contracts of employment", "right to work checks",
                    "sickness absence cases", "disciplinary and grievance cases", "the staff survey",
                    "job evaluation and grading", "training programmes", "probation reviews", "visa sponsorship",
                    "HR policies and procedures", "workforce data and reports", "restructuring consultations",
                    "pay and reward reviews", "staff induction", "appraisal cycle", "occupational health referrals",
                    "flexible working requests", "family leave", "the HR inbox"],
        "tools": ["Trent", "iTrent", "Workday", "HERA", "ACAS guidance", "Tableau", "Excel", "eRecruitment", "LinkedIn",
                  "SuccessFactors", "CIPD framework"],
    },
    "estates": {
        "roles": ["Estates", "Maintenance", "Building Services", "Facilities", "Porter", "Grounds", "Energy",
                  "Project", "Space Planning", "Security", "Cleaning"],
        "objects": ["planned preventive maintenance", "reactive repairs", "building management systems",
                    "mechanical and electrical plant", "contractor permits to work", "fire alarm testing",
                    "room bookings and furniture moves", "capital projects", "space utilisation surveys",
                    "energy and water metering", "grounds and landscaping", "waste and recycling",
                    "lifts and access control", "legionella monitoring", "asbestos register",
                    "mail and deliveries", "health and safety inspections", "cleaning schedules",
                    "CCTV and patrols", "condition surveys"],
        "tools": ["Planon", "CAFM", "BMS", "AutoCAD", "Revit", "Trend", "CDM regulations", "NEBOSH", "SMSTS",
                  "IPAF", "PASMA", "BREEAM"],
    },
    "student": {
        "roles": ["Student Services", "Admissions", "Student Records", "Careers", "Disability Support",
                  "Student Wellbeing", "Examinations", "Timetabling", "International Student", "Accommodation",
                  "Teaching and Learning"],
        "objects": ["student enquiries", "admissions applications", "examination boards", "module registrations",
                    "student records and transcripts", "extenuating circumstances claims", "timetables",
                    "visa compliance for students", "graduation ceremonies", "reasonable adjustments",
                    "careers appointments", "student accommodation allocations", "academic misconduct cases",
                    "welcome and induction events", "course handbooks", "the virtual learning environment",
                    "placement agreements", "student surveys", "scholarships and bursaries", "appeals"],
        "tools": ["SITS", "Tribal", "UCAS", "Moodle", "Scientia", "Salesforce", "Turnitin", "Qualtrics",
                  "Microsoft Teams", "CRM"],
    },
    "workshop": {
        "roles": ["Mechanical Workshop", "Electronics Workshop", "Engineering", "Design", "Fabrication",
                  "Instrument Making", "Glassblowing", "Teaching Laboratory", "Prototyping", "Machine Shop"],
        "objects": ["CNC machining", "manual lathes and mills", "welding and fabrication",
                    "printed circuit boards", "3D printing and laser cutting", "student project builds",
                    "workshop inductions and safety", "machine guarding", "tooling and materials stock",
                    "technical drawings", "bespoke experimental apparatus", "soldering and wiring",
                    "calibration of instruments", "vacuum systems", "lathe and milling tools",
                    "laboratory practical classes", "equipment repairs", "PUWER inspections",
                    "material procurement", "design for manufacture"],
        "tools": ["SolidWorks", "Fusion 360", "AutoCAD", "KiCad", "Altium", "LabVIEW", "Arduino", "Mastercam",
                  "Haas CNC", "TIG welding", "MIG welding", "oscilloscopes"],
    },
    "comms": {
        "roles": ["Communications", "Marketing", "Events", "Digital Content", "Alumni Relations", "Fundraising",
                  "Public Engagement", "Press", "Web", "Social Media"],
        "objects": ["news stories and press releases", "social media channels", "the faculty website",
                    "marketing campaigns", "events and conferences", "alumni networks", "donor stewardship",
                    "brand guidelines", "newsletters", "open days", "photography and video", "media enquiries",
                    "engagement metrics", "fundraising appeals", "sponsorship", "public lectures",
                    "stakeholder mailing lists", "print materials", "content calendar", "impact case studies"],
        "tools": ["T4", "WordPress", "Hootsuite", "Google Analytics", "Adobe Creative Cloud", "Canva", "Raiser's Edge",
                  "Mailchimp", "Eventbrite", "Drupal", "Dotdigital"],
    },
}

# Levels of responsibility, low to high, with the grades they lead to.
LEVELS = [
    {"grades": (1, 2), "prefix": ["Assistant", "Trainee", ""], "suffix": ["Assistant", "Attendant", "Operative"],
     "verbs": ["assist with", "help to maintain", "carry out routine", "keep tidy", "record", "fetch and deliver"],
     "manage": "No line management responsibility.", "budget": "No budget responsibility."},
    {"grades": (3, 4), "prefix": ["", "Senior"], "suffix": ["Administrator", "Assistant", "Technician", "Clerk"],
     "verbs": ["process", "carry out", "maintain", "update", "prepare", "respond to", "check"],
     "manage": "May show new colleagues how to carry out routine tasks.", "budget": "No budget responsibility."},
    {"grades": (5, 6), "prefix": ["", "Senior"], "suffix": ["Officer", "Technician", "Coordinator", "Analyst"],
     "verbs": ["coordinate", "organise", "analyse", "resolve", "monitor", "advise on", "deliver", "improve"],
     "manage": "Supervises one or two staff and allocates their work.",
     "budget": "Manages a small operating budget for consumables."},
    {"grades": (7, 8), "prefix": ["Senior", "Principal", "Lead"], "suffix": ["Manager", "Specialist", "Advisor",
                                                                          "Engineer", "Partner"],
     "verbs": ["manage", "lead", "plan", "develop", "review and improve", "negotiate", "take decisions on",
               "set priorities for"],
     "manage": "Line manages a team of four to ten staff, including recruitment, appraisal and development.",
     "budget": "Responsible for a budget of several hundred thousand pounds."},
    {"grades": (9, 10), "prefix": ["Head of", "Director of", "Deputy Director of"], "suffix": ["", "Services",
                                                                                            "Operations"],
     "verbs": ["set the strategy for", "direct", "be accountable for", "shape institutional policy on",
               "lead organisational change in", "represent the university on", "secure investment in"],
     "manage": "Leads a department of over thirty staff through several managers.",
     "budget": "Accountable for a budget of several million pounds."},
]
QUALIFIERS = ["to agreed standards", "within agreed deadlines", "in line with university policy",
              "across the faculty", "for the whole department", "in a busy environment", "with minimal supervision",
              "working closely with academic staff", "to meet legal and regulatory requirements",
              "so that service users get a timely response", "using the relevant systems", "on a rota basis",
              "for research groups and teaching", "and report issues to the manager", "and recommend improvements",
              "for staff, students and visitors", "to support the student experience", "at several sites"]
PEOPLE = ["academic staff", "research groups", "students", "heads of department", "external suppliers",
          "contractors", "funders", "colleagues in central services", "the faculty manager", "auditors",
          "senior leadership", "trade unions", "visitors and the public", "partner institutions", "the HR business partner"]
CRITERIA_BY_LEVEL = [
    ["Good literacy and numeracy.", "Willingness to learn and follow instructions.", "Reliable and punctual."],
    ["GCSEs or equivalent, including English and mathematics.", "Experience of routine office or technical work.",
     "Good working knowledge of Microsoft Office."],
    ["A levels, an NVQ level 3 or equivalent experience.", "Experience of coordinating work to deadlines.",
     "Ability to analyse information and resolve problems."],
    ["A degree or a professional qualification, or equivalent experience.", "Experience of managing a team.",
     "Ability to plan and deliver change."],
    ["A degree and substantial senior management experience.", "A record of leading strategy across an organisation.",
     "Ability to influence at the highest level."],
]
ADDITIONAL = [
    "The post is based on the main campus with occasional work at other sites.",
    "Some work outside normal hours is needed at busy times of the year, with time off in lieu.",
    "The post holder will be expected to take part in the department's training and development programme.",
    "This is a hybrid role: at least three days a week are worked on campus.",
    "Occasional travel to partner institutions in the UK is required.",
    "The post holder may be asked to carry out other duties of a similar level.",
]


def _title(rng: random.Random, family: dict, level: dict) -> str:
    role = rng.choice(family["roles"])
    prefix = rng.choice(level["prefix"])
    suffix = rng.choice(level["suffix"])
    if prefix.endswith("of"):
        return f"{prefix} {role} {suffix}".strip()
    return " ".join(p for p in (prefix, role, suffix) if p)


def synthetic_jd(rng: random.Random, doc_id: int) -> tuple[MatchDocument, int]:
    """One synthetic JD and its grade."""
    family_key = rng.choice(list(FAMILIES))
    family = FAMILIES[family_key]
    level_index = rng.randrange(len(LEVELS))
    level = LEVELS[level_index]
    grade = rng.choice(level["grades"])
    title = _title(rng, family, level)
    objects = rng.sample(family["objects"], k=min(len(family["objects"]), rng.randint(8, 14)))
    duties = []
    for obj in objects:
        verb = rng.choice(level["verbs"])
        tools = rng.sample(family["tools"], k=rng.randint(0, 2))
        tail = f", using {' and '.join(tools)}" if tools else ""
        extra = (f" {rng.choice(['Work', 'Liaise', 'Agree priorities'])} with {rng.choice(PEOPLE)} "
                 f"{rng.choice(QUALIFIERS)}, and {rng.choice(level['verbs'])} {rng.choice(family['objects'])}."
                 if rng.random() < 0.6 else "")
        duties.append(f"{verb.capitalize()} {obj} {rng.choice(QUALIFIERS)}{tail}.{extra}")
    purpose = (f"To {rng.choice(level['verbs'])} {rng.choice(family['objects'])} and "
               f"{rng.choice(family['objects'])} {rng.choice(QUALIFIERS)}. The post holder will "
               f"{rng.choice(level['verbs'])} {rng.choice(family['objects'])} {rng.choice(QUALIFIERS)} and "
               f"{rng.choice(level['verbs'])} {rng.choice(family['objects'])} for {rng.choice(PEOPLE)}.")
    relationships = (f"Works with {', '.join(rng.sample(PEOPLE, k=3))} and {rng.choice(PEOPLE)}. "
                     f"Reports to the {rng.choice(family['roles'])} manager. Internal contacts include "
                     f"{', '.join(rng.sample(PEOPLE, k=2))}; external contacts include {rng.choice(PEOPLE)}.")
    criteria = [*rng.sample(CRITERIA_BY_LEVEL[level_index], k=3),
                *[f"Knowledge of {rng.choice(family['tools'])} and {rng.choice(family['tools'])}."
                  for _ in range(rng.randint(1, 2))],
                *[f"Experience of {rng.choice(family['objects'])} {rng.choice(QUALIFIERS)}."
                  for _ in range(rng.randint(2, 3))],
                f"Understanding of {rng.choice(family['objects'])} {rng.choice(QUALIFIERS)}.",
                "Excellent written and spoken communication skills.",
                "Commitment to equality, diversity and inclusion."]
    document = document_from_sections(
        doc_id, job_title=title, purpose=purpose, duties=duties,
        line_management=f"{level['manage']} {level['budget']}", working_relationships=relationships,
        person_spec=[{"text": c} for c in criteria],
        additional_information=rng.choice(ADDITIONAL),
    )
    return document, grade


def synthetic_library(size: int, *, seed: int = 20260801) -> Iterator[tuple[MatchDocument, int]]:
    """``size`` synthetic JDs with their grades, the same every time for the same seed."""
    rng = random.Random(seed)
    for doc_id in range(1, size + 1):
        yield synthetic_jd(rng, doc_id)


def perturbed(document: MatchDocument, rng: random.Random) -> MatchDocument:
    """A near copy of a document (a query for the benchmark): some duties dropped and reordered."""
    lines = document.work.split("\n")
    keep = [line for line in lines if rng.random() > 0.3] or lines[:1]
    rng.shuffle(keep)
    return MatchDocument(doc_id=0, title=document.title, work="\n".join(keep), context=document.context)
