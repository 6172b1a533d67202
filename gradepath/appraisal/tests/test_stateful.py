"""A Hypothesis state machine drives random moves by random personas on a few appraisals, sometimes with
stale steps, interleaved with JD review changes and regrading flags, and checks after every rule that the
histories obey the table (workflow.testing.check_history): the state only changes along table moves,
step = number of events with none skipped or shared, nobody acts on their own appraisal except as its
staff member; and that each sign-off was recorded by its own role, and a flagged appraisal names a
grading case that exists."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.db import IntegrityError, transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from gradepath.appraisal import services, workflow
from gradepath.appraisal.models import Appraisal
from gradepath.appraisal.tests.conftest import make_appraisal, make_person
from gradepath.core.errors import PermissionDenied, ServiceError
from gradepath.workflow.testing import check_history

# Grading's cases through the app registry: processes never import one another, not even in their tests.
GradingCase = apps.get_model("grading", "GradingCase")
pytestmark = pytest.mark.django_db

PERSONAS = ("staff_member", "line_manager", "abe", "fm_hps", "hrbp", "hr_services", "outsider", "rory")
ACTIONS = tuple(m.action for m in workflow.MOVES)


def valid_data(action: str) -> dict:
    today = timezone.localdate()
    return {
        "submit_pre_review": {"pre_review": "My year."},
        "record_meeting": {"summary": "Good.", "objectives": "Three.", "completed_on": today.isoformat()},
        "return_for_changes": {"reason": "Not what we agreed."},
        "cancel": {"reason": "Left the university."},
    }.get(action, {})


def build_machine(p):
    class AppraisalMachine(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self._atomic = transaction.atomic()
            self._atomic.__enter__()
            year = timezone.localdate().year
            self.appraisals = [make_appraisal(p, "pre_review"),
                               make_appraisal(p, "pre_review", year=year - 1, appraiser=p.abe),
                               make_appraisal(p, "pre_review", subject=p.rory)]

        def teardown(self):
            transaction.set_rollback(True)
            self._atomic.__exit__(None, None, None)

        def _perform(self, appraisal, person, action, *, stale: bool):
            appraisal = Appraisal.objects.get(pk=appraisal.pk)
            step = appraisal.step - 1 if stale else appraisal.step
            try:
                services.perform_action(actor=person.user, appraisal=appraisal, action=action, step=step,
                                        data=valid_data(action))
            except (PermissionDenied, ServiceError):
                return
            except IntegrityError as exc:
                raise AssertionError(f"{action} at step {step} reached the database: {exc}") from exc
            assert not stale, f"a stale step was accepted for {action}"

        @rule(data=st.data(), stale=st.sampled_from([False, False, False, True]))
        def take_an_offered_move(self, data, stale):
            appraisal = Appraisal.objects.get(pk=data.draw(st.sampled_from(self.appraisals)).pk)
            offers = [(name, a.move.action) for name in PERSONAS
                      for a in services.available_actions(appraisal, getattr(p, name).user) if a.move.style != "danger"]
            if offers:
                name, action = data.draw(st.sampled_from(offers))
                self._perform(appraisal, getattr(p, name), action, stale=stale and appraisal.step > 0)

        @rule(data=st.data(), stale=st.booleans())
        def try_any_move(self, data, stale):
            appraisal = data.draw(st.sampled_from(self.appraisals))
            self._perform(appraisal, getattr(p, data.draw(st.sampled_from(PERSONAS))),
                          data.draw(st.sampled_from(ACTIONS)), stale=stale and appraisal.step > 0)

        @rule(data=st.data(), kind=st.sampled_from(["taken_on", "relinquished"]), days=st.integers(-400, 30),
              length=st.integers(-40, 40))
        def record_a_change(self, data, kind, days, length):
            appraisal = Appraisal.objects.get(pk=data.draw(st.sampled_from(self.appraisals)).pk)
            person = getattr(p, data.draw(st.sampled_from(PERSONAS)))
            start = timezone.localdate() + dt.timedelta(days=days)
            change = {"kind": kind, "evidence": "Evidence.", "from_date": start.isoformat(),
                      "to_date": (start + dt.timedelta(days=length)).isoformat()}
            change.update({"duty": f"New duty {days}."} if kind == "taken_on" else {"jd_duty": data.draw(st.integers(1, 5))})
            try:
                added = services.add_change(actor=person.user, appraisal=appraisal, data=change)
            except (PermissionDenied, ServiceError):
                return
            assert added.to_date is None or added.to_date >= added.from_date
            assert added.from_date <= timezone.localdate() and appraisal.state in workflow.REVIEW_STATES

        @rule(data=st.data(), route=st.sampled_from(["agreed", "direct"]))
        def flag_a_regrading_check(self, data, route):
            appraisal = Appraisal.objects.get(pk=data.draw(st.sampled_from(self.appraisals)).pk)
            person = getattr(p, data.draw(st.sampled_from(PERSONAS)))
            try:
                flagged = services.flag_regrading_check(actor=person.user, appraisal=appraisal, data={"route": route})
                assert flagged.regrading_reference
            except (PermissionDenied, ServiceError):
                return
            assert person.pk == appraisal.subject_id or route == "agreed"

        @invariant()
        def histories_follow_the_table(self):
            for appraisal in Appraisal.objects.filter(pk__in=[a.pk for a in self.appraisals]):
                check_history(workflow.APPRAISAL, appraisal)
                signers = {(e.actor_id, e.data.get("role")) for e in appraisal.events.filter(action="sign_off")}
                for actor, role in signers:
                    assert (actor == appraisal.subject_id) == (role == "staff_member"), "someone signed for the other"
                if appraisal.regrading_reference:
                    assert GradingCase.objects.filter(pk=appraisal.regrading_case_id,
                                                      reference=appraisal.regrading_reference).exists()

    return AppraisalMachine


@pytest.fixture
def machine_people(appraisal_people):
    p = appraisal_people
    p.rory = make_person("rory.webb", "Rory", "Webb", line_manager=p.line_manager)
    return p


def test_random_move_sequences_keep_the_appraisal_histories_sound(machine_people):
    run_state_machine_as_test(
        build_machine(machine_people),
        settings=settings(max_examples=25, stateful_step_count=30, deadline=None, database=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]),
    )
