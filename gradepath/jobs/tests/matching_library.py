"""A small agreed JD library for the matching and fairness tests (built through the services)."""

from __future__ import annotations

from gradepath.grades.models import Grade
from gradepath.jobs import services
from gradepath.jobs.models import AgreedJD, JDVersion
from gradepath.testing.factories import JobFamilyFactory

LIBRARY = {
    "technician": dict(
        job_title="Research Technician", grade=5,
        purpose="To provide technical support to the cell biology research groups of the division.",
        duties=["Prepare reagents, culture media and buffer solutions to standard protocols.",
                "Maintain tissue culture facilities, incubators and biological safety cabinets.",
                "Run PCR and qPCR assays and record the results in the laboratory information system.",
                "Order laboratory consumables and keep stock records up to date.",
                "Keep COSHH and risk assessment records for the laboratory."]),
    "finance": dict(
        job_title="Finance Officer", grade=5,
        purpose="To process the faculty's purchase orders, invoices and expense claims accurately.",
        duties=["Raise purchase orders and match supplier invoices in the finance system.",
                "Check expense claims against the university's financial regulations.",
                "Reconcile the departmental budget statements at each month end.",
                "Answer budget holders' queries about payments and credit control."]),
    "hr": dict(
        job_title="HR Adviser", grade=6,
        purpose="To advise managers on employee relations casework and HR policies.",
        duties=["Advise line managers on sickness absence, disciplinary and grievance cases.",
                "Draft contracts of employment and carry out right to work checks.",
                "Support restructuring consultations with trade unions.",
                "Produce workforce reports from the HR system."]),
    "it": dict(
        job_title="IT Service Desk Analyst", grade=4,
        purpose="To resolve staff and student IT incidents and service requests at the service desk.",
        duties=["Log, prioritise and resolve incidents in the service management tool.",
                "Reset passwords and manage user accounts in Active Directory.",
                "Build and deploy laptops and desktops for new starters.",
                "Escalate network faults to the infrastructure team."]),
    "estates": dict(
        job_title="Building Maintenance Supervisor", grade=6,
        purpose="To supervise planned and reactive maintenance of the faculty's buildings.",
        duties=["Supervise maintenance operatives and contractors on site.",
                "Plan preventive maintenance of mechanical and electrical plant.",
                "Issue permits to work and check contractors' risk assessments and method statements.",
                "Arrange fire alarm testing and legionella monitoring."]),
}


def draft_jd(personas, *, job_title, purpose, duties, family_code="TECH", **extra) -> JDVersion:
    family = JobFamilyFactory(code=family_code, name=f"Family {family_code}")
    return services.create_job_description(
        actor=personas.line_manager.user, org_unit=personas.department, job_family=family,
        staff_category="technical", job_title=job_title, purpose=purpose, duties=duties, **extra)


def agree(personas, *, grade: int, **sections) -> AgreedJD:
    """A JD taken through draft → submitted → agreed, logged in the library at ``grade``."""
    version = draft_jd(personas, **sections)
    services.submit_version(actor=personas.line_manager.user, version=version)
    return services.log_agreed_jd(actor=personas.hrbp.user, version=version, grade=Grade.objects.get(number=grade))


def build_library(personas) -> dict[str, AgreedJD]:
    return {key: agree(personas, **spec) for key, spec in LIBRARY.items()}
