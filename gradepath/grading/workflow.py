"""The grading process as data: states, and one table of every legal move per route.

Reading this file tells a newcomer the whole process (DOMAIN.md §4.1–4.3). Each move names the
action, the states it may start from, the state it leads to, who may take it, the fields it
requires, and the policy step it implements (shown to users). ``docs/workflows/`` is generated
from this table by ``gradepath grading-workflow-docs``; a test walks every state × action × role.

Who may act ("roles") are relationships resolved for the case at the time:

* ``staff_member`` – the post holder the case is about
* ``line_manager`` – the holder's line manager (new job: the manager who started it)
* ``fm_hps`` – the FM/HPS of the case's unit, or their active delegate (never on a case about themselves)
* ``hrbp`` – the HR Business Partner of the unit, or their active delegate
* ``hr_services`` – a member of HR Services
* ``initiator`` – whoever started the case
* ``panel`` – a member of the case's appeal panel

Nobody acts on their own case except as its ``staff_member``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gradepath.grading.models import Route

# --- States ---------------------------------------------------------------------------------

STATES: dict[str, str] = {
    # New job
    "draft": "JD drafted and matched",
    "fm_approval": "Waiting for FM/HPS approval",
    # Agreed Route
    "agreements": "Waiting for the three agreements that duties changed",
    "jd_amendment": "JD being amended",
    "jd_agreement": "Waiting for agreement on the amended JD and grade",
    # Direct Route
    "discussion": "Discussion to be recorded",
    "staff_proposal": "Staff member proposing JD changes",
    "manager_review": "Line manager reviewing the proposed JD",
    "manager_submission": "Line manager to submit to the FM/HPS",
    "fm_brokering": "FM/HPS helping to agree the grade",
    "staff_direct_submission": "Staff member may submit directly to the HRBP",
    # Shared from step 4 of the new-job process
    "hrbp_review": "HRBP grade check",
    "evaluation": "Full job evaluation (HERA)",
    "fairness": "HRBP fairness check",
    "manager_discussion": "HRBP to discuss the new grade with the line manager",
    "decision": "Decision to be recorded",
    "hr_processing": "HR Services processing",
    "logging": "HRBP to log the approved JD and send it to the job evaluation mailbox",
    "closed": "Closed",
    "appeal": "Appeal lodged: panel to be convened",
    "appeal_hearing": "Appeal panel hearing",
    "withdrawn": "Withdrawn",
    "not_agreed": "Closed: no agreement to use the Agreed Route",
}
CLOSED_STATES = ("closed", "withdrawn", "not_agreed")
START_STATE = {Route.NEW_JOB: "draft", Route.AGREED: "agreements", Route.DIRECT: "discussion"}
# States in which the case is "before a decision" (it can be withdrawn by its initiator).
BEFORE_DECISION = ("draft", "fm_approval", "agreements", "jd_amendment", "jd_agreement", "discussion",
                   "staff_proposal", "manager_review", "manager_submission", "fm_brokering",
                   "staff_direct_submission", "hrbp_review", "evaluation", "fairness", "manager_discussion")

# The order of states on the process map of each route.
PROCESS_MAP: dict[str, list[str]] = {
    Route.NEW_JOB: ["draft", "fm_approval", "hrbp_review", "evaluation", "fairness", "decision", "hr_processing",
                    "logging", "closed"],
    Route.AGREED: ["agreements", "jd_amendment", "jd_agreement", "hrbp_review", "evaluation", "fairness",
                   "decision", "hr_processing", "logging", "closed"],
    Route.DIRECT: ["discussion", "staff_proposal", "manager_review", "manager_submission", "fm_brokering",
                   "staff_direct_submission", "hrbp_review", "evaluation", "fairness", "manager_discussion",
                   "decision", "hr_processing", "logging", "closed"],
}

ALL_ROUTES = (Route.NEW_JOB, Route.AGREED, Route.DIRECT)
ROLES = ("staff_member", "line_manager", "fm_hps", "hrbp", "hr_services", "initiator", "panel")
ROLE_LABELS = {
    "staff_member": "Staff member", "line_manager": "Line manager", "fm_hps": "FM/HPS or delegate",
    "hrbp": "HR Business Partner", "hr_services": "HR Services", "initiator": "Initiator",
    "panel": "Appeal panel member",
}


@dataclass(frozen=True)
class Move:
    """One legal move. ``target`` None means the service decides (e.g. after the third agreement)."""

    action: str
    label: str
    routes: tuple[str, ...]
    sources: tuple[str, ...]
    target: str | None
    roles: tuple[str, ...]
    policy: str
    requires: tuple[str, ...] = ()
    once_per_role: bool = False  # agreements: each role records it once in the state
    when: tuple[str, ...] = ()  # conditions on the case (CONDITIONS) besides its state
    style: str = "primary"  # button style: primary, secondary, danger
    notes: str = ""
    extra: dict = field(default_factory=dict)


# Conditions a move needs besides the case's state; the service checks them
# (``services.unmet_condition``) and offers the move only when they hold.
CONDITIONS: dict[str, str] = {
    "finance_pending": "the post is grant-funded and its finance approval is not yet recorded",
    "finance_if_grant_funded": "a grant-funded post has its finance approval recorded",
    "appeal_window_open": "a decision was recorded, the appeal window is open and no appeal has been lodged",
}

NJ, AR, DR = Route.NEW_JOB.value, Route.AGREED.value, Route.DIRECT.value
ALL = (NJ, AR, DR)

MOVES: list[Move] = [
    # --- New job (4.1) -------------------------------------------------------------------------
    Move("submit_for_approval", "Submit to the FM/HPS for approval", (NJ,), ("draft",), "fm_approval",
         ("line_manager", "initiator"), "4.1 step 3: the JD and recommended grade go to the FM/HPS (or delegate); "
         "the HoD or departmental contact is copied", requires=("recommended_grade", "submitted_jd")),
    Move("approve", "Approve the JD and recommended grade", (NJ,), ("fm_approval",), "hrbp_review", ("fm_hps",),
         "4.1 step 3–4: FM/HPS approval, then submitted to the HRBP"),
    Move("return_to_manager", "Return to the manager", (NJ,), ("fm_approval",), "draft", ("fm_hps",),
         "4.1 step 3: the FM/HPS may return the JD for changes", requires=("reason",), style="secondary"),
    # --- Agreed Route (4.2) --------------------------------------------------------------------
    Move("agree_duties_changed", "Agree that the duties have changed significantly", (AR,), ("agreements",), None,
         ("staff_member", "line_manager", "fm_hps"), "4.2: staff member, line manager and FM/HPS (or delegate) "
         "all agree the duties have changed significantly", once_per_role=True),
    Move("decline_agreed_route", "Do not agree (use the Direct Route instead)", (AR,), ("agreements",), "not_agreed",
         ("line_manager", "fm_hps"), "4.2/4.3: without all three agreements the staff member may use the Direct "
         "Route", requires=("reason",), style="danger"),
    Move("submit_amended_jd", "Submit the amended JD with a recommended grade", (AR,), ("jd_amendment",),
         "jd_agreement", ("line_manager", "staff_member"), "4.2: the JD is amended to reflect the changed duties, "
         "with a recommended grade by reference to an agreed JD", requires=("recommended_grade", "submitted_jd")),
    Move("agree_amended_jd", "Agree the amended JD and recommended grade", (AR,), ("jd_agreement",), None,
         ("staff_member", "line_manager", "fm_hps"), "4.2: all three agree the redrafted JD and recommended grade; "
         "the case then continues at step 4 of the new-job process", once_per_role=True),
    Move("return_for_amendment", "Return the JD for further amendment", (AR,), ("jd_agreement",), "jd_amendment",
         ("staff_member", "line_manager", "fm_hps"), "4.2: the redrafted JD is not yet agreed",
         requires=("reason",), style="secondary"),
    # --- Direct Route (4.3) --------------------------------------------------------------------
    Move("record_discussion", "Record the discussion with the staff member", (DR,), ("discussion",),
         "staff_proposal", ("line_manager", "fm_hps"), "4.3 step 1: the line manager or FM/HPS discusses it with "
         "the staff member", requires=("reason",)),
    Move("submit_proposal", "Submit my proposed JD and recommended grade", (DR,), ("staff_proposal",),
         "manager_review", ("staff_member",), "4.3 step 2: the staff member proposes JD revisions showing tracked "
         "changes, with a recommended grade", requires=("recommended_grade", "submitted_jd")),
    Move("confirm_jd", "Confirm the JD reflects the duties required", (DR,), ("manager_review",),
         "manager_submission", ("line_manager",), "4.3 step 3: the line manager confirms the JD"),
    Move("return_to_staff", "Return to the staff member for further amendment", (DR,), ("manager_review",),
         "staff_proposal", ("line_manager",), "4.3 step 3: or returns it for further amendment (a loop)",
         requires=("reason",), style="secondary"),
    Move("submit_to_fm", "Submit the JD and recommended grade to the FM/HPS", (DR,), ("manager_submission",),
         "fm_brokering", ("line_manager",), "4.3 step 4: the manager submits to the FM/HPS (or delegate), "
         "copied to the HoD or departmental contact"),
    Move("record_grade_agreement", "Record that the grade is agreed", (DR,), ("fm_brokering",), "hrbp_review",
         ("fm_hps",), "4.3 step 5: agreement reached: the case goes to the HRBP as in 4.2"),
    Move("record_no_agreement", "Record that no agreement was reached", (DR,), ("fm_brokering",),
         "staff_direct_submission", ("fm_hps",), "4.3 step 6: no agreement: the staff member may submit to the "
         "HRBP directly", requires=("reason",), style="secondary"),
    Move("submit_to_hrbp", "Submit my JD and recommended grade to the HRBP", (DR,), ("staff_direct_submission",),
         "hrbp_review", ("staff_member",), "4.3 step 6: the staff member submits to the HRBP with the agreed JD it "
         "was matched to, if any"),
    # --- Shared: HRBP, decision, HR Services, logging (4.1 steps 4–9) ----------------------------
    Move("confirm_by_match", "Grade checked by match to an agreed JD", ALL, ("hrbp_review",), "fairness",
         ("hrbp",), "4.1 step 4: grade check by match to an agreed JD", requires=("matched_agreed",)),
    Move("refer_to_evaluation", "Refer for full job evaluation (HERA)", ALL, ("hrbp_review",), "evaluation",
         ("hrbp",), "4.1 step 4: referral to full job evaluation where nothing matches", style="secondary"),
    Move("return_to_submitter", "Return for more information", ALL, ("hrbp_review",), None, ("hrbp",),
         "4.1 step 4: the HRBP may return an incomplete submission", requires=("reason",), style="secondary"),
    Move("record_evaluation", "Record the evaluation result", ALL, ("evaluation",), "fairness", ("hrbp",),
         "§5: element levels and scores as entered; the total falls into a grade band",
         requires=("evaluation",)),
    Move("record_fairness", "Record the fairness assessment", ALL, ("fairness",), None, ("hrbp",),
         "4.1 step 5 / 4.2: impact on other post holders; any knock-on issue must be resolved and recorded "
         "before HR Services may act", requires=("fairness",)),
    Move("record_manager_discussion", "Record the discussion with the line manager", (DR,),
         ("manager_discussion",), "decision", ("hrbp",), "4.3 step 8: a new grade is discussed with the line "
         "manager first", requires=("reason",)),
    Move("decide", "Record the decision", ALL, ("decision",), None, ("hrbp",),
         "4.1 step 6 / 4.3 step 9: grade confirmed or changed; higher grade, reallocation of the additional "
         "duties, or no change", requires=("outcome",)),
    Move("record_finance_approval", "Record the finance approval (grant-funded post)", ALL, ("hr_processing",),
         "hr_processing", ("hr_services",), "4.1 step 7: grant-funded posts need a finance approval",
         requires=("reason",), when=("finance_pending",), style="secondary"),
    Move("process", "Process the change (grade, spine point, effective date)", ALL, ("hr_processing",), "logging",
         ("hr_services",), "4.1 step 7: HR Services processes the new grade, spine point, effective date and "
         "allowances", when=("finance_if_grant_funded",)),
    Move("log_and_send", "Log the approved JD and send it to the job evaluation mailbox", ALL, ("logging",),
         "closed", ("hrbp",), "4.1 step 8 / 4.3 step 10: the approved JD with its grade goes to the job "
         "evaluation mailbox and is logged in the agreed JD library"),
    # --- Appeal (4.1 step 9) -------------------------------------------------------------------
    Move("lodge_appeal", "Appeal against the decision", ALL, ("closed",), "appeal",
         ("staff_member", "line_manager"), "4.1 step 9: within the appeal window, with grounds",
         requires=("reason",), when=("appeal_window_open",)),
    Move("convene_panel", "Convene the appeal panel", ALL, ("appeal",), "appeal_hearing", ("hr_services",),
         "4.1 step 9: a panel of people not involved in the case", requires=("panel",)),
    Move("uphold_appeal", "Uphold the appeal and change the grade", ALL, ("appeal_hearing",), "hr_processing",
         ("panel",), "4.1 step 9: the outcome can change the grade", requires=("reason", "grade")),
    Move("dismiss_appeal", "Dismiss the appeal", ALL, ("appeal_hearing",), "closed", ("panel",),
         "4.1 step 9: the decision stands", requires=("reason",), style="secondary"),
    # --- Any time before a decision ----------------------------------------------------------
    Move("withdraw", "Withdraw the case", ALL, BEFORE_DECISION, "withdrawn", ("initiator",),
         "A case can be withdrawn by its initiator before a decision", requires=("reason",), style="danger"),
]

MOVES_BY_ACTION: dict[str, Move] = {m.action: m for m in MOVES}
assert len(MOVES_BY_ACTION) == len(MOVES), "action names must be unique"


def moves_from(route: str, state: str) -> list[Move]:
    """The moves a case on ``route`` in ``state`` allows, in table order."""
    return [m for m in MOVES if route in m.routes and state in m.sources]


# Where the moves whose ``target`` is None can lead, per route (the service picks one): used by
# the generated docs and checked by the stateful test against every event the service writes.
SERVICE_TARGETS: dict[str, dict[str, tuple[str, ...]]] = {
    "agree_duties_changed": {AR: ("agreements", "jd_amendment")},
    "agree_amended_jd": {AR: ("jd_agreement", "hrbp_review")},
    "return_to_submitter": {NJ: ("draft",), AR: ("jd_amendment",), DR: ("staff_proposal",)},
    "record_fairness": {NJ: ("decision",), AR: ("decision",), DR: ("decision", "manager_discussion")},
    "decide": {NJ: ("hr_processing",), AR: ("hr_processing", "logging"), DR: ("hr_processing", "logging")},
}


def move_targets(move: Move, route: str) -> tuple[str, ...]:
    """The states ``move`` can lead to on ``route``."""
    if move.target is not None:
        return (move.target,)
    return SERVICE_TARGETS[move.action][route]


def route_states(route: str) -> list[str]:
    """Every state a case on ``route`` can reach from its start state, following the table."""
    seen: list[str] = [START_STATE[route]]
    for state in seen:  # grows while we walk it: a breadth-first search
        for move in moves_from(route, state):
            for target in move_targets(move, route):
                if target not in seen:
                    seen.append(target)
    return seen
