"""`gradepath generate`'s progression step on a small university: accelerated increment and contribution point
requests in states the progression table allows, on both routes, with the tasks the engine makes, events that
agree with the states, the pay records validation writes, review fields from the appraisal step's records,
nothing dated after the generation's now, and the same output for the same seed."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.db import transaction
from django.utils import timezone

from gradepath.appraisal.models import Appraisal
from gradepath.core.models import ReferenceCounter
from gradepath.demo.generate import checks, generate
from gradepath.demo.generate import progression as step
from gradepath.grades.models import PayRecord
from gradepath.progression import spine
from gradepath.progression.models import LocalRound, ProgressionEvent, ProgressionRequest
from gradepath.progression.workflow import PROCESS_MAP, STATES
from gradepath.workflow.models import Task

pytestmark = pytest.mark.usefixtures("db")

SIZE = 400
SEED = 13
TODAY = timezone.localdate()


def _snapshot() -> dict[str, list]:
    return {
        "requests": list(ProgressionRequest.objects.order_by("reference").values_list(
            "reference", "route", "state", "step", "subject__employee_number", "initiator__employee_number",
            "current_point", "new_point", "kind", "review_date", "review_warning", "effective_date",
            "cost_to_year_end", "local_round__name", "created_at")),
        "events": list(ProgressionEvent.objects.order_by("request__reference", "step").values_list(
            "request__reference", "step", "action", "actor__employee_number", "to_state", "created_at")),
        "tasks": list(Task.objects.filter(process="progression").order_by("reference", "step", "role").values_list(
            "reference", "assignee__employee_number", "role", "due_date", "completed_at")),
        "pay": list(PayRecord.objects.filter(reason__in=("accelerated_increment", "contribution_point")).order_by(
            "person__employee_number", "effective_from").values_list(
            "person__employee_number", "grade__number", "spine_point", "effective_from", "note")),
        "rounds": list(LocalRound.objects.order_by("faculty__code", "name").values_list(
            "faculty__code", "name", "deadline", "budget")),
    }


@pytest.fixture(scope="module")
def generated(django_db_setup, django_db_blocker):
    """A small university generated twice with the same seed (the first rolled back)."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with transaction.atomic():
                generate(people=SIZE, seed=SEED, today=TODAY, index="none")
                first = _snapshot()
                transaction.set_rollback(True)
            summary = generate(people=SIZE, seed=SEED, today=TODAY, index="none")
            yield {"summary": summary, "first": first, "second": _snapshot()}
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def test_the_same_seed_gives_the_same_requests(generated):
    assert generated["first"] == generated["second"]
    assert generated["second"]["requests"]


def test_the_step_reports_what_it_made(generated):
    report = next(s for s in generated["summary"].steps if s.name == "progression")
    assert report.counts["accelerated increment requests"] == ProgressionRequest.objects.count()
    assert report.counts["completed"] == ProgressionRequest.objects.filter(state="completed").count() > 0
    assert report.counts["pay records"] == report.counts["completed"]
    assert report.counts["history entries"] > 0


def test_every_request_is_in_a_state_of_its_route_on_both_routes(generated):
    states = Counter(ProgressionRequest.objects.values_list("route", "state"))
    for (route, state), _ in states.items():
        assert state in STATES and (state in PROCESS_MAP[route] or state in ("returned", "declined", "withdrawn"))
    assert {route for route, _ in states} == {"hod", "direct"}
    assert {state for _, state in states} >= {"completed", "declined", "decision"}
    assert any(state not in ("completed", "declined", "withdrawn") for _, state in states)


def test_events_tasks_messages_and_pay_agree_with_the_states_as_the_services_leave_them(generated):
    assert step.problems(sample=None) == []
    assert checks.history_chain() == []
    assert checks.posts_and_pay() == []


def test_each_open_request_has_a_task_for_whoever_must_act(generated):
    expected = {"fm_comments": {"fm_hps"}, "dean_intake": {"decider"}, "decision": {"decider"},
                "returned": {"applicant"}, "hr_validation": {"hr_services"}}
    for request in ProgressionRequest.objects.exclude(state__in=("completed", "declined", "withdrawn")):
        roles = set(Task.objects.filter(process="progression", object_id=request.pk, completed_at__isnull=True)
                    .values_list("role", flat=True))
        if request.state == "comments":
            given = set(ProgressionEvent.objects.filter(request=request, action="give_comments")
                        .values_list("data__role", flat=True))
            assert roles == {"head", "fm_hps"} - given and roles, (request.reference, roles, given)
        else:
            assert roles == expected[request.state], (request.reference, request.state, roles)


def test_awards_keep_to_the_policy_and_validation_wrote_the_pay_from_the_first_of_the_next_month(generated):
    for request in ProgressionRequest.objects.select_related("grade", "pay_record"):
        assert request.grade.number <= spine.HIGHEST_GRADE and request.new_point <= request.grade.top_point
        assert request.kind == ("contribution_point" if request.new_point > request.grade.top_automatic_point
                                else "accelerated_increment")
        assert (request.points == 2) == bool(request.exceptional_reason)
        if request.state == "completed":
            assert request.effective_date == spine.first_of_next_month(request.approved_on)
            assert request.pay_record.effective_from == request.effective_date
            assert request.pay_record.reason == request.kind
    open_per_person = Counter(ProgressionRequest.objects.exclude(state__in=("completed", "declined", "withdrawn"))
                              .values_list("subject_id", flat=True))
    assert max(open_per_person.values(), default=1) == 1


def test_the_review_is_the_latest_appraisal_within_six_months_or_the_warning(generated):
    assert Appraisal.objects.filter(state="completed").exists()
    reviewed = warned = 0
    for request in ProgressionRequest.objects.select_related("subject"):
        made = timezone.localdate(request.created_at)
        latest = (Appraisal.objects.filter(subject=request.subject, state="completed", completed_on__lte=made)
                  .order_by("-completed_on", "-id").first())
        within = latest is not None and latest.completed_on >= spine.add_months(made, -6)
        if within:
            reviewed += 1
            assert (request.review_kind, request.review_date, request.review_reference) == (
                "appraisal", latest.completed_on, latest.reference)
            assert request.review_link == f"/appraisals/{latest.pk}/" and not request.review_warning
        elif request.review_kind == "probation":
            assert request.review_date == request.subject.probation_end
        else:
            warned += 1
            assert request.review_date is None and "No probation or appraisal review" in request.review_warning
    assert reviewed and warned


def test_rounds_hold_requests_of_their_faculty_made_by_the_deadline(generated):
    assert LocalRound.objects.exists()
    for request in ProgressionRequest.objects.exclude(local_round=None).select_related("local_round", "org_unit"):
        assert request.local_round.faculty_id == request.org_unit.ancestor_ids[0]
        assert timezone.localdate(request.created_at) <= request.local_round.deadline


def test_the_dean_login_has_requests_waiting_for_their_decision(generated):
    assert Task.objects.filter(process="progression", completed_at__isnull=True, role="decider",
                               assignee__user__username="dean").exists()


def test_nothing_is_dated_after_the_generations_now_and_the_counters_end_at_the_last_reference(generated):
    now = timezone.make_aware(dt.datetime.combine(TODAY, dt.time(23, 59)))
    assert not ProgressionRequest.objects.filter(updated_at__gt=now).exists()
    assert not ProgressionEvent.objects.filter(created_at__gt=now).exists()
    assert not Task.objects.filter(process="progression", created_at__gt=now).exists()
    assert not LocalRound.objects.filter(created_at__gt=now).exists()
    for counter in ReferenceCounter.objects.filter(series="progression-request"):
        last = ProgressionRequest.objects.filter(reference__startswith=f"AIP-{counter.year}-").order_by(
            "-reference").first()
        assert last is not None and last.reference == f"AIP-{counter.year}-{counter.last_number:04d}"


def test_the_bench_pages_open_the_requests_and_round_their_personas_work_on(generated):
    from gradepath.bench.pages import plan_pages

    keys = ["progression", "progression-dean", "progression-hod", "progression-request", "progression-request-hr",
            "progression-rounds", "progression-round", "api-progression", "api-progression-dean",
            "api-progression-round"]
    pages, skipped = plan_pages(only=keys)
    assert skipped == [] and [p.key for p in pages] == keys
    found = {p.key: int(p.url.split("/")[2]) for p in pages if p.key.startswith("progression-request")}
    assert Task.objects.filter(process="progression", object_id=found["progression-request"], completed_at__isnull=True,
                               assignee__user__username="dean").exists()
    if ProgressionRequest.objects.filter(state="hr_validation").exists():
        assert Task.objects.filter(process="progression", object_id=found["progression-request-hr"],
                                   completed_at__isnull=True, team="HR Services").exists()
