"""The secondment personas: the shared persona university plus a host unit.

* Research and Innovation Services (PS division) → Research Office (department): Hana Host (``host``) is the
  Research Office Manager and line-manages Rory Report; the opportunity's post is a Project Officer at
  grade 6 (RO-0007), above Sam Patel's grade 5. Rhea Redeploy (``redeployee``) is on the redeployment
  register, in Estates.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from gradepath.grades.models import Grade, PayRecord
from gradepath.people.models import Appointment, OrgUnit
from gradepath.secondments import services
from gradepath.secondments.effects import ENDING
from gradepath.secondments.models import Opportunity, RedeploymentEntry, Secondment, add_months
from gradepath.secondments.workflow import SECONDMENTS
from gradepath.testing.factories import (
    AppointmentFactory,
    OrgUnitFactory,
    PersonFactory,
    PostFactory,
    UserFactory,
)
from gradepath.workflow import engine


def make_person(username: str, first: str, last: str, **kwargs):
    user = UserFactory(username=username, first_name=first, last_name=last)
    return PersonFactory(user=user, first_name=first, last_name=last, work_email=f"{username}@example.ac.uk", **kwargs)


@pytest.fixture
def sec(personas):
    p = personas
    grade4, grade6, grade7 = (Grade.objects.get(number=n) for n in (4, 6, 7))
    p.ris = OrgUnitFactory(code="RIS", name="Research and Innovation Services", kind=OrgUnit.Kind.PS_DIVISION)
    p.research_office = OrgUnitFactory(code="RIS-RO", name="Research Office", kind=OrgUnit.Kind.DEPARTMENT,
                                       parent=p.ris)
    p.host = make_person("hana.host", "Hana", "Host")
    p.host_post = PostFactory(post_number="RO-0001", org_unit=p.research_office, title="Research Office Manager",
                              grade=grade7)
    AppointmentFactory(person=p.host, post=p.host_post, start_date=dt.date(2017, 6, 1))
    p.report = make_person("rory.report", "Rory", "Report", line_manager=p.host)
    p.project_post = PostFactory(post_number="RO-0007", org_unit=p.research_office, title="Project Officer",
                                 grade=grade6)
    p.clerk_post = PostFactory(post_number="RO-0009", org_unit=p.research_office, title="Office Assistant",
                               grade=grade4)
    p.redeployee = make_person("rhea.redeploy", "Rhea", "Redeploy", line_manager=p.outsider)
    AppointmentFactory(person=p.redeployee, post=PostFactory(post_number="EST-0050", org_unit=p.estates,
                                                             title="Estates Administrator", grade=grade4),
                       start_date=dt.date(2019, 1, 7))
    RedeploymentEntry.objects.create(person=p.redeployee, note="Post at risk.")
    return p


def opportunity_data(p, *, post=None, start: dt.date | None = None, months: int = 9, closing: int = 20,
                     **extra) -> dict:
    start = start or timezone.localdate() + dt.timedelta(days=40)
    end = add_months(start, months) - dt.timedelta(days=1)
    data = {"post": (post or p.project_post).pk, "title": "Project Officer: research systems",
            "reason": "project", "description": "Lead the move of grant records to the new research system.",
            "fte": "1", "start_date": start.isoformat(), "end_date": end.isoformat(),
            "closing_date": (timezone.localdate() + dt.timedelta(days=closing)).isoformat()}
    data.update(extra)
    return data


def make_opportunity(p, *, open_to_all: bool = True, **kwargs) -> Opportunity:
    opportunity = services.post_opportunity(actor=p.host.user, data=opportunity_data(p, **kwargs))
    if open_to_all:  # the redeployment register's head start is over
        Opportunity.objects.filter(pk=opportunity.pk).update(register_until=timezone.localdate() - dt.timedelta(days=1))
        opportunity.refresh_from_db()
    return opportunity


def make_secondment(p, state: str = "applied", *, applicant=None, opportunity=None) -> Secondment:
    """An application put straight into ``state`` for test set-up (no events), with what a record in that
    state would hold; placed states have their appointment (and pay, the host grade being higher)."""
    applicant = applicant or p.staff_member
    opportunity = opportunity or make_opportunity(p)
    home = applicant.appointments.filter(kind="substantive").select_related("post__org_unit").first()
    start = opportunity.start_date
    placed = state in ("placed", "extension_review", "ending", "returned")
    s = Secondment.objects.create(
        reference=f"SE-T-{Secondment.objects.count() + 1:04d}", state=state, opportunity=opportunity,
        applicant=applicant, home_manager=applicant.line_manager, host_manager=opportunity.host_manager,
        home_unit=home.post.org_unit, host_unit=opportunity.host_unit, title=opportunity.title,
        statement="I have run two system migrations in the division.", evidence="Appraisal 2025.",
        start_date=start if state not in ("applied", "selected", "released") else None,
        end_date=opportunity.end_date if state not in ("applied", "selected", "released") else None,
        original_end_date=opportunity.end_date if state not in ("applied", "selected", "released") else None,
        development_plan="Project management training." if state not in ("applied", "selected", "released") else "",
        requested_end_date=opportunity.end_date + dt.timedelta(days=60) if state == "extension_review" else None,
        returned_on=opportunity.end_date + dt.timedelta(days=1) if state == "returned" else None,
    )
    if placed:
        s.substantive = home
        s.appointment = Appointment.objects.create(person=applicant, post=opportunity.post, kind="secondment",
                                                   start_date=s.start_date, end_date=s.end_date)
        s.home_pay = PayRecord.objects.filter(person=applicant).order_by("-effective_from").first()
        s.save()
        Opportunity.objects.filter(pk=opportunity.pk).update(status="filled")
    if state not in SECONDMENTS.closed_states:
        ENDING.set(s.end_date if state in ("placed", "ending") else None)  # as entering the state would
        engine.refresh_tasks(SECONDMENTS, s)
        ENDING.set(None)
    return s


def act(s, person, action, **data):
    return services.perform_action(actor=person.user, secondment=s, action=action, step=s.step, data=data)
