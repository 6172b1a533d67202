"""The generated matrix: every state × action × role cell of the process table, through the engine's test
kit (workflow.testing): each persona, holding exactly one role on the request (or none), is offered exactly
the moves the table allows them and every other move is refused without changing the request."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from gradepath.grades.models import Grade, PayRecord
from gradepath.progression import workflow
from gradepath.progression.models import ProgressionRequest
from gradepath.progression.tests.helpers import act, make_request
from gradepath.workflow.testing import check_cell, matrix_cells

pytestmark = pytest.mark.django_db

COMMON = {"hod": "head", "fm_hps": "fm_hps", "delegate": "fm_hps", "dean": "decider", "hr_services": "hr_services",
          "hrbp": None, "line_manager": None, "vp": None, "outsider": None}
PERSONA_ROLES = {
    "hod": {**COMMON, "applicant": "applicant", "staff_member": None},
    "direct": {**COMMON, "applicant": None, "staff_member": "applicant"},
}
FULL_DATA = {"reason": "Matrix check.", "comments": "Matrix comments."}

CELLS = [(route, state, (), "") for route, state in matrix_cells(workflow.PROGRESSION)]
CELLS += [("direct", "comments", ("head",), ""), ("direct", "comments", ("fm_hps",), ""),
          ("hod", "hr_validation", (), "pay_changed"), ("direct", "hr_validation", (), "pay_changed")]


def _snapshot(obj):
    return ProgressionRequest.objects.filter(pk=obj.pk).values_list("state", "step").get(), obj.events.count()


@pytest.mark.parametrize(("route", "state", "agreed", "variant"), CELLS,
                         ids=[f"{r}-{s}" + (f"-by-{'-'.join(a)}" if a else "") + (f"-{v}" if v else "")
                              for r, s, a, v in CELLS])
def test_every_role_is_offered_exactly_the_moves_the_table_allows(matrix, route, state, agreed, variant):
    p = matrix
    obj = make_request(p, route, state)
    if variant == "pay_changed":  # an annual increment since the request: HR Services must return it
        PayRecord.objects.create(person=p.staff_member, grade=Grade.objects.get(number=5), spine_point=18,
                                 effective_from=timezone.localdate() - dt.timedelta(days=1),
                                 reason=PayRecord.Reason.ANNUAL_INCREMENT)
    for role in agreed:
        persona = next(getattr(p, name) for name, r in PERSONA_ROLES[route].items() if r == role)
        obj = act(obj, persona, "give_comments", comments="Given.")
    assert obj.state == state
    for name, role in PERSONA_ROLES[route].items():
        check_cell(workflow.PROGRESSION, obj, getattr(p, name), role, agreed=agreed, full_data=FULL_DATA,
                   snapshot=lambda: _snapshot(obj), label=name)


def test_the_matrix_covers_every_state_of_every_route():
    for route in workflow.PROCESS_MAP:
        states = {s for r, s, _, _ in CELLS if r == route}
        assert states == set(workflow.PROGRESSION.variant_states(route))
        assert {"completed", "declined", "withdrawn"} <= states
    for move in workflow.MOVES:
        assert all(s in workflow.STATES for s in move.sources)
