"""The grading process as data: states, and one table of every legal move per route.

Reading this file tells a newcomer the whole process (docs/policy.md §4.1–4.3). Each move names the
action, the states it may start from, the state it leads to, who may take it, what it requires, the
input fields it takes (with their types and limits), whose earlier moves make someone ineligible to
take it, and the policy step it implements (shown to users). ``docs/workflows/`` is generated from
this table by ``gradepath workflow-docs``; a test walks every state × action × role.

Who may act ("roles") are relationships resolved for the case at the time:

* ``staff_member`` – the post holder the case is about
* ``line_manager`` – the holder's line manager (new job: the manager who started it)
* ``fm_hps`` – the FM/HPS of the case's unit, or their active delegate (never on a case about themselves)
* ``hrbp`` – the HR Business Partner of the unit, or their active delegate
* ``hr_services`` – a member of HR Services
* ``initiator`` – whoever started the case
* ``panel`` – a member of the case's appeal panel

Nobody acts on their own case except as its ``staff_member``, and nobody approves their own
submission (``Move.independent_of``, policy §2).
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from gradepath.core.inputs import BOOLEAN, CHOICE, DATE, ID_LIST, INTEGER, SCORES, TEXT, InputField
from gradepath.grading import effects
from gradepath.grading.models import CLOSED_STATES, CaseEvent, GradingCase, Outcome, Route
from gradepath.people import roles as groups
from gradepath.people.models import Person
from gradepath.workflow.docs import DocsPage, ProcessDocs
from gradepath.workflow.process import Condition, Move, Process, Role
from gradepath.workflow.roles import (
    GroupRole,
    MembersRole,
    PersonFieldRole,
    SubjectRole,
    UnitRoleHolder,
)

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
    "fairness_issue_open": "Knock-on fairness issue being resolved by the HRBP",
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
START_STATE: dict[str, str] = {Route.NEW_JOB: "draft", Route.AGREED: "agreements", Route.DIRECT: "discussion"}
# States in which the case is "before a decision" (it can be withdrawn by its initiator).
BEFORE_DECISION = ("draft", "fm_approval", "agreements", "jd_amendment", "jd_agreement", "discussion",
                   "staff_proposal", "manager_review", "manager_submission", "fm_brokering",
                   "staff_direct_submission", "hrbp_review", "evaluation", "fairness", "fairness_issue_open",
                   "manager_discussion")

# The order of states on the process map of each route.
PROCESS_MAP: dict[str, list[str]] = {
    Route.NEW_JOB: ["draft", "fm_approval", "hrbp_review", "evaluation", "fairness", "fairness_issue_open",
                    "decision", "hr_processing", "logging", "closed"],
    Route.AGREED: ["agreements", "jd_amendment", "jd_agreement", "hrbp_review", "evaluation", "fairness",
                   "fairness_issue_open", "decision", "hr_processing", "logging", "closed"],
    Route.DIRECT: ["discussion", "staff_proposal", "manager_review", "manager_submission", "fm_brokering",
                   "staff_direct_submission", "hrbp_review", "evaluation", "fairness", "fairness_issue_open",
                   "manager_discussion", "decision", "hr_processing", "logging", "closed"],
}

ALL_ROUTES = (Route.NEW_JOB, Route.AGREED, Route.DIRECT)
ROLES = ("staff_member", "line_manager", "fm_hps", "hrbp", "hr_services", "initiator", "panel")
ROLE_LABELS = {
    "staff_member": "Staff member", "line_manager": "Line manager", "fm_hps": "FM/HPS or delegate",
    "hrbp": "HR Business Partner", "hr_services": "HR Services", "initiator": "Initiator",
    "panel": "Appeal panel member",
}


# --- Conditions: a move that depends on the case, not only its state (one check each, read by the
# engine and by the test oracle alike) -------------------------------------------------------------


def _finance_pending(case: GradingCase) -> str | None:
    if not case.grant_funded:
        return "This post is not grant-funded: no finance approval is needed."
    if case.finance_approved_at is not None:
        return f"The finance approval was recorded on {timezone.localdate(case.finance_approved_at):%d %b %Y}."
    return None


def _finance_if_grant_funded(case: GradingCase) -> str | None:
    if case.grant_funded and case.finance_approved_at is None:
        return "This post is grant-funded: record the finance approval before processing the change."
    return None


def _appeal_window_open(case: GradingCase) -> str | None:
    if case.decided_at is None:
        return "There is no decision to appeal against."
    if case.events.filter(action="lodge_appeal").exists():
        return "An appeal has already been heard on this case: its outcome is final."
    if case.appeal_deadline is None:
        return "The appeal window is not open."
    if timezone.localdate() > case.appeal_deadline:
        return f"The appeal window closed on {case.appeal_deadline:%d %b %Y}."
    return None


CONDITION_CHECKS: dict[str, Condition] = {c.key: c for c in (
    Condition("finance_pending", "the post is grant-funded and its finance approval is not yet recorded",
              _finance_pending),
    Condition("finance_if_grant_funded", "a grant-funded post has its finance approval recorded",
              _finance_if_grant_funded),
    Condition("appeal_window_open", "a decision was recorded, the appeal window is open and no appeal has been "
              "lodged", _appeal_window_open),
)}
CONDITIONS: dict[str, str] = {key: c.sentence for key, c in CONDITION_CHECKS.items()}

NJ, AR, DR = Route.NEW_JOB.value, Route.AGREED.value, Route.DIRECT.value
ALL = (NJ, AR, DR)

# --- Input fields (types and limits), shared by the moves that take them ----------------------

TEXT_LIMIT = 5000
HERA_ELEMENTS = (
    "communication", "teamwork and motivation", "liaison and networking", "service delivery",
    "decision making processes and outcomes", "planning and organising resources", "initiative and problem solving",
    "analysis and research", "sensory and physical demands", "work environment", "pastoral care and welfare",
    "team development", "teaching and learning support", "knowledge and experience",
)


REQUIRED_REASON = "Give a reason: it is kept with the case and shown to the people involved."


def reason(label: str = "Reason") -> InputField:
    """A required reason: kept with the case and shown to the people involved."""
    return InputField("reason", TEXT, label, required=True, max_length=TEXT_LIMIT, required_message=REQUIRED_REASON)


NOTE = InputField("reason", TEXT, "Note for the case record (optional)", max_length=TEXT_LIMIT)


def grade_field(name: str, label: str, *, required: bool = False) -> InputField:
    return InputField(name, INTEGER, label, required=required, min_value=1, max_value=99,
                      help_text="The grade's number (1 to 10 in the grade structure in force).")


RECOMMENDED = InputField("recommended_grade", INTEGER, "Recommended grade", required=True, min_value=1,
                         max_value=99, required_message="Choose a recommended grade before submitting.")
RECOMMENDED_IF_ANY = grade_field("recommended_grade", "Recommended grade (if it changes)")
MATCHED = InputField("matched_agreed", INTEGER, "Agreed job description it matches (if any)", min_value=1,
                     max_value=2**62, help_text="The id of a current entry of the agreed JD library.")
SUBMISSION = (RECOMMENDED, MATCHED, NOTE)
FAIRNESS_ISSUE = InputField("fairness_issue", BOOLEAN, "Is there a knock-on fairness issue for other post holders?",
                            required=True, required_message="Say whether there is a knock-on fairness issue for "
                                                            "other post holders.")
ASSESSMENT = InputField("assessment", TEXT, "Fairness assessment: the impact on other holders of this and "
                        "similar job descriptions", required=True, max_length=TEXT_LIMIT,
                        required_message="Record the fairness assessment: the impact on other holders of this "
                                         "and similar JDs.")
RESOLUTION = InputField("resolution", TEXT, "How the issue was resolved", max_length=TEXT_LIMIT)
ALSO_REGRADE = InputField("also_regrade", ID_LIST, "Other posts on the same JD version to regrade with this one",
                          max_items=500, help_text="Ids of posts holding the same JD version as this post.")

# Who submitted the JD and grade on its way to the HRBP: none of them checks or decides it (policy §2).
SUBMITTERS = ("submit_for_approval", "approve", "submit_amended_jd", "agree_amended_jd", "submit_proposal",
              "confirm_jd", "submit_to_fm", "record_grade_agreement", "submit_to_hrbp")

MOVES: list[Move] = [
    # --- New job (policy §4.1) -------------------------------------------------------------------
    Move("submit_for_approval", "Submit to the FM/HPS for approval", (NJ,), ("draft",), "fm_approval",
         ("line_manager", "initiator"), "§4.1 step 3: the JD and recommended grade go to the FM/HPS (or delegate); "
         "the HoD or departmental contact is copied", requires=("recommended_grade", "submitted_jd"),
         inputs=SUBMISSION),
    Move("approve", "Approve the JD and recommended grade", (NJ,), ("fm_approval",), "hrbp_review", ("fm_hps",),
         "§4.1 step 3–4: FM/HPS approval, then submitted to the HRBP", inputs=(NOTE,),
         independent_of=("submit_for_approval",)),
    Move("return_to_manager", "Return to the manager", (NJ,), ("fm_approval",), "draft", ("fm_hps",),
         "§4.1 step 3: the FM/HPS may return the JD for changes", requires=("reason",), inputs=(reason(),),
         independent_of=("submit_for_approval",), style="secondary", tells_involved=True),
    # --- Agreed Route (policy §4.2) --------------------------------------------------------------
    Move("agree_duties_changed", "Agree that the duties have changed significantly", (AR,), ("agreements",), None,
         ("staff_member", "line_manager", "fm_hps"), "§4.2: staff member, line manager and FM/HPS (or delegate) "
         "all agree the duties have changed significantly", inputs=(NOTE,), once_per_role=True, then="jd_amendment"),
    Move("decline_agreed_route", "Do not agree (use the Direct Route instead)", (AR,), ("agreements",), "not_agreed",
         ("line_manager", "fm_hps"), "§4.2/4.3: without all three agreements the staff member may use the Direct "
         "Route", requires=("reason",), inputs=(reason(),), style="danger", tells_involved=True),
    Move("submit_amended_jd", "Submit the amended JD with a recommended grade", (AR,), ("jd_amendment",),
         "jd_agreement", ("line_manager", "staff_member"), "§4.2: the JD is amended to reflect the changed duties, "
         "with a recommended grade by reference to an agreed JD", requires=("recommended_grade", "submitted_jd"),
         inputs=SUBMISSION),
    Move("agree_amended_jd", "Agree the amended JD and recommended grade", (AR,), ("jd_agreement",), None,
         ("staff_member", "line_manager", "fm_hps"), "§4.2: all three agree the redrafted JD and recommended grade; "
         "the case then continues at step 4 of the new-job process", inputs=(NOTE,), once_per_role=True,
         then="hrbp_review"),
    Move("return_for_amendment", "Return the JD for further amendment", (AR,), ("jd_agreement",), "jd_amendment",
         ("staff_member", "line_manager", "fm_hps"), "§4.2: the redrafted JD is not yet agreed",
         requires=("reason",), inputs=(reason(),), style="secondary", tells_involved=True),
    # --- Direct Route (policy §4.3) --------------------------------------------------------------
    Move("record_discussion", "Record the discussion with the staff member", (DR,), ("discussion",),
         "staff_proposal", ("line_manager", "fm_hps"), "§4.3 step 1: the line manager or FM/HPS discusses it with "
         "the staff member", requires=("reason",),
         inputs=(reason("Notes of the discussion (when, who, what was said)"),)),
    Move("submit_proposal", "Submit my proposed JD and recommended grade", (DR,), ("staff_proposal",),
         "manager_review", ("staff_member",), "§4.3 step 2: the staff member proposes JD revisions showing tracked "
         "changes, with a recommended grade", requires=("recommended_grade", "submitted_jd"), inputs=SUBMISSION),
    Move("confirm_jd", "Confirm the JD reflects the duties required", (DR,), ("manager_review",),
         "manager_submission", ("line_manager",), "§4.3 step 3: the line manager confirms the JD", inputs=(NOTE,),
         independent_of=("submit_proposal",)),
    Move("return_to_staff", "Return to the staff member for further amendment", (DR,), ("manager_review",),
         "staff_proposal", ("line_manager",), "§4.3 step 3: or returns it for further amendment (a loop)",
         requires=("reason",), inputs=(reason(),), independent_of=("submit_proposal",), style="secondary", tells_involved=True),
    Move("submit_to_fm", "Submit the JD and recommended grade to the FM/HPS", (DR,), ("manager_submission",),
         "fm_brokering", ("line_manager",), "§4.3 step 4: the manager submits to the FM/HPS (or delegate), "
         "copied to the HoD or departmental contact", inputs=(NOTE,)),
    Move("record_grade_agreement", "Record that the grade is agreed", (DR,), ("fm_brokering",), "hrbp_review",
         ("fm_hps",), "§4.3 step 5: agreement reached: the case goes to the HRBP as in §4.2",
         inputs=(RECOMMENDED_IF_ANY, MATCHED, NOTE),
         independent_of=("submit_to_fm",)),
    Move("record_no_agreement", "Record that no agreement was reached", (DR,), ("fm_brokering",),
         "staff_direct_submission", ("fm_hps",), "§4.3 step 6: no agreement: the staff member may submit to the "
         "HRBP directly", requires=("reason",), inputs=(reason(),), independent_of=("submit_to_fm",),
         style="secondary", tells_involved=True),
    Move("submit_to_hrbp", "Submit my JD and recommended grade to the HRBP", (DR,), ("staff_direct_submission",),
         "hrbp_review", ("staff_member",), "§4.3 step 6: the staff member submits to the HRBP with the agreed JD it "
         "was matched to, if any", inputs=(RECOMMENDED_IF_ANY, MATCHED, NOTE)),
    # --- Shared: HRBP, decision, HR Services, logging (policy §4.1 steps 4–9) ----------------------
    Move("confirm_by_match", "Grade checked by match to an agreed JD", ALL, ("hrbp_review",), "fairness",
         ("hrbp",), "§4.1 step 4: grade check by match to an agreed JD", requires=("matched_agreed",),
         inputs=(MATCHED, NOTE), independent_of=SUBMITTERS),
    Move("refer_to_evaluation", "Refer for full job evaluation (HERA)", ALL, ("hrbp_review",), "evaluation",
         ("hrbp",), "§4.1 step 4: referral to full job evaluation where nothing matches", inputs=(NOTE,),
         independent_of=SUBMITTERS, style="secondary"),
    Move("return_to_submitter", "Return for more information", ALL, ("hrbp_review",), None, ("hrbp",),
         "§4.1 step 4: the HRBP may return an incomplete submission", requires=("reason",), inputs=(reason(),),
         independent_of=SUBMITTERS, style="secondary", tells_involved=True),
    Move("record_evaluation", "Record the evaluation result", ALL, ("evaluation",), "fairness", ("hrbp",),
         "§5: element levels and scores as entered; the total falls into a grade band",
         requires=("evaluation",),
         inputs=(InputField("scores", SCORES, "HERA element scores", required=True, min_value=0, max_value=1000,
                            keys=HERA_ELEMENTS, required_message="Enter the score of each of the 14 HERA elements."),
                 InputField("levels", SCORES, "HERA element levels (if recorded)", min_value=0, max_value=20,
                            keys=HERA_ELEMENTS), NOTE),
         independent_of=SUBMITTERS),
    Move("record_fairness", "Record the fairness assessment", ALL, ("fairness",), None, ("hrbp",),
         "§4.1 step 5 / §4.2: impact on other post holders; a knock-on issue may stay open while it is assessed, "
         "and must be resolved and recorded before the decision and HR Services", requires=("fairness",),
         inputs=(FAIRNESS_ISSUE, ASSESSMENT, RESOLUTION, ALSO_REGRADE, NOTE), independent_of=SUBMITTERS),
    Move("resolve_fairness_issue", "Record how the fairness issue was resolved", ALL, ("fairness_issue_open",), None,
         ("hrbp",), "§4.1 step 5 / §4.2: the knock-on issue is resolved and recorded before the case goes on",
         requires=("resolution",),
         inputs=(InputField("resolution", TEXT, "How the issue was resolved", required=True, max_length=TEXT_LIMIT),
                 ALSO_REGRADE, NOTE), independent_of=SUBMITTERS),
    Move("record_manager_discussion", "Record the discussion with the line manager", (DR,),
         ("manager_discussion",), "decision", ("hrbp",), "§4.3 step 8: a new grade is discussed with the line "
         "manager first", requires=("reason",), inputs=(reason("Notes of the discussion with the line manager"),),
         independent_of=SUBMITTERS),
    Move("decide", "Record the decision", ALL, ("decision",), None, ("hrbp",),
         "§4.1 step 6 / §4.3 step 9: grade confirmed or changed; higher grade, reallocation of the additional "
         "duties, or no change", requires=("outcome",),
         inputs=(InputField("outcome", CHOICE, "Outcome", required=True, choices=tuple(Outcome.choices),
                            required_message="Choose the outcome."),
                 grade_field("grade", "Grade decided (for a confirmed or different grade)"),
                 InputField("grade_difference_reason", TEXT, "Why the decided grade differs from the grade the "
                            "check gave", max_length=TEXT_LIMIT), NOTE),
         independent_of=SUBMITTERS),
    Move("record_finance_approval", "Record the finance approval (grant-funded post)", ALL, ("hr_processing",),
         "hr_processing", ("hr_services",), "§4.1 step 7: grant-funded posts need a finance approval",
         requires=("reason",), inputs=(reason("Finance approval (who approved, and the reference)"),),
         when=("finance_pending",), style="secondary"),
    Move("process", "Process the change (grade, spine point, effective date)", ALL, ("hr_processing",), "logging",
         ("hr_services",), "§4.1 step 7: HR Services processes the new grade, spine point, effective date and "
         "allowances", when=("finance_if_grant_funded",),
         inputs=(InputField("effective_date", DATE, "Effective date"),
                 InputField("allowances_stopped", TEXT, "Allowances stopped (if any)", max_length=2000),
                 InputField("pay_protection", BOOLEAN, "Record pay protection (keep the current spine point if the "
                            "new one is lower)"), NOTE)),
    Move("log_and_send", "Log the approved JD and send it to the job evaluation mailbox", ALL, ("logging",),
         "closed", ("hrbp",), "§4.1 step 8 / §4.3 step 10: the approved JD with its grade goes to the job "
         "evaluation mailbox and is logged in the agreed JD library", inputs=(NOTE,)),
    # --- Appeal (policy §4.1 step 9) -------------------------------------------------------------
    Move("lodge_appeal", "Appeal against the decision", ALL, ("closed",), "appeal",
         ("staff_member", "line_manager"), "§4.1 step 9: within the appeal window, with grounds",
         requires=("reason",), inputs=(reason("Grounds of appeal"),), when=("appeal_window_open",), tells_involved=True),
    Move("convene_panel", "Convene the appeal panel", ALL, ("appeal",), "appeal_hearing", ("hr_services",),
         "§4.1 step 9: a panel of people not involved in the case", requires=("panel",),
         inputs=(InputField("panel", ID_LIST, "Panel members (people not involved in this case; at least two)",
                            required=True, max_items=12, help_text="Ids of people.",
                            required_message="An appeal panel needs at least two members."), NOTE)),
    Move("uphold_appeal", "Uphold the appeal and change the grade", ALL, ("appeal_hearing",), "hr_processing",
         ("panel",), "§4.1 step 9: the outcome can change the grade", requires=("reason", "grade"),
         inputs=(reason("Reasons of the panel"),
                 InputField("grade", INTEGER, "Grade decided on appeal", required=True, min_value=1, max_value=99,
                            required_message="Choose the grade decided on appeal (1 to 10)."))),
    Move("dismiss_appeal", "Dismiss the appeal", ALL, ("appeal_hearing",), "closed", ("panel",),
         "§4.1 step 9: the decision stands", requires=("reason",), inputs=(reason("Reasons of the panel"),),
         style="secondary"),
    # --- Any time before a decision ----------------------------------------------------------
    Move("withdraw", "Withdraw the case", ALL, BEFORE_DECISION, "withdrawn", ("initiator",),
         "A case can be withdrawn by its initiator before a decision", requires=("reason",), inputs=(reason(),),
         style="danger", tells_involved=True),
]

# What people read after each move, written for them (never the action's internal name):
# (what the person who took it is told, what the people involved are told). "{actor}" is who took it,
# "{title}" the job; the outcome moves (decide, process, log_and_send, uphold and dismiss an appeal) tell the
# staff member and line manager the outcome itself (services._tell_outcome).
SENTENCES: dict[str, tuple[str, str]] = {
    "submit_for_approval": ("You submitted the JD and recommended grade to the FM/HPS for approval.",
                            "{actor} submitted the JD of {title} and a recommended grade to the FM/HPS for approval."),
    "approve": ("You approved the JD and recommended grade: the case goes to the HR Business Partner.",
                "{actor} approved the JD and recommended grade of {title}: it goes to the HR Business Partner."),
    "return_to_manager": ("You returned the JD to the manager with your reason.",
                          "{actor} returned the JD of {title} to you for changes."),
    "agree_duties_changed": ("You agreed that the duties have changed significantly.",
                             "{actor} agreed that the duties of {title} have changed significantly."),
    "decline_agreed_route": ("You recorded that you do not agree: the Agreed Route request is closed.",
                             "{actor} did not agree that the duties of {title} have changed enough for the Agreed "
                             "Route, so that request is closed. The staff member may still propose changes through "
                             "the Direct Route."),
    "submit_amended_jd": ("You submitted the amended JD with a recommended grade for the others to agree.",
                          "{actor} submitted the amended JD of {title} with a recommended grade for your agreement."),
    "agree_amended_jd": ("You agreed the amended JD and recommended grade.",
                         "{actor} agreed the amended JD and recommended grade of {title}."),
    "return_for_amendment": ("You returned the JD for further amendment with your reason.",
                             "{actor} returned the amended JD of {title} for further amendment."),
    "record_discussion": ("You recorded the discussion: the staff member may now propose changes to the JD.",
                          "{actor} recorded the discussion about {title}: you may now propose changes to the JD."),
    "submit_proposal": ("You submitted your proposed JD and recommended grade to your line manager.",
                        "{actor} submitted a proposed JD for {title} with a recommended grade for your review."),
    "confirm_jd": ("You confirmed that the JD reflects the duties required.",
                   "{actor} confirmed that the proposed JD of {title} reflects the duties required."),
    "return_to_staff": ("You returned the proposed JD to the staff member with your reason.",
                        "{actor} returned your proposed JD of {title} for further amendment."),
    "submit_to_fm": ("You submitted the JD and recommended grade to the FM/HPS.",
                     "{actor} submitted the JD of {title} and its recommended grade to the FM/HPS."),
    "record_grade_agreement": ("You recorded that the grade is agreed: the case goes to the HR Business Partner.",
                               "{actor} recorded that the grade of {title} is agreed: it goes to the HR Business "
                               "Partner."),
    "record_no_agreement": ("You recorded that no agreement was reached: the staff member may submit directly to "
                            "the HR Business Partner.",
                            "{actor} recorded that no agreement was reached on the grade of {title}: the staff "
                            "member may submit it directly to the HR Business Partner."),
    "submit_to_hrbp": ("You submitted your JD and recommended grade to the HR Business Partner.",
                       "{actor} submitted the JD of {title} directly to the HR Business Partner."),
    "confirm_by_match": ("You recorded the grade check against the matched agreed JD.",
                         "{actor} checked the grade of {title} against an agreed JD."),
    "refer_to_evaluation": ("You referred the job for full job evaluation (HERA).",
                            "{actor} referred {title} for full job evaluation (HERA)."),
    "return_to_submitter": ("You returned the submission for more information with your reason.",
                            "{actor} returned the submission of {title} for more information."),
    "record_evaluation": ("You recorded the job evaluation result.",
                          "{actor} recorded the job evaluation of {title}."),
    "record_fairness": ("You recorded the fairness assessment.",
                        "{actor} recorded the fairness assessment of {title}."),
    "resolve_fairness_issue": ("You recorded how the knock-on fairness issue was resolved.",
                               "{actor} recorded how the knock-on fairness issue of {title} was resolved."),
    "record_manager_discussion": ("You recorded the discussion with the line manager.",
                                  "{actor} recorded the discussion of the new grade of {title} with the line "
                                  "manager."),
    "decide": ("You recorded the decision: the staff member and line manager are told the outcome.",
               "{actor} recorded the decision on {title}."),
    "record_finance_approval": ("You recorded the finance approval.",
                                "{actor} recorded the finance approval for {title}."),
    "process": ("You processed the change: the pay history and the post's grade change from the effective date.",
                "{actor} processed the change to {title}."),
    "log_and_send": ("You logged the approved JD in the agreed JD library and sent it to the job evaluation "
                     "mailbox: the case is closed.",
                     "{actor} logged the approved JD of {title}: the case is closed."),
    "lodge_appeal": ("You lodged the appeal: HR Services will convene a panel of people not involved in the case.",
                     "{actor} lodged an appeal against the decision on {title}."),
    "convene_panel": ("You convened the appeal panel: its members are asked to hear the appeal.",
                      "{actor} convened the appeal panel for {title}."),
    "uphold_appeal": ("You upheld the appeal: HR Services will process the grade the panel decided.",
                      "{actor} upheld the appeal on {title}."),
    "dismiss_appeal": ("You dismissed the appeal: the decision stands.",
                       "{actor} dismissed the appeal on {title}."),
    "withdraw": ("You withdrew the case.", "{actor} withdrew the grading case for {title}."),
}
# Moves whose news goes to the staff member, line manager and initiator (besides the next person's task).
TOLD_TO_THOSE_INVOLVED = ("return_to_manager", "decline_agreed_route", "return_for_amendment", "return_to_staff",
                          "record_no_agreement", "return_to_submitter", "lodge_appeal", "withdraw")
# Moves after which the staff member and line manager are told the outcome in plain words (policy §4.1 step 6).
TELLS_THE_OUTCOME = effects.TELLS_THE_OUTCOME

MOVES_BY_ACTION: dict[str, Move] = {m.action: m for m in MOVES}

# Where the moves whose ``target`` is None can lead, per route (their effect picks one): used by the
# generated docs and checked by the stateful test against every event the engine writes.
SERVICE_TARGETS: dict[str, dict[str, tuple[str, ...]]] = {
    "agree_duties_changed": {AR: ("agreements", "jd_amendment")},
    "agree_amended_jd": {AR: ("jd_agreement", "hrbp_review")},
    "return_to_submitter": {NJ: ("draft",), AR: ("jd_amendment",), DR: ("staff_proposal",)},
    "record_fairness": {NJ: ("decision", "fairness_issue_open"), AR: ("decision", "fairness_issue_open"),
                        DR: ("decision", "manager_discussion", "fairness_issue_open")},
    "resolve_fairness_issue": {NJ: ("decision",), AR: ("decision",), DR: ("decision", "manager_discussion")},
    "decide": {NJ: ("hr_processing",), AR: ("hr_processing", "logging"), DR: ("hr_processing", "logging")},
}


# --- Roles: who holds each for a case (permission, tasks and escalation alike) ---------------------


def _unit(case: GradingCase):
    return case.org_unit


def _subject(case: GradingCase):
    return case.subject


def _panel(case: GradingCase):
    return Person.objects.filter(pk__in=case.panel.values("person_id"))


# A late staff member, line manager, initiator or panel member: the FM/HPS is told, or the HRBP when there
# is none (or it is the person the case is about); a late FM/HPS, HR Services or HRBP: the HRBP.
_UP_TO_FM = ("fm_hps", "hrbp")
_UP_TO_HRBP = ("hrbp",)
ROLE_RESOLVERS: dict[str, Role] = {
    "staff_member": SubjectRole("staff_member", ROLE_LABELS["staff_member"], subject_of=_subject, unit_of=_unit,
                                escalate=_UP_TO_FM),
    "line_manager": PersonFieldRole("line_manager", ROLE_LABELS["line_manager"], field="line_manager",
                                    capacity="line manager", unit_of=_unit, escalate=_UP_TO_FM),
    "fm_hps": UnitRoleHolder("fm_hps", ROLE_LABELS["fm_hps"], unit_role="fm_hps", unit_of=_unit,
                             subject_of=_subject, escalate=_UP_TO_HRBP),
    "hrbp": UnitRoleHolder("hrbp", ROLE_LABELS["hrbp"], unit_role="hrbp", unit_of=_unit, subject_of=_subject,
                           escalate=_UP_TO_HRBP),
    "hr_services": GroupRole("hr_services", ROLE_LABELS["hr_services"], group=groups.HR_SERVICES, unit_of=_unit,
                             escalate=_UP_TO_HRBP),
    "initiator": PersonFieldRole("initiator", ROLE_LABELS["initiator"], field="initiator", capacity="initiator",
                                 unit_of=_unit, tasks=False, subject_may_hold=True, escalate=_UP_TO_FM),
    "panel": MembersRole("panel", ROLE_LABELS["panel"], people_of=_panel, capacity="appeal panel member",
                         unit_of=_unit, escalate=_UP_TO_FM),
}


def _setting(name: str):
    return settings.GRADEPATH_GRADING[name]


def _due_days(state: str) -> int:
    targets = _setting("STEP_TARGETS")
    return targets.get(state, targets["default"])


def _involved(case: GradingCase) -> list:
    return [case.subject, case.line_manager, case.initiator]


APPEAL_ACTIONS = ("lodge_appeal", "convene_panel", "uphold_appeal", "dismiss_appeal")
DOCS = ProcessDocs(
    title="Grading cases", source="gradepath/grading/workflow.py", excluded=APPEAL_ACTIONS,
    pages=(
        DocsPage("new-job.md", "New job grading", NJ, "§4.1", "41-new-job-grading",
                 intro="Appeals after the case is closed are on [the appeal page](appeal.md)."),
        DocsPage("agreed-route.md", "Existing job: the Agreed Route", AR, "§4.2", "42-existing-job-agreed-route",
                 intro="Appeals after the case is closed are on [the appeal page](appeal.md)."),
        DocsPage("direct-route.md", "Existing job: the Direct Route", DR, "§4.3", "43-existing-job-direct-route",
                 intro="Appeals after the case is closed are on [the appeal page](appeal.md)."),
        DocsPage("appeal.md", "Appeals (every route)", None, "§4.1 step 9", "41-new-job-grading",
                 actions=APPEAL_ACTIONS,
                 intro="An appeal can follow any route once the decision is logged and the case closed. "
                       "Upholding it sends the case back to HR Services to process the new grade."),
    ),
    requirement_words={
        "reason": "a reason", "recommended_grade": "a recommended grade",
        "submitted_jd": "the JD (submitted as a new version)", "matched_agreed": "the matched agreed JD",
        "evaluation": "the 14 HERA element scores (the total gives the grade band)",
        "fairness": "the fairness assessment (an issue may stay open until its resolution is recorded)",
        "resolution": "how the knock-on issue was resolved",
        "outcome": "the outcome (and grade; a reason when it differs from the check)",
        "panel": "at least two panel members not involved in the case", "grade": "the grade decided on appeal",
    },
    role_descriptions={
        "staff_member": "the post holder the case is about",
        "line_manager": "the holder's line manager (for a new job, the manager who started it)",
        "fm_hps": "the FM/HPS of the case's unit, or their delegate while the delegation is active; when neither "
                  "may act (the case is about them, or they submitted it), the FM/HPS above",
        "hrbp": "the HR Business Partner of the unit, or their active delegate (or the HRBP above, as for the "
                "FM/HPS)",
        "hr_services": "a member of HR Services (their tasks are the team's queue)",
        "initiator": "whoever started the case",
        "panel": "a member of the case's appeal panel",
    },
    notes=("Nobody acts on a case about themselves except as its staff member (or as the one who started it, to "
           "withdraw it), and nobody approves their own submission. A delegate never acts on a case about "
           "themselves or about the person they stand in for, and only between the delegation's start and end "
           "dates.",
           "Agreements marked \"each once\" need every listed role to record them once, each by a different "
           "person; the case moves on after the last one."),
)


def _build() -> Process:
    return Process(
        name="grading", label="Grading", noun="grading case", short_noun="case", model=GradingCase, event_model=CaseEvent,
        event_fk="case", states=STATES, closed_states=CLOSED_STATES, variants=dict(Route.choices),
        start_states=dict(START_STATE), process_map=PROCESS_MAP, moves=MOVES, roles=ROLE_RESOLVERS,
        conditions=CONDITION_CHECKS, sentences=SENTENCES, variant_of=lambda case: case.route,
        subject_of=_subject, unit_of=_unit, title_of=lambda case: case.title,
        link_of=lambda case: f"/grading/{case.pk}/", involved_of=_involved, due_days=_due_days,
        effects=effects.EFFECTS, on_enter=effects.ON_ENTER, after_move=effects.after_move,
        service_targets=SERVICE_TARGETS, silent_states=("withdrawn", "not_agreed"),
        reminder_days=lambda: _setting("REMIND_BEFORE_WORKING_DAYS"), docs=DOCS,
        detail_url_name="grading:case-detail",
    )


GRADING: Process = _build()


def moves_from(route: str, state: str) -> list[Move]:
    """The moves a case on ``route`` in ``state`` allows, in table order."""
    return GRADING.moves_from(route, state)


def move_targets(move: Move, route: str) -> tuple[str, ...]:
    """The states ``move`` can lead to on ``route``."""
    return GRADING.move_targets(move, route)


def route_states(route: str) -> list[str]:
    """Every state a case on ``route`` can reach from its start state, following the table."""
    return GRADING.variant_states(route)
