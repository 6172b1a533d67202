"""The demo's appraisals (gradepath/demo/appraisal.py): built through the services into the demo
university, in every state, with a regrading check that became a grading case, at dates that follow
their own timelines; last season's completed ones are the evidence accelerated increments look for."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from gradepath.appraisal import workflow
from gradepath.appraisal.models import Appraisal
from gradepath.demo import appraisal as demo_appraisal
from gradepath.demo import builder
from gradepath.demo.builder import build_demo_university
from gradepath.grading.models import GradingCase
from gradepath.jobs.redline import compare_versions
from gradepath.workflow.registry import get_starter
from gradepath.workflow.testing import check_history

TODAY = dt.date(2026, 6, 10)  # after the season: what is still open is overdue


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    # Only the appraisal step of the processes' demo (the other processes' steps have tests of their own).
    with django_db_blocker.unblock(), pytest.MonkeyPatch.context() as patch:
        patch.setattr(builder, "DEMO_STEPS", [("appraisal", demo_appraisal.build)])
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield build_demo_university(staff=200, today=TODAY, jds=60, cases=12)
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.mark.django_db
def test_the_demo_has_appraisals_in_every_state_built_through_the_engine(demo):
    assert demo.counts["appraisals"] == Appraisal.objects.count() > 30
    season = Appraisal.objects.filter(year=2026)
    assert set(season.values_list("state", flat=True)) == set(workflow.STATES)
    for appraisal in Appraisal.objects.all():
        check_history(workflow.APPRAISAL, appraisal)
        events = list(appraisal.events.order_by("step"))
        assert all(e.created_at.date() <= TODAY for e in events)
        assert [e.created_at for e in events] == sorted(e.created_at for e in events)
    assert Appraisal.objects.filter(year=2025, state="completed").count() >= 5
    assert any(a.is_overdue(TODAY) for a in season)
    assert season.filter(subject__user__username="staff", state="pre_review").exists()


@pytest.mark.django_db
def test_a_demo_appraisal_flagged_a_regrading_check_whose_redline_shows_its_review(demo):
    flagged = list(Appraisal.objects.exclude(regrading_reference="").order_by("pk"))
    assert {a.regrading_route for a in flagged} == {"agreed", "direct"}
    for appraisal in flagged:
        case = GradingCase.objects.get(pk=appraisal.regrading_case_id, reference=appraisal.regrading_reference)
        items = compare_versions(case.baseline_version, case.proposed_version).section("duties").items
        inserted = {i.new for i in items if i.kind == "inserted"}
        assert set(appraisal.changes.filter(kind="taken_on").values_list("duty", flat=True)) <= inserted
    evidence = get_starter("appraisal.latest_completed").start
    person = Appraisal.objects.filter(year=2025, state="completed").order_by("pk").first().subject
    assert evidence(person=person) is not None
