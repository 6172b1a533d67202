"""`gradepath generate`'s appraisal step on a small university: an appraisal for every member of staff and
season since go-live, in states the appraisal table allows, with the tasks the engine makes, events that
agree with the states, flags that name real grading cases, and the same output for the same seed."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from unittest import mock

import pytest
from django.db import transaction
from django.utils import timezone

import gradepath.demo.generate as generate_module
from gradepath.appraisal.models import Appraisal, AppraisalEvent, ResponsibilityChange
from gradepath.appraisal.policy import season
from gradepath.appraisal.workflow import OPEN_STATES, STATES
from gradepath.core.models import ReferenceCounter
from gradepath.demo.builder import GO_LIVE_DAYS
from gradepath.demo.generate import appraisal as appraisal_step
from gradepath.demo.generate import checks, generate, registered_steps
from gradepath.grading.models import GradingCase
from gradepath.notifications.models import Notification, OutboxEmail
from gradepath.people.models import Person
from gradepath.workflow.models import Task

pytestmark = pytest.mark.usefixtures("db")

SIZE = 400
STEPS = ("people", "jds", "grading", "appraisal")  # what the appraisals need (the other processes' steps have their tests)
SEED = 11
YEAR = timezone.localdate().year
IN_SEASON = dt.date(YEAR, 3, 16)  # a Monday-ish day in the middle of this year's season
AFTER_SEASON = dt.date(YEAR, 9, 21)


def _snapshot() -> dict[str, list]:
    return {
        "appraisals": list(Appraisal.objects.order_by("reference").values_list(
            "reference", "subject__employee_number", "appraiser__employee_number", "year", "state", "step",
            "completed_on", "regrading_reference", "jd_version__jd__reference")),
        "events": list(AppraisalEvent.objects.order_by("appraisal__reference", "step").values_list(
            "appraisal__reference", "step", "action", "actor__employee_number", "to_state", "created_at")),
        "tasks": list(Task.objects.filter(process="appraisal").order_by("reference", "step", "role").values_list(
            "reference", "assignee__employee_number", "role", "due_date", "completed_at")),
        "changes": list(ResponsibilityChange.objects.order_by("appraisal__reference", "kind", "duty").values_list(
            "appraisal__reference", "kind", "duty", "from_date", "to_date")),
    }


def _in_season() -> dict:
    """What this season looks like when generated in its middle (before the generation is rolled back)."""
    rows = Appraisal.objects.filter(year=YEAR)
    now = timezone.make_aware(dt.datetime.combine(IN_SEASON, dt.time(18, 0)))
    return {"total": rows.count(), "states": Counter(rows.values_list("state", flat=True)),
            "overdue": rows.filter(state__in=OPEN_STATES, due_on__lt=IN_SEASON).count(),
            "later": sum(q.count() for q in (Appraisal.objects.filter(updated_at__gt=now),
                                             AppraisalEvent.objects.filter(created_at__gt=now),
                                             Task.objects.filter(process="appraisal", created_at__gt=now),
                                             Appraisal.objects.filter(completed_on__gt=IN_SEASON))),
            "problems": checks.appraisals(sample=150)}


@pytest.fixture(scope="module")
def generated(django_db_setup, django_db_blocker):
    """A small university (the steps appraisals need) generated in the middle of this year's season (what it looks like kept, then rolled
    back), then twice after the season (the first rolled back). Every grading case that fits an appraisal
    is flagged by it (at this size a share of them could be none)."""
    needed = [s for s in registered_steps() if s.name in STEPS]
    with django_db_blocker.unblock(), mock.patch.object(appraisal_step, "FLAGGED", 1.0), \
            mock.patch.object(generate_module, "registered_steps", lambda: needed):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with transaction.atomic():
                generate(people=SIZE, seed=SEED, today=IN_SEASON, index="none")
                in_season = _in_season()
                transaction.set_rollback(True)
            with transaction.atomic():
                generate(people=SIZE, seed=SEED, today=AFTER_SEASON, index="none")
                first = _snapshot()
                transaction.set_rollback(True)
            summary = generate(people=SIZE, seed=SEED, today=AFTER_SEASON, index="none")
            yield {"summary": summary, "first": first, "second": _snapshot(), "in_season": in_season}
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def test_the_step_runs_after_grading_and_reports_what_it_made(generated):
    steps = [s.name for s in generated["summary"].steps]
    assert steps.index("appraisal") > steps.index("grading")
    counts = next(s.counts for s in generated["summary"].steps if s.name == "appraisal")
    assert counts["appraisals"] == Appraisal.objects.count() > SIZE
    assert counts["events"] == AppraisalEvent.objects.count()


def test_every_member_of_staff_has_an_appraisal_for_each_season_since_go_live(generated):
    go_live = AFTER_SEASON - dt.timedelta(days=GO_LIVE_DAYS)
    years = [y for y in range(go_live.year, YEAR + 1) if season(y)[0] >= go_live or y == YEAR]
    assert sorted(set(Appraisal.objects.values_list("year", flat=True))) == years
    for year in years:
        first = season(year)[0]
        expected = set(Person.objects.filter(
            line_manager__isnull=False, appointments__start_date__lt=first,
            line_manager__appointments__start_date__lt=first).values_list("pk", flat=True))
        have = set(Appraisal.objects.filter(year=year).values_list("subject_id", flat=True))
        assert have == expected, year
    managers = dict(Person.objects.values_list("pk", "line_manager_id"))
    assert all(managers[subject] == appraiser for subject, appraiser in Appraisal.objects.values_list(
        "subject_id", "appraiser_id"))


def test_past_seasons_are_completed_and_signed_off_by_both(generated):
    past = Appraisal.objects.filter(year__lt=YEAR)
    assert past.exists()
    assert not past.exclude(state="completed").exists()
    assert not past.filter(staff_signed_at__isnull=True).exists()
    assert not past.filter(appraiser_signed_at__isnull=True).exists()
    assert not past.filter(completed_on__isnull=True).exists()
    assert not past.filter(closed_at__isnull=True).exists()


def test_in_the_season_most_are_open_none_overdue_and_nothing_is_dated_after_now(generated):
    in_season = generated["in_season"]
    states = in_season["states"]
    assert set(states) <= set(STATES)
    assert sum(states[s] for s in OPEN_STATES) > in_season["total"] / 2
    assert {"pre_review", "meeting", "sign_off", "completed"} <= set(states)
    assert in_season["overdue"] == 0
    assert in_season["later"] == 0
    assert in_season["problems"] == []


def test_after_the_season_most_are_completed_and_the_ones_still_open_are_overdue(generated):
    season_rows = Appraisal.objects.filter(year=YEAR)
    assert set(season_rows.values_list("state", flat=True)) <= set(STATES)
    assert season_rows.filter(state="completed").count() > season_rows.count() / 2
    still_open = season_rows.filter(state__in=OPEN_STATES)
    assert still_open.exists()
    assert still_open.count() == still_open.filter(due_on__lt=AFTER_SEASON).count()
    now = timezone.make_aware(dt.datetime.combine(AFTER_SEASON, dt.time(18, 0)))
    assert not AppraisalEvent.objects.filter(created_at__gt=now).exists()
    assert not Appraisal.objects.filter(completed_on__gt=AFTER_SEASON).exists()


def test_each_open_appraisal_has_the_tasks_the_engine_makes_and_events_agree_with_states(generated):
    assert checks.appraisals(sample=None) == []
    open_ids = set(Appraisal.objects.filter(state__in=OPEN_STATES).values_list("pk", flat=True))
    with_tasks = set(Task.objects.filter(process="appraisal", completed_at__isnull=True)
                     .values_list("object_id", flat=True))
    assert open_ids == with_tasks


def test_the_demo_logins_have_their_appraisal_work_waiting(generated):
    staff = Person.objects.get(user__username="staff")
    assert Appraisal.objects.get(subject=staff, year=YEAR).state == "pre_review"
    manager = Person.objects.get(user__username="manager")
    waiting = Task.objects.filter(process="appraisal", assignee=manager, completed_at__isnull=True, state="meeting")
    assert waiting.count() >= 1
    assert Notification.objects.filter(recipient=manager, key__startswith="appraisal.task:").exists()


def test_e_mails_are_written_for_the_messages_of_this_season_only(generated):
    emails = OutboxEmail.objects.filter(subject__startswith="[Gradepath] AP-")
    counts = next(s.counts for s in generated["summary"].steps if s.name == "appraisal")
    assert counts["e-mails"] == emails.count() > 0
    season_began = timezone.make_aware(dt.datetime.combine(season(YEAR)[0], dt.time(0)))
    assert not emails.filter(created_at__lt=season_began).exists()
    assert AppraisalEvent.objects.filter(created_at__lt=season_began).exists()  # past seasons sent messages too


def test_jd_review_rows_are_recorded_by_the_staff_member_and_relinquish_only_duties_of_the_jd(generated):
    changes = ResponsibilityChange.objects.select_related("appraisal__jd_version")
    assert changes.filter(kind="taken_on").exists()
    for change in changes:
        assert change.recorded_by_id == change.appraisal.subject_id
        if change.kind == "relinquished":
            assert change.duty in change.appraisal.jd_version.duties


def test_a_flagged_regrading_check_names_a_grading_case_about_the_staff_member(generated):
    flagged = list(Appraisal.objects.exclude(regrading_reference=""))
    assert flagged, "the grading step's cases gave no appraisal anything to flag"
    for appraisal in flagged:
        case = GradingCase.objects.get(pk=appraisal.regrading_case_id)
        assert (case.reference, case.subject_id, case.route) == (
            appraisal.regrading_reference, appraisal.subject_id, appraisal.regrading_route)
        assert appraisal.regrading_link == f"/grading/{case.pk}/"
        assert appraisal.regrading_flagged_by_id == case.initiator_id
        assert appraisal.changes.exists()
        submitted = appraisal.events.get(action="submit_pre_review")
        assert submitted.created_at < case.created_at
    assert not Appraisal.objects.filter(regrading_reference="").exclude(regrading_case_id=None).exists()


def test_the_reference_counters_end_at_the_highest_reference_of_each_year(generated):
    for counter in ReferenceCounter.objects.filter(series="appraisal"):
        numbers = [int(r.rsplit("-", 1)[1]) for r in Appraisal.objects.filter(year=counter.year)
                   .values_list("reference", flat=True)]
        assert max(numbers) == counter.last_number


def test_the_same_seed_gives_the_same_appraisals(generated):
    assert generated["first"] == generated["second"]
