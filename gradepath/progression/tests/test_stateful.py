"""A Hypothesis state machine: random personas press the buttons they are offered (and some they are not,
sometimes with a stale step) on requests of both routes, and after every rule each request's history obeys
the table (workflow.testing.check_history), no stale step is accepted, and a completed request has exactly
one pay record written from its effective date."""

from __future__ import annotations

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from gradepath.core.errors import PermissionDenied, ServiceError
from gradepath.grades.models import PayRecord
from gradepath.progression import services, workflow
from gradepath.progression.models import ProgressionRequest
from gradepath.progression.tests.conftest import make_person
from gradepath.progression.tests.helpers import make_request
from gradepath.testing.factories import AppointmentFactory, PayRecordFactory, PostFactory
from gradepath.workflow.testing import check_history

pytestmark = pytest.mark.django_db

PERSONAS = ("staff_member", "applicant", "hod", "fm_hps", "delegate", "dean", "hr_services", "hrbp", "outsider",
            "riley")
ACTIONS = tuple(m.action for m in workflow.MOVES)
DATA = {"reason": "Recorded in the state machine test.", "comments": "Comments from the state machine."}


def build_machine(p):
    class ProgressionMachine(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self._atomic = transaction.atomic()
            self._atomic.__enter__()
            self.requests = [make_request(p, "hod", "fm_comments"),
                             make_request(p, "direct", "dean_intake", subject=p.riley, post=p.riley_post)]

        def teardown(self):
            transaction.set_rollback(True)
            self._atomic.__exit__(None, None, None)

        def _perform(self, obj, person, action, *, stale: bool):
            obj = ProgressionRequest.objects.get(pk=obj.pk)
            step = obj.step - 1 if stale else obj.step
            try:
                services.perform_action(actor=person.user, request=obj, action=action, step=step, data=DATA)
            except (PermissionDenied, ServiceError):
                return
            assert not stale, f"a stale step was accepted for {action}"

        @rule(data=st.data(), stale=st.sampled_from([False, False, False, True]))
        def press_an_offered_button(self, data, stale):
            obj = ProgressionRequest.objects.get(pk=data.draw(st.sampled_from(self.requests)).pk)
            offers = [(name, a.move.action) for name in PERSONAS
                      for a in services.available_actions(obj, getattr(p, name).user)
                      if a.move.style != "danger"]
            if offers:
                name, action = data.draw(st.sampled_from(offers))
                self._perform(obj, getattr(p, name), action, stale=stale and obj.step > 0)

        @rule(data=st.data(), stale=st.booleans())
        def anyone_tries_anything(self, data, stale):
            obj = data.draw(st.sampled_from(self.requests))
            self._perform(obj, getattr(p, data.draw(st.sampled_from(PERSONAS))), data.draw(st.sampled_from(ACTIONS)),
                          stale=stale and ProgressionRequest.objects.get(pk=obj.pk).step > 0)

        @invariant()
        def histories_follow_the_table(self):
            for obj in self.requests:
                obj = ProgressionRequest.objects.get(pk=obj.pk)
                check_history(workflow.PROGRESSION, obj)
                written = PayRecord.objects.filter(person=obj.subject, reason=PayRecord.Reason.ACCELERATED_INCREMENT)
                if obj.state == "completed":
                    assert written.count() == 1 and written.get().effective_from == obj.effective_date
                    assert obj.pay_record_id == written.get().pk
                else:
                    assert not written.exists()

    return ProgressionMachine


def test_random_moves_keep_every_history_in_the_table(matrix):
    p = matrix
    p.riley = make_person("riley.fox", "Riley", "Fox", line_manager=p.line_manager)
    p.riley_post = PostFactory(post_number="BIO-0102", org_unit=p.department, title="Research Technician",
                               grade=p.staff_post.grade)
    AppointmentFactory(person=p.riley, post=p.riley_post)
    PayRecordFactory(person=p.riley, grade=p.staff_post.grade, spine_point=17, post=p.riley_post)
    machine = build_machine(p)
    run_state_machine_as_test(machine, settings=settings(
        max_examples=12, stateful_step_count=12, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
