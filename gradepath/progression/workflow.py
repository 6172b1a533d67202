"""Accelerated increments and contribution points as data: states, and one table of every legal move
on each route (docs/policy.md §4.6). ``docs/workflows/`` is generated from this table by
``gradepath workflow-docs``; a test walks every state × action × role.

Two routes:

* **Applied by the HoD** (any time): the FM/HPS comments → the Dean (or, for a corporate unit, the
  Vice-Provost (Operations)) decides → HR Services validate, which writes the pay history.
* **Directly to the Dean**, when the HoD will not support it: the staff member applies → the Dean asks
  the HoD (the staff member is copied on their comments) and the FM/HPS for written comments → when both
  are in, the Dean decides → HR Services validate.

Who may act ("roles") are relationships resolved for the request at the time:

* ``applicant`` – who applied: the HoD, or the staff member on the direct route (resubmits, withdraws)
* ``head`` – the HoD or departmental contact of the staff member's unit, or their active delegate
* ``fm_hps`` – the FM/HPS of the unit, or their active delegate
* ``decider`` – the Dean of the faculty, or the Vice-Provost (Operations) for a corporate unit (a
  professional services division), or their active delegate; never the applicant
* ``hr_services`` – a member of HR Services

Nobody acts on a request about themselves except as its applicant.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from gradepath.core.inputs import TEXT, InputField
from gradepath.grades.models import PayRecord
from gradepath.people import roles as groups
from gradepath.people.relations import eligible_holders
from gradepath.progression import effects
from gradepath.progression.models import CLOSED_STATES, ProgressionEvent, ProgressionRequest, Route
from gradepath.workflow.docs import DocsPage, ProcessDocs
from gradepath.workflow.process import Condition, Move, Process, Role
from gradepath.workflow.roles import GroupRole, PersonFieldRole, UnitRoleHolder

# --- States ---------------------------------------------------------------------------------------

STATES: dict[str, str] = {
    "fm_comments": "Waiting for the FM/HPS's comments",
    "dean_intake": "With the Dean, to ask the HoD and the FM/HPS for written comments",
    "comments": "Waiting for the written comments of the HoD and the FM/HPS",
    "decision": "Waiting for the decision of the Dean (or the Vice-Provost (Operations))",
    "returned": "Returned to the applicant for more information",
    "hr_validation": "Approved: HR Services validating",
    "completed": "Completed: the pay history is written",
    "declined": "Declined",
    "withdrawn": "Withdrawn",
}
HOD, DIRECT = Route.HOD.value, Route.DIRECT.value
BOTH = (HOD, DIRECT)
START_STATE: dict[str, str] = {HOD: "fm_comments", DIRECT: "dean_intake"}
PROCESS_MAP: dict[str, list[str]] = {
    HOD: ["fm_comments", "decision", "hr_validation", "completed"],
    DIRECT: ["dean_intake", "comments", "decision", "hr_validation", "completed"],
}
OPEN_STATES = tuple(s for s in STATES if s not in CLOSED_STATES)

ROLE_LABELS = {
    "applicant": "Applicant", "head": "HoD or departmental contact", "fm_hps": "FM/HPS or delegate",
    "decider": "Dean or Vice-Provost (Operations)", "hr_services": "HR Services",
}

# --- Input fields ------------------------------------------------------------------------------------

TEXT_LIMIT = 5000
REQUIRED_REASON = "Give a reason: it is kept with the request and shown to the people involved."


def reason(label: str = "Reason") -> InputField:
    return InputField("reason", TEXT, label, required=True, max_length=TEXT_LIMIT, required_message=REQUIRED_REASON)


NOTE = InputField("reason", TEXT, "Note for the request's record (optional)", max_length=TEXT_LIMIT)
COMMENTS = InputField("comments", TEXT, "Your written comments", required=True, max_length=TEXT_LIMIT,
                      required_message="Write your comments: the decider reads them with the request.")
EVIDENCE = InputField("evidence", TEXT, "Evidence (links and references; replaces what the request holds)",
                      max_length=TEXT_LIMIT)
OBJECTIVES = InputField("objectives_met", TEXT, "Stretching objectives met (replaces what the request holds)",
                        max_length=TEXT_LIMIT)

# --- Conditions ----------------------------------------------------------------------------------------


def _pay_unchanged(request: ProgressionRequest) -> str | None:
    """The award starts from the spine point the request was made on: a pay change since (an annual
    increment, a regrade) means the award must be looked at again."""
    latest = PayRecord.objects.as_of(request.effective_date or timezone.localdate(request.created_at)).filter(
        person_id=request.subject_id).values_list("grade_id", "spine_point").first()
    if latest is None or latest != (request.grade_id, request.current_point):
        now = f"spine point {latest[1]}" if latest else "no pay record"
        return (f"The pay history changed since the request was made (it started from spine point "
                f"{request.current_point}; it is now {now}): return it to the decider to look at it again.")
    return None


CONDITION_CHECKS: dict[str, Condition] = {c.key: c for c in (
    Condition("pay_unchanged", "the staff member is still on the grade and spine point the request started from",
              _pay_unchanged),
)}

# --- The moves ------------------------------------------------------------------------------------------

DECIDER_MOVES = ("approve", "decline", "return_for_information")
MOVES: list[Move] = [
    # --- Applied by the HoD (policy §4.6 steps 4–5) --------------------------------------------------
    Move("fm_comment", "Record my comments", (HOD,), ("fm_comments",), "decision", ("fm_hps",),
         "§4.6 step 5: the FM/HPS comments on the HoD's application", inputs=(COMMENTS,)),
    # --- Directly to the Dean (policy §4.6 step 4) ----------------------------------------------------
    Move("ask_for_comments", "Ask the HoD and the FM/HPS for written comments", (DIRECT,), ("dean_intake",),
         "comments", ("decider",), "§4.6 step 4: the Dean collects written comments from the HoD (the staff "
         "member is copied) and the FM/HPS", inputs=(NOTE,), tells_involved=True),
    Move("give_comments", "Give my written comments", (DIRECT,), ("comments",), None, ("head", "fm_hps"),
         "§4.6 step 4: the HoD and the FM/HPS each give written comments; the staff member is copied on the "
         "HoD's", inputs=(COMMENTS,), once_per_role=True, then="decision"),
    # --- The decision (policy §4.6 step 5) ------------------------------------------------------------
    Move("approve", "Approve the award", BOTH, ("decision",), "hr_validation", ("decider",),
         "§4.6 step 5: the Dean (or the Vice-Provost (Operations) for a corporate unit) decides; effective the "
         "1st of the month after approval", inputs=(NOTE,), tells_involved=True),
    Move("decline", "Decline the request", BOTH, ("decision",), "declined", ("decider",),
         "§4.6 step 5: the decider may decline, with the reason", requires=("reason",), inputs=(reason(),),
         style="secondary", tells_involved=True),
    Move("return_for_information", "Return to the applicant for more information", BOTH, ("decision",), "returned",
         ("decider",), "§4.6 step 5: the decider may ask for more before deciding", requires=("reason",),
         inputs=(reason("What is needed"),), style="secondary", tells_involved=True),
    Move("resubmit", "Send it back to the decider with what was asked for", BOTH, ("returned",), "decision",
         ("applicant",), "§4.6 step 5: the applicant adds what was asked for", requires=("reason",),
         inputs=(reason("What you added or changed"), OBJECTIVES, EVIDENCE)),
    # --- HR Services (policy §4.6 steps 5–6) -------------------------------------------------------------
    Move("validate", "Validate and write the pay history", BOTH, ("hr_validation",), "completed",
         ("hr_services",), "§4.6 step 6: HR Services validate; the new spine point takes effect on the 1st of "
         "the month after approval and the cost is charged to the post's funding", inputs=(NOTE,),
         when=("pay_unchanged",)),
    Move("return_to_decider", "Return to the decider", BOTH, ("hr_validation",), "decision", ("hr_services",),
         "§4.6 step 6: HR Services cannot validate it as approved", requires=("reason",), inputs=(reason(),),
         style="secondary", tells_involved=True),
    Move("withdraw", "Withdraw the request", BOTH, OPEN_STATES, "withdrawn", ("applicant",),
         "§4.6: the applicant may withdraw before HR Services validate", requires=("reason",),
         inputs=(reason(),), style="danger", tells_involved=True),
]
# Where ``give_comments`` can lead (the second set of comments moves the request on).
SERVICE_TARGETS: dict[str, dict[str, tuple[str, ...]]] = {"give_comments": {DIRECT: ("comments", "decision")}}
MOVES_BY_ACTION: dict[str, Move] = {m.action: m for m in MOVES}

SENTENCES: dict[str, tuple[str, str]] = {
    "fm_comment": ("You recorded your comments: the request goes to the decider.",
                   "{actor} commented on the request for {title}: it goes to the decider."),
    "ask_for_comments": ("You asked the HoD and the FM/HPS for their written comments.",
                         "{actor} asked the HoD and the FM/HPS for written comments on the request for {title}. "
                         "You are copied on the HoD's comments."),
    "give_comments": ("You gave your written comments.", "{actor} gave written comments on the request for {title}."),
    "approve": ("You approved the award: HR Services validate it and write the pay history.",
                "{actor} approved the request for {title}: HR Services validate it next."),
    "decline": ("You declined the request with your reason.", "{actor} declined the request for {title}."),
    "return_for_information": ("You returned the request to the applicant for more information.",
                               "{actor} returned the request for {title} for more information."),
    "resubmit": ("You sent the request back to the decider.",
                 "{actor} added what was asked for to the request for {title}: it is with the decider again."),
    "validate": ("You validated the award: the pay history is written.",
                 "{actor} validated the award for {title}: the pay history is written."),
    "return_to_decider": ("You returned the request to the decider with your reason.",
                          "{actor} returned the approved request for {title} to the decider."),
    "withdraw": ("You withdrew the request.", "{actor} withdrew the request for {title}."),
}

# --- Roles ---------------------------------------------------------------------------------------------------


def _unit(request: ProgressionRequest):
    return request.org_unit


def _subject(request: ProgressionRequest):
    return request.subject


class DeciderRole(UnitRoleHolder):
    """The Dean, or the Vice-Provost (Operations) for a corporate unit (``request.decider_role``), or their
    active delegate; never the person who applied (nobody approves their own application: the holder
    above, or a delegate, decides instead)."""

    def _candidates(self, obj, excluding):
        return eligible_holders(self._unit_of(obj), obj.decider_role, subject=self._subject_of(obj),
                                excluding=frozenset(excluding) | {obj.initiator_id})


_UP = ("hrbp",)
ROLE_RESOLVERS: dict[str, Role] = {
    "applicant": PersonFieldRole("applicant", ROLE_LABELS["applicant"], field="initiator", capacity="applicant",
                                 unit_of=_unit, subject_may_hold=True, escalate=("head", "hrbp")),
    "head": UnitRoleHolder("head", ROLE_LABELS["head"], unit_role="head", unit_of=_unit, subject_of=_subject,
                           escalate=_UP),
    "fm_hps": UnitRoleHolder("fm_hps", ROLE_LABELS["fm_hps"], unit_role="fm_hps", unit_of=_unit,
                             subject_of=_subject, escalate=_UP),
    "decider": DeciderRole("decider", ROLE_LABELS["decider"], unit_role="dean", unit_of=_unit, subject_of=_subject,
                           escalate=_UP),
    "hr_services": GroupRole("hr_services", ROLE_LABELS["hr_services"], group=groups.HR_SERVICES, unit_of=_unit,
                             escalate=_UP),
}


def policy(name: str) -> int:
    """A policy setting of the process (``GRADEPATH["PROGRESSION"]``)."""
    found: dict[str, int] = getattr(settings, "GRADEPATH")["PROGRESSION"]  # noqa: B009 - typed as a whole
    return found[name]


def _due_days(state: str) -> int:
    return policy("STEP_TARGET_DAYS")


def _involved(request: ProgressionRequest) -> list:
    return [request.subject, request.initiator]


DOCS = ProcessDocs(
    title="Accelerated increments and contribution points", source="gradepath/progression/workflow.py",
    pages=(
        DocsPage("aip-hod.md", "Accelerated increments: applied by the HoD", HOD, "§4.6",
                 "46-accelerated-incremental-progression-and-contribution-points",
                 intro="The HoD applies at any time, for a member of staff on grades 1–9."),
        DocsPage("aip-direct.md", "Accelerated increments: applied directly to the Dean", DIRECT, "§4.6",
                 "46-accelerated-incremental-progression-and-contribution-points",
                 intro="When the HoD will not support it, the staff member applies directly to the Dean, who "
                       "collects written comments from the HoD (the staff member is copied) and the FM/HPS."),
    ),
    requirement_words={"reason": "a reason"},
    role_descriptions={
        "applicant": "who applied: the HoD, or the staff member on the direct route",
        "head": "the HoD or departmental contact of the staff member's unit, or their active delegate",
        "fm_hps": "the FM/HPS of the unit, or their active delegate",
        "decider": "the Dean of the faculty, or the Vice-Provost (Operations) when the unit's top unit is a "
                   "professional services division (corporate), or their active delegate; never the applicant "
                   "(then the holder above decides)",
        "hr_services": "a member of HR Services (their tasks are the team's queue)",
    },
    notes=("Nobody acts on a request about themselves except as its applicant. One open request per person at "
           "a time. Grades 1–9 only; never beyond the grade's last contribution point; two points only with a "
           "stated exceptional reason.",
           "Comments marked \"each once\" need the HoD and the FM/HPS to give them, each a different person; "
           "the request goes to the decider after the second."),
)


def _build() -> Process:
    return Process(
        name="progression", label="Accelerated increments", noun="accelerated increment request",
        short_noun="request", model=ProgressionRequest, event_model=ProgressionEvent, event_fk="request",
        states=STATES, closed_states=CLOSED_STATES, variants=dict(Route.choices), start_states=dict(START_STATE),
        process_map=PROCESS_MAP, moves=MOVES, roles=ROLE_RESOLVERS, conditions=CONDITION_CHECKS,
        sentences=SENTENCES, variant_of=lambda r: r.route, subject_of=_subject, unit_of=_unit,
        title_of=lambda r: f"{r.subject.full_name}, {r.title}", link_of=lambda r: f"/progression/{r.pk}/",
        involved_of=_involved, due_days=_due_days, effects=effects.EFFECTS, after_move=effects.after_move,
        service_targets=SERVICE_TARGETS, silent_states=("declined", "withdrawn"),
        reminder_days=lambda: policy("REMIND_BEFORE_WORKING_DAYS"), docs=DOCS,
        detail_url_name="progression:request-detail",
    )


PROGRESSION: Process = _build()
