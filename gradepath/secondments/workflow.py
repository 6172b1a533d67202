"""The secondment process as data: its states and one table of every legal move (policy §4.7).

Reading this file tells a newcomer the whole process. An application (a :class:`Secondment`) is
made by a member of staff for an opportunity on the board (``services.apply``); from there:

applied → the host selects (or does not) → the home line manager releases the applicant (or refuses,
with a reason) → the host confirms the placement with its dates and a development plan → HR Services
place the secondee (a secondment appointment in the host post, and pay at the host grade when it is
higher; the substantive appointment is kept: the right to return) → before the end the host asks for
an extension (HR Services review it, up to the maximum length) or confirms the return → HR Services
record the return (the secondment appointment ends; the substantive grade and spine point held
before are restored).

Who may act ("roles") are relationships resolved for the application at the time:

* ``applicant`` – the member of staff who applied (the person the record is about)
* ``host`` – the opportunity's host manager in the host unit
* ``home_manager`` – the applicant's line manager when they applied (only they release them)
* ``hr_services`` – a member of HR Services

Nobody acts on their own application except as its applicant (policy §2).
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from gradepath.core.inputs import DATE, TEXT, InputField
from gradepath.people import roles as groups
from gradepath.secondments import effects
from gradepath.secondments.models import (
    CLOSED_STATES,
    PLACED_STATES,
    Opportunity,
    Secondment,
    SecondmentEvent,
)
from gradepath.workflow.calendar import working_days_between
from gradepath.workflow.docs import DocsPage, ProcessDocs
from gradepath.workflow.process import Condition, Move, Process, Role
from gradepath.workflow.roles import GroupRole, PersonFieldRole, SubjectRole

# --- States ---------------------------------------------------------------------------------

STATES: dict[str, str] = {
    "applied": "Application with the host for selection",
    "selected": "Selected: waiting for the home line manager's release",
    "released": "Released: the host to confirm the dates and development plan",
    "confirmed": "Placement confirmed: HR Services to place the secondee",
    "placed": "On secondment",
    "extension_review": "Extension requested: HR Services reviewing it",
    "ending": "Return confirmed: HR Services to restore the substantive post and pay",
    "returned": "Returned to the substantive post",
    "not_selected": "Closed: not selected",
    "release_refused": "Closed: the home line manager refused the release",
    "withdrawn": "Withdrawn",
}
VARIANT = "secondment"
VARIANTS = {VARIANT: "Secondment"}
START_STATE = {VARIANT: "applied"}
PROCESS_MAP = {VARIANT: ["applied", "selected", "released", "confirmed", "placed", "extension_review", "ending",
                         "returned"]}
ROLE_LABELS = {"applicant": "Applicant", "host": "Host manager", "home_manager": "Home line manager",
               "hr_services": "HR Services"}


def setting(name: str):
    return settings.GRADEPATH_SECONDMENTS[name]


# --- Conditions ---------------------------------------------------------------------------------


def _opportunity_available(secondment: Secondment) -> str | None:
    opportunity = secondment.opportunity
    if opportunity.status == Opportunity.Status.WITHDRAWN:
        return f"The opportunity {opportunity.reference} was withdrawn."
    taken = (Secondment.objects.filter(opportunity_id=opportunity.pk, state__in=PLACED_STATES)
             .exclude(pk=secondment.pk).exists())
    if taken:
        return f"The opportunity {opportunity.reference} has been filled by another applicant."
    return None


CONDITION_CHECKS: dict[str, Condition] = {c.key: c for c in (
    Condition("opportunity_available", "the opportunity is neither withdrawn nor filled by another applicant",
              _opportunity_available),
)}

# --- Input fields ---------------------------------------------------------------------------------

TEXT_LIMIT = 5000
REQUIRED_REASON = "Give a reason: it is kept with the record and shown to the people involved."


def reason(label: str = "Reason") -> InputField:
    return InputField("reason", TEXT, label, required=True, max_length=TEXT_LIMIT, required_message=REQUIRED_REASON)


NOTE = InputField("reason", TEXT, "Note for the record (optional)", max_length=TEXT_LIMIT)
START = InputField("start_date", DATE, "First day of the secondment", required=True,
                   required_message="Give the first day of the secondment.")
END = InputField("end_date", DATE, "Last day of the secondment", required=True,
                 required_message="Give the last day of the secondment.")
PLAN = InputField("development_plan", TEXT, "Development plan: what the secondee will learn and how it is supported",
                  required=True, max_length=TEXT_LIMIT,
                  required_message="Write the development plan: what the secondee will learn and how.")
NEW_END = InputField("new_end_date", DATE, "New last day of the secondment", required=True,
                     required_message="Give the new last day of the secondment.")
LAST_DAY = InputField("last_day", DATE, "Last day of the secondment, if earlier than planned",
                      help_text="Leave empty to end on the planned last day.")

A = VARIANT
MOVES: list[Move] = [
    Move("select", "Select the applicant", (A,), ("applied",), "selected", ("host",),
         "§4.7 step 2: the host selects from the applications", inputs=(NOTE,), when=("opportunity_available",)),
    Move("not_select", "Do not select", (A,), ("applied",), "not_selected", ("host",),
         "§4.7 step 2: the host selects (an applicant not selected is told why)", inputs=(reason(),),
         style="secondary", tells_involved=True),
    Move("release", "Release them for the secondment", (A,), ("selected",), "released", ("home_manager",),
         "§4.7 step 2: the home line manager releases the secondee", inputs=(NOTE,),
         when=("opportunity_available",), tells_involved=True),
    Move("refuse_release", "Refuse the release", (A,), ("selected",), "release_refused", ("home_manager",),
         "§4.7 step 2: or refuses, with a reason", inputs=(reason("Why they cannot be released"),),
         style="secondary", tells_involved=True),
    Move("confirm_placement", "Confirm the placement: dates and development plan", (A,), ("released",), "confirmed",
         ("host",), "§4.7 step 3: the placement has its start, end and a development plan",
         requires=("dates", "development_plan"), inputs=(START, END, PLAN, NOTE), when=("opportunity_available",)),
    Move("place", "Place the secondee (appointment and pay)", (A,), ("confirmed",), "placed", ("hr_services",),
         "§4.7 step 3: a secondment appointment in the host post; the substantive appointment is kept (the right "
         "to return)", inputs=(NOTE,), when=("opportunity_available",), tells_involved=True),
    Move("request_extension", "Request an extension", (A,), ("placed",), "extension_review", ("host",),
         "§4.7 step 4: a secondment may be extended, reviewed, up to the maximum length",
         requires=("new_end_date", "reason"), inputs=(NEW_END, reason("Why the secondment should be extended"))),
    Move("confirm_end", "Confirm the return at the end", (A,), ("placed",), "ending", ("host",),
         "§4.7 step 4: or it ends with the return", inputs=(LAST_DAY, NOTE), tells_involved=True),
    Move("approve_extension", "Approve the extension", (A,), ("extension_review",), "placed", ("hr_services",),
         "§4.7 step 4: the extension is reviewed, up to the maximum length", inputs=(NOTE,), tells_involved=True),
    Move("refuse_extension", "Refuse the extension", (A,), ("extension_review",), "placed", ("hr_services",),
         "§4.7 step 4: the extension is reviewed", inputs=(reason(),), style="secondary", tells_involved=True),
    Move("record_return", "Record the return (substantive post and pay restored)", (A,), ("ending",), "returned",
         ("hr_services",), "§4.7 step 4: the return restores the substantive post and pay", inputs=(NOTE,),
         tells_involved=True),
    Move("withdraw", "Withdraw my application", (A,), ("applied", "selected", "released", "confirmed"), "withdrawn",
         ("applicant",), "§4.7 step 2: an applicant may withdraw before they are placed",
         inputs=(InputField("reason", TEXT, "Why you are withdrawing (optional)", max_length=TEXT_LIMIT),),
         style="danger", tells_involved=True),
]
MOVES_BY_ACTION: dict[str, Move] = {m.action: m for m in MOVES}

# Two sentences per move: what the person who took it reads, what the people involved read.
SENTENCES: dict[str, tuple[str, str]] = {
    "select": ("You selected the applicant: their home line manager is asked to release them.",
               "{actor} selected the applicant for the secondment {title}: the home line manager is asked to "
               "release them."),
    "not_select": ("You recorded that the applicant was not selected, with your reason.",
                   "{actor} did not select the application for the secondment {title}."),
    "release": ("You released the applicant: the host confirms the dates and development plan next.",
                "{actor} released the applicant for the secondment {title}: the host confirms the dates and "
                "development plan next."),
    "refuse_release": ("You refused the release, with your reason: the application is closed.",
                       "{actor} did not release the applicant for the secondment {title}, so the application is "
                       "closed."),
    "confirm_placement": ("You confirmed the placement: HR Services place the secondee next.",
                          "{actor} confirmed the placement on {title} with its dates and development plan."),
    "place": ("You placed the secondee: the secondment appointment is recorded and the substantive appointment "
              "kept.",
              "{actor} placed the secondee on {title}: the secondment appointment is recorded and the substantive "
              "post is kept (the right to return)."),
    "request_extension": ("You asked for an extension: HR Services review it.",
                          "{actor} asked for the secondment {title} to be extended."),
    "confirm_end": ("You confirmed the return at the end: HR Services restore the substantive post and pay.",
                    "{actor} confirmed that the secondment {title} ends and the secondee returns to their "
                    "substantive post."),
    "approve_extension": ("You approved the extension.", "{actor} approved the extension of the secondment {title}."),
    "refuse_extension": ("You refused the extension, with your reason: the secondment ends on its end date.",
                         "{actor} refused the extension of the secondment {title}: it ends on its end date."),
    "record_return": ("You recorded the return: the secondment appointment has ended and the substantive pay is "
                      "restored.",
                      "{actor} recorded the return from the secondment {title}: the substantive post and pay are "
                      "restored."),
    "withdraw": ("You withdrew your application.", "{actor} withdrew the application for the secondment {title}."),
}

# --- Roles ---------------------------------------------------------------------------------------


def _subject(secondment: Secondment):
    return secondment.applicant


def _home_unit(secondment: Secondment):
    return secondment.home_unit


def _host_unit(secondment: Secondment):
    return secondment.host_unit


ROLE_RESOLVERS: dict[str, Role] = {
    "applicant": SubjectRole("applicant", ROLE_LABELS["applicant"], subject_of=_subject, unit_of=_home_unit,
                             capacity="applicant", escalate=("hrbp",)),
    "host": PersonFieldRole("host", ROLE_LABELS["host"], field="host_manager", capacity="host manager",
                            unit_of=_host_unit, escalate=("fm_hps", "hrbp")),
    "home_manager": PersonFieldRole("home_manager", ROLE_LABELS["home_manager"], field="home_manager",
                                    capacity="home line manager", unit_of=_home_unit, escalate=("fm_hps", "hrbp")),
    "hr_services": GroupRole("hr_services", ROLE_LABELS["hr_services"], group=groups.HR_SERVICES,
                             unit_of=_host_unit, escalate=("hrbp",)),
}

# --- Due dates ------------------------------------------------------------------------------------

def due_days(state: str) -> int:
    """Working days from today to a task's due date in ``state``: before the end while on secondment (the
    reminders before the end, policy §4.7 step 4), the step target otherwise."""
    end = effects.ENDING.get()
    if state in ("placed", "ending") and end is not None:
        before = setting("DECIDE_BEFORE_END_WORKING_DAYS") if state == "placed" else 0
        return max(working_days_between(timezone.localdate(), end) - before, 1)
    targets = setting("STEP_TARGETS")
    return targets.get(state, targets["default"])


def _involved(secondment: Secondment) -> list:
    return [secondment.applicant, secondment.home_manager, secondment.host_manager]


DOCS = ProcessDocs(
    title="Secondments", source="gradepath/secondments/workflow.py",
    pages=(DocsPage("secondments.md", "Secondments", VARIANT, "§4.7", "47-secondments",
                    intro="An application is made for an opportunity on the board (open to everyone signed in once "
                          "the redeployment register's head start is over); the moves below follow it."),),
    requirement_words={"dates": "the first and last day (in order, no longer than the maximum, not overlapping "
                                "another secondment)",
                       "development_plan": "the development plan",
                       "new_end_date": "a new last day (the whole secondment no longer than the maximum)",
                       "reason": "a reason"},
    role_descriptions={
        "applicant": "the member of staff who applied (the person the record is about)",
        "host": "the opportunity's host manager in the host unit",
        "home_manager": "the applicant's line manager when they applied: only they release the applicant",
        "hr_services": "a member of HR Services (their tasks are the team's queue)",
    },
    notes=("Nobody acts on their own application except as its applicant. While the secondee is placed, the host's "
           "task (extend or confirm the return) is due a set number of working days before the last day, and HR "
           "Services' return on the last day: `gradepath reminders` reminds them before and escalates when late.",),
)


def _build() -> Process:
    return Process(
        name="secondments", label="Secondments", noun="secondment", short_noun="secondment", model=Secondment,
        event_model=SecondmentEvent, event_fk="secondment", states=STATES, closed_states=CLOSED_STATES,
        variants=VARIANTS, start_states=START_STATE, process_map=PROCESS_MAP, moves=MOVES, roles=ROLE_RESOLVERS,
        conditions=CONDITION_CHECKS, sentences=SENTENCES, variant_of=lambda s: VARIANT, subject_of=_subject,
        unit_of=_host_unit, title_of=lambda s: s.title, link_of=lambda s: f"/secondments/{s.pk}/",
        involved_of=_involved, due_days=due_days, effects=effects.EFFECTS,
        on_enter={"placed": effects.ending_on, "ending": effects.ending_on}, after_move=effects.after_move,
        reminder_days=lambda: setting("REMIND_BEFORE_WORKING_DAYS"), docs=DOCS,
        detail_url_name="secondments:secondment-detail",
    )


SECONDMENTS: Process = _build()
