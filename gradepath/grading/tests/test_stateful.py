"""A Hypothesis state machine drives random actions by random personas on a few cases, sometimes
with stale steps and with the delegation starting and ending around today, and checks after every
rule that the case histories obey the workflow table:

* the state only changes along table moves (from a source state, on one of the move's routes, to
  one of its targets), and each event starts where the previous one ended;
* case.step equals the number of events and no two events share a step (no skipped step);
* nobody acts on a case about themselves except as its staff member or initiator;
* every event by a delegate happened while their delegation was active;
* a stale step is never accepted.

Removing the ``case.step != step`` check from ``perform_action`` makes this test fail.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from gradepath.core.errors import PermissionDenied, ServiceError
from gradepath.grades.models import Grade, PayRecord
from gradepath.grading import services, workflow
from gradepath.grading.models import CaseEvent, GradingCase, Route
from gradepath.grading.tests.test_workflow_matrix import make_case, make_person
from gradepath.people.models import Delegation
from gradepath.testing.factories import AppointmentFactory, PostFactory
from gradepath.workflow.testing import check_history

pytestmark = pytest.mark.django_db

PERSONAS = ("staff_member", "line_manager", "fm_hps", "delegate", "hrbp", "hr_services", "hod", "outsider",
            "riley", "panel_a", "panel_b")
ACTIONS = tuple(m.action for m in workflow.MOVES)
DELEGATION_DATES = {  # (start, end) in days from today, and whether it is revoked
    "active": (-7, 30, False),
    "starts_today": (0, 5, False),
    "ends_today": (-5, 0, False),
    "starts_tomorrow": (1, 10, False),
    "ended_yesterday": (-10, -1, False),
    "revoked": (-7, 30, True),
}


def valid_data(case: GradingCase, action: str, p, draw) -> dict:
    """Data a careful user would give for ``action`` (the service may still refuse it)."""
    reason = {"reason": "Recorded in the state machine test."}
    if action in ("submit_for_approval", "submit_amended_jd", "submit_proposal"):
        return {"recommended_grade": 6, "matched_agreed": p.senior_agreed.pk}
    if action in ("submit_to_hrbp", "confirm_by_match"):
        return {"matched_agreed": p.senior_agreed.pk}
    if action == "record_evaluation":
        return {"scores": dict.fromkeys(services.HERA_ELEMENTS, 25)}  # 350: grade 6
    if action == "record_fairness":
        return {"fairness_issue": False, "assessment": "No other holders."}
    if action == "decide":
        outcomes = ["grade_confirmed"] if case.route == Route.NEW_JOB else ["higher_grade", "reallocation",
                                                                           "no_change"]
        return {"outcome": draw(st.sampled_from(outcomes)), "grade": 6}
    if action == "process":
        return {"pay_protection": True}
    if action == "convene_panel":
        return {"panel": [p.panel_a.pk, p.panel_b.pk]}
    if action == "uphold_appeal":
        return {**reason, "grade": 7}
    return reason


def build_machine(p):
    class GradingMachine(RuleBasedStateMachine):
        """Random personas acting on four cases: a new job, an Agreed Route case, a Direct Route case,
        and a Direct Route case about the FM/HPS's delegate."""

        def __init__(self):
            super().__init__()
            self._atomic = transaction.atomic()  # every example starts from the same database
            self._atomic.__enter__()
            self.cases = [
                make_case(p, Route.NEW_JOB, "draft", initiator=p.line_manager),
                make_case(p, Route.AGREED, "agreements", initiator=p.staff_member),
                make_case(p, Route.DIRECT, "discussion", initiator=p.riley, subject=p.riley, post=p.riley_post),
                make_case(p, Route.DIRECT, "discussion", initiator=p.delegate, subject=p.delegate,
                          post=p.delegate_post),
            ]
            self.checked_event = 0  # events up to this pk have passed the delegate check

        def teardown(self):
            transaction.set_rollback(True)
            self._atomic.__exit__(None, None, None)

        def _perform(self, case, person, action, *, stale: bool, data: dict):
            case = GradingCase.objects.get(pk=case.pk)
            step = case.step - 1 if stale else case.step
            try:
                services.perform_action(actor=person.user, case=case, action=action, step=step, data=data)
            except (PermissionDenied, ServiceError):
                return
            except IntegrityError as exc:  # only the database stopped a second decision at this step
                raise AssertionError(f"{action} at step {step} (the case is at {case.step}) got past the "
                                     f"service to the database: {exc}") from exc
            assert not stale, f"a stale step ({step}, the case is at {case.step}) was accepted for {action}"

        @rule(data=st.data(), stale=st.sampled_from([False, False, False, True]))
        def take_an_offered_action(self, data, stale):
            """Someone who is offered a button presses it (moving cases on, not closing them early)."""
            case = GradingCase.objects.get(pk=data.draw(st.sampled_from(self.cases)).pk)
            offers = [(name, a.move.action) for name in PERSONAS
                      for a in services.available_actions(case, getattr(p, name).user) if a.move.style != "danger"]
            if not offers:
                return
            name, action = data.draw(st.sampled_from(offers))
            self._perform(case, getattr(p, name), action, stale=stale and case.step > 0,
                          data=valid_data(case, action, p, data.draw))

        @rule(data=st.data(), stale=st.booleans())
        def try_any_action(self, data, stale):
            case = GradingCase.objects.get(pk=data.draw(st.sampled_from(self.cases)).pk)
            person = getattr(p, data.draw(st.sampled_from(PERSONAS)))
            action = data.draw(st.sampled_from(ACTIONS))
            self._perform(case, person, action, stale=stale and case.step > 0,
                          data=valid_data(case, action, p, data.draw))

        @rule(when=st.sampled_from(sorted(DELEGATION_DATES)))
        def move_the_delegation_dates(self, when):
            start, end, revoked = DELEGATION_DATES[when]
            today = timezone.localdate()
            Delegation.objects.filter(pk=p.delegation.pk).update(
                start_date=today + dt.timedelta(days=start), end_date=today + dt.timedelta(days=end),
                revoked_at=timezone.now() if revoked else None)

        @invariant()
        def histories_follow_the_table(self):
            # The engine's invariants (workflow.testing): step = events, none skipped or shared; each event a
            # table move from where the case was; nobody acting on their own case but as its staff member.
            for case in GradingCase.objects.filter(pk__in=[c.pk for c in self.cases]):
                check_history(workflow.GRADING, case)

        @invariant()
        def delegates_act_only_inside_their_dates(self):
            # Checked after every rule, so "now" is when the event was written.
            for event in CaseEvent.objects.filter(pk__gt=self.checked_event, capacity__startswith="delegate of"):
                assert Delegation.objects.active().filter(delegate_id=event.actor_id).exists(), (
                    f"{event} by a delegate outside the delegation's dates")
            self.checked_event = CaseEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    return GradingMachine


@pytest.fixture
def machine_personas(grading):
    p = grading
    p.riley = make_person("riley.owens", "Riley", "Owens")
    p.riley.line_manager = p.line_manager
    p.riley.save(update_fields=["line_manager"])
    grade5 = Grade.objects.get(number=5)
    p.riley_post = PostFactory(post_number="BIO-0102", org_unit=p.department, title="Research Technician",
                               grade=grade5, jd_version=p.agreed.version)
    AppointmentFactory(person=p.riley, post=p.riley_post, start_date=dt.date(2022, 4, 1))
    PayRecord.objects.create(person=p.riley, grade=grade5, spine_point=18, effective_from=dt.date(2022, 4, 1),
                             reason=PayRecord.Reason.APPOINTMENT, post=p.riley_post)
    p.delegate_post = PostFactory(post_number="BIO-0103", org_unit=p.department, title="Technical Manager",
                                  grade=grade5, jd_version=p.agreed.version)
    AppointmentFactory(person=p.delegate, post=p.delegate_post, start_date=dt.date(2019, 3, 1))
    p.panel_a = make_person("ana.fairfax", "Ana", "Fairfax")
    p.panel_b = make_person("ben.okafor", "Ben", "Okafor")
    return p


def test_random_action_sequences_keep_the_case_histories_sound(machine_personas):
    run_state_machine_as_test(
        build_machine(machine_personas),
        settings=settings(max_examples=30, stateful_step_count=40, deadline=None, database=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]),
    )
