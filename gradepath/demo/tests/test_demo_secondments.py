"""The demo's secondments (gradepath.demo.secondments): opportunities and applications at every stage, one
returned and one extended, made through the services; the ``host`` login finds its work."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import transaction
from django.db.models import F

from gradepath.demo import builder
from gradepath.demo import secondments as demo_secondments
from gradepath.grades.models import PayRecord
from gradepath.people.models import Person
from gradepath.secondments import services, workflow
from gradepath.secondments.models import Opportunity, Secondment
from gradepath.workflow.testing import check_history

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo university with the secondment step only (the other processes' steps have their own tests),
    built once for the module inside a transaction rolled back at the end."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with mock.patch.object(builder, "DEMO_STEPS", [("secondments", demo_secondments.build)]):
                yield builder.build_demo_university()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def test_the_demo_has_secondments_at_every_stage_one_returned_and_one_extended(demo):
    states = set(Secondment.objects.values_list("state", flat=True))
    assert states == set(workflow.STATES), set(workflow.STATES) - states
    assert Secondment.objects.filter(state="placed", original_end_date__lt=F("end_date")).exists()  # extended
    assert set(Opportunity.objects.values_list("status", flat=True)) == {"open", "closed", "filled", "withdrawn"}
    assert demo.counts["secondments and applications"] == Secondment.objects.count()
    for s in Secondment.objects.all():
        check_history(workflow.SECONDMENTS, s)


def test_the_returned_demo_secondment_restored_the_substantive_pay(demo):
    s = Secondment.objects.get(state="returned")
    if s.secondment_pay_id:
        back = PayRecord.objects.filter(person=s.applicant, effective_from=s.returned_on).get()
        assert (back.grade.number, back.spine_point) == (s.home_pay.grade.number, s.home_pay.spine_point)
    assert s.appointment.end_date == s.end_date


def test_the_host_and_manager_logins_find_their_secondment_work(demo):
    host = Person.objects.get(user__username="host")
    waiting = {a.move.action for s in Secondment.objects.filter(host_manager=host)
               for a in services.available_actions(s, host.user)}
    assert {"select", "confirm_placement", "request_extension", "confirm_end"} <= waiting
    manager = Person.objects.get(user__username="manager")
    staff = Secondment.objects.get(applicant__user__username="staff")
    assert staff.state == "selected" and staff.home_manager == manager
    assert {a.move.action for a in services.available_actions(staff, manager.user)} == {"release", "refuse_release"}
