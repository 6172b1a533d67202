"""A Hypothesis state machine: random personas take random moves (sometimes with a stale step) on three
applications, and after every rule the histories obey the secondment table (``workflow.testing.check_history``):
the state changes only along table moves, step = number of events with none skipped or shared, and nobody acts
on their own application except as its applicant. Besides, a placed secondment always has its secondment
appointment inside its dates, and a returned one has ended it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from gradepath.core.errors import PermissionDenied, ServiceError
from gradepath.grades.models import Grade, PayRecord
from gradepath.secondments import services, workflow
from gradepath.secondments.models import Secondment
from gradepath.secondments.tests.conftest import make_opportunity, make_person
from gradepath.testing.factories import AppointmentFactory, PostFactory
from gradepath.workflow.testing import check_history

pytestmark = pytest.mark.django_db

PERSONAS = ("staff_member", "line_manager", "host", "hr_services", "fm_hps", "hrbp", "outsider", "riley", "report")
ACTIONS = tuple(m.action for m in workflow.MOVES)


def valid_data(s: Secondment, action: str, draw) -> dict:
    o = s.opportunity
    if action == "confirm_placement":
        return {"start_date": o.start_date.isoformat(), "end_date": o.end_date.isoformat(),
                "development_plan": "Shadowing, then leading a workstream."}
    if action == "request_extension":
        end = s.end_date or o.end_date
        return {"new_end_date": (end + dt.timedelta(days=draw(st.sampled_from([30, 200, 900])))).isoformat(),
                "reason": "More to do."}
    if action == "confirm_end" and s.start_date and draw(st.booleans()):
        return {"last_day": (s.start_date + dt.timedelta(days=20)).isoformat()}
    if action in ("not_select", "refuse_release", "refuse_extension"):
        return {"reason": "Recorded in the state machine test."}
    return {}


def build_machine(p, applications):
    class SecondmentMachine(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self._atomic = transaction.atomic()
            self._atomic.__enter__()
            self.ids = [services.apply(actor=getattr(p, who).user, opportunity=make_opportunity(p),
                                       data={"statement": "I would like to."}).pk for who in applications]

        def teardown(self):
            transaction.set_rollback(True)
            self._atomic.__exit__(None, None, None)

        def _perform(self, s, person, action, *, stale: bool, data: dict):
            step = s.step - 1 if stale else s.step
            try:
                services.perform_action(actor=person.user, secondment=s, action=action, step=step, data=data)
            except (PermissionDenied, ServiceError):
                return
            except IntegrityError as exc:
                raise AssertionError(f"{action} at step {step} reached the database: {exc}") from exc
            assert not stale, f"a stale step was accepted for {action}"

        @rule(data=st.data(), stale=st.sampled_from([False, False, False, True]))
        def take_an_offered_move(self, data, stale):
            s = Secondment.objects.select_related("opportunity").get(pk=data.draw(st.sampled_from(self.ids)))
            offers = [(name, a.move.action) for name in PERSONAS
                      for a in services.available_actions(s, getattr(p, name).user) if a.move.style != "danger"]
            if not offers:
                return
            name, action = data.draw(st.sampled_from(offers))
            self._perform(s, getattr(p, name), action, stale=stale and s.step > 0,
                          data=valid_data(s, action, data.draw))

        @rule(data=st.data(), stale=st.booleans())
        def try_any_move(self, data, stale):
            s = Secondment.objects.select_related("opportunity").get(pk=data.draw(st.sampled_from(self.ids)))
            action = data.draw(st.sampled_from(ACTIONS))
            self._perform(s, getattr(p, data.draw(st.sampled_from(PERSONAS))), action, stale=stale and s.step > 0,
                          data=valid_data(s, action, data.draw))

        @invariant()
        def histories_follow_the_table(self):
            for s in Secondment.objects.filter(pk__in=self.ids):
                check_history(workflow.SECONDMENTS, s)

        @invariant()
        def appointments_follow_the_secondment(self):
            for s in Secondment.objects.filter(pk__in=self.ids).select_related("appointment"):
                if s.state in ("placed", "extension_review", "ending", "returned"):
                    assert s.appointment is not None and s.appointment.kind == "secondment"
                    assert (s.appointment.start_date, s.appointment.end_date) == (s.start_date, s.end_date)
                    assert (s.end_date - s.start_date).days < 31 * workflow.setting("MAX_MONTHS")
                else:
                    assert s.appointment_id is None

    return SecondmentMachine


@pytest.fixture
def machine_personas(sec):
    p = sec
    grade5 = Grade.objects.get(number=5)
    p.riley = make_person("riley.owens", "Riley", "Owens", line_manager=p.line_manager)
    riley_post = PostFactory(post_number="BIO-0102", org_unit=p.department, title="Research Technician", grade=grade5)
    AppointmentFactory(person=p.riley, post=riley_post, start_date=dt.date(2022, 4, 1))
    PayRecord.objects.create(person=p.riley, grade=grade5, spine_point=18, effective_from=dt.date(2022, 4, 1),
                             reason=PayRecord.Reason.APPOINTMENT, post=riley_post)
    # The host's own report applies to her opportunity: she is both the home line manager and the host.
    AppointmentFactory(person=p.report, post=PostFactory(post_number="RO-0003", org_unit=p.research_office,
                                                         title="Research Officer", grade=grade5),
                       start_date=dt.date(2023, 2, 1))
    return p


def test_random_move_sequences_keep_the_secondment_histories_sound(machine_personas):
    run_state_machine_as_test(
        build_machine(machine_personas, ("staff_member", "riley", "report")),
        settings=settings(max_examples=25, stateful_step_count=30, deadline=None, database=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]),
    )
