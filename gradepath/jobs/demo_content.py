"""Demo content for job descriptions: believable JD texts and an agreed JD library built from them.

Two layers:

* :func:`compose_jd` writes the sections of one JD (title, purpose, duties, line management,
  working relationships, person specification, additional information) for an *area* of work
  and a grade, from the phrase banks below. It only reads the ``random.Random`` it is given, so
  one seed always gives the same text. Levels of responsibility follow the grade: routine tasks
  under close supervision (grades 1–2), established procedures with some judgement (3–4),
  specialist knowledge, supervision and problem solving (5–6), managing services, teams, budgets
  and interpreting policy (7–8), leading a function across a faculty or division (9–10). The
  text never names a person, a grade or a gender (``services.text_warnings`` stays silent).
* :func:`build_demo_jds` turns that into data through the job description services only
  (``create_job_description``, ``save_draft``, ``submit_version``, ``start_new_draft``,
  ``log_agreed_jd``), so every JD has its history rows: an agreed library across job families
  and every grade, JDs with two to four versions whose tracked changes show added, removed,
  moved and reworded text, a few open drafts, and posts sharing one JD version.

The demo university builder calls :func:`build_demo_jds` after it has created org units,
people, posts and appointments; ``gradepath demo-jds`` runs it on its own.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from gradepath.core.errors import ServiceError
from gradepath.grades.models import Grade, GradeStructure
from gradepath.jobs import services
from gradepath.jobs.models import AgreedJD, JDVersion, JobDescription, JobFamily
from gradepath.people.models import Appointment, OrgUnit, Person, Post

# --- Job families ---------------------------------------------------------------------------------

FAMILIES: tuple[tuple[str, str], ...] = (
    ("TECH", "Technical and experimental"),
    ("PS-ADMIN", "Professional services: administration"),
    ("PS-FIN", "Professional services: finance"),
    ("PS-HR", "Professional services: HR"),
    ("IT", "Information technology"),
    ("ESTATES", "Estates and facilities"),
    ("STUDENT", "Student services"),
    ("RESEARCH", "Research support"),
    ("LIBRARY", "Library and archives"),
    ("OPS", "Operational services"),
    ("COMMS", "Communications and engagement"),
)

PSS = "pss"
TECHNICAL = "technical"


def _lines(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in text.strip().splitlines() if line.strip())


@dataclass(frozen=True)
class Area:
    """An area of work: its job family, titles by grade and the phrase banks its JDs draw on.

    Duty banks by level: ``entry`` (grades 1–2), ``do`` (operational work), ``lead`` (specialist
    work and supervision), ``manage`` (running a service). Person specification lines start with
    ``A:``, ``I:`` or ``B:`` for assessed at application, at interview, or both.
    """

    key: str
    label: str
    family: str
    category: str
    titles: dict[int, tuple[str, ...]]
    tasks: str
    aim: str
    users: str
    outcome: str
    context: tuple[str, ...]
    equipment: tuple[str, ...]
    systems: tuple[str, ...]
    do: tuple[str, ...]
    lead: tuple[str, ...]
    manage: tuple[str, ...]
    internal: tuple[str, ...]
    external: tuple[str, ...]
    essential: tuple[str, ...]
    desirable: tuple[str, ...]
    extras: tuple[str, ...]
    team: str
    unit_words: tuple[str, ...]
    entry: tuple[str, ...] = ()


AREAS: tuple[Area, ...] = (
    Area(
        key="lab_research", label="Research laboratory operations", family="TECH", category=TECHNICAL,
        titles={2: ("Laboratory Assistant",), 3: ("Laboratory Support Technician", "Laboratory Assistant"),
                4: ("Laboratory Technician",), 5: ("Research Technician",),
                6: ("Senior Research Technician", "Research Technician (Molecular Biology)"),
                7: ("Laboratory Manager", "Research Facility Manager", "Laboratory Operations Manager"),
                8: ("Technical Manager",), 9: ("Head of Technical Services",),
                10: ("Director of Technical Services",)},
        tasks="laboratory tasks",
        aim="technical support for research in the department's laboratories",
        users="research groups, postgraduate students and visiting researchers",
        outcome="experiments run safely, on time and to a high standard",
        context=_lines("""
            The laboratories host research groups working in molecular and cell biology, with shared equipment rooms and containment level 2 suites.
            Research in the department ranges from protein structure to whole-organism physiology, and relies on well-run shared facilities.
            The department's laboratories support funded research programmes and a large community of doctoral students.
        """),
        equipment=("HPLC systems", "autoclaves", "fume cupboards", "microbiological safety cabinets", "-80 °C freezers",
                   "centrifuges", "PCR machines", "plate readers", "CO2 incubators", "liquid nitrogen stores",
                   "flow cytometers", "glasswashers"),
        systems=("the laboratory inventory system", "the chemical inventory database", "the equipment booking system",
                 "the university's purchasing system"),
        entry=_lines("""
            Wash, dry and sterilise laboratory glassware and return it to the correct laboratories.
            Load and unload glasswashers and drying ovens, following the written procedures.
            Restock consumables such as gloves, pipette tips and paper towels in each laboratory.
            Collect and dispose of laboratory waste in the correct waste streams, following instructions.
            Receive deliveries, check them against delivery notes and put stock away.
            Make up simple solutions from written recipes, under supervision.
            Record the temperatures of fridges and freezers on the monitoring sheets.
        """),
        do=_lines("""
            Prepare reagents, buffers and culture media to set protocols, keeping accurate preparation records.
            Carry out routine experimental procedures such as DNA extraction, PCR and gel electrophoresis for research groups.
            Operate, clean and carry out routine maintenance of {equipment} and {equipment2}.
            Maintain cell lines and bacterial stocks, including aseptic subculture and cryopreservation.
            Keep stock records in {system} and order consumables and reagents when levels run low.
            Run and log autoclave cycles for media and waste, and keep the validation records up to date.
            Check and record fume cupboard airflow and report faults to Estates.
            Carry out COSHH and risk assessments for routine procedures, with guidance from senior technicians.
            Book in equipment service engineers and make sure the laboratory is ready for their visits.
            Manage the shared sample stores, including the liquid nitrogen dewars and -80 °C freezer inventory.
            Receive, log and safely store hazardous chemicals, including cylinders and flammable solvents.
        """),
        lead=_lines("""
            Provide specialist technical support for {equipment}, including method development and troubleshooting.
            Train researchers and students in the safe use of {equipment} and keep training records.
            Supervise and allocate the daily work of laboratory technicians and assistants.
            Write and review standard operating procedures and risk assessments for the laboratories.
            Act as the laboratory's biological safety or chemical safety coordinator, carrying out inspections.
            Diagnose faults on laboratory equipment, arranging repairs with suppliers and service engineers.
            Advise research groups on experimental design and the technical feasibility of new projects.
            Evaluate new equipment and consumables and make recommendations on purchases.
            Run a technical service for users across the department, including scheduling and recharging.
        """),
        manage=_lines("""
            Manage the department's laboratory operations, including space, shared equipment, stores and waste.
            Line manage the technical team: recruitment, induction, objectives, appraisal and development.
            Manage the technical budget, equipment replacement plan and service contracts.
            Make sure the laboratories comply with health and safety law, Human Tissue Act licensing and biological safety regulations.
            Interpret university policy on health and safety and laboratory management, and advise academic staff.
            Plan technical support for new research grants, including costing technician time in grant applications.
            Lead the technical contribution to laboratory refurbishments, moves and new building projects.
            Develop the careers of technical staff in line with the Technician Commitment.
        """),
        internal=("research group leaders", "postgraduate students", "the departmental safety officer",
                  "other technical staff", "Estates", "the departmental finance team"),
        external=("equipment suppliers and service engineers", "waste contractors",
                  "technical staff at partner institutions", "the Health and Safety Executive on inspections"),
        essential=_lines("""
            B:Practical experience of working in a research or teaching laboratory.
            B:Knowledge of safe laboratory practice, including COSHH and the handling of hazardous substances.
            I:Ability to follow written protocols accurately and keep clear records.
            B:Experience of using and looking after laboratory equipment.
        """),
        desirable=_lines("""
            A:Registration with the Science Council as a Registered Science Technician or Registered Scientist.
            B:Experience of aseptic technique and cell culture.
            A:Experience of using a laboratory inventory or booking system.
        """),
        extras=_lines("""
            The role involves work with hazardous chemicals and biological agents; health surveillance is provided where needed.
            Occasional work outside normal hours is needed to maintain cell lines and respond to equipment alarms.
            Laboratory coats, safety glasses and other protective equipment are provided and must be worn.
        """),
        team="technicians", unit_words=("bioscien", "pharmacy", "institute", "laborator", "centre", "neuro", "medical",
                                        "biology", "life"),
    ),
    Area(
        key="teaching_lab", label="Teaching laboratories", family="TECH", category=TECHNICAL,
        titles={3: ("Teaching Laboratory Assistant",), 4: ("Teaching Laboratory Technician",),
                5: ("Teaching Laboratory Technician",), 6: ("Senior Teaching Laboratory Technician",),
                7: ("Teaching Laboratories Manager",)},
        tasks="preparation tasks for practical classes",
        aim="technical support for undergraduate and postgraduate practical teaching",
        users="teaching staff and students",
        outcome="practical classes are ready on time, safe and well equipped",
        context=_lines("""
            The teaching laboratories run practical classes for several hundred students each term.
            Practical classes are timetabled across the academic year, with peaks at the start of each term.
        """),
        equipment=("spectrophotometers", "microscopes", "balances", "water baths", "fume cupboards", "autoclaves",
                   "pH meters", "data loggers"),
        systems=("the virtual learning environment (Moodle)", "the timetabling system", "the stores database"),
        do=_lines("""
            Set up and clear away practical classes following the technical sheets provided by teaching staff.
            Prepare solutions, specimens and equipment for each class in the required quantities.
            Demonstrate the safe use of {equipment} to students and help during classes.
            Check, clean and carry out routine maintenance of {equipment} and {equipment2}.
            Keep the teaching stores stocked and record stock in {system}.
            Dispose of chemical and biological waste from classes safely and in the correct waste streams.
            Test new practicals before they run and report problems to the academic lead.
            Keep the class timetable, preparation lists and records up to date on {system}.
        """),
        lead=_lines("""
            Coordinate the technical preparation of the teaching timetable across the teaching laboratories.
            Work with academic staff to develop new practical experiments and write the technical instructions.
            Write risk assessments for practical classes and make sure controls are in place.
            Supervise and allocate work to teaching laboratory technicians and student helpers.
            Train postgraduate demonstrators in laboratory safety and the equipment used in classes.
            Evaluate and specify replacement equipment for the teaching laboratories.
        """),
        manage=_lines("""
            Manage the teaching laboratories and their technical team, planning cover across the academic year.
            Manage the teaching laboratory budget, including consumables and equipment replacement.
            Make sure teaching laboratories meet health and safety requirements and pass inspections.
            Work with the Director of Teaching to plan laboratory capacity for new and changed modules.
        """),
        internal=("module leaders", "the Director of Teaching", "postgraduate demonstrators", "students",
                  "research technicians", "the departmental safety officer"),
        external=("suppliers of teaching equipment and consumables", "technical staff at other universities"),
        essential=_lines("""
            B:Experience of preparing and supporting practical work in a school, college or university laboratory.
            B:Knowledge of safe laboratory practice and COSHH.
            I:Ability to explain practical techniques clearly to students.
            I:Ability to work to tight deadlines when several classes run at once.
        """),
        desirable=_lines("""
            A:A qualification in a science subject, such as a BTEC, HNC or degree.
            A:Experience of using a virtual learning environment such as Moodle.
        """),
        extras=_lines("""
            Leave is normally taken outside term time, when practical classes do not run.
            Health surveillance is provided for work with some hazardous substances.
        """),
        team="teaching laboratory technicians", unit_words=("bioscien", "pharmacy", "engineering", "chemi"),
    ),
    Area(
        key="imaging", label="Microscopy and imaging", family="TECH", category=TECHNICAL,
        titles={5: ("Imaging Technician",), 6: ("Microscopy and Imaging Technician",),
                7: ("Imaging Facility Manager",), 8: ("Head of Light Microscopy",)},
        tasks="imaging facility tasks",
        aim="a shared microscopy and imaging service",
        users="researchers across the faculty",
        outcome="users get reliable, well-calibrated instruments and good advice",
        context=_lines("""
            The facility runs confocal, light-sheet and widefield microscopes used by researchers across the faculty.
            The imaging facility is a shared resource booked by many research groups and charged to their grants.
        """),
        equipment=("confocal microscopes", "light-sheet microscopes", "widefield microscopes", "slide scanners",
                   "image analysis workstations", "cryostats"),
        systems=("the facility booking and recharging system", "the image data server"),
        do=_lines("""
            Prepare and check {equipment} before booked sessions and shut them down safely afterwards.
            Carry out routine alignment, cleaning and calibration of {equipment}.
            Manage bookings in {system} and record usage for recharging.
            Help users prepare samples for imaging, following established protocols.
            Keep the image data server tidy, moving completed projects to long-term storage.
        """),
        lead=_lines("""
            Train new users in the safe and effective use of {equipment} and sign them off for independent use.
            Advise researchers on imaging methods, sample preparation and image analysis.
            Develop image analysis workflows and scripts for common user needs.
            Troubleshoot instrument faults and liaise with manufacturers' engineers.
            Run workshops on imaging techniques for students and staff.
            Evaluate new imaging technologies and contribute to equipment grant applications.
        """),
        manage=_lines("""
            Manage the imaging facility, its staff, instruments and service contracts.
            Set recharge rates and manage the facility's income and expenditure.
            Lead the facility's user committee and report on usage, income and research outputs.
            Plan the replacement and upgrade of instruments, including bids to funders.
        """),
        internal=("research group leaders", "postdoctoral researchers", "research students",
                  "the faculty's technical managers", "the faculty finance team"),
        external=("instrument manufacturers", "imaging facilities at other universities", "external academic users"),
        essential=_lines("""
            B:Practical experience of light microscopy in a research setting.
            I:Ability to teach technical skills to users with different levels of experience.
            B:Experience of image processing software such as Fiji or Imaris.
        """),
        desirable=_lines("""
            A:A degree in a life or physical science.
            B:Experience of scripting image analysis in Python or a macro language.
        """),
        extras=_lines("""
            Some laser systems are class 3B or 4; laser safety training is provided.
            Occasional early or late sessions are needed to support long experiments.
        """),
        team="imaging technicians", unit_words=("bioscien", "institute", "centre", "neuro", "ophthalm"),
    ),
    Area(
        key="workshop", label="Engineering workshops", family="TECH", category=TECHNICAL,
        titles={3: ("Workshop Assistant",), 4: ("Trainee Workshop Technician",),
                5: ("Mechanical Workshop Technician", "Workshop Technician", "Mechanical Engineering Technician"),
                6: ("Senior Workshop Technician", "Senior Mechanical Engineering Technician"),
                7: ("Workshop Manager",), 8: ("Engineering Facilities Manager",)},
        tasks="workshop tasks",
        aim="mechanical design and manufacturing support for research and teaching",
        users="researchers, students and teaching staff",
        outcome="equipment and components are made accurately, safely and on time",
        context=_lines("""
            The workshop makes bespoke apparatus for research projects and supports student design and build projects.
            The department's workshop is equipped with manual and CNC machine tools, welding bays and a student project area.
        """),
        equipment=("CNC lathes", "CNC milling machines", "manual lathes", "TIG welding sets", "3D printers",
                   "laser cutters", "pillar drills", "surface grinders"),
        systems=("CAD software such as SolidWorks", "the workshop job management system"),
        do=_lines("""
            Manufacture components and assemblies from engineering drawings using {equipment} and {equipment2}.
            Set up and operate {equipment}, producing CNC programs for routine parts.
            Carry out fitting, assembly and modification of experimental apparatus.
            Carry out routine maintenance of workshop machinery and keep maintenance logs.
            Keep workshop stock of metals, plastics and fixings, ordering when needed.
            Supervise students using the project area and make sure they work safely.
            Record time and materials for each job in {system}.
            Carry out welding, fabrication and sheet metal work for research rigs.
        """),
        lead=_lines("""
            Discuss design requirements with researchers and turn them into practical, manufacturable designs.
            Produce engineering drawings and 3D models using {system}.
            Plan and prioritise the workshop's job queue and allocate work to technicians.
            Train students and staff in the safe use of {equipment} and sign off their competence.
            Write and review risk assessments and safe systems of work for workshop machinery.
            Advise research groups on materials, tolerances and manufacturing methods.
            Estimate costs and time for workshop jobs and agree them with the customer.
        """),
        manage=_lines("""
            Manage the engineering workshops, their staff, machinery and budget.
            Set workshop charging rates and manage income from internal and external work.
            Make sure the workshops comply with the Provision and Use of Work Equipment Regulations (PUWER) and Lifting Operations and Lifting Equipment Regulations (LOLER).
            Plan the replacement of machine tools and lead procurement of new equipment.
            Develop apprenticeships and training routes for workshop staff.
        """),
        internal=("researchers", "undergraduate project supervisors", "students", "other technical staff",
                  "the departmental safety officer"),
        external=("material and tooling suppliers", "machine tool service engineers", "external customers",
                  "apprenticeship training providers"),
        essential=_lines("""
            A:An engineering apprenticeship, City and Guilds or equivalent qualification in mechanical engineering.
            B:Experience of manual and CNC machining to close tolerances.
            B:Ability to read and interpret engineering drawings.
            I:Knowledge of safe working practices in a workshop.
        """),
        desirable=_lines("""
            B:Experience of CAD and CAM software.
            B:Coded welding qualifications.
            A:Experience of working in a research or teaching environment.
        """),
        extras=_lines("""
            Safety footwear and other protective equipment are provided and must be worn in the workshop.
            Health surveillance is provided for noise, vibration and exposure to metalworking fluids.
        """),
        team="workshop technicians", unit_words=("engineering", "mechanical", "workshop", "physics"),
    ),
    Area(
        key="electronics", label="Electronics and instrumentation", family="TECH", category=TECHNICAL,
        titles={4: ("Electronics Technician",), 5: ("Electronics Technician",),
                6: ("Senior Electronics Technician", "Instrumentation Engineer"), 7: ("Electronics Workshop Manager",)},
        tasks="electronics tasks",
        aim="electronics design, build and repair for research and teaching",
        users="research groups and teaching staff",
        outcome="instruments and circuits work reliably and safely",
        context=_lines("""
            The electronics workshop designs and builds instrumentation for research and maintains teaching equipment.
            Research in the department depends on bespoke electronics, from low-noise amplifiers to embedded controllers.
        """),
        equipment=("oscilloscopes", "signal generators", "soldering stations", "PCB prototyping machines",
                   "power supplies", "logic analysers"),
        systems=("PCB design software such as KiCad", "the job request system"),
        do=_lines("""
            Build, test and repair electronic circuits and instruments from circuit diagrams.
            Carry out portable appliance testing and keep the test records.
            Assemble printed circuit boards, including surface-mount soldering.
            Fault-find on laboratory and teaching equipment using {equipment} and {equipment2}.
            Keep stocks of components and order parts when needed.
        """),
        lead=_lines("""
            Design printed circuit boards using {system}.
            Write firmware for microcontrollers used in experimental rigs.
            Advise researchers on instrumentation, data acquisition and electrical safety.
            Supervise student projects that involve electronics and train students in soldering and safe practice.
            Plan and prioritise electronics jobs and agree timescales with users.
        """),
        manage=_lines("""
            Manage the electronics workshop, its staff and budget.
            Make sure electrical work complies with the Electricity at Work Regulations and university policy.
            Plan equipment replacement and lead purchases of test equipment.
        """),
        internal=("researchers", "students", "the mechanical workshop", "IT staff", "the departmental safety officer"),
        external=("component suppliers", "equipment manufacturers"),
        essential=_lines("""
            A:A qualification in electronics, such as an HNC or apprenticeship.
            B:Experience of building and fault-finding analogue and digital circuits.
            I:Knowledge of electrical safety.
        """),
        desirable=_lines("""
            B:Experience of PCB design.
            B:Experience of programming microcontrollers.
        """),
        extras=_lines("""
            The role includes work on live equipment under controlled conditions; training is provided.
        """),
        team="electronics technicians", unit_words=("electronic", "engineering", "physics", "computer"),
    ),
    Area(
        key="it_support", label="IT support", family="IT", category=TECHNICAL,
        titles={3: ("IT Service Desk Assistant",), 4: ("IT Support Technician",), 5: ("IT Support Analyst",),
                6: ("Senior IT Support Analyst",), 7: ("IT Support Manager",)},
        tasks="IT support tasks",
        aim="IT support for staff and students",
        users="staff, students and visitors",
        outcome="people can work without interruption from IT problems",
        context=_lines("""
            The team supports around a thousand desktop and laptop computers, teaching rooms and specialist research equipment.
            Staff and students rely on the team for everything from account problems to faulty lecture theatre equipment.
        """),
        equipment=("laptops and desktop computers", "printers", "lecture theatre audio-visual equipment",
                   "mobile devices", "video-conferencing rooms"),
        systems=("the ServiceNow-style ticketing system", "Microsoft Intune", "the asset register",
                 "Active Directory"),
        do=_lines("""
            Log, diagnose and resolve IT support requests through {system}, keeping users informed.
            Install, configure and replace {equipment} and {equipment2}.
            Set up user accounts, mailboxes and shared drives, following the account procedures.
            Build and deploy laptops and desktops using the standard images.
            Keep the asset register up to date as equipment is issued, moved and disposed of.
            Provide first-line support for teaching rooms at the start of the day and between lectures.
            Write and update knowledge articles for common problems.
            Securely wipe and dispose of old equipment, following the data protection procedures.
        """),
        lead=_lines("""
            Resolve complex or escalated support requests, working with central IT teams where needed.
            Manage software packaging and deployment through {system}.
            Supervise the work of IT support technicians and review the queue of open requests.
            Advise staff on hardware and software purchases for research projects.
            Keep departmental computers patched and compliant with the university's information security policy.
            Run training sessions for staff on new software and IT procedures.
        """),
        manage=_lines("""
            Manage the IT support team, including rotas, priorities and service standards.
            Manage the IT equipment budget and replacement programme.
            Report on service performance and customer satisfaction to the departmental management team.
            Plan and lead IT projects such as operating system upgrades and teaching room refurbishments.
        """),
        internal=("staff and students", "central Information Services teams", "departmental administrators",
                  "research groups", "Estates for teaching room works"),
        external=("hardware and software suppliers", "audio-visual contractors"),
        essential=_lines("""
            B:Experience of supporting Windows and macOS computers in a busy environment.
            I:Good customer service skills and the ability to explain technical matters simply.
            B:Experience of working with a ticketing system.
        """),
        desirable=_lines("""
            A:ITIL Foundation or a similar qualification.
            B:Experience of Linux.
            B:Experience of supporting audio-visual equipment.
        """),
        extras=_lines("""
            The role involves lifting and moving IT equipment; help and lifting aids are available.
            Occasional work outside normal hours is needed for upgrades and events.
        """),
        team="IT support staff", unit_words=("computer", "information", "faculty", "it "),
    ),
    Area(
        key="it_systems", label="Infrastructure and research computing", family="IT", category=TECHNICAL,
        titles={5: ("Systems Administrator",), 6: ("Systems Administrator", "Network Engineer",
                                                   "Research Software Engineer"),
                7: ("Senior Systems Administrator", "Research Computing Platform Lead"),
                8: ("IT Manager", "Head of Research Computing"), 9: ("Head of IT Infrastructure",),
                10: ("Director of Digital Infrastructure",)},
        tasks="systems administration tasks",
        aim="reliable and secure servers, storage and research computing",
        users="research groups and professional services teams",
        outcome="systems are available, secure and able to grow with demand",
        context=_lines("""
            The department runs Linux compute clusters, research storage and a set of web services for its research groups.
            Research in the department depends on high-performance computing and large volumes of research data.
        """),
        equipment=("Linux servers", "storage arrays", "GPU compute nodes", "network switches", "virtualisation hosts"),
        systems=("Ansible", "the monitoring system", "the backup system", "the ServiceNow-style ticketing system"),
        do=_lines("""
            Install, configure and patch {equipment} and {equipment2}.
            Monitor system health using {system} and respond to alerts.
            Manage user accounts, quotas and access permissions on research systems.
            Run and check backups, and test restores regularly.
            Resolve support requests about research computing and storage.
            Automate routine administration with scripts and configuration management.
        """),
        lead=_lines("""
            Design and build new services on {equipment}, documenting the configuration.
            Lead the investigation of major incidents and write up the causes and fixes.
            Advise researchers on computing and data storage needs for grant applications.
            Make sure systems meet the university's information security standards, including vulnerability management.
            Supervise the work of junior systems staff and review their changes.
            Plan capacity and recommend purchases of compute and storage.
        """),
        manage=_lines("""
            Manage the infrastructure team, its priorities, on-call rota and development.
            Manage the budget for hardware, software licences and support contracts.
            Set the technical roadmap for research computing and agree it with academic users.
            Lead procurement of major systems, from requirements to contract award.
            Represent the department on university IT and information security groups.
        """),
        internal=("researchers", "central Information Services", "the information security team",
                  "departmental IT support", "the research data management team"),
        external=("hardware and software suppliers", "national computing facilities", "cloud providers"),
        essential=_lines("""
            B:Experience of administering Linux servers in a production environment.
            B:Experience of scripting in Bash or Python.
            I:A methodical approach to diagnosing faults.
        """),
        desirable=_lines("""
            B:Experience of high-performance computing schedulers such as Slurm.
            B:Experience of configuration management tools such as Ansible.
            A:A degree in computing or a related subject.
        """),
        extras=_lines("""
            The role takes part in an out-of-hours on-call rota, with an allowance.
        """),
        team="systems staff", unit_words=("computer", "information", "computational", "data"),
    ),
    Area(
        key="finance", label="Finance", family="PS-FIN", category=PSS,
        titles={3: ("Finance Clerk",), 4: ("Finance Assistant", "Accounts Payable Assistant"),
                5: ("Finance Administrator", "Accounts Payable Officer"),
                6: ("Finance Officer", "Finance Officer (Accounts Payable)", "Research Finance Officer"),
                7: ("Faculty Finance Manager", "Management Accountant"), 8: ("Finance Business Partner",),
                9: ("Head of Faculty Finance",), 10: ("Director of Financial Planning",)},
        tasks="finance transactions",
        aim="financial services",
        users="budget holders, researchers and suppliers",
        outcome="transactions are accurate, timely and comply with the financial regulations",
        context=_lines("""
            The team processes purchases, income and research grant expenditure for several departments.
            Budgets include teaching income, research grants from many funders and departmental reserves.
        """),
        equipment=(),
        systems=("the SAP-style finance system", "the Oracle-style purchasing system", "Excel", "the expenses system"),
        do=_lines("""
            Raise purchase orders and process invoices in {system}, checking them against orders and goods received.
            Process staff expense claims, checking receipts and compliance with the expenses policy.
            Raise sales invoices and follow up unpaid debts.
            Reconcile departmental accounts each month and investigate discrepancies.
            Set up new suppliers, checking bank details with the supplier to prevent fraud.
            Answer finance queries from staff and suppliers, referring complex issues to a senior colleague.
            Prepare journals to correct coding errors.
            Keep finance records and filing in order for audit.
        """),
        lead=_lines("""
            Prepare monthly management accounts and forecasts for budget holders.
            Manage the finances of research grants from award to final report, including funder claims.
            Check that expenditure complies with funder terms and the university's financial regulations.
            Supervise and allocate work to finance assistants and check their work.
            Train staff in the finance system and purchasing procedures.
            Prepare year-end working papers and answer auditors' questions.
            Advise budget holders on costing, pricing and VAT.
        """),
        manage=_lines("""
            Manage the finance team, setting priorities and standards of service.
            Lead the annual budget-setting process and the five-year financial plan for the faculty.
            Interpret the university's financial regulations and advise senior staff on their application.
            Provide financial analysis to support decisions on new programmes, posts and investments.
            Make sure financial controls work and act on internal audit recommendations.
            Represent the faculty at the university's finance meetings.
        """),
        internal=("budget holders", "principal investigators", "departmental administrators",
                  "central Finance teams", "the Research Services team"),
        external=("suppliers", "research funders", "external and internal auditors", "HMRC on VAT matters"),
        essential=_lines("""
            B:Experience of processing financial transactions in a finance system.
            B:Good working knowledge of Excel.
            I:Accuracy and attention to detail.
            I:Ability to explain financial processes to non-finance staff.
        """),
        desirable=_lines("""
            A:An AAT, CIMA, ACCA or equivalent qualification, or working towards one.
            A:Experience of research grant finance.
            A:Experience of SAP or Oracle finance systems.
        """),
        extras=_lines("""
            Annual leave cannot normally be taken in the last two weeks of July, at the financial year end.
        """),
        team="finance staff", unit_words=("faculty", "finance", "office"),
    ),
    Area(
        key="payroll", label="Payroll and pensions", family="PS-FIN", category=PSS,
        titles={3: ("Payroll Assistant",), 4: ("Payroll Administrator",), 5: ("Payroll Officer",),
                6: ("Senior Payroll Officer", "Pensions Officer"), 7: ("Payroll Manager",),
                8: ("Head of Payroll and Pensions",)},
        tasks="payroll tasks",
        aim="an accurate payroll and pensions service",
        users="staff, managers and pension schemes",
        outcome="everyone is paid correctly and on time",
        context=_lines("""
            The payroll pays over fifteen thousand staff each month, including hourly-paid and casual workers.
            Staff belong to several pension schemes, each with its own rules and deadlines.
        """),
        equipment=(),
        systems=("the payroll system", "the HR system", "the pensions portal", "Excel"),
        do=_lines("""
            Input starters, leavers and changes to pay in {system} from authorised forms.
            Process timesheets for hourly-paid staff before the monthly deadline.
            Answer pay queries from staff by e-mail and phone.
            Calculate overtime, allowances and deductions.
            Check payroll reports and correct errors before the pay run.
            Process pension scheme joiners, leavers and contribution changes.
        """),
        lead=_lines("""
            Run pre-payroll and post-payroll checks and reconcile the payroll to the general ledger.
            Deal with complex pay queries, including overpayments and tax code problems.
            Submit monthly returns to HMRC and pension schemes.
            Supervise the work of payroll administrators and check their calculations.
            Advise managers and HR on the pay effects of contract changes.
        """),
        manage=_lines("""
            Manage the payroll team and the monthly payroll timetable.
            Make sure the payroll complies with tax, National Insurance and pensions law.
            Manage the payroll system upgrade and testing programme with the system supplier.
            Report on payroll performance and errors to the Director of Finance.
        """),
        internal=("HR Services", "managers", "staff", "Finance"), external=("HMRC", "pension schemes", "the payroll system supplier"),
        essential=_lines("""
            B:Experience of payroll processing.
            I:High level of accuracy and the ability to meet fixed deadlines.
            I:Ability to handle confidential information discreetly.
        """),
        desirable=_lines("""
            A:A Chartered Institute of Payroll Professionals qualification.
            A:Experience of pensions administration.
        """),
        extras=_lines("""
            Annual leave cannot normally be taken in the week before each pay date.
        """),
        team="payroll staff", unit_words=("payroll", "hr services", "human resources"),
    ),
    Area(
        key="procurement", label="Procurement", family="PS-FIN", category=PSS,
        titles={4: ("Purchasing Assistant",), 5: ("Procurement Officer",), 6: ("Category Buyer",),
                7: ("Category Manager",), 8: ("Head of Procurement Operations",)},
        tasks="purchasing tasks",
        aim="procurement support so that the university buys goods and services well",
        users="departments buying goods and services",
        outcome="purchases give value for money and comply with procurement law",
        context=_lines("""
            The university spends several hundred million pounds a year with external suppliers.
        """),
        equipment=(),
        systems=("the e-tendering portal", "the purchasing system", "the contracts register"),
        do=_lines("""
            Help departments find suitable suppliers and framework agreements.
            Run requests for quotation for purchases below the tender threshold.
            Keep the contracts register up to date in {system}.
            Answer purchasing queries from departments.
        """),
        lead=_lines("""
            Run tender exercises through {system}, from specification to contract award.
            Negotiate prices and terms with suppliers.
            Monitor supplier performance and handle contract disputes.
            Advise departments on procurement law and the university's procurement policy.
        """),
        manage=_lines("""
            Lead a category of spend, setting its strategy and savings targets.
            Manage the procurement team and its workload.
            Make sure procurement meets legal requirements and sustainability commitments.
        """),
        internal=("departments", "Finance", "Legal Services", "Sustainability"), external=("suppliers", "purchasing consortia"),
        essential=_lines("""
            B:Experience of buying goods or services in an organisation.
            I:Negotiation skills.
        """),
        desirable=_lines("""
            A:A Chartered Institute of Procurement and Supply qualification.
            B:Knowledge of public procurement rules.
        """),
        extras=(), team="procurement staff", unit_words=("finance", "procurement"),
    ),
    Area(
        key="hr", label="Human resources", family="PS-HR", category=PSS,
        titles={3: ("Recruitment Assistant",), 4: ("HR Assistant", "Recruitment Administrator"),
                5: ("HR Administrator",), 6: ("HR Officer", "HR Services Officer", "Faculty HR Officer"),
                7: ("HR Adviser", "Employee Relations Adviser", "HR Systems Analyst"),
                8: ("HR Business Partner",), 9: ("Head of HR Business Partnering", "Head of HR Services"),
                10: ("Director of Human Resources",)},
        tasks="HR administration tasks",
        aim="HR services to managers and staff",
        users="managers, staff and applicants",
        outcome="people are recruited, employed and supported fairly and lawfully",
        context=_lines("""
            The team supports the employment of staff from recruitment to leaving.
            HR work covers several thousand staff across academic, technical and professional services roles.
        """),
        equipment=(),
        systems=("the HR system", "the recruitment system", "the HR case management system"),
        do=_lines("""
            Advertise vacancies, arrange interviews and prepare offer letters using {system}.
            Carry out right-to-work checks and pre-employment checks for new staff.
            Prepare contracts and letters for changes to terms and conditions.
            Keep personnel records accurate and up to date in {system}.
            Answer routine HR queries from managers and staff, referring complex matters to an HR Adviser.
            Take notes at formal meetings such as disciplinary and grievance hearings.
            Process probation reviews and chase managers for outstanding forms.
            Produce routine HR reports, such as headcount and vacancy reports.
        """),
        lead=_lines("""
            Advise managers on the application of HR policies, including sickness absence, flexible working and probation.
            Manage employee relations cases, from investigation to hearing.
            Support managers with restructures, including consultation documents and selection processes.
            Check job descriptions before grading and prepare them for the grading panel.
            Analyse HR data and produce reports for the faculty management team.
            Supervise and allocate work to HR administrators.
            Lead on the HR side of immigration sponsorship for new staff.
        """),
        manage=_lines("""
            Act as the HR Business Partner for a faculty, advising the senior team on people strategy.
            Decide the grade of jobs by matching them to agreed job descriptions, advising on fairness to other post holders.
            Lead complex employee relations cases and organisational change programmes.
            Interpret employment law and university policy for senior managers.
            Manage the HR team, its priorities and development.
            Lead workforce planning with the faculty's senior team.
        """),
        internal=("managers", "staff", "trade union representatives", "HR Services", "Payroll", "the FM/HPS"),
        external=("applicants", "recruitment agencies", "the Home Office for sponsorship", "employment lawyers"),
        essential=_lines("""
            B:Experience of HR administration in a busy office.
            I:Ability to handle confidential information with discretion.
            B:Good IT skills, including Word, Excel and databases.
            I:Good written and spoken communication.
        """),
        desirable=_lines("""
            A:CIPD qualification or working towards one.
            B:Knowledge of employment law.
            A:Experience of working in higher education.
        """),
        extras=_lines("""
            The role handles personal data and must follow the university's data protection policy.
        """),
        team="HR staff", unit_words=("human resources", "hr ", "hr-", "business partner"),
    ),
    Area(
        key="od", label="Organisational development and inclusion", family="PS-HR", category=PSS,
        titles={5: ("Learning and Development Administrator", "Equality, Diversity and Inclusion Administrator"),
                6: ("Learning and Development Officer", "Equality, Diversity and Inclusion Officer",
                    "Technician Commitment Project Officer"),
                7: ("Organisational Development Adviser", "Equality, Diversity and Inclusion Adviser"),
                8: ("Head of Equality, Diversity and Inclusion",), 9: ("Head of Organisational Development",)},
        tasks="training and development tasks",
        aim="staff learning, development and inclusion programmes",
        users="staff and managers",
        outcome="staff can develop their careers in a fair and inclusive workplace",
        context=_lines("""
            The team runs development programmes for staff, including career workshops for technical staff.
            The university is committed to the Technician Commitment, Athena Swan and the Race Equality Charter.
        """),
        equipment=(),
        systems=("the learning management system", "the booking system", "the survey tool"),
        do=_lines("""
            Organise workshops and courses, booking rooms, trainers and catering.
            Manage course bookings and waiting lists in {system}.
            Collect and analyse feedback from participants.
            Keep training records and produce attendance reports.
            Answer queries from staff about development opportunities.
        """),
        lead=_lines("""
            Design and deliver workshops on topics such as career planning and inclusive recruitment.
            Coordinate the university's Technician Commitment action plan and report on progress.
            Analyse equality data and write reports for committees.
            Coordinate networks and communities of practice for staff groups.
            Evaluate the impact of development programmes.
        """),
        manage=_lines("""
            Lead the university's organisational development strategy.
            Manage the development budget and commission external providers.
            Advise senior leaders on culture, inclusion and organisational change.
            Manage the team and its programme of work.
        """),
        internal=("staff networks", "managers", "HR Business Partners", "the Technician Commitment steering group"),
        external=("external trainers", "national equality charter bodies", "other universities"),
        essential=_lines("""
            B:Experience of organising training or events.
            I:Commitment to equality, diversity and inclusion.
            I:Good organisational and communication skills.
        """),
        desirable=_lines("""
            A:A training or coaching qualification.
            A:Experience of working with technical staff.
        """),
        extras=(), team="development staff", unit_words=("organisational", "equality", "human resources"),
    ),
    Area(
        key="research_admin", label="Research administration", family="RESEARCH", category=PSS,
        titles={4: ("Research Support Assistant",), 5: ("Research Grants Administrator",),
                6: ("Research Coordinator", "Research Contracts Officer"),
                7: ("Research Facilitator", "Research Operations Manager"), 8: ("Research Strategy Manager",),
                9: ("Head of Research Services",), 10: ("Director of Research Services",)},
        tasks="research administration tasks",
        aim="support for researchers applying for and managing research funding",
        users="principal investigators and research staff",
        outcome="applications are well prepared and awards are managed within funders' terms",
        context=_lines("""
            Researchers in the department hold grants from UK research councils, charities, industry and the European Research Council.
            The department submits a large number of funding applications each year to many different funders.
        """),
        equipment=(),
        systems=("the research grants system", "funders' online portals", "the finance system", "the research information system"),
        do=_lines("""
            Prepare costings for grant applications in {system}, following the university's costing rules.
            Check applications for completeness and compliance with funders' rules before submission.
            Set up new awards, including accounts and recruitment of staff on grants.
            Keep records of applications and awards up to date.
            Answer queries from researchers about funders and deadlines.
        """),
        lead=_lines("""
            Identify funding opportunities and match them to research groups.
            Advise researchers on writing applications and give feedback on drafts.
            Negotiate contracts and collaboration agreements with funders and partners.
            Coordinate large multi-partner applications.
            Produce reports on research income and success rates.
        """),
        manage=_lines("""
            Lead research development for the faculty, setting priorities with the Vice-Dean (Research).
            Manage the research administration team.
            Prepare the faculty's submissions to national research assessments.
            Interpret funders' policies and advise senior staff.
        """),
        internal=("principal investigators", "Research Services", "departmental finance staff", "HR"),
        external=("research funders", "partner institutions", "industrial collaborators"),
        essential=_lines("""
            B:Experience of administration in a research or higher education setting.
            I:Ability to work to tight deadlines.
            B:Good numerical skills.
        """),
        desirable=_lines("""
            A:Knowledge of research funders and their rules.
            A:Experience of costing research projects.
        """),
        extras=(), team="research administrators", unit_words=("research", "faculty", "institute"),
    ),
    Area(
        key="education", label="Teaching and learning administration", family="STUDENT", category=PSS,
        titles={3: ("Student Records Assistant",), 4: ("Student Administration Assistant",),
                5: ("Teaching and Learning Administrator",),
                6: ("Teaching and Learning Officer", "Faculty Education Officer", "Assessment Officer"),
                7: ("Teaching and Learning Manager",), 8: ("Faculty Education Manager",),
                9: ("Head of Education Services",)},
        tasks="student administration tasks",
        aim="administration of taught programmes",
        users="students and teaching staff",
        outcome="students' records, assessment and timetables are accurate and well run",
        context=_lines("""
            The department runs undergraduate and taught postgraduate programmes for over a thousand students.
            Programmes are delivered through a mix of lectures, practical classes and online learning.
        """),
        equipment=(),
        systems=("the student records system", "Moodle", "the timetabling system", "the exam board system"),
        do=_lines("""
            Keep student records accurate in {system}, including module registrations and marks.
            Set up module pages on Moodle at the start of each term.
            Coordinate the submission of coursework and the return of marks and feedback.
            Prepare papers for exam boards and record their decisions.
            Answer student queries at the front desk and by e-mail.
            Arrange rooms for teaching and exams in {system}.
            Process extenuating circumstances claims and keep records of decisions.
        """),
        lead=_lines("""
            Coordinate the assessment timetable for the department.
            Advise students and staff on academic regulations.
            Supervise and allocate work to student administrators.
            Coordinate the annual programme review and the student survey response.
            Prepare data for quality reviews.
        """),
        manage=_lines("""
            Manage the teaching administration team and its processes.
            Interpret the academic manual and advise senior academic staff.
            Lead preparation for programme approvals and reviews.
            Manage the education administration budget.
        """),
        internal=("students", "programme leaders", "the Registry", "Student Support and Wellbeing"),
        external=("external examiners", "professional and statutory bodies"),
        essential=_lines("""
            B:Experience of administration in an office.
            I:Good customer service skills.
            B:Accurate data entry and record keeping.
        """),
        desirable=_lines("""
            A:Experience of a student records system.
            A:Knowledge of higher education.
        """),
        extras=_lines("""
            Annual leave cannot normally be taken during exam periods.
        """),
        team="student administrators", unit_words=("faculty", "department", "school", "division"),
    ),
    Area(
        key="student_support", label="Student support and wellbeing", family="STUDENT", category=PSS,
        titles={4: ("Student Enquiries Assistant",), 5: ("Student Support Officer",),
                6: ("Student Support Adviser", "Student Services Adviser", "Disability Adviser"),
                7: ("Student Wellbeing Manager",), 8: ("Head of Student Support",),
                9: ("Director of Student Support and Wellbeing",)},
        tasks="student support tasks",
        aim="support and advice for students",
        users="students",
        outcome="students get timely support to stay and succeed in their studies",
        context=_lines("""
            The service supports students with welfare, disability and academic concerns.
            Demand for the service peaks at the start of the year and during exam periods.
        """),
        equipment=(),
        systems=("the case management system", "the student records system", "Moodle"),
        do=_lines("""
            Give first-line advice to students at the enquiry desk, by phone and online.
            Book appointments with advisers and keep records in {system}.
            Refer students to specialist services when needed.
            Process applications for support funds.
        """),
        lead=_lines("""
            Hold one-to-one appointments with students about welfare and academic concerns.
            Agree reasonable adjustments for disabled students with academic departments.
            Respond to students at risk, following the safeguarding procedures.
            Run workshops on topics such as study skills and wellbeing.
        """),
        manage=_lines("""
            Manage the student support team and its caseload.
            Develop the university's student wellbeing strategy.
            Work with external health services on support for students.
        """),
        internal=("students", "personal tutors", "departmental administrators", "the Registry"),
        external=("NHS services", "local authorities", "charities"),
        essential=_lines("""
            B:Experience of giving advice in a welfare, education or similar setting.
            I:Empathy and the ability to keep clear boundaries.
        """),
        desirable=_lines("""
            A:A qualification in counselling, advice or social work.
            A:Knowledge of the Equality Act 2010 as it applies to students.
        """),
        extras=_lines("""
            The post requires an enhanced Disclosure and Barring Service check.
        """),
        team="student advisers", unit_words=("student", "faculty"),
    ),
    Area(
        key="admin", label="Departmental administration", family="PS-ADMIN", category=PSS,
        titles={2: ("Office Assistant",), 3: ("Administrative Assistant", "Receptionist"),
                4: ("Departmental Administrator", "Estates Helpdesk Administrator"),
                5: ("Executive Assistant", "Business Support Officer", "Senior Administrator"),
                6: ("Office Manager",), 7: ("Departmental Manager",),
                8: ("Deputy Faculty Manager", "Faculty Operations Manager"), 9: ("Faculty Manager",),
                10: ("Director of Faculty Operations",)},
        tasks="administrative tasks",
        aim="administrative support for the department",
        users="staff, students and visitors",
        outcome="the department's business runs smoothly",
        context=_lines("""
            The department has around two hundred staff and a busy programme of meetings and events.
            The office is the first point of contact for visitors, staff and students.
        """),
        equipment=(),
        systems=("Microsoft Outlook", "the room booking system", "the HR system", "the finance system"),
        entry=_lines("""
            Open and distribute post and deliveries.
            Greet visitors and direct them to the right place.
            Photocopy, scan and file documents as instructed.
            Keep meeting rooms tidy and ready for use.
            Order office stationery when stocks are low.
        """),
        do=_lines("""
            Manage diaries, arrange meetings and book rooms in {system}.
            Take minutes at meetings and circulate actions.
            Keep departmental records, lists and web pages up to date.
            Process purchase requests and expense claims for the department.
            Answer enquiries from staff, students and the public.
            Organise travel and accommodation for visitors.
        """),
        lead=_lines("""
            Run the department office and allocate work to administrative staff.
            Coordinate the department's committees and prepare papers.
            Manage the diary and correspondence of the Head of Department.
            Coordinate space allocation and office moves.
            Prepare reports on staffing, space and budgets.
        """),
        manage=_lines("""
            Manage the department's professional services staff and operations.
            Manage the departmental budget with the Head of Department.
            Interpret university policies and make sure the department follows them.
            Lead on departmental planning, risk registers and business continuity.
            Lead faculty-wide projects on professional services and operations.
        """),
        internal=("the Head of Department", "academic staff", "faculty professional services teams", "students"),
        external=("visitors", "suppliers", "other universities"),
        essential=_lines("""
            B:Experience of office administration.
            B:Good IT skills, including Microsoft Office.
            I:Good organisational skills and the ability to prioritise.
        """),
        desirable=_lines("""
            A:Experience of working in higher education.
            B:Experience of minute-taking.
        """),
        extras=(), team="administrative staff", unit_words=("faculty", "department", "office"),
    ),
    Area(
        key="comms", label="Communications and events", family="COMMS", category=PSS,
        titles={4: ("Communications Assistant",), 5: ("Events Coordinator", "Digital Content Assistant"),
                6: ("Communications Officer", "Web Content Officer", "Estates Communications Officer"),
                7: ("Communications Manager",), 8: ("Head of Communications",)},
        tasks="communications tasks",
        aim="communications, web content and events",
        users="staff, students, alumni and the public",
        outcome="the work of the department reaches its audiences clearly",
        context=_lines("""
            The department publishes news, a staff newsletter and a busy programme of public events.
        """),
        equipment=(),
        systems=("the web content management system", "the e-mail newsletter tool", "social media scheduling tools"),
        do=_lines("""
            Write and edit news stories and web pages in {system}.
            Produce the staff newsletter.
            Post on social media channels and monitor responses.
            Organise events, including bookings, catering and speakers.
            Take photographs and short videos at events.
        """),
        lead=_lines("""
            Plan communications campaigns for research, teaching and events.
            Advise staff on communications and media enquiries.
            Analyse web and social media statistics and report on them.
            Manage the department's brand and style guide.
        """),
        manage=_lines("""
            Set the department's communications strategy.
            Manage the communications team and budget.
            Handle sensitive and crisis communications with the central press office.
        """),
        internal=("academic staff", "the central communications team", "students"),
        external=("media", "design agencies", "event venues"),
        essential=_lines("""
            B:Excellent writing and editing skills.
            B:Experience of a web content management system.
        """),
        desirable=_lines("""
            B:Experience of photography or video editing.
            A:Experience of communications in higher education.
        """),
        extras=_lines("""
            Occasional evening and weekend work is needed for events.
        """),
        team="communications staff", unit_words=("faculty", "communications"),
    ),
    Area(
        key="estates", label="Estates maintenance and engineering", family="ESTATES", category=PSS,
        titles={3: ("Maintenance Assistant",), 4: ("Multi-skilled Maintenance Operative",),
                5: ("Estates Maintenance Officer", "Electrical Technician"),
                6: ("Senior Estates Maintenance Officer", "Building Services Officer"),
                7: ("Building Services Engineer", "Mechanical Services Manager", "Electrical Services Manager"),
                8: ("Estates Operations Manager",), 9: ("Head of Estates Operations", "Head of Maintenance and Engineering"),
                10: ("Director of Estates",)},
        tasks="building maintenance tasks",
        aim="maintenance of the university's buildings and engineering services",
        users="building users across the campus",
        outcome="buildings are safe, compliant and comfortable",
        context=_lines("""
            The estate includes historic buildings, modern laboratories and student residences.
            Laboratory buildings have complex ventilation, heating and electrical systems.
        """),
        equipment=("air handling units", "boilers", "chillers", "fire alarm panels", "lifts", "building management system controls"),
        systems=("the computer-aided facilities management system", "the building management system", "the helpdesk system"),
        do=_lines("""
            Carry out planned and reactive maintenance on {equipment} and {equipment2}.
            Respond to helpdesk requests logged in {system}, recording work done.
            Carry out minor building repairs, such as plumbing, carpentry and decoration.
            Test emergency lighting and fire alarms and record the results.
            Check plant rooms on routine inspections and report faults.
            Work safely under permits to work and isolation procedures.
        """),
        lead=_lines("""
            Plan and supervise maintenance work by in-house teams and contractors.
            Diagnose faults on building services and specify repairs.
            Check that statutory inspections and tests are completed and recorded.
            Write risk assessments and method statements for maintenance tasks.
            Manage contractors on site, including permits and quality checks.
        """),
        manage=_lines("""
            Manage the maintenance service for a group of buildings, including staff and contractors.
            Manage the maintenance budget and planned maintenance programme.
            Make sure buildings comply with statutory requirements such as water hygiene, gas safety and fire safety.
            Lead the estates response to major incidents and out-of-hours emergencies.
            Set the strategy for maintaining the estate and agree it with the Director of Estates.
        """),
        internal=("building users", "Facilities Services", "Capital Projects", "Health and Safety Services"),
        external=("contractors", "insurers", "the local authority"),
        essential=_lines("""
            A:A recognised trade qualification, such as an NVQ level 3.
            B:Experience of building maintenance.
            I:Knowledge of safe systems of work.
        """),
        desirable=_lines("""
            A:18th Edition Wiring Regulations certificate.
            B:Experience of building management systems.
        """),
        extras=_lines("""
            The role takes part in an out-of-hours call-out rota.
            Safety footwear and protective clothing are provided and must be worn.
        """),
        team="maintenance staff", unit_words=("estates", "maintenance", "mechanical services", "electrical services"),
    ),
    Area(
        key="projects", label="Capital projects", family="ESTATES", category=PSS,
        titles={4: ("Project Administrator",), 6: ("Assistant Project Manager",), 7: ("Project Manager",),
                8: ("Senior Project Manager",), 9: ("Head of Capital Projects",)},
        tasks="project administration tasks",
        aim="the delivery of building and refurbishment projects",
        users="departments and building users",
        outcome="projects are delivered on time, on budget and to the right quality",
        context=_lines("""
            The capital programme includes new buildings, laboratory refurbishments and smaller works.
        """),
        equipment=(),
        systems=("the project management system", "the document management system"),
        do=_lines("""
            Keep project records, drawings and documents in {system}.
            Arrange project meetings and take minutes.
            Track project costs and invoices.
        """),
        lead=_lines("""
            Manage small and medium projects from brief to handover.
            Prepare project briefs with departments and consultants.
            Manage consultants and contractors.
            Report on project progress, costs and risks.
        """),
        manage=_lines("""
            Manage large projects and the project team.
            Manage project budgets and approve payments.
            Lead the procurement of contractors and consultants.
        """),
        internal=("departments", "Estates Maintenance", "Finance"), external=("consultants", "contractors", "planning authorities"),
        essential=_lines("""
            B:Experience of construction or refurbishment projects.
            I:Good organisational skills.
        """),
        desirable=_lines("""
            A:A construction or project management qualification.
        """),
        extras=_lines("""
            Regular site visits are needed; protective equipment is provided.
        """),
        team="project staff", unit_words=("capital", "projects", "estates"),
    ),
    Area(
        key="sustainability", label="Sustainability", family="ESTATES", category=PSS,
        titles={4: ("Sustainability Administrator",), 6: ("Sustainability Officer", "Energy Analyst"),
                7: ("Energy Manager",), 8: ("Head of Sustainability",)},
        tasks="sustainability tasks",
        aim="the university's sustainability and energy programme",
        users="staff and students",
        outcome="the university cuts its carbon emissions and waste",
        context=_lines("""
            The university has committed to becoming net zero carbon, with laboratories its largest energy users.
        """),
        equipment=(),
        systems=("the energy monitoring system", "Excel"),
        do=_lines("""
            Collect and check energy and waste data from {system}.
            Support green champions in departments.
            Organise sustainability events and campaigns.
        """),
        lead=_lines("""
            Analyse energy use and identify savings.
            Run the sustainable laboratories programme with technical staff.
            Prepare reports for sustainability certifications.
        """),
        manage=_lines("""
            Manage the energy budget and carbon reduction programme.
            Set the university's sustainability strategy.
        """),
        internal=("technical staff", "Estates", "students"), external=("energy suppliers", "certification bodies"),
        essential=_lines("""
            B:Knowledge of environmental sustainability.
            B:Good data analysis skills.
        """),
        desirable=_lines("""
            A:A degree in environmental science or engineering.
        """),
        extras=(), team="sustainability staff", unit_words=("sustainab", "estates"),
    ),
    Area(
        key="facilities", label="Facilities services", family="OPS", category=PSS,
        titles={2: ("Post Room Assistant",), 3: ("Facilities Assistant", "Porter", "Mailroom Assistant"),
                4: ("Portering Team Leader",), 5: ("Facilities Supervisor",), 6: ("Facilities Officer",),
                7: ("Facilities Manager",), 9: ("Head of Facilities Services",)},
        tasks="portering and facilities tasks",
        aim="portering, post and room services",
        users="staff, students and visitors",
        outcome="buildings are open, tidy and ready for use",
        context=_lines("""
            The team opens and secures buildings, moves furniture and equipment and runs the internal post.
        """),
        equipment=("pallet trucks", "sack trucks", "franking machines", "electric vans"),
        systems=("the helpdesk system", "the room booking system"),
        entry=_lines("""
            Sort and deliver internal and external post to departments.
            Collect outgoing post and frank it for dispatch.
            Move furniture and boxes using {equipment} and other lifting aids.
            Set up rooms for meetings and events.
            Report building faults to the helpdesk.
        """),
        do=_lines("""
            Open and lock buildings at set times and check them for security.
            Respond to requests logged in {system}, such as moves and room set-ups.
            Deliver and collect goods across the campus.
            Handle waste and recycling collections.
            Check fire doors and escape routes on daily patrols.
        """),
        lead=_lines("""
            Supervise the daily work of porters and facilities assistants.
            Plan staff rotas to cover opening hours.
            Train new staff in manual handling and safe working.
            Check that contractors' work meets the agreed standard.
        """),
        manage=_lines("""
            Manage the facilities team and budget.
            Manage contracts for cleaning, waste and catering.
            Set service standards and report on performance.
        """),
        internal=("building users", "Estates Maintenance", "Security"), external=("contractors", "couriers"),
        essential=_lines("""
            I:Good customer service skills.
            B:Ability to carry out physical work, including lifting with training and equipment.
        """),
        desirable=_lines("""
            A:A full UK driving licence.
            B:Experience in a similar role.
        """),
        extras=_lines("""
            The role involves physical work; manual handling training is provided.
            The role is part of a shift rota that includes early mornings and some weekends.
        """),
        team="facilities staff", unit_words=("facilities", "estates"),
    ),
    Area(
        key="domestic", label="Cleaning and catering", family="OPS", category=PSS,
        titles={1: ("Domestic Assistant", "Catering Assistant"), 2: ("Senior Domestic Assistant", "Kitchen Porter"),
                3: ("Catering Supervisor",), 4: ("Cleaning Team Leader",), 6: ("Catering Manager",)},
        tasks="cleaning and catering tasks",
        aim="clean, safe and welcoming buildings and catering outlets",
        users="staff, students and visitors",
        outcome="buildings and cafés meet hygiene standards",
        context=_lines("""
            The service cleans teaching, office and laboratory areas and runs cafés across the campus.
        """),
        equipment=("floor scrubbers", "vacuum cleaners", "dishwashers", "coffee machines"),
        systems=("the cleaning schedule", "the till system"),
        entry=_lines("""
            Clean offices, corridors, toilets and teaching rooms to the cleaning schedule.
            Use {equipment} safely, following the training given.
            Empty bins and take waste to the collection points.
            Restock toilets and kitchens with consumables.
            Prepare and serve food and drinks in the café.
            Wash up and keep kitchen areas clean to food hygiene standards.
            Report damage and faults to the supervisor.
        """),
        do=_lines("""
            Check the work of cleaners and make sure schedules are completed.
            Order cleaning materials and catering stock.
            Cash up tills and record takings.
        """),
        lead=_lines("""
            Supervise cleaning and catering teams and plan their rotas.
            Carry out food safety checks and keep records.
        """),
        manage=_lines("""
            Manage the catering service and its budget.
        """),
        internal=("building users", "Facilities Services"), external=("suppliers",),
        essential=_lines("""
            I:Willingness to learn and follow procedures.
            I:Ability to work as part of a team.
        """),
        desirable=_lines("""
            B:Experience of cleaning or catering work.
            A:A food hygiene certificate.
        """),
        extras=_lines("""
            Working hours start early in the morning; uniform and protective equipment are provided.
        """),
        team="cleaning and catering staff", unit_words=("facilities", "estates"),
    ),
    Area(
        key="security", label="Security services", family="OPS", category=PSS,
        titles={3: ("Security Patrol Officer",), 4: ("Security Officer",), 5: ("Security Supervisor",),
                7: ("Security Manager",), 8: ("Head of Security",)},
        tasks="security tasks",
        aim="security for the university's buildings, people and property",
        users="staff, students and visitors",
        outcome="the campus is safe and secure at all times",
        context=_lines("""
            The security team works around the clock from a central control room.
        """),
        equipment=("CCTV cameras", "radios", "access control panels"),
        systems=("the incident reporting system", "the access control system"),
        do=_lines("""
            Patrol buildings and grounds, checking doors, windows and alarms.
            Monitor {equipment} from the control room.
            Respond to alarms and incidents and write reports in {system}.
            Issue access cards and manage visitor access.
            Give first aid when needed.
        """),
        lead=_lines("""
            Supervise security officers on shift.
            Coordinate the response to serious incidents with emergency services.
            Review incident reports and follow up actions.
        """),
        manage=_lines("""
            Manage the security service, staff and budget.
            Set security policy and advise on building security.
        """),
        internal=("building users", "Facilities", "Estates"), external=("the police", "emergency services"),
        essential=_lines("""
            A:A Security Industry Authority licence.
            I:Calm and confident manner.
        """),
        desirable=_lines("""
            A:A first aid certificate.
        """),
        extras=_lines("""
            The role works shifts, including nights and weekends.
        """),
        team="security officers", unit_words=("facilities", "estates", "security"),
    ),
    Area(
        key="library", label="Library and archives", family="LIBRARY", category=PSS,
        titles={2: ("Library Assistant (Shelving)",), 3: ("Library Assistant",), 4: ("Senior Library Assistant",),
                5: ("Library Services Officer",), 6: ("Subject Librarian", "Archivist"), 7: ("Site Librarian",),
                8: ("Head of Library Operations",), 9: ("Head of Special Collections",),
                10: ("Director of Library Services",)},
        tasks="library tasks",
        aim="library services and collections",
        users="students, researchers and visitors",
        outcome="people can find and use the information they need",
        context=_lines("""
            The library has several sites, large print and digital collections and special collections of rare books and archives.
        """),
        equipment=("self-service machines", "book scanners"),
        systems=("the library management system", "the discovery service", "the archives catalogue"),
        entry=_lines("""
            Shelve returned books and keep shelves in order.
            Move collections following instructions.
            Tidy study areas and report problems.
            Help users with the self-service machines.
        """),
        do=_lines("""
            Issue and return items and manage reservations in {system}.
            Answer enquiries at the help desk.
            Process new books and journals.
            Handle fines and payments.
        """),
        lead=_lines("""
            Deliver information skills training to students and researchers.
            Select and buy resources for a subject area.
            Catalogue archives and special collections.
            Advise researchers on open access and research data.
        """),
        manage=_lines("""
            Manage a library site and its staff.
            Manage the collections budget.
            Set the strategy for library services.
        """),
        internal=("students", "academic staff", "Information Services"), external=("publishers", "other libraries"),
        essential=_lines("""
            I:Good customer service skills.
            B:Good IT skills.
        """),
        desirable=_lines("""
            A:A library or information qualification.
        """),
        extras=_lines("""
            The role includes some evening and weekend work on a rota.
        """),
        team="library staff", unit_words=("library", "information"),
    ),
)
AREAS_BY_KEY = {area.key: area for area in AREAS}

# Title words → area, for post titles the areas above do not list (checked in order).
TITLE_RULES: tuple[tuple[str, str], ...] = (
    (r"payroll|pension", "payroll"),
    (r"procure|purchas|buyer|category", "procurement"),
    (r"financ|account", "finance"),
    (r"learning and development|organisational development|equality|diversity|technician commitment", "od"),
    (r"\bhr\b|recruit|employee relations|human resources|people", "hr"),
    (r"grant|research (facilitat|coordinat|support|administ|strategy|services)", "research_admin"),
    (r"student (support|services|wellbeing)|wellbeing|disability", "student_support"),
    (r"teaching and learning|education|student|exam|assessment|curriculum|timetabl", "education"),
    (r"teaching lab", "teaching_lab"),
    (r"microscop|imaging", "imaging"),
    (r"building services|maintenance|mechanical services|electrical services|estates|plumb|electrician", "estates"),
    (r"electronic|instrument", "electronics"),
    (r"workshop|mechanical|engineering technician|machin|fabricat", "workshop"),
    (r"laborator|research technician|technical manager|technician|lab\b|technical", "lab_research"),
    (r"systems administrator|network|infrastructure|research computing|software|devops|it manager", "it_systems"),
    (r"\bit\b|service desk|desktop|digital support", "it_support"),
    (r"communicat|event|marketing|web|engagement|content", "comms"),
    (r"sustainab|energy", "sustainability"),
    (r"project", "projects"),
    (r"security", "security"),
    (r"domestic|clean|catering|kitchen", "domestic"),
    (r"porter|mail|post room|facilities|caretaker|reception", "facilities"),
    (r"librar|archiv|records manag", "library"),
)

# --- Shared phrase banks by level of responsibility -----------------------------------------------

ENTRY, OPERATIONAL, SPECIALIST, MANAGEMENT, LEADERSHIP = "entry", "operational", "specialist", "management", "leadership"


def band_of(grade: int) -> str:
    """The level of responsibility a grade number stands for."""
    if grade <= 2:
        return ENTRY
    if grade <= 4:
        return OPERATIONAL
    if grade <= 6:
        return SPECIALIST
    if grade <= 8:
        return MANAGEMENT
    return LEADERSHIP


GENERIC_DUTIES: dict[str, tuple[str, ...]] = {
    ENTRY: _lines("""
        Follow safe systems of work and report hazards, accidents and near misses to the supervisor straight away.
        Keep work areas clean, tidy and free from obstructions.
        Attend training, including induction and health and safety training.
        Wear the protective equipment provided and store it correctly.
        Work as part of the team, covering for colleagues at busy times.
    """),
    OPERATIONAL: _lines("""
        Deal with routine enquiries in person, by phone and by e-mail, referring complex matters to a senior colleague.
        Keep accurate records, paper and electronic, in line with data protection requirements.
        Show new and temporary colleagues how to carry out routine tasks.
        Suggest improvements to working procedures.
        Follow the university's health and safety, data protection and equality policies.
    """),
    SPECIALIST: _lines("""
        Investigate and resolve problems that need specialist knowledge, deciding when to escalate them.
        Keep up to date with developments in the field and share them with colleagues.
        Produce reports and statistics for managers and committees.
        Contribute to writing and reviewing procedures and guidance.
        Take part in projects to improve the service.
    """),
    MANAGEMENT: _lines("""
        Plan staffing and cover so that the service runs well through absences and busy periods.
        Monitor spending against budget, prepare forecasts and approve expenditure within delegated limits.
        Develop service standards and performance indicators, and report on them.
        Maintain the risk register for the service and make sure risk assessments are current.
        Represent the service on committees and working groups.
    """),
    LEADERSHIP: _lines("""
        Set the strategy of the function and agree it with the senior management team.
        Lead the function's senior managers and hold them to account for service quality and budgets.
        Lead major change programmes, including restructures, new systems and new buildings.
        Advise the Dean, Vice-Provosts and directors on matters affecting the function.
        Make sure the function complies with statutory, regulatory and audit requirements.
        Champion equality, diversity and inclusion, and the careers of professional and technical staff.
    """),
}
LAST_DUTY = "Carry out other duties that match the level of the role, as reasonably requested by the line manager."

PURPOSES: dict[str, tuple[str, ...]] = {
    ENTRY: (
        "To carry out routine {tasks} under close supervision, as part of the team that provides {aim}.",
        "To help provide {aim} by carrying out routine {tasks}, following clear instructions and set schedules.",
    ),
    OPERATIONAL: (
        "To provide {aim}, following established procedures and using judgement to deal with routine problems.",
        "To carry out a range of {tasks} for {users}, working to established procedures with some independence.",
    ),
    SPECIALIST: (
        "To provide specialist {aim}, using expert knowledge to solve problems and advise {users}.",
        "To deliver and develop {aim}, supervising the day-to-day work of junior colleagues and resolving problems that need specialist knowledge.",
    ),
    MANAGEMENT: (
        "To manage {aim}, leading a team and its budget so that {outcome}.",
        "To lead and develop {aim}, interpreting university policy, setting priorities and making sure that {outcome}.",
    ),
    LEADERSHIP: (
        "To lead {aim} across {scope}, setting its strategy and making sure that {outcome}.",
        "To provide strategic leadership for {aim} across {scope}, with accountability for its staff, budget and performance.",
    ),
}
PURPOSE_CLOSERS: dict[str, tuple[str, ...]] = {
    ENTRY: ("Work is checked regularly and new tasks are shown before they are done alone.",
            "The role works to clear instructions, with help always available from the supervisor."),
    OPERATIONAL: ("The role organises its own daily work within agreed priorities.",
                  "Unusual problems are referred to a senior colleague."),
    SPECIALIST: ("The role is a point of expertise for colleagues and users.",
                 "The role works with considerable independence and supervises the work of others."),
    MANAGEMENT: ("The role is accountable for the quality and cost of the service.",
                 "The role interprets policy and makes decisions that affect the whole department."),
    LEADERSHIP: ("The role is a member of the senior management team.",
                 "The role shapes policy and practice beyond the faculty, working with other directors."),
}

GENERIC_CRITERIA: dict[str, tuple[str, ...]] = {
    ENTRY: _lines("""
        I:Willingness to learn new tasks and follow instructions.
        I:Reliability and good timekeeping.
        I:Ability to work as part of a team.
        A:Basic reading, writing and numeracy.
    """),
    OPERATIONAL: _lines("""
        A:GCSEs (or equivalent) in English and maths.
        B:Good IT skills, including e-mail and spreadsheets.
        I:Good customer service skills.
        I:Ability to organise own work and meet deadlines.
    """),
    SPECIALIST: _lines("""
        A:A qualification at degree, HNC or equivalent level in a relevant subject, or equivalent experience.
        B:Ability to solve problems using specialist knowledge.
        I:Ability to supervise and train others.
        B:Clear written and spoken communication.
    """),
    MANAGEMENT: _lines("""
        A:A degree or professional qualification, or equivalent experience.
        B:Experience of managing staff.
        B:Experience of managing a budget.
        I:Ability to interpret policy and apply it fairly.
    """),
    LEADERSHIP: _lines("""
        B:Substantial experience of leading a service in a large, complex organisation.
        B:A record of leading change successfully.
        I:Ability to influence senior stakeholders.
        B:Experience of strategic and financial planning.
    """),
}
GENERIC_DESIRABLE: dict[str, tuple[str, ...]] = {
    ENTRY: _lines("""
        B:Experience of similar work.
    """),
    OPERATIONAL: _lines("""
        A:Experience of working in a university.
    """),
    SPECIALIST: _lines("""
        A:Membership of a relevant professional body.
    """),
    MANAGEMENT: _lines("""
        A:A management qualification.
        B:Experience of managing change.
    """),
    LEADERSHIP: _lines("""
        A:Experience of working in higher education at a senior level.
    """),
}

GENERIC_EXTRAS: dict[str, tuple[str, ...]] = {
    ENTRY: ("Full training is provided.",),
    OPERATIONAL: ("Occasional work outside normal hours may be needed at busy times, with time off in lieu.",),
    SPECIALIST: ("Occasional work outside normal hours may be needed, with time off in lieu.",
                 "The role may need occasional travel to other university sites."),
    MANAGEMENT: ("The role may need occasional travel to other university sites and to external meetings.",),
    LEADERSHIP: ("The role needs occasional work outside normal hours and travel, including to partner institutions.",),
}
EXTRA_SUFFIX = "The university is committed to equality of opportunity and welcomes applications from all sections of the community."


# --- Composing one JD -----------------------------------------------------------------------------

def _fill(text: str, area: Area, rng: random.Random) -> str:
    if "{" not in text:
        return text
    equipment = list(area.equipment) or ["specialist equipment", "shared equipment"]
    first, second = rng.sample(equipment, 2) if len(equipment) > 1 else (equipment[0], equipment[0])
    system = rng.choice(area.systems) if area.systems else "the relevant systems"
    return text.format(equipment=first, equipment2=second, system=system)


def _criterion(tagged: str, kind: str) -> dict[str, str]:
    code, _, text = tagged.partition(":")
    return {"text": text, "kind": kind,
            "assessed": {"A": "application", "I": "interview", "B": "both"}[code]}


def _duty_pools(area: Area, band: str) -> tuple[list[str], list[str]]:
    """(area duties, generic duties) a JD of this level draws from, most characteristic first."""
    if band == ENTRY:
        own = list(area.entry) or list(area.do[:4])
    elif band == OPERATIONAL:
        own = list(area.do) + list(area.entry[:2])
    elif band == SPECIALIST:
        own = list(area.lead) + list(area.do)
    elif band == MANAGEMENT:
        own = list(area.manage) + list(area.lead)
    else:
        own = list(area.manage) + list(area.lead[:3])
    return own, list(GENERIC_DUTIES[band])


def _duty_count(grade: int, rng: random.Random) -> int:
    low, high = {1: (6, 8), 2: (6, 8), 3: (7, 9), 4: (7, 10), 5: (8, 11), 6: (9, 12)}.get(grade, (9, 14))
    return rng.randint(low, high)


def line_management_text(area: Area, grade: int, rng: random.Random) -> str:
    """Line management and budget responsibility, scaled by level."""
    team = area.team
    if grade <= 2:
        return "No line management responsibility. No budget responsibility."
    if grade <= 4:
        return rng.choice((
            "No line management responsibility. May show new and temporary colleagues how to carry out routine tasks. "
            "No budget responsibility.",
            "No formal line management. Checks the work of casual staff on occasion. No budget responsibility, "
            "but orders stock and consumables within agreed limits.",
        ))
    if grade <= 6:
        supervised = rng.randint(1, 4) if grade == 6 else rng.randint(0, 2)
        people = (f"{supervised} {team}" if supervised > 1 else f"one of the department's {team}") if supervised else None
        orders = rng.choice(("£1,000", "£2,500", "£5,000", "£10,000"))
        if people is None:
            return (f"No line management responsibility; allocates and checks work given to students and temporary "
                    f"staff. Authorised to approve orders up to {orders}.")
        return (f"Supervises the day-to-day work of {people}, including allocating and checking work and "
                f"contributing to their appraisals. Authorised to approve orders up to {orders}.")
    if grade <= 8:
        direct = rng.randint(3, 8)
        total = direct + rng.randint(2, 12) * (grade - 6)
        budget = rng.choice(("£40,000", "£75,000", "£150,000", "£250,000") if grade == 7
                            else ("£250,000", "£400,000", "£750,000", "£1.2 million"))
        return (f"Line manages {direct} {team} directly, with responsibility for a team of {total} in all. "
                f"Manages a non-pay budget of about {budget} a year and approves expenditure within the "
                f"university's financial regulations.")
    managers = rng.randint(3, 7)
    staff = managers * rng.randint(8, 20)
    budget = rng.choice(("£2 million", "£4 million", "£6.5 million", "£11 million", "£18 million"))
    return (f"Leads a function of about {staff} staff through {managers} senior managers. Accountable for a "
            f"budget of about {budget} a year, including pay, and for the function's income targets.")


def working_relationships_text(area: Area, band: str, rng: random.Random) -> str:
    inside = rng.sample(list(area.internal), min(len(area.internal), rng.randint(3, 5)))
    outside = rng.sample(list(area.external), min(len(area.external), rng.randint(1, 3)))
    lead_in = {
        ENTRY: "the supervisor and the rest of the team",
        OPERATIONAL: "the line manager and colleagues in the team",
        SPECIALIST: "the line manager, the team and colleagues in related services",
        MANAGEMENT: "the FM/HPS, the Head of Department and the HR Business Partner",
        LEADERSHIP: "the Dean, the Vice-Provost (Operations) and directors of other professional services",
    }[band]
    text = f"Internal: {lead_in}; {', '.join(inside)}."
    if outside:
        text += f" External: {', '.join(outside)}."
    return text


def _person_spec(area: Area, band: str, rng: random.Random) -> list[dict[str, str]]:
    own = [c for c in area.essential if band != LEADERSHIP or not c.startswith("A:")] or list(area.essential)
    essential = list(GENERIC_CRITERIA[band][:2]) + rng.sample(own, min(3, len(own)))
    essential += rng.sample(list(GENERIC_CRITERIA[band][2:]), 1)
    desirable = rng.sample(list(area.desirable), min(2, len(area.desirable)))
    desirable += rng.sample(list(GENERIC_DESIRABLE[band]), 1)
    seen: set[str] = set()
    spec = []
    for tagged, kind in [*[(c, "essential") for c in essential], *[(c, "desirable") for c in desirable]]:
        if tagged not in seen:
            seen.add(tagged)
            spec.append(_criterion(tagged, kind))
    return spec


def compose_purpose(area: Area, grade: int, rng: random.Random, *, variant: int | None = None,
                    scope: str = "the faculty") -> str:
    """Two or three sentences; ``variant`` picks the opening wording (for reworded versions);
    ``scope`` is what a leadership role leads across ("the faculty", "the division")."""
    band = band_of(grade)
    openings = PURPOSES[band]
    opening = openings[variant % len(openings)] if variant is not None else rng.choice(openings)
    sentences = [opening.format(tasks=area.tasks, aim=area.aim, users=area.users, outcome=area.outcome,
                                scope=scope),
                 rng.choice(area.context)]
    if rng.random() < 0.6:
        sentences.append(rng.choice(PURPOSE_CLOSERS[band]))
    return " ".join(sentences)


def compose_jd(rng: random.Random, area: Area, title: str, grade: int, *,
               scope: str = "the faculty") -> dict[str, Any]:
    """The sections of one JD (as ``create_job_description`` takes them) plus ``spare_duties``:
    believable duties this text does not use, for later versions to add."""
    band = band_of(grade)
    own, generic = _duty_pools(area, band)
    n = _duty_count(grade, rng) - 1  # the closing "other duties" line makes up the count
    n_generic = min(len(generic), max(1, n // 4, n - len(own)))
    n_own = min(len(own), n - n_generic)
    chosen_own = rng.sample(own, n_own)
    # Keep the area's characteristic duties in the order they are written (most central first).
    chosen_own.sort(key=own.index)
    chosen_generic = rng.sample(generic, n_generic)
    duties = [_fill(d, area, rng) for d in chosen_own + chosen_generic] + [LAST_DUTY]
    spare = [_fill(d, area, rng) for d in own + generic if d not in chosen_own and d not in chosen_generic]
    extras = [rng.choice(area.extras)] if area.extras else []
    extras += [rng.choice(GENERIC_EXTRAS[band]), EXTRA_SUFFIX]
    return {
        "job_title": title,
        "purpose": compose_purpose(area, grade, rng, scope=scope),
        "scope": scope,
        "duties": duties,
        "line_management": line_management_text(area, grade, rng),
        "working_relationships": working_relationships_text(area, band, rng),
        "person_spec": _person_spec(area, band, rng),
        "additional_information": " ".join(extras),
        "spare_duties": [d for d in dict.fromkeys(spare) if d not in duties],
    }


NOT_SECTIONS = ("spare_duties", "scope", "grade")


def sections_of(text: dict[str, Any]) -> dict[str, Any]:
    """Only the JD sections of a composed text (what ``create_job_description`` takes)."""
    return {k: v for k, v in text.items() if k not in NOT_SECTIONS}


def area_for_title(title: str, unit: OrgUnit | None = None) -> Area:
    """The area a job title belongs to: listed titles first, then title words; estates units
    keep their engineering technicians in estates maintenance."""
    listed = [a for a in AREAS if any(title in titles for titles in a.titles.values())]
    area = listed[0] if listed else None
    if area is None:
        lowered = title.lower()
        for pattern, key in TITLE_RULES:
            if re.search(pattern, lowered):
                area = AREAS_BY_KEY[key]
                break
    area = area or AREAS_BY_KEY["admin"]
    if unit is not None and area.key in ("workshop", "electronics") and "/" in (unit.path or ""):
        if _root_name(unit).lower().startswith("estates"):
            area = AREAS_BY_KEY["estates"]
    return area


_ROOTS: dict[int, OrgUnit] = {}


def _root(unit: OrgUnit) -> OrgUnit:
    """The faculty or PS division a unit belongs to (cached for one build)."""
    root_id = (unit.ancestor_ids or [unit.pk])[0]
    if root_id not in _ROOTS:
        _ROOTS[root_id] = unit if root_id == unit.pk else OrgUnit.objects.get(pk=root_id)
    return _ROOTS[root_id]


def _root_name(unit: OrgUnit) -> str:
    return _root(unit).name


def scope_of(unit: OrgUnit) -> str:
    """What a leadership role in this unit leads across, in the university's words."""
    return "the division" if _root(unit).kind == OrgUnit.Kind.PS_DIVISION else "the faculty"


# --- Versions: believable edits between one version and the next ---------------------------------

def earlier_version(sections: dict[str, Any], area: Area, grade: int, rng: random.Random, *,
                    regraded: bool) -> tuple[dict[str, Any], list[str]]:
    """The text a JD had before its latest edit, and the edits (later minus earlier) in words.

    Going backwards from the later text: a duty it added is taken out, a duty it removed is put
    back, a duty it moved goes back to where it was, and its purpose had other wording. When the
    later version was a regrade, the earlier one also carried less responsibility.
    """
    earlier = {k: (list(v) if isinstance(v, list) else v) for k, v in sections.items()}
    earlier["person_spec"] = [dict(c) for c in sections["person_spec"]]
    duties: list[str] = earlier["duties"]
    spare: list[str] = earlier["spare_duties"]
    edits: list[str] = []
    body = duties[:-1]  # the closing "other duties" line stays last

    # Removed in the later version: the earlier one had a duty the later one does not.
    removed = None
    if spare:
        removed = spare.pop(rng.randrange(len(spare)))
        body.insert(rng.randrange(len(body) + 1), removed)
        edits.append(f"removed duty: {removed}")
    # Added in the later version (one, or two for a regrade).
    for _ in range(2 if regraded else 1):
        candidates = [i for i, d in enumerate(body) if d != removed]
        if len(body) > 4 and candidates:
            added = body.pop(rng.choice(candidates))
            spare.append(added)
            edits.append(f"added duty: {added}")
    # Moved in the later version: in the earlier one it sat elsewhere.
    if len(body) > 3:
        i = rng.choice([k for k, d in enumerate(body) if d != removed])
        j = (i + rng.randrange(2, len(body))) % len(body)
        moved = body.pop(i)
        body.insert(j, moved)
        edits.append(f"moved duty: {moved}")
    earlier["duties"] = [*body, duties[-1]]
    # Reworded purpose.
    old_purpose = sections["purpose"]
    for variant in range(4):
        candidate = compose_purpose(area, max(1, grade - 1) if regraded else grade, rng, variant=variant,
                                    scope=sections["scope"])
        if candidate != old_purpose:
            earlier["purpose"] = candidate
            edits.append("reworded purpose")
            break
    if regraded:
        earlier["line_management"] = line_management_text(area, max(1, grade - 1), rng)
        edits.append("more line management and budget responsibility")
    elif len(earlier["person_spec"]) > 4 and rng.random() < 0.5:
        dropped = earlier["person_spec"].pop()
        edits.append(f"added criterion: {dropped['text']}")
    earlier["spare_duties"] = spare
    return earlier, edits


# --- Building the library through the services ----------------------------------------------------

GRADE_WEIGHTS = {1: 2, 2: 3, 3: 8, 4: 10, 5: 12, 6: 12, 7: 10, 8: 5, 9: 3, 10: 2}


@dataclass
class PlannedJD:
    """One JD the demo will create: its area, title, grade, owning unit and the posts that hold it."""

    area: Area
    title: str
    grade: int
    unit: OrgUnit
    posts: list[Post] = field(default_factory=list)
    versions: int = 1
    regraded: bool = False
    open_draft: bool = False


@dataclass
class DemoJDResult:
    """What :func:`build_demo_jds` made."""

    families: dict[str, JobFamily]
    job_descriptions: list[JobDescription]
    agreed: list[AgreedJD]  # the current library entries, one per JD
    superseded: list[AgreedJD]  # library entries of earlier agreed versions
    multi_version: list[JobDescription]
    drafts: list[JDVersion]
    submitted: list[JDVersion]
    posts_assigned: int
    posts_without_jd: int
    edits: dict[str, list[str]]  # JD reference -> what changed between its versions, in words

    def summary(self) -> str:
        grades = Counter(entry.grade.number for entry in self.agreed)
        by_grade = ", ".join(f"{n}: {grades[n]}" for n in sorted(grades))
        return (
            f"Logged {len(self.agreed)} agreed job descriptions in {len(self.families)} job families "
            f"(by grade: {by_grade}). {len(self.multi_version)} job descriptions have more than one version; "
            f"{len(self.drafts)} drafts and {len(self.submitted)} submitted versions are open. "
            f"{self.posts_assigned} posts now hold a JD version; {self.posts_without_jd} posts have none."
        )


@dataclass(frozen=True)
class LibraryDates:
    """When the demo library was built up (gradepath.demo.clock): agreed JDs logged one after another
    between ``first`` and ``last``, earlier versions of a JD some weeks before its current one, and the
    drafts in progress between ``drafts_from`` and ``drafts_to``. ``set_clock`` sets the clock every
    service reads."""

    first: dt.datetime
    last: dt.datetime
    drafts_from: dt.datetime
    drafts_to: dt.datetime
    set_clock: Callable[[dt.datetime], Any]

    VERSION_GAP = dt.timedelta(days=63)  # between two versions of one JD

    def logged(self, index: int, count: int) -> dt.datetime:
        """When the ``index``-th of ``count`` JDs had its current version logged."""
        return _weekday(self.first + (self.last - self.first) * (index + 1) / (count + 1))

    def version(self, logged: dt.datetime, number: int, versions: int) -> dt.datetime:
        """When version ``number`` (from 1) of a JD whose last of ``versions`` was logged at ``logged`` was."""
        return _weekday(max(self.first, logged - self.VERSION_GAP * (versions - number)))

    def draft(self, index: int, count: int) -> dt.datetime:
        """When the ``index``-th of ``count`` drafts in progress was started."""
        return _weekday(self.drafts_from + (self.drafts_to - self.drafts_from) * (index + 1) / (count + 1))


def _weekday(when: dt.datetime) -> dt.datetime:
    """``when``, or the same time on the Friday before when it falls at a weekend."""
    while when.weekday() >= 5:
        when -= dt.timedelta(days=1)
    return when


def ensure_families() -> dict[str, JobFamily]:
    """The demo job families, reusing any that already exist by code or by name."""
    families: dict[str, JobFamily] = {}
    for code, name in FAMILIES:
        family = JobFamily.objects.filter(code=code).first() or JobFamily.objects.filter(name=name).first()
        if family is None:
            family = JobFamily.objects.create(code=code, name=name)
        families[code] = family
    return families


def grades_in_force() -> dict[int, Grade]:
    """The grades 1–10 of the structure in force, by number (a clear message if there is none)."""
    structure = GradeStructure.objects.in_force()
    if structure is None:
        raise ServiceError("There is no grade structure in force. Load the grade structure first.")
    grades = {g.number: g for g in structure.grades.all()}
    missing = [n for n in range(1, 11) if n not in grades]
    if missing:
        raise ServiceError(f"The grade structure in force has no grade {missing[0]}; the demo needs grades 1 to 10.")
    return grades


def _units_for(area: Area, units: Sequence[OrgUnit]) -> list[OrgUnit]:
    def matches(unit: OrgUnit) -> bool:
        name = f" {unit.name.lower()} {unit.code.lower()}"
        return any(word in name for word in area.unit_words)

    fitting = [u for u in units if matches(u)]
    if area.category == TECHNICAL:
        deeper = [u for u in fitting if u.kind not in (OrgUnit.Kind.FACULTY, OrgUnit.Kind.PS_DIVISION)]
        fitting = deeper or fitting
    if fitting:
        return fitting
    if area.category == TECHNICAL:
        deeper = [u for u in units if u.kind not in (OrgUnit.Kind.PS_DIVISION,)]
        return deeper or list(units)
    return list(units)


def _department_of(unit: OrgUnit) -> int:
    """The id of the faculty-level department (or the top unit) a unit sits in."""
    ids = unit.ancestor_ids or [unit.pk]
    return ids[1] if len(ids) > 1 else ids[0]


def _plan(rng: random.Random, units: list[OrgUnit], posts: list[Post], count: int) -> list[PlannedJD]:
    """Which JDs to write.

    1. One JD per job the posts hold (a title at a grade), owned by the unit with most holders:
       every post can then hold a JD version, and holders of one job share it.
    2. Where several holders of a big job sit in another department, that department gets its
       own JD for them (largest groups first), while the count allows.
    3. About one JD in seven is for a job the posts do not cover, so the library reaches every
       grade 1–10 and the job families a whole university has.
    """
    jobs: dict[tuple[str, int], list[Post]] = defaultdict(list)
    for post in posts:
        area = area_for_title(post.title, post.org_unit)
        grade = post.grade.number if post.grade_id else _default_grade(area, post.title)
        jobs[(post.title, grade)].append(post)
    ordered = sorted(jobs.items(), key=lambda item: (-len(item[1]), item[0]))

    plan: list[PlannedJD] = []
    for (title, grade), members in ordered:
        unit = _busiest_unit(members)
        plan.append(PlannedJD(area=area_for_title(title, unit), title=title, grade=grade, unit=unit,
                              posts=sorted(members, key=lambda p: p.post_number)))
    missing = [g for g in range(1, 11) if g not in {p.grade for p in plan}]
    reserve = max(len(missing), round(count * 0.15)) if count >= 10 else len(missing)
    budget = max(0, count - reserve)
    if len(plan) > budget:
        plan = _trim(plan, budget)

    # Department-level JDs for groups of three or more holders outside the owning department.
    splits = []
    for item in plan:
        by_department: dict[int, list[Post]] = defaultdict(list)
        for post in item.posts:
            by_department[_department_of(post.org_unit)].append(post)
        owner = _department_of(item.unit)
        for department, members in by_department.items():
            if department != owner and len(members) >= 3:
                splits.append((len(members), item, department, members))
    splits.sort(key=lambda s: (-s[0], s[1].title, s[1].grade, s[2]))
    for _size, item, _department, members in splits[: max(0, budget - len(plan))]:
        taken = {p.pk for p in members}
        item.posts = [p for p in item.posts if p.pk not in taken]
        plan.append(PlannedJD(area=item.area, title=item.title, grade=item.grade, unit=_busiest_unit(members),
                              posts=members))

    missing = [g for g in range(1, 11) if g not in {p.grade for p in plan}]
    used = {(p.title, p.grade) for p in plan}
    for grade in missing:
        plan.append(_library_only(rng, units, grade, used))
    weights = list(GRADE_WEIGHTS.values())
    while len(plan) < count:
        grade = rng.choices(list(GRADE_WEIGHTS), weights=weights)[0]
        plan.append(_library_only(rng, units, grade, used))
    return plan


def _busiest_unit(posts: list[Post]) -> OrgUnit:
    counts = Counter(p.org_unit for p in posts)
    return sorted(counts, key=lambda u: (-counts[u], u.code))[0]


def _trim(plan: list[PlannedJD], keep: int) -> list[PlannedJD]:
    """Keep the largest groups, but at least one JD per grade the posts cover."""
    kept: list[PlannedJD] = []
    seen_grades: set[int] = set()
    for item in plan:
        if item.grade not in seen_grades:
            kept.append(item)
            seen_grades.add(item.grade)
    for item in plan:
        if len(kept) >= keep:
            break
        if item not in kept:
            kept.append(item)
    return kept[:keep] if len(kept) > keep else kept


def _default_grade(area: Area, title: str) -> int:
    for grade, titles in sorted(area.titles.items()):
        if title in titles:
            return grade
    return 5


def _library_only(rng: random.Random, units: list[OrgUnit], grade: int,
                  used: set[tuple[str, int]] | None = None) -> PlannedJD:
    """A JD for a job of this grade somewhere in the university, preferring jobs not yet planned."""
    used = set() if used is None else used
    jobs = [(a, t) for a in AREAS for t in a.titles.get(grade, ())]
    fresh = [(a, t) for a, t in jobs if (t, grade) not in used]
    area, title = rng.choice(fresh or jobs)
    used.add((title, grade))
    unit = rng.choice(_units_for(area, units))
    return PlannedJD(area=area, title=title, grade=grade, unit=unit)


def _choose_histories(rng: random.Random, plan: list[PlannedJD], count: int) -> None:
    """Several JDs get two to four versions (posts-holding JDs first); a few have an open draft."""
    n_multi = max(2, round(count * 0.12))
    with_posts = [p for p in plan if p.posts]
    others = [p for p in plan if not p.posts]
    pool = with_posts[: n_multi * 2]
    rng.shuffle(pool)
    chosen = pool[:n_multi]
    if len(chosen) < n_multi:
        chosen += rng.sample(others, min(len(others), n_multi - len(chosen)))
    for item in chosen:
        item.versions = rng.choices((2, 3, 4), weights=(5, 3, 2))[0]
        item.regraded = item.grade > 1 and rng.random() < 0.35
    rest = [p for p in plan if p.versions == 1]
    for item in rng.sample(rest, min(len(rest), max(1, count // 50))):
        item.open_draft = True


def _create_chain(*, actor, item: PlannedJD, texts: list[dict[str, Any]], family: JobFamily,
                  grades: dict[int, Grade], moments: list[dt.datetime] | None = None,
                  set_clock: Callable[[dt.datetime], Any] | None = None,
                  ) -> tuple[JobDescription, list[AgreedJD], JDVersion]:
    """Create the JD with each text as a version in turn, each submitted and agreed (earlier
    ones become superseded as the next is logged). Returns the JD, its library entries and the
    version in force. With ``moments`` (one per text), each version is drafted three days before
    its moment, submitted the day before and logged at it."""
    entries: list[AgreedJD] = []
    version = None
    for n, text in enumerate(texts):
        grade = grades[text["grade"]]
        sections = sections_of(text)
        when = moments[n] if moments and set_clock else None
        if when is not None:
            set_clock(_weekday(when - dt.timedelta(days=3)))
        if version is None:
            version = services.create_job_description(
                actor=actor, org_unit=item.unit, job_family=family, staff_category=item.area.category,
                area=item.area.label, grade=grade, **sections,
            )
        else:
            version = services.start_new_draft(actor=actor, version=version)
            version = services.save_draft(actor=actor, version=version, base_revision=version.revision,
                                          changes={**sections, "grade": grade})
        if when is not None:
            set_clock(_weekday(when - dt.timedelta(days=1)))
        version = services.submit_version(actor=actor, version=version)
        if when is not None:
            set_clock(when)
        entries.append(services.log_agreed_jd(actor=actor, version=version, grade=grade))
    assert version is not None
    return version.jd, entries, version


def _open_draft_on(*, actor, version: JDVersion, area: Area, rng: random.Random, spare: list[str]) -> JDVersion:
    """A proposal in progress on an agreed JD: a new draft with two saves (duties taken on)."""
    draft = services.start_new_draft(actor=actor, version=version)
    duties = list(draft.duties)
    if spare:
        duties.insert(max(0, len(duties) - 1), spare[0])
    draft = services.save_draft(actor=actor, version=draft, base_revision=draft.revision,
                                changes={"duties": duties})
    closer = rng.choice(PURPOSE_CLOSERS[band_of(version.grade.number if version.grade else 5)])
    if closer not in draft.purpose:
        draft = services.save_draft(actor=actor, version=draft, base_revision=draft.revision,
                                    changes={"purpose": f"{draft.purpose} {closer}"})
    return draft


def _assign_posts(*, actor, version: JDVersion, posts: Iterable[Post]) -> int:
    # people.services.update_post allows "jd_version" (POST_FIELDS), so each assignment is a
    # recorded change of the post, as it would be in the admin.
    from gradepath.people.services import update_post

    done = 0
    for post in posts:
        if post.jd_version_id is None:
            update_post(actor=actor, post=post, changes={"jd_version": version})
            done += 1
    return done


ACADEMIC_TITLE = re.compile(r"\b(professor|dean|lecturer|reader|academic)\b", re.IGNORECASE)


def _professional_and_technical(posts: list[Post]) -> list[Post]:
    """Leave out academic posts (their jobs are not graded through these job descriptions)."""
    academic = set(
        Appointment.objects.filter(post__in=posts, person__staff_category=Person.StaffCategory.ACADEMIC)
        .values_list("post_id", flat=True)
    ) if posts else set()
    return [p for p in posts if p.pk not in academic and not ACADEMIC_TITLE.search(p.title)]


def build_demo_jds(*, rng: random.Random, org_units: Iterable[OrgUnit], posts_by_title: dict[str, list[Post]] | None = None,
                   actor=None, count: int = 150, dates: LibraryDates | None = None) -> DemoJDResult:
    """Write the demo agreed JD library through the job description services.

    ``count`` agreed JDs (each grade 1–10 at least once, more at 3–7) across the job families,
    owned by ``org_units``. Posts (``posts_by_title``, or every active post in those units) hold
    the version in force of the JD for their job (title and grade): one JD per job, plus
    department-level JDs where three or more holders of a big job sit in another department, so
    several holders share each version. Academic posts are left out, and posts that already hold
    a JD version keep it. About one JD in eight has two to four versions with realistic edits
    (some were regrades); a few agreed JDs have a draft in progress, and a few new jobs are being
    drafted (one submitted). ``actor`` is ``None`` (the system) or an administrator (posts change
    through ``people.services.update_post``). With ``dates`` (the demo university), everything is
    dated on the library's own timeline instead of now. Returns what was made; raises ServiceError,
    changing nothing, when there are no org units or no grade structure in force.
    """
    if count < 1:
        raise ServiceError("Ask for at least one agreed job description.")
    units = sorted({u.pk: u for u in org_units}.values(), key=lambda u: u.code)
    if not units:
        raise ServiceError("There are no org units to own the job descriptions. Create the organisation structure first.")
    grades = grades_in_force()
    if posts_by_title is None:
        posts = list(Post.objects.filter(org_unit__in=units, is_active=True, jd_version__isnull=True)
                     .select_related("org_unit", "grade").order_by("post_number"))
    else:
        posts = sorted({p.pk: p for group in posts_by_title.values() for p in group}.values(),
                       key=lambda p: p.post_number)
    posts = _professional_and_technical(posts)
    _ROOTS.clear()

    with transaction.atomic():
        families = ensure_families()
        plan = _plan(rng, units, posts, count)
        _choose_histories(rng, plan, count)
        jds: list[JobDescription] = []
        agreed: list[AgreedJD] = []
        superseded: list[AgreedJD] = []
        multi: list[JobDescription] = []
        drafts: list[JDVersion] = []
        submitted: list[JDVersion] = []
        edits: dict[str, list[str]] = {}
        current_by_title: dict[tuple[str, int], list[tuple[int, JDVersion]]] = defaultdict(list)
        assigned = 0
        set_clock = dates.set_clock if dates is not None else None
        in_progress = sum(1 for item in plan if item.open_draft) + max(2, count // 40)  # drafts and new jobs
        for index, item in enumerate(plan):
            final = compose_jd(rng, item.area, item.title, item.grade, scope=scope_of(item.unit))
            final["grade"] = item.grade
            texts = [final]
            chain_edits: list[str] = []
            for step in range(item.versions - 1):
                regraded = item.regraded and step == 0  # the latest change was a regrade
                later = texts[0]
                earlier, step_edits = earlier_version(later, item.area, later["grade"], rng, regraded=regraded)
                earlier["grade"] = later["grade"] - 1 if regraded else later["grade"]
                texts.insert(0, earlier)
                later_number = item.versions - step
                chain_edits = [f"v{later_number - 1}→v{later_number}: {e}" for e in step_edits] + chain_edits
            moments = None
            if dates is not None:
                logged = dates.logged(index, len(plan))
                moments = [dates.version(logged, n, len(texts)) for n in range(1, len(texts) + 1)]
            jd, entries, current = _create_chain(actor=actor, item=item, texts=texts,
                                                 family=families[item.area.family], grades=grades,
                                                 moments=moments, set_clock=set_clock)
            current = JDVersion.objects.select_related("jd").get(pk=current.pk)  # its str() names the JD
            jds.append(jd)
            agreed.append(entries[-1])
            superseded.extend(entries[:-1])
            if item.versions > 1:
                multi.append(jd)
                edits[jd.reference] = chain_edits
            if dates is not None and moments:
                dates.set_clock(moments[-1] + dt.timedelta(hours=1))  # the posts take the JD once it is agreed
            assigned += _assign_posts(actor=actor, version=current, posts=item.posts)
            if item.open_draft:
                if dates is not None:
                    dates.set_clock(dates.draft(len(drafts), in_progress))
                drafts.append(_open_draft_on(actor=actor, version=current, area=item.area, rng=rng,
                                             spare=final["spare_duties"]))
            current_by_title[(item.title, item.grade)].append((_root(item.unit).pk, current))

        # Posts whose group did not get its own JD share the version of the same job elsewhere.
        if dates is not None:
            dates.set_clock(dates.last + dt.timedelta(days=1))
        planned = {p.pk for item in plan for p in item.posts}
        leftover = [p for p in posts if p.pk not in planned]
        unassigned = 0
        for post in leftover:
            grade = post.grade.number if post.grade_id else _default_grade(area_for_title(post.title), post.title)
            same_job = current_by_title.get((post.title, grade))
            if not same_job:
                unassigned += 1
                continue
            # The JD of the same job in the same faculty or division if there is one, else the largest.
            root = _root(post.org_unit).pk
            version = next((v for r, v in same_job if r == root), same_job[0][1])
            assigned += _assign_posts(actor=actor, version=version, posts=[post])

        # New jobs being drafted: a few drafts and one submitted, not yet in the library.
        for index in range(max(2, count // 40)):
            if dates is not None:
                dates.set_clock(dates.draft(len(drafts) + len(submitted), in_progress))
            grade = rng.choices(list(GRADE_WEIGHTS), weights=list(GRADE_WEIGHTS.values()))[0]
            item = _library_only(rng, units, grade)
            text = compose_jd(rng, item.area, item.title, grade, scope=scope_of(item.unit))
            sections = sections_of(text)
            draft = services.create_job_description(
                actor=actor, org_unit=item.unit, job_family=families[item.area.family],
                staff_category=item.area.category, area=item.area.label, grade=grades[grade], **sections,
            )
            jds.append(draft.jd)
            if index == 0:
                submitted.append(services.submit_version(actor=actor, version=draft))
            else:
                drafts.append(draft)

    return DemoJDResult(families=families, job_descriptions=jds, agreed=agreed, superseded=superseded,
                        multi_version=multi, drafts=drafts,
                        submitted=submitted, posts_assigned=assigned, posts_without_jd=unassigned, edits=edits)
