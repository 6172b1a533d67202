"""The generated matrix: every state × action × role cell of the secondment table.

For every state an application can reach, one is put in that state and each persona, holding exactly one
role on it (or none), must be offered exactly the moves the table allows them, and the engine must refuse
every other cell without changing the record (the engine's test kit, ``workflow.testing``)."""

from __future__ import annotations

import datetime as dt

import pytest

from gradepath.secondments import workflow
from gradepath.secondments.models import Opportunity, Secondment
from gradepath.secondments.tests.conftest import make_opportunity, make_person, make_secondment
from gradepath.testing.factories import AppointmentFactory
from gradepath.workflow.testing import check_cell, matrix_cells

pytestmark = pytest.mark.django_db

PERSONA_ROLES = {
    "staff_member": "applicant",
    "line_manager": "home_manager",
    "host": "host",
    "hr_services": "hr_services",
    "fm_hps": None,  # sees the faculty's applications, never acts on them
    "delegate": None,
    "hrbp": None,
    "hod": None,
    "administrator": None,
    "outsider": None,
}
FULL_DATA = {"reason": "Matrix check.", "start_date": "2027-01-04", "end_date": "2027-09-30",
             "development_plan": "A plan.", "new_end_date": "2027-12-31", "last_day": "2027-06-30"}
CELLS = [(state, "") for _, state in matrix_cells(workflow.SECONDMENTS)]
CELLS += [(state, variant) for state in ("applied", "selected", "released", "confirmed")
          for variant in ("filled_by_another", "opportunity_withdrawn")]


def _snapshot(s):
    return Secondment.objects.filter(pk=s.pk).values_list("state", "step").get(), s.events.count()


def apply_variant(p, s, variant: str):
    if variant == "filled_by_another":
        other = make_person("otto.other", "Otto", "Other", line_manager=p.line_manager)
        AppointmentFactory(person=other, post=p.staff_post, start_date=dt.date(2022, 1, 1))
        make_secondment(p, "placed", applicant=other, opportunity=s.opportunity)
    elif variant == "opportunity_withdrawn":
        Opportunity.objects.filter(pk=s.opportunity_id).update(status="withdrawn")
    s.refresh_from_db()
    return Secondment.objects.select_related("opportunity").get(pk=s.pk)


@pytest.mark.parametrize(("state", "variant"), CELLS, ids=[s + (f"-{v}" if v else "") for s, v in CELLS])
def test_every_role_is_offered_exactly_the_moves_the_table_allows(sec, state, variant):
    p = sec
    s = apply_variant(p, make_secondment(p, state, opportunity=make_opportunity(p)), variant)
    assert s.state == state
    for name, role in PERSONA_ROLES.items():
        check_cell(workflow.SECONDMENTS, s, getattr(p, name), role, full_data=FULL_DATA,
                   snapshot=lambda: _snapshot(s), label=name)


def test_the_matrix_covers_every_state_and_every_move_is_reachable():
    reachable = set(workflow.SECONDMENTS.variant_states(workflow.VARIANT))
    assert reachable == set(workflow.STATES)
    assert {s for s, _ in CELLS} == reachable
    for move in workflow.MOVES:
        assert all(s in reachable for s in move.sources), move.action
        assert all(t in workflow.STATES for t in workflow.SECONDMENTS.move_targets(move, workflow.VARIANT))
