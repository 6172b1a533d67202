"""A Hypothesis state machine drives random moves by random personas on four allowances (acting up whose
end date has come; acting up still to come, in another higher post; a one-off and a monthly honorarium),
sometimes with stale steps, and checks after every rule that:

* each history follows the table (``workflow.testing.check_history``: step = events, none skipped or
  shared, each event a table move from where the record was; nobody acts on their own);
* a stale step is never accepted;
* the pay follows the state: an acting-up allowance has its acting-up pay record and appointment exactly
  when its pay was confirmed, and its pay written back exactly when it ended; an honorarium never writes pay.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from gradepath.allowances import services, workflow
from gradepath.allowances.models import Allowance, Kind
from gradepath.allowances.tests.conftest import make_allowance
from gradepath.core.errors import PermissionDenied, ServiceError
from gradepath.grades.models import PayRecord
from gradepath.workflow.testing import check_history

pytestmark = pytest.mark.django_db

PERSONAS = ("staff_member", "line_manager", "fm_hps", "delegate", "hrbp", "hr_services", "outsider")
ACTIONS = tuple(m.action for m in workflow.MOVES)


def data_for(action: str, allowance: Allowance, draw) -> dict:
    if action == "propose_amount":
        return {"amount": draw(st.sampled_from([0, 250, 450, 500, 20_000])), "reason": "The scale."}
    if action == "end_early":
        return {"last_day": (allowance.start_date + dt.timedelta(days=draw(st.integers(-2, 150)))).isoformat(),
                "reason": "Back early."}
    return {"reason": "Recorded in the state machine test."}


def build_machine(p):
    class AllowanceMachine(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self._atomic = transaction.atomic()
            self._atomic.__enter__()
            self.items = [
                make_allowance(p, Kind.ACTING_UP, "draft", start=p.today - dt.timedelta(days=100), end=p.today),
                make_allowance(p, Kind.ACTING_UP, "draft", post=p.lead_post, start=p.today + dt.timedelta(days=1),
                               end=p.today + dt.timedelta(days=120)),
                make_allowance(p, Kind.HONORARIUM, "draft"),
                make_allowance(p, Kind.HONORARIUM, "draft", payment="monthly", end=p.today + dt.timedelta(days=200)),
            ]

        def teardown(self):
            transaction.set_rollback(True)
            self._atomic.__exit__(None, None, None)

        def _perform(self, allowance, person, action, *, stale: bool, data: dict):
            allowance = Allowance.objects.get(pk=allowance.pk)
            step = allowance.step - 1 if stale else allowance.step
            try:
                services.perform_action(actor=person.user, allowance=allowance, action=action, step=step, data=data)
            except (PermissionDenied, ServiceError):
                return
            except IntegrityError as exc:
                raise AssertionError(f"{action} at step {step} reached the database: {exc}") from exc
            assert not stale, f"a stale step was accepted for {action}"

        @rule(data=st.data(), stale=st.sampled_from([False, False, False, True]))
        def take_an_offered_move(self, data, stale):
            allowance = Allowance.objects.get(pk=data.draw(st.sampled_from(self.items)).pk)
            offers = [(name, a.move.action) for name in PERSONAS
                      for a in services.available_actions(allowance, getattr(p, name).user)]
            if not offers:
                return
            name, action = data.draw(st.sampled_from(offers))
            self._perform(allowance, getattr(p, name), action, stale=stale and allowance.step > 0,
                          data=data_for(action, allowance, data.draw))

        @rule(data=st.data(), stale=st.booleans())
        def try_any_move(self, data, stale):
            allowance = Allowance.objects.get(pk=data.draw(st.sampled_from(self.items)).pk)
            action = data.draw(st.sampled_from(ACTIONS))
            self._perform(allowance, getattr(p, data.draw(st.sampled_from(PERSONAS))), action,
                          stale=stale and allowance.step > 0, data=data_for(action, allowance, data.draw))

        @invariant()
        def histories_follow_the_table(self):
            for allowance in Allowance.objects.filter(pk__in=[a.pk for a in self.items]):
                check_history(workflow.ALLOWANCES, allowance)

        @invariant()
        def pay_follows_the_state(self):
            for allowance in Allowance.objects.filter(pk__in=[a.pk for a in self.items]):
                confirmed = allowance.events.filter(action="confirm_pay").exists()
                ended = allowance.state == "ended"
                assert (allowance.pay_record_id is not None) == confirmed
                assert (allowance.appointment_id is not None) == confirmed
                assert (allowance.restored_record_id is not None) == ended
                if allowance.kind == Kind.HONORARIUM:
                    assert allowance.pay_record_id is None
                    assert (allowance.agreed_amount is not None) == (allowance.state == "agreed")
            acting_records = PayRecord.objects.filter(person=p.staff_member, reason=PayRecord.Reason.ACTING_UP).count()
            expected = sum((a.pay_record_id is not None) + (a.restored_record_id is not None)
                           for a in Allowance.objects.filter(pk__in=[a.pk for a in self.items]))
            assert acting_records == expected

    return AllowanceMachine


def test_random_move_sequences_keep_the_histories_and_the_pay_sound(allowances):
    run_state_machine_as_test(
        build_machine(allowances),
        settings=settings(max_examples=25, stateful_step_count=25, deadline=None, database=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]),
    )
