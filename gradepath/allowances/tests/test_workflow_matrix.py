"""The generated matrix: every state × action × role cell of the acting up and honoraria table.

For each kind and every state it can reach, an allowance is put in that state and each persona, holding
exactly one role on it (or none), must be offered exactly the moves the table allows them (and whose
conditions hold), and every other move must be refused without changing the allowance."""

from __future__ import annotations

import datetime as dt

import pytest

from gradepath.allowances import workflow
from gradepath.allowances.models import Allowance
from gradepath.allowances.tests.conftest import make_allowance
from gradepath.workflow.testing import check_cell, matrix_cells

pytestmark = pytest.mark.django_db

# Persona → the one role they hold on every matrix allowance (None: no role at all).
PERSONA_ROLES = {
    "staff_member": None,  # told of every step, never acts on their own
    "line_manager": "line_manager",
    "fm_hps": "fm_hps",
    "delegate": "fm_hps",  # the FM/HPS's delegate, inside the delegation's dates
    "hrbp": None,
    "hr_services": "hr_services",
    "hod": None,
    "outsider": None,
}
FULL_DATA = {"reason": "Matrix check.", "amount": 450, "last_day": dt.date.today().isoformat()}

# (kind, state, variant of the record): acting up whose end date has come, or is still to come.
CELLS = [(kind, state, "") for kind, state in matrix_cells(workflow.ALLOWANCES)]
CELLS += [("acting_up", "acting", "end_date_reached")]


def _snapshot(allowance):
    return (Allowance.objects.filter(pk=allowance.pk).values_list("state", "step").get(),
            allowance.events.count())


@pytest.mark.parametrize(("kind", "state", "variant"), CELLS, ids=[f"{k}-{s}" + (f"-{v}" if v else "")
                                                                   for k, s, v in CELLS])
def test_every_role_is_offered_exactly_the_moves_the_table_allows(allowances, kind, state, variant):
    p = allowances
    start = p.today - dt.timedelta(days=100) if variant else None
    end = p.today if variant else None
    allowance = make_allowance(p, kind, state, start=start, end=end)
    for name, role in PERSONA_ROLES.items():
        check_cell(workflow.ALLOWANCES, allowance, getattr(p, name), role, full_data=FULL_DATA,
                   snapshot=lambda: _snapshot(allowance), label=name)


def test_the_matrix_covers_every_state_of_both_kinds():
    for kind in workflow.ALLOWANCES.variants:
        states = workflow.ALLOWANCES.variant_states(kind)
        assert {s for k, s, _ in CELLS if k == kind} == set(states)
        assert set(workflow.PROCESS_MAP[kind]) <= set(states)
    for move in workflow.MOVES:
        assert all(s in workflow.STATES for s in move.sources)
