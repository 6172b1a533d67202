"""The generated matrix: every state × action × role cell of the appraisal table (workflow.testing)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from gradepath.appraisal import workflow
from gradepath.appraisal.models import Appraisal
from gradepath.appraisal.tests.conftest import act, make_appraisal
from gradepath.workflow.testing import check_cell, matrix_cells

pytestmark = pytest.mark.django_db

PERSONA_ROLES = {
    "staff_member": "staff_member",
    "line_manager": "appraiser",
    "hr_services": "hr_services",
    "fm_hps": None,
    "delegate": None,
    "hrbp": None,
    "hod": None,
    "administrator": None,
    "outsider": None,
}
FULL_DATA = {"reason": "Matrix check.", "pre_review": "My year.", "summary": "Good.", "objectives": "Three.",
             "completed_on": timezone.localdate().isoformat()}
CELLS = [(variant, state, ()) for variant, state in matrix_cells(workflow.APPRAISAL)]
CELLS += [(workflow.ANNUAL, "sign_off", ("staff_member",)), (workflow.ANNUAL, "sign_off", ("appraiser",))]
SIGNER = {"staff_member": "staff_member", "appraiser": "line_manager"}


def _snapshot(appraisal):
    return Appraisal.objects.filter(pk=appraisal.pk).values_list("state", "step").get(), appraisal.events.count()


@pytest.mark.parametrize(("variant", "state", "agreed"), CELLS,
                         ids=[f"{s}" + (f"-signed-by-{'-'.join(a)}" if a else "") for _, s, a in CELLS])
def test_every_role_is_offered_exactly_the_moves_the_table_allows(appraisal_people, variant, state, agreed):
    p = appraisal_people
    appraisal = make_appraisal(p, state)
    for role in agreed:
        appraisal = act(appraisal, getattr(p, SIGNER[role]), "sign_off")
    assert appraisal.state == state
    for name, role in PERSONA_ROLES.items():
        check_cell(workflow.APPRAISAL, appraisal, getattr(p, name), role, agreed=agreed, full_data=FULL_DATA,
                   snapshot=lambda: _snapshot(appraisal), label=name)


def test_the_matrix_covers_every_state_and_every_move_is_reachable():
    covered = {s for _, s, _ in CELLS}
    assert covered == set(workflow.APPRAISAL.variant_states(workflow.ANNUAL)) == set(workflow.STATES)
    for move in workflow.MOVES:
        assert all(s in workflow.STATES for s in move.sources)
        assert all(t in workflow.STATES for t in workflow.APPRAISAL.move_targets(move, workflow.ANNUAL))
