import datetime as dt

import pytest
from django.utils import timezone

from gradepath.appraisal import services
from gradepath.appraisal.models import Appraisal
from gradepath.appraisal.policy import season
from gradepath.appraisal.workflow import APPRAISAL
from gradepath.grades.models import Grade
from gradepath.jobs import services as jd_services
from gradepath.people.services import update_post
from gradepath.testing.factories import JobFamilyFactory, PersonFactory, UserFactory
from gradepath.workflow import engine

DUTIES = ["Prepare reagents and solutions.", "Maintain laboratory equipment.", "Order stock."]


def make_person(username: str, first: str, last: str, **kwargs):
    user = UserFactory(username=username, first_name=first, last_name=last)
    return PersonFactory(user=user, first_name=first, last_name=last, work_email=f"{username}@example.ac.uk",
                         **kwargs)


@pytest.fixture
def appraisal_people(personas):
    """The personas with an agreed JD on the staff member's post, a small agreed library (for the
    matching) and an appraiser who is not the line manager (Abe Appraiser)."""
    family = JobFamilyFactory()
    version = jd_services.create_job_description(
        actor=None, org_unit=personas.department, job_family=family, staff_category="technical",
        job_title="Research Technician", area="Laboratory operations",
        purpose="To provide technical support to the research groups of the division.", duties=list(DUTIES))
    jd_services.submit_version(actor=None, version=version)
    personas.agreed = jd_services.log_agreed_jd(actor=None, version=version, grade=Grade.objects.get(number=5))
    senior = jd_services.create_job_description(
        actor=None, org_unit=personas.department, job_family=family, staff_category="technical",
        job_title="Senior Research Technician", area="Laboratory operations",
        purpose="To lead technical support for the research groups and supervise technicians.",
        duties=["Supervise two technicians.", "Manage the equipment budget.", "Train research students."])
    jd_services.submit_version(actor=None, version=senior)
    personas.senior_agreed = jd_services.log_agreed_jd(actor=None, version=senior, grade=Grade.objects.get(number=6))
    update_post(actor=None, post=personas.staff_post, changes={"jd_version": version})
    personas.abe = make_person("abe.appraiser", "Abe", "Appraiser")
    return personas


def make_appraisal(p, state: str = "pre_review", *, appraiser=None, year: int | None = None, subject=None) -> Appraisal:
    """An appraisal put straight into ``state`` for test set-up (no events), with the fields an appraisal
    in that state would have, and its tasks."""
    year = year or timezone.localdate().year
    subject = subject or p.staff_member
    post = p.staff_post
    post.refresh_from_db()
    held = state in ("sign_off", "completed")
    appraisal = Appraisal.objects.create(
        reference=f"AP-T-{Appraisal.objects.count() + 1:05d}", state=state, subject=subject,
        appraiser=appraiser or p.line_manager, started_by=p.line_manager, org_unit=post.org_unit, year=year,
        due_on=season(year)[1], jd_version=post.jd_version,
        pre_review="My year." if state != "pre_review" else "",
        summary="A good year." if held else "", objectives="Three objectives." if held else "",
        completed_on=min(timezone.localdate(), dt.date(year, 3, 1)) if held else None)
    if state not in APPRAISAL.closed_states:
        engine.refresh_tasks(APPRAISAL, appraisal)
    return appraisal


def act(appraisal, person, action, **data):
    return services.perform_action(actor=person.user, appraisal=appraisal, action=action, step=appraisal.step,
                                   data=data)
