"""Acting up and honoraria as data: states, and one table of every legal move per kind (policy §4.8).

Reading this file tells a newcomer the whole process. Two variants:

* ``acting_up``: the line manager proposes that a report does the full duties of a higher-graded post
  from a start to an end date → the FM/HPS (or delegate) approves → HR Services confirm the pay (the
  acting-up point from the start date, an acting-up appointment on the post) → it runs until its end
  date, when HR Services end it (or earlier, with a reason) and the pay returns to the substantive
  grade and point.
* ``honorarium``: the line manager proposes the extra duties and an amount → HR Services agree it, or
  propose another amount that the line manager accepts → agreed, paid once or monthly over a period.

Who may act ("roles") are relationships resolved for the allowance at the time:

* ``line_manager`` – the person's line manager, who proposed it
* ``fm_hps`` – the FM/HPS of the person's unit, or their active delegate (never on their own matter,
  never approving their own proposal: then the FM/HPS above)
* ``hr_services`` – a member of HR Services

The member of staff it is about is told at every step and never acts on it.
``docs/workflows/`` is generated from this table by ``gradepath workflow-docs``.
"""

from __future__ import annotations

from django.utils import timezone

from gradepath.allowances import effects
from gradepath.allowances.models import CLOSED_STATES, Allowance, AllowanceEvent, Kind
from gradepath.allowances.pay import setting
from gradepath.allowances.rules import REASON_LIMIT, day
from gradepath.core.inputs import DATE, INTEGER, TEXT, InputField
from gradepath.people import roles as groups
from gradepath.workflow.docs import DocsPage, ProcessDocs
from gradepath.workflow.process import Condition, Move, Process, Role
from gradepath.workflow.roles import GroupRole, PersonFieldRole, UnitRoleHolder

# --- States ---------------------------------------------------------------------------------

STATES: dict[str, str] = {
    "draft": "Proposal being prepared by the line manager",
    # Acting up
    "fm_approval": "Waiting for FM/HPS approval",
    "pay_confirmation": "HR Services to confirm the acting-up pay",
    "acting": "Acting up: HR Services end it on its end date",
    "ended": "Ended: pay back to the substantive grade",
    # Honorarium
    "hr_agreement": "HR Services to agree the amount",
    "manager_acceptance": "Line manager to accept the amount HR Services proposed",
    "agreed": "Agreed: payable",
    # Either
    "declined": "Declined",
    "withdrawn": "Withdrawn",
}
AU, HO = Kind.ACTING_UP.value, Kind.HONORARIUM.value
START_STATE = {AU: "draft", HO: "draft"}
PROCESS_MAP: dict[str, list[str]] = {
    AU: ["draft", "fm_approval", "pay_confirmation", "acting", "ended"],
    HO: ["draft", "hr_agreement", "manager_acceptance", "agreed"],
}
ROLE_LABELS = {"line_manager": "Line manager", "fm_hps": "FM/HPS or delegate", "hr_services": "HR Services"}

# --- Conditions -------------------------------------------------------------------------------


def _end_date_reached(allowance: Allowance) -> str | None:
    if allowance.end_date is not None and timezone.localdate() < allowance.end_date:
        return (f"Acting up runs until {day(allowance.end_date)}: it ends on that date, or earlier only with a "
                "reason (“End acting up early”).")
    return None


def _before_end_date(allowance: Allowance) -> str | None:
    if allowance.end_date is not None and timezone.localdate() >= allowance.end_date:
        return f"The end date ({day(allowance.end_date)}) has been reached: end acting up on its date."
    return None


CONDITION_CHECKS: dict[str, Condition] = {c.key: c for c in (
    Condition("end_date_reached", "the end date has been reached", _end_date_reached),
    Condition("before_end_date", "the end date is still to come", _before_end_date),
)}

# --- Input fields -----------------------------------------------------------------------------

REQUIRED_REASON = "Give a reason: it is kept with the record and shown to the people involved."


def reason(label: str = "Reason") -> InputField:
    return InputField("reason", TEXT, label, required=True, max_length=REASON_LIMIT, required_message=REQUIRED_REASON)


NOTE = InputField("reason", TEXT, "Note for the record (optional)", max_length=REASON_LIMIT)
LAST_DAY = InputField("last_day", DATE, "Last day of acting up", required=True,
                      required_message="Give the last day of acting up.",
                      help_text="Pay returns to the substantive grade and point from the day after.")
AMOUNT = InputField("amount", INTEGER, "Amount HR Services propose (£, whole pounds)", required=True, min_value=1,
                    max_value=setting("HONORARIUM_MAX_POUNDS"),
                    required_message="Give the amount you propose, in whole pounds.",
                    help_text="For a monthly honorarium, the amount each month.")

BEFORE_DECISION = ("draft", "fm_approval", "pay_confirmation", "hr_agreement", "manager_acceptance")

MOVES: list[Move] = [
    Move("propose", "Propose it", (AU, HO), ("draft",), None, ("line_manager",),
         "§4.8 steps 1 and 3: the line manager proposes acting up in a higher-graded post, or an honorarium "
         "for extra duties", inputs=(NOTE,)),
    # --- Acting up -------------------------------------------------------------------------------
    Move("approve", "Approve acting up", (AU,), ("fm_approval",), "pay_confirmation", ("fm_hps",),
         "§4.8 step 1: the FM/HPS (or delegate) approves acting up in the higher-graded post",
         inputs=(NOTE,), independent_of=("propose",)),
    Move("decline", "Decline acting up", (AU,), ("fm_approval",), "declined", ("fm_hps",),
         "§4.8 step 1: the FM/HPS may decline it, with a reason", requires=("reason",), inputs=(reason(),),
         independent_of=("propose",), style="danger", tells_involved=True),
    Move("confirm_pay", "Confirm the acting-up pay", (AU,), ("pay_confirmation",), "acting", ("hr_services",),
         "§4.8 step 2: HR Services pay the lowest point of the higher grade or the next point above the current "
         "one, whichever is higher, from the start date", inputs=(NOTE,), independent_of=("propose",)),
    Move("end", "End acting up on its end date", (AU,), ("acting",), "ended", ("hr_services",),
         "§4.8 step 2: acting up ends on its end date; pay returns to the substantive grade and point",
         inputs=(NOTE,), when=("end_date_reached",)),
    Move("end_early", "End acting up early", (AU,), ("acting",), "ended", ("hr_services",),
         "§4.8 step 2: acting up may end before its end date, with a reason; pay returns from the day after the "
         "last day", requires=("reason", "last_day"), inputs=(LAST_DAY, reason("Why it ends early")),
         when=("before_end_date",), style="secondary", tells_involved=True),
    # --- Honorarium ------------------------------------------------------------------------------
    Move("agree_amount", "Agree the amount", (HO,), ("hr_agreement",), "agreed", ("hr_services",),
         "§4.8 step 3: the amount is agreed between the line manager and HR", inputs=(NOTE,),
         independent_of=("propose",)),
    Move("propose_amount", "Propose a different amount", (HO,), ("hr_agreement",), "manager_acceptance",
         ("hr_services",), "§4.8 step 3: HR Services may propose another amount for the line manager to accept",
         requires=("amount", "reason"), inputs=(AMOUNT, reason("Why this amount")), independent_of=("propose",),
         style="secondary", tells_involved=True),
    Move("accept_amount", "Accept the amount HR Services proposed", (HO,), ("manager_acceptance",), "agreed",
         ("line_manager",), "§4.8 step 3: the line manager accepts HR Services' amount", inputs=(NOTE,)),
    Move("decline_honorarium", "Decline the honorarium", (HO,), ("hr_agreement",), "declined", ("hr_services",),
         "§4.8 step 3: HR Services may decline it, with a reason (the duties are not significant, or fit the job)",
         requires=("reason",), inputs=(reason(),), independent_of=("propose",), style="danger",
         tells_involved=True),
    # --- Either ----------------------------------------------------------------------------------
    Move("withdraw", "Withdraw the proposal", (AU, HO), BEFORE_DECISION, "withdrawn", ("line_manager",),
         "§4.8: the line manager may withdraw the proposal before it takes effect", requires=("reason",),
         inputs=(reason(),), style="danger", tells_involved=True),
]

SENTENCES: dict[str, tuple[str, str]] = {
    "propose": ("You proposed it.", "{actor} proposed {title}."),
    "approve": ("You approved acting up: HR Services confirm the pay next.",
                "{actor} approved {title}: HR Services confirm the pay next."),
    "decline": ("You declined acting up with your reason.", "{actor} declined {title}."),
    "confirm_pay": ("You confirmed the acting-up pay: the pay record and the acting-up appointment are written.",
                    "{actor} confirmed the pay for {title}."),
    "end": ("You ended acting up: pay returns to the substantive grade and point.",
            "{actor} ended {title} on its end date: pay returns to the substantive grade and point."),
    "end_early": ("You ended acting up early: pay returns to the substantive grade and point.",
                  "{actor} ended {title} early: pay returns to the substantive grade and point."),
    "agree_amount": ("You agreed the amount: the honorarium is payable.", "{actor} agreed the amount of {title}."),
    "propose_amount": ("You proposed a different amount to the line manager.",
                       "{actor} proposed a different amount for {title}."),
    "accept_amount": ("You accepted the amount: the honorarium is payable.",
                      "{actor} accepted HR Services' amount for {title}."),
    "decline_honorarium": ("You declined the honorarium with your reason.", "{actor} declined {title}."),
    "withdraw": ("You withdrew the proposal.", "{actor} withdrew the proposal of {title}."),
}

SERVICE_TARGETS: dict[str, dict[str, tuple[str, ...]]] = {"propose": {AU: ("fm_approval",), HO: ("hr_agreement",)}}
MOVES_BY_ACTION: dict[str, Move] = {m.action: m for m in MOVES}


# --- Roles ----------------------------------------------------------------------------------------


def _unit(allowance: Allowance):
    return allowance.org_unit


def _subject(allowance: Allowance):
    return allowance.person


ROLE_RESOLVERS: dict[str, Role] = {
    "line_manager": PersonFieldRole("line_manager", ROLE_LABELS["line_manager"], field="line_manager",
                                    capacity="line manager", unit_of=_unit, escalate=("fm_hps", "hrbp")),
    "fm_hps": UnitRoleHolder("fm_hps", ROLE_LABELS["fm_hps"], unit_role="fm_hps", unit_of=_unit,
                             subject_of=_subject, escalate=("hrbp",)),
    "hr_services": GroupRole("hr_services", ROLE_LABELS["hr_services"], group=groups.HR_SERVICES, unit_of=_unit,
                             escalate=("hrbp",)),
}


def _due_days(state: str) -> int:
    targets = setting("STEP_TARGETS")
    return targets.get(state, targets["default"])


def _involved(allowance: Allowance) -> list:
    return [allowance.person, allowance.line_manager]


DOCS = ProcessDocs(
    title="Acting up and honoraria", source="gradepath/allowances/workflow.py",
    pages=(
        DocsPage("acting-up.md", "Acting up", AU, "§4.8", "48-acting-up-and-honoraria",
                 intro="The line manager proposes it with the higher-graded post and the dates (more than 6 "
                       "consecutive weeks; over 12 months only with a reason, never over 24). HR Services' "
                       "confirmation writes the pay record and the acting-up appointment; ending it writes the pay "
                       "back. While it runs, HR Services' task to end it is due on its end date."),
        DocsPage("honorarium.md", "Honoraria", HO, "§4.8", "48-acting-up-and-honoraria",
                 intro="The line manager proposes the extra duties and an amount, paid once or monthly over a "
                       "period. The agreed amount is kept on the record (an honorarium is not a spine point) and "
                       "listed for payroll in each month it is payable."),
    ),
    requirement_words={"reason": "a reason", "last_day": "the last day of acting up",
                       "amount": "the amount (whole pounds, above £0 and at most the honorarium limit)"},
    role_descriptions={
        "line_manager": "the line manager of the member of staff, who proposed it",
        "fm_hps": "the FM/HPS of the person's unit, or their delegate while the delegation is active; when "
                  "neither may act (it is about them, or they proposed it), the FM/HPS above",
        "hr_services": "a member of HR Services (their tasks are the team's queue)",
    },
    notes=("The member of staff it is about is told of every step and never acts on it; nobody approves or "
           "agrees their own proposal.",),
)


def _build() -> Process:
    return Process(
        name="allowances", label="Acting up and honoraria", noun="allowance", short_noun="allowance",
        model=Allowance, event_model=AllowanceEvent, event_fk="allowance", states=STATES,
        closed_states=CLOSED_STATES, variants=dict(Kind.choices), start_states=dict(START_STATE),
        process_map=PROCESS_MAP, moves=MOVES, roles=ROLE_RESOLVERS, conditions=CONDITION_CHECKS,
        sentences=SENTENCES, variant_of=lambda a: a.kind, subject_of=_subject, unit_of=_unit,
        title_of=lambda a: a.title, link_of=lambda a: f"/acting-up/{a.pk}/", involved_of=_involved,
        due_days=_due_days, effects=effects.EFFECTS, after_move=effects.after_move,
        service_targets=SERVICE_TARGETS, silent_states=("declined", "withdrawn"),
        reminder_days=lambda: setting("REMIND_BEFORE_WORKING_DAYS"), docs=DOCS,
        detail_url_name="allowances:detail",
    )


ALLOWANCES: Process = _build()
