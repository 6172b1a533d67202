"""`gradepath generate`'s secondments step on a small university: opportunities and applications in states the
secondments table allows, with the tasks the engine makes (the host's decision due before the end), events that
agree with the states, the secondment appointments and pay the placement and the return write, nothing dated
after the generation's now, and the same output for the same seed."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.db import transaction
from django.utils import timezone

from gradepath.core.models import ReferenceCounter
from gradepath.demo.generate import checks, generate
from gradepath.demo.generate import secondments as step
from gradepath.grades.models import PayRecord
from gradepath.notifications.models import Notification
from gradepath.people.models import Appointment, User
from gradepath.secondments.models import (
    CLOSED_STATES,
    Opportunity,
    RedeploymentEntry,
    Secondment,
    SecondmentEvent,
)
from gradepath.secondments.workflow import STATES
from gradepath.workflow.models import Task

pytestmark = pytest.mark.usefixtures("db")

SIZE = 400
SEED = 17
TODAY = timezone.localdate()
ON_SECONDMENT = ("placed", "extension_review", "ending")


def _snapshot() -> dict[str, list]:
    return {
        "opportunities": list(Opportunity.objects.order_by("reference").values_list(
            "reference", "status", "host_manager__employee_number", "post__post_number", "grade__number",
            "start_date", "end_date", "closing_date", "created_at")),
        "secondments": list(Secondment.objects.order_by("reference").values_list(
            "reference", "opportunity__reference", "state", "step", "applicant__employee_number",
            "home_manager__employee_number", "start_date", "end_date", "returned_on", "created_at")),
        "events": list(SecondmentEvent.objects.order_by("secondment__reference", "step").values_list(
            "secondment__reference", "step", "action", "actor__employee_number", "to_state", "created_at")),
        "tasks": list(Task.objects.filter(process="secondments").order_by("reference", "step", "role").values_list(
            "reference", "assignee__employee_number", "role", "due_date", "completed_at")),
        "pay": list(PayRecord.objects.filter(reason=PayRecord.Reason.SECONDMENT).order_by(
            "person__employee_number", "effective_from").values_list(
            "person__employee_number", "grade__number", "spine_point", "effective_from", "note")),
        "register": list(RedeploymentEntry.objects.order_by("person__employee_number").values_list(
            "person__employee_number", "since", "removed_at")),
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


def test_the_same_seed_gives_the_same_secondments(generated):
    assert generated["first"] == generated["second"]
    assert generated["second"]["secondments"]


def test_the_step_reports_what_it_made(generated):
    report = next(s for s in generated["summary"].steps if s.name == "secondments")
    assert report.counts["applications"] == Secondment.objects.count()
    assert report.counts["opportunities"] == Opportunity.objects.count()
    assert report.counts["applications returned"] == Secondment.objects.filter(state="returned").count() > 0
    assert report.counts["history entries"] > 0


def test_applications_are_in_the_tables_states_with_the_stages_that_wait_and_that_ended(generated):
    states = Counter(Secondment.objects.values_list("state", flat=True))
    assert set(states) <= set(STATES)
    for wanted in ("applied", "selected", "released", "placed", "ending", "extension_review", "returned",
                   "not_selected"):
        assert states[wanted] > 0, wanted
    statuses = set(Opportunity.objects.values_list("status", flat=True))
    assert {Opportunity.Status.FILLED, Opportunity.Status.CLOSED} <= statuses
    # An opportunity is filled exactly when one of its applications has been placed.
    placed = set(Secondment.objects.filter(state__in=(*ON_SECONDMENT, "returned")).values_list("opportunity", flat=True))
    assert placed == set(Opportunity.objects.filter(status=Opportunity.Status.FILLED).values_list("pk", flat=True))


def test_events_tasks_messages_and_pay_agree_with_the_states_as_the_services_leave_them(generated):
    assert step.problems(sample=None) == []
    assert checks.history_chain() == []
    assert checks.posts_and_pay() == []
    assert checks.reference_counters() == []


def test_each_open_application_has_one_task_for_whoever_must_act(generated):
    expected = {"applied": "host", "selected": "home_manager", "released": "host", "confirmed": "hr_services",
                "placed": "host", "extension_review": "hr_services", "ending": "hr_services"}
    for s in Secondment.objects.exclude(state__in=CLOSED_STATES):
        roles = list(Task.objects.filter(process="secondments", object_id=s.pk, completed_at__isnull=True)
                     .values_list("role", flat=True))
        assert roles == [expected[s.state]], (s.reference, s.state, roles)
    for s in Secondment.objects.filter(state__in=CLOSED_STATES):
        assert not Task.objects.filter(process="secondments", object_id=s.pk, completed_at__isnull=True).exists()
    # The host decides before the end; HR Services record the return by the last day.
    for s in Secondment.objects.filter(state__in=("placed", "ending")):
        task = Task.objects.get(process="secondments", object_id=s.pk, completed_at__isnull=True)
        assert task.due_date <= s.end_date + dt.timedelta(days=3), s.reference


def test_the_staff_logins_application_waits_for_the_manager_logins_release_and_the_host_login_has_work(generated):
    waiting = Task.objects.filter(process="secondments", completed_at__isnull=True, role="home_manager",
                                  assignee__user__username="manager", subject__user__username="staff")
    assert waiting.exists()
    assert Notification.objects.filter(key=f"secondments.task:{waiting.first().pk}").exists()
    # The host login's unit (Capital Projects) is in universities of a few thousand people and more.
    if User.objects.filter(username="host").exists():
        assert Task.objects.filter(process="secondments", completed_at__isnull=True, role="host",
                                   assignee__user__username="host").exists()


def test_placement_writes_the_appointment_and_pay_and_the_return_writes_the_pay_back(generated):
    for s in Secondment.objects.filter(state__in=(*ON_SECONDMENT, "returned")).select_related(
            "appointment", "substantive", "opportunity__grade", "home_pay__grade", "secondment_pay"):
        assert (s.appointment.kind, s.appointment.post_id, s.appointment.start_date, s.appointment.end_date) == (
            Appointment.Kind.SECONDMENT, s.opportunity.post_id, s.start_date, s.end_date)
        assert s.substantive.kind == Appointment.Kind.SUBSTANTIVE and s.substantive.person_id == s.applicant_id
        assert (s.secondment_pay is not None) == (s.opportunity.grade.number > s.home_pay.grade.number)
    returned_higher = Secondment.objects.filter(state="returned", secondment_pay__isnull=False)
    for s in returned_higher.select_related("home_pay__grade"):
        back = PayRecord.objects.as_of(s.returned_on).filter(person=s.applicant).select_related("grade").first()
        assert (back.effective_from, back.grade.number, back.spine_point) == (
            s.returned_on, s.home_pay.grade.number, s.home_pay.spine_point)
    # Every secondment appointment is some secondment's.
    assert not Appointment.objects.filter(kind="secondment").exclude(
        pk__in=Secondment.objects.exclude(appointment=None).values("appointment")).exists()


def test_nothing_is_dated_after_the_generations_now_and_the_counters_end_at_the_last_reference(generated):
    now = timezone.make_aware(dt.datetime.combine(TODAY, dt.time(23, 59)))
    assert not Secondment.objects.filter(updated_at__gt=now).exists()
    assert not Opportunity.objects.filter(created_at__gt=now).exists()
    assert not SecondmentEvent.objects.filter(created_at__gt=now).exists()
    assert not Task.objects.filter(process="secondments", created_at__gt=now).exists()
    assert not PayRecord.objects.filter(reason="secondment", recorded_at__gt=now).exists()
    for series, model, prefix in (("secondment", Secondment, "SE"), ("secondment-opportunity", Opportunity, "SO")):
        for counter in ReferenceCounter.objects.filter(series=series):
            last = model.objects.filter(reference__startswith=f"{prefix}-{counter.year}-").order_by("-reference").first()
            assert last is not None and last.reference == f"{prefix}-{counter.year}-{counter.last_number:04d}"
