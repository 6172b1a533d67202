"""`gradepath generate`'s allowances step on a small university: acting up and honoraria in states the
allowances table allows, with the tasks the engine makes, events that agree with the states, the pay records
and acting-up appointments acting up writes, nothing dated after the generation's now, and the same output
for the same seed."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.db import transaction
from django.utils import timezone

from gradepath.allowances.models import Allowance, AllowanceEvent
from gradepath.allowances.workflow import PROCESS_MAP, STATES
from gradepath.core.models import ReferenceCounter
from gradepath.demo.generate import allowances as step
from gradepath.demo.generate import checks, generate
from gradepath.grades.models import PayRecord
from gradepath.notifications.models import Notification
from gradepath.people.models import Appointment
from gradepath.workflow.models import Task

pytestmark = pytest.mark.usefixtures("db")

SIZE = 400
SEED = 13
TODAY = timezone.localdate()


def _snapshot() -> dict[str, list]:
    return {
        "allowances": list(Allowance.objects.order_by("reference").values_list(
            "reference", "kind", "state", "step", "person__employee_number", "line_manager__employee_number",
            "post__post_number", "start_date", "end_date", "ended_on", "acting_point", "agreed_amount", "created_at")),
        "events": list(AllowanceEvent.objects.order_by("allowance__reference", "step").values_list(
            "allowance__reference", "step", "action", "actor__employee_number", "to_state", "created_at")),
        "tasks": list(Task.objects.filter(process="allowances").order_by("reference", "step", "role").values_list(
            "reference", "assignee__employee_number", "role", "due_date", "completed_at")),
        "pay": list(PayRecord.objects.filter(reason=PayRecord.Reason.ACTING_UP).order_by(
            "person__employee_number", "effective_from").values_list(
            "person__employee_number", "grade__number", "spine_point", "effective_from", "note")),
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


def test_the_same_seed_gives_the_same_allowances(generated):
    assert generated["first"] == generated["second"]
    assert generated["second"]["allowances"]


def test_the_step_reports_what_it_made(generated):
    report = next(s for s in generated["summary"].steps if s.name == "allowances")
    assert report.counts["allowances"] == Allowance.objects.count()
    assert report.counts["acting up ended"] == Allowance.objects.filter(kind="acting_up", state="ended").count() > 0
    assert report.counts["history entries"] > 0


def test_every_allowance_is_in_a_state_of_its_kind_with_both_kinds_in_every_state_that_waits(generated):
    states = Counter(Allowance.objects.values_list("kind", "state"))
    for (kind, state), _ in states.items():
        assert state in STATES and (state in PROCESS_MAP[kind] or state in ("declined", "withdrawn")), (kind, state)
    for wanted in [("acting_up", s) for s in ("fm_approval", "pay_confirmation", "acting", "ended")] + \
            [("honorarium", s) for s in ("hr_agreement", "manager_acceptance", "agreed")]:
        assert states[wanted] > 0, wanted
    payments = set(Allowance.objects.filter(kind="honorarium", state="agreed").values_list("payment", flat=True))
    assert payments == {"once", "monthly"}


def test_events_tasks_messages_and_pay_agree_with_the_states_as_the_services_leave_them(generated):
    assert step.problems(sample=None) == []
    assert checks.history_chain() == []
    assert checks.posts_and_pay() == []


def test_each_open_allowance_has_a_task_for_whoever_must_act(generated):
    expected = {"fm_approval": "fm_hps", "pay_confirmation": "hr_services", "acting": "hr_services",
                "hr_agreement": "hr_services", "manager_acceptance": "line_manager"}
    for allowance in Allowance.objects.exclude(state__in=("ended", "agreed", "declined", "withdrawn")):
        roles = list(Task.objects.filter(process="allowances", object_id=allowance.pk, completed_at__isnull=True)
                     .values_list("role", flat=True))
        assert roles == [expected[allowance.state]], (allowance.reference, allowance.state, roles)
    acting = Allowance.objects.filter(state="acting")
    assert all(t.due_date == a.end_date for a in acting
               for t in Task.objects.filter(process="allowances", object_id=a.pk, completed_at__isnull=True))


def test_the_line_manager_login_has_an_honorarium_amount_to_accept_and_is_told(generated):
    waiting = Task.objects.filter(process="allowances", completed_at__isnull=True, role="line_manager",
                                  assignee__user__username="manager")
    assert waiting.exists()
    assert Notification.objects.filter(key=f"allowances.task:{waiting.first().pk}").exists()


def test_acting_up_writes_the_pay_and_the_appointment_and_ending_it_writes_the_pay_back(generated):
    for allowance in Allowance.objects.filter(state="ended").select_related("restored_record", "appointment"):
        assert allowance.appointment.end_date == allowance.ended_on
        back = allowance.restored_record
        assert back.effective_from == allowance.ended_on + dt.timedelta(days=1)
        assert (back.grade_id, back.spine_point) == (allowance.substantive_grade_id, allowance.substantive_point)
        assert PayRecord.objects.as_of(back.effective_from).filter(person=allowance.person).first() == back
    running = Allowance.objects.filter(state="acting")
    assert Appointment.objects.filter(kind="acting_up", pk__in=running.values("appointment")).count() == running.count()
    # Every acting-up appointment is some allowance's.
    assert not Appointment.objects.filter(kind="acting_up").exclude(
        pk__in=Allowance.objects.exclude(appointment=None).values("appointment")).exists()


def test_nothing_is_dated_after_the_generations_now_and_the_counters_end_at_the_last_reference(generated):
    now = timezone.make_aware(dt.datetime.combine(TODAY, dt.time(23, 59)))
    assert not Allowance.objects.filter(updated_at__gt=now).exists()
    assert not AllowanceEvent.objects.filter(created_at__gt=now).exists()
    assert not Task.objects.filter(process="allowances", created_at__gt=now).exists()
    assert not PayRecord.objects.filter(reason="acting_up", recorded_at__gt=now).exists()
    for counter in ReferenceCounter.objects.filter(series="allowance"):
        last = Allowance.objects.filter(reference__startswith=f"AL-{counter.year}-").order_by("-reference").first()
        assert last is not None and last.reference == f"AL-{counter.year}-{counter.last_number:04d}"


def test_the_bench_pages_open_the_allowances_their_personas_work_on(generated):
    from gradepath.bench.pages import plan_pages

    keys = ["allowances", "allowances-manager", "allowance", "allowance-manager", "allowances-payroll",
            "api-allowances", "api-allowances-manager"]
    pages, skipped = plan_pages(only=keys)
    assert skipped == [] and [p.key for p in pages] == keys
    found = {p.key: int(p.url.split("/")[2]) for p in pages if p.key.startswith("allowance-") or p.key == "allowance"}
    assert Allowance.objects.get(pk=found["allowance"]).state == "acting"
    assert Task.objects.filter(process="allowances", object_id=found["allowance-manager"], completed_at__isnull=True,
                               assignee__user__username="manager").exists()
