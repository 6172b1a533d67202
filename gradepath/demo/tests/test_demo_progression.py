"""The demo's accelerated increments (gradepath.demo.progression): requests on both routes in every state,
made through the services, one local round with a budget, and the ``dean`` login finding them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from gradepath.demo import appraisal as demo_appraisal
from gradepath.demo import builder
from gradepath.demo import progression as demo_progression
from gradepath.demo.builder import build_demo_university
from gradepath.grades.models import PayRecord
from gradepath.people.models import Person
from gradepath.progression import services, workflow
from gradepath.progression.models import LocalRound, ProgressionRequest

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 20)


@pytest.fixture(scope="module")
def demo_university(django_db_setup, django_db_blocker):
    # The appraisal step (the reviews requests rest on) and this one; the other steps have tests of their own.
    with django_db_blocker.unblock(), pytest.MonkeyPatch.context() as patch:
        patch.setattr(builder, "DEMO_STEPS", [("appraisal", demo_appraisal.build),
                                              ("progression", demo_progression.build)])
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield build_demo_university(staff=200, today=TODAY, jds=60, cases=12)
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def test_the_demo_has_requests_on_both_routes_in_every_state_and_a_round(demo_university):
    states = set(ProgressionRequest.objects.values_list("route", "state"))
    for route in workflow.PROCESS_MAP:
        assert {s for r, s in states if r == route} >= set(workflow.PROGRESSION.variant_states(route)) - (
            {"returned", "withdrawn"} if route == "direct" else set()), route
    found = LocalRound.objects.get()
    assert found.budget > 0 and found.requests.exists()
    assert demo_university.counts["accelerated increment requests"] == ProgressionRequest.objects.count() >= 15
    # Each rests on a review within the last 6 months or carries the warning: never a silent pass.
    for obj in ProgressionRequest.objects.all():
        assert bool(obj.review_date) != bool(obj.review_warning), obj.reference
    # Both show: the requests made in the early summer rest on that spring's appraisal; the recent ones warn.
    assert ProgressionRequest.objects.filter(review_kind="appraisal", state__in=("declined", "withdrawn")).exists()
    assert ProgressionRequest.objects.exclude(review_warning="").exists()


def test_completed_demo_requests_wrote_the_pay_from_the_first_of_the_month_after_approval(demo_university):
    for obj in ProgressionRequest.objects.filter(state="completed"):
        assert obj.pay_record.effective_from == obj.effective_date
        assert obj.effective_date.day == 1 and obj.effective_date > obj.approved_on
        assert obj.pay_record.reason in (PayRecord.Reason.ACCELERATED_INCREMENT, PayRecord.Reason.CONTRIBUTION_POINT)
        assert obj.events.count() == obj.step


def test_the_dean_login_has_decisions_waiting_and_sees_the_rounds_panel(demo_university, client):
    dean = Person.objects.get(user__username="dean")
    waiting = [r for r in services.visible_requests(dean.user)
               if any(a.move.action in ("approve", "ask_for_comments")
                      for a in services.available_actions(r, dean.user))]
    assert len(waiting) >= 2
    client.force_login(dean.user)
    assert client.get("/progression/").status_code == 200
    assert client.get(f"/progression/rounds/{LocalRound.objects.get().pk}/").status_code == 200
