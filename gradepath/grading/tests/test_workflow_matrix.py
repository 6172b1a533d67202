"""The generated matrix: every state × action × role cell of the workflow table.

For each route and every state a case on it can reach, a case is put in that state and each
persona, holding exactly one role on it (or none), must be offered exactly the actions the table
allows them, and ``perform_action`` must refuse every other cell without changing the case.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from gradepath.grades.models import Grade
from gradepath.grading import services, workflow
from gradepath.grading.models import AppealPanelMember, GradingCase, Outcome, Route
from gradepath.jobs import services as jd_services
from gradepath.testing.factories import JobFamilyFactory, PersonFactory, UserFactory
from gradepath.workflow.testing import check_cell, matrix_cells

pytestmark = pytest.mark.django_db

# Persona → the one role they hold on every matrix case (None: no role at all).
PERSONA_ROLES = {
    "staff_member": "staff_member",
    "line_manager": "line_manager",
    "fm_hps": "fm_hps",
    "delegate": "fm_hps",  # the FM/HPS's delegate, inside the delegation's dates
    "hrbp": "hrbp",
    "hr_services": "hr_services",
    "initiator": "initiator",
    "panel": "panel",
    "hod": None,  # copied for information, never acts
    "outsider": None,
}

# Data good enough for any action, so a refusal is about who and when, not what was given.
FULL_DATA = {"reason": "Matrix check.", "recommended_grade": 6, "outcome": "higher_grade", "grade": 6,
             "fairness_issue": False, "assessment": "No other holders.", "panel": []}


def make_person(username: str, first: str, last: str):
    user = UserFactory(username=username, first_name=first, last_name=last)
    return PersonFactory(user=user, first_name=first, last_name=last, work_email=f"{username}@example.ac.uk")


def add_matrix_personas(p):
    """An initiator and a panel member who hold no other role (set on ``p``)."""
    if not hasattr(p, "initiator"):
        p.initiator = make_person("ivy.start", "Ivy", "Start")
        p.panel = make_person("pat.panel", "Pat", "Panel")
    return p


def new_job_version(p, title: str = "Laboratory Data Officer"):
    return jd_services.create_job_description(
        actor=None, org_unit=p.department, job_family=JobFamilyFactory(), staff_category="technical",
        job_title=title, area="Laboratory operations", purpose="To manage the research data of the division.",
        duties=["Curate datasets.", "Train staff on the data systems."],
    )


def make_case(p, route: str, state: str, *, initiator=None, subject=None, post=None) -> GradingCase:
    """A case put straight into ``state`` for test set-up (no events): the fields a case in that state
    would have are filled in. The initiator defaults to a person with no other role."""
    grade5, grade6 = Grade.objects.get(number=5), Grade.objects.get(number=6)
    decided = state in ("hr_processing", "logging", "closed", "appeal", "appeal_hearing")
    if route == Route.NEW_JOB:
        version, subject, post, baseline, current = new_job_version(p), None, None, None, None
        jd_services.submit_version(actor=None, version=version)
    else:
        subject = subject or p.staff_member
        post = post or p.staff_post
        post.refresh_from_db()
        baseline = post.jd_version
        version = jd_services.start_new_draft(actor=None, version=baseline)
        current = grade5
    case = GradingCase.objects.create(
        reference=f"GC-T-{GradingCase.objects.count() + 1:04d}", route=route, state=state, org_unit=p.department,
        post=post, subject=subject, line_manager=p.line_manager,
        initiator=initiator or add_matrix_personas(p).initiator, title=version.job_title, jd=version.jd,
        baseline_version=baseline, proposed_version=version, current_grade=current,
        recommended_grade=grade6 if state not in ("draft", "agreements", "jd_amendment", "discussion",
                                                  "staff_proposal") else None,
        matched_agreed=p.senior_agreed, complete_submission_on=timezone.localdate(),
        decided_grade=grade6 if decided else None, outcome=Outcome.HIGHER_GRADE if decided else "",
        decided_at=timezone.now() if decided else None,
        appeal_deadline=timezone.localdate() + dt.timedelta(days=20) if state == "closed" else None,
        grant_funded=bool(post and post.grant_funded),
    )
    if state not in workflow.CLOSED_STATES:
        services._refresh_tasks(case)
    return case


def act(case, person, action, **data):
    """Take an action as ``person`` at the case's current step; returns the case as saved."""
    return services.perform_action(actor=person.user, case=case, action=action, step=case.step, data=data)


# (route, state, roles whose agreement is already recorded in that state, variant of the case)
CELLS = [(route, state, (), "") for route, state in matrix_cells(workflow.GRADING)]
CELLS += [
    (Route.AGREED, "agreements", ("staff_member",), ""),
    (Route.AGREED, "agreements", ("line_manager", "fm_hps"), ""),
    (Route.AGREED, "jd_agreement", ("fm_hps",), ""),
    (Route.NEW_JOB, "hr_processing", (), "grant_funded"),
    (Route.DIRECT, "hr_processing", (), "grant_funded_approved"),
    (Route.AGREED, "closed", (), "appeal_window_closed"),
    (Route.DIRECT, "closed", (), "appeal_heard"),
]


def apply_variant(case, variant: str):
    """Grant funding, a finance approval, a closed appeal window or an appeal already heard."""
    if variant in ("grant_funded", "grant_funded_approved"):
        case.grant_funded, case.funding_source = True, "Wellcome Trust 221/B"
    if variant == "grant_funded_approved":
        case.finance_approved_at = timezone.now()
    if variant == "appeal_window_closed":
        case.appeal_deadline = timezone.localdate() - dt.timedelta(days=1)
    case.save()
    if variant == "appeal_heard":
        case.events.create(step=case.step, action="lodge_appeal", actor=case.subject, from_state="closed",
                           to_state="appeal", reason="Earlier appeal.")
        case.events.create(step=case.step + 1, action="dismiss_appeal", actor=case.subject,
                           from_state="appeal_hearing", to_state="closed", reason="Dismissed.")
        GradingCase.objects.filter(pk=case.pk).update(step=case.step + 2)
        case.refresh_from_db()
    return case
AGREEMENT = {"agreements": "agree_duties_changed", "jd_agreement": "agree_amended_jd"}


def _snapshot(case):
    return GradingCase.objects.filter(pk=case.pk).values_list("state", "step").get(), case.events.count()


@pytest.mark.parametrize(("route", "state", "agreed", "variant"), CELLS,
                         ids=[f"{r}-{s}" + (f"-agreed-by-{'-'.join(a)}" if a else "") + (f"-{v}" if v else "")
                              for r, s, a, v in CELLS])
def test_every_role_is_offered_exactly_the_moves_the_table_allows(grading, route, state, agreed, variant):
    # The oracle and the checks are the engine's test kit (workflow.testing), reading the table and the
    # process's own conditions.
    p = add_matrix_personas(grading)
    case = apply_variant(make_case(p, route, state), variant)
    AppealPanelMember.objects.create(case=case, person=p.panel)
    for role in agreed:  # recorded through the service, as the people involved would
        persona = next(getattr(p, name) for name, r in PERSONA_ROLES.items() if r == role)
        case = act(case, persona, AGREEMENT[state])
    assert case.state == state
    for name, role in PERSONA_ROLES.items():
        check_cell(workflow.GRADING, case, getattr(p, name), role, agreed=agreed, full_data=FULL_DATA,
                   snapshot=lambda: _snapshot(case), label=name)


def test_the_matrix_covers_every_state_of_every_route():
    covered = {(r, s) for r, s, _, _ in CELLS}
    for route in workflow.ALL_ROUTES:
        assert {s for r, s in covered if r == route} == set(workflow.route_states(route))
        assert workflow.START_STATE[route] in workflow.route_states(route)
        assert "closed" in workflow.route_states(route)
    # Every move's states exist and every action is reachable on at least one route.
    for move in workflow.MOVES:
        assert all(s in workflow.STATES for s in move.sources)
        assert any(s in workflow.route_states(r) for r in move.routes for s in move.sources), move.action
        for route in move.routes:
            assert all(t in workflow.STATES for t in workflow.move_targets(move, route))
