"""factory_boy factories for tests (records built directly, as fixtures; behaviour goes through services)."""

from __future__ import annotations

import datetime as dt

import factory

from gradepath.grades.models import Grade, GradeStructure, PayRecord, SpinePoint, SpineSalary
from gradepath.people.models import Appointment, OrgUnit, Person, Post, UnitRoleAssignment, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("correct-horse-battery")


class OrgUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrgUnit
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"U{n:04d}")
    name = factory.Sequence(lambda n: f"Unit {n}")
    kind = OrgUnit.Kind.FACULTY

    @factory.post_generation
    def set_path(obj, create, extracted, **kwargs):
        if create:
            obj.path = f"{obj.parent.path if obj.parent else '/'}{obj.pk}/"
            obj.save(update_fields=["path"])

    # ``OrgUnitFactory(fm_hps=person, head=…, hrbp=…, dean=…)`` names holders, as the unit's columns did:
    # an open-ended assignment from ROLES_HELD_FROM, so any date a test asks about finds them.
    fm_hps = factory.PostGeneration(lambda obj, create, person, **kw: _hold(obj, create, "fm_hps", person))
    head = factory.PostGeneration(lambda obj, create, person, **kw: _hold(obj, create, "head", person))
    hrbp = factory.PostGeneration(lambda obj, create, person, **kw: _hold(obj, create, "hrbp", person))
    dean = factory.PostGeneration(lambda obj, create, person, **kw: _hold(obj, create, "dean", person))
    vice_provost_operations = factory.PostGeneration(
        lambda obj, create, person, **kw: _hold(obj, create, "vice_provost_operations", person))
    tc_lead = factory.PostGeneration(lambda obj, create, person, **kw: _hold(obj, create, "tc_lead", person))
    cop_coordinator = factory.PostGeneration(
        lambda obj, create, person, **kw: _hold(obj, create, "cop_coordinator", person))
    event_organiser = factory.PostGeneration(
        lambda obj, create, person, **kw: _hold(obj, create, "event_organiser", person))


ROLES_HELD_FROM = dt.date(2000, 1, 1)


def _hold(unit: OrgUnit, create: bool, role: str, person: Person | None) -> None:
    if create and person is not None:
        UnitRoleAssignment.objects.create(unit=unit, role=role, person=person, start_date=ROLES_HELD_FROM)


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    employee_number = factory.Sequence(lambda n: f"E{n:06d}")
    first_name = factory.Sequence(lambda n: f"Alex{n}")
    last_name = factory.Sequence(lambda n: f"Taylor{n}")
    work_email = factory.LazyAttribute(lambda o: f"{o.employee_number.lower()}@example.ac.uk")
    staff_category = Person.StaffCategory.PROFESSIONAL_SERVICES


class PostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Post

    post_number = factory.Sequence(lambda n: f"P{n:06d}")
    org_unit = factory.SubFactory(OrgUnitFactory)
    title = "Administrator"


class AppointmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Appointment

    person = factory.SubFactory(PersonFactory)
    post = factory.SubFactory(PostFactory)
    kind = Appointment.Kind.SUBSTANTIVE
    start_date = dt.date(2020, 9, 1)


def make_grade_structure(effective_from: dt.date = dt.date(2020, 8, 1)) -> GradeStructure:
    """A 10-grade structure over 53 spine points, shaped like UCL's (see grades.structure)."""
    from gradepath.grades.structure import build_default_structure

    return build_default_structure(effective_from=effective_from, pay_years=[2023, 2024, 2025, 2026])


class PayRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PayRecord

    person = factory.SubFactory(PersonFactory)
    effective_from = dt.date(2020, 9, 1)
    reason = PayRecord.Reason.APPOINTMENT


__all__ = [
    "AppointmentFactory", "Grade", "OrgUnitFactory", "PayRecordFactory", "PersonFactory", "PostFactory",
    "SpinePoint", "SpineSalary", "UserFactory", "make_grade_structure",
]


# --- Job descriptions -------------------------------------------------------------------------
from gradepath.jobs.models import JDVersion, JobDescription, JobFamily  # noqa: E402


class JobFamilyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JobFamily
        django_get_or_create = ("code",)

    code = "TECH"
    name = "Technical and experimental"


class JobDescriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JobDescription

    reference = factory.Sequence(lambda n: f"JD-{n:06d}")
    org_unit = factory.SubFactory(OrgUnitFactory)
    job_family = factory.SubFactory(JobFamilyFactory)
    area = "Laboratory operations"
    staff_category = "technical"


class JDVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JDVersion

    jd = factory.SubFactory(JobDescriptionFactory)
    number = factory.Sequence(lambda n: n + 1)
    job_title = "Research Technician"
    job_family = factory.SelfAttribute("jd.job_family")
    purpose = "To provide technical support to the research groups of the department."
    duties = factory.LazyFunction(lambda: [
        "Prepare reagents, media and solutions to standard protocols.",
        "Maintain laboratory equipment and keep its records.",
        "Order and receive stock, keeping inventories up to date.",
    ])
    person_spec = factory.LazyFunction(lambda: [
        {"text": "Experience of working in a laboratory.", "kind": "essential", "assessed": "application"},
        {"text": "A qualification in a science subject.", "kind": "desirable", "assessed": "application"},
    ])
