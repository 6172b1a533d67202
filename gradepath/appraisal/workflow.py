"""The appraisal process as data: its states and one table of every legal move (docs/policy.md §4.5).

Reading this file tells a newcomer the whole process. An appraisal starts with the staff member's
pre-review; the appraiser (normally the line manager) records the meeting (summary, objectives agreed,
training needs, the date); then each of them signs it off, each for themselves. ``docs/workflows/`` is
generated from this table by ``gradepath workflow-docs``; a test walks every state × action × role.

Who may act ("roles") are relationships resolved for the appraisal at the time:

* ``staff_member`` – the member of staff appraised
* ``appraiser`` – the appraiser named when it began (by default the line manager)
* ``hr_services`` – a member of HR Services (only to cancel an appraisal that is no longer needed)

The JD review's changes of responsibility and the regrading check it may flag are recorded beside the
moves, by the staff member or the appraiser (:mod:`gradepath.appraisal.services`): they change no state.
"""

from __future__ import annotations

from gradepath.appraisal import effects
from gradepath.appraisal.models import CLOSED_STATES, TEXT_LIMIT, Appraisal, AppraisalEvent
from gradepath.appraisal.policy import policy
from gradepath.core.inputs import DATE, TEXT, InputField
from gradepath.people import roles as groups
from gradepath.workflow.docs import DocsPage, ProcessDocs
from gradepath.workflow.process import Move, Process, Role
from gradepath.workflow.roles import GroupRole, PersonFieldRole, SubjectRole

STATES: dict[str, str] = {
    "pre_review": "Staff member writing the pre-review",
    "meeting": "Appraiser to record the appraisal meeting",
    "sign_off": "Waiting for both sign-offs",
    "completed": "Completed",
    "cancelled": "Cancelled",
}
ANNUAL = "annual"
VARIANTS = {ANNUAL: "Annual appraisal"}
START_STATE = {ANNUAL: "pre_review"}
PROCESS_MAP = {ANNUAL: ["pre_review", "meeting", "sign_off", "completed"]}
OPEN_STATES = ("pre_review", "meeting", "sign_off")
# States in which the JD review's changes may be recorded, and in which a regrading check may be flagged.
REVIEW_STATES = ("pre_review", "meeting")
FLAG_STATES = ("meeting", "sign_off", "completed")

ROLE_LABELS = {"staff_member": "Staff member", "appraiser": "Appraiser", "hr_services": "HR Services"}

REQUIRED_REASON = "Give a reason: it is kept with the appraisal and shown to the people involved."


def reason(label: str = "Reason") -> InputField:
    return InputField("reason", TEXT, label, required=True, max_length=TEXT_LIMIT, required_message=REQUIRED_REASON)


NOTE = InputField("reason", TEXT, "Note for the appraisal record (optional)", max_length=TEXT_LIMIT)
PRE_REVIEW = InputField("pre_review", TEXT, "Your pre-review: the year looked back on, your achievements, and how "
                        "your job has changed", required=True, max_length=TEXT_LIMIT,
                        required_message="Write your pre-review before you send it to your appraiser.")
SUMMARY = InputField("summary", TEXT, "Appraiser's summary", required=True, max_length=TEXT_LIMIT,
                     required_message="Write the appraiser's summary.")
OBJECTIVES = InputField("objectives", TEXT, "Objectives agreed for the coming year", required=True,
                        max_length=TEXT_LIMIT, required_message="Record the objectives agreed.")
TRAINING = InputField("training_needs", TEXT, "Training and development needs", max_length=TEXT_LIMIT)
COMPLETED_ON = InputField("completed_on", DATE, "Date of the appraisal meeting", required=True,
                          required_message="Give the date of the appraisal meeting.")

A = (ANNUAL,)
MOVES: list[Move] = [
    Move("submit_pre_review", "Send my pre-review to my appraiser", A, ("pre_review",), "meeting", ("staff_member",),
         "§4.5 step 2: the staff member writes a pre-review (with the JD review, step 3)", inputs=(PRE_REVIEW,)),
    Move("record_meeting", "Record the appraisal meeting", A, ("meeting",), "sign_off", ("appraiser",),
         "§4.5 step 2: the appraiser records the summary, the objectives agreed, training needs and the date",
         inputs=(SUMMARY, OBJECTIVES, TRAINING, COMPLETED_ON)),
    Move("sign_off", "Sign off the appraisal", A, ("sign_off",), None, ("staff_member", "appraiser"),
         "§4.5 step 2: both sign it off, each for themselves", inputs=(NOTE,), once_per_role=True,
         then="completed"),
    Move("return_for_changes", "Return it to the appraiser for changes", A, ("sign_off",), "meeting",
         ("staff_member", "appraiser"), "§4.5 step 2: what is signed off is what both agree",
         inputs=(reason(),), style="secondary", tells_involved=True),
    Move("cancel", "Cancel the appraisal", A, OPEN_STATES, "cancelled", ("hr_services",),
         "§4.5 step 1: an appraisal no longer needed (the member of staff left, or was on long leave)",
         inputs=(reason(),), style="danger", tells_involved=True),
]
MOVES_BY_ACTION: dict[str, Move] = {m.action: m for m in MOVES}
SERVICE_TARGETS: dict[str, dict[str, tuple[str, ...]]] = {"sign_off": {ANNUAL: ("sign_off", "completed")}}

SENTENCES: dict[str, tuple[str, str]] = {
    "submit_pre_review": ("You sent your pre-review to your appraiser.",
                          "{actor} sent their pre-review for {title}: record the appraisal meeting."),
    "record_meeting": ("You recorded the appraisal meeting: you and the staff member now each sign it off.",
                       "{actor} recorded the appraisal meeting of {title}: please read it and sign it off."),
    "sign_off": ("You signed off the appraisal.", "{actor} signed off {title}."),
    "return_for_changes": ("You returned the appraisal to the appraiser with your reason.",
                           "{actor} returned {title} to the appraiser for changes before signing it off."),
    "cancel": ("You cancelled the appraisal.", "{actor} cancelled {title}."),
}


def _subject(appraisal: Appraisal):
    return appraisal.subject


def _unit(appraisal: Appraisal):
    return appraisal.org_unit


_UP = ("fm_hps", "hrbp")
ROLE_RESOLVERS: dict[str, Role] = {
    "staff_member": SubjectRole("staff_member", ROLE_LABELS["staff_member"], subject_of=_subject, unit_of=_unit,
                                escalate=_UP),
    "appraiser": PersonFieldRole("appraiser", ROLE_LABELS["appraiser"], field="appraiser", capacity="appraiser",
                                 unit_of=_unit, escalate=_UP),
    "hr_services": GroupRole("hr_services", ROLE_LABELS["hr_services"], group=groups.HR_SERVICES, unit_of=_unit,
                             escalate=("hrbp",)),
}


def _due_days(state: str) -> int:
    targets = policy("STEP_TARGETS")
    return targets.get(state, targets["default"])


def _involved(appraisal: Appraisal) -> list:
    return [appraisal.subject, appraisal.appraiser]


DOCS = ProcessDocs(
    title="Appraisals", source="gradepath/appraisal/workflow.py",
    pages=(DocsPage("appraisal.md", "Appraisal and JD review", ANNUAL, "§4.5", "45-appraisal-jd-review",
                    intro="Beside these moves, while the pre-review or the meeting is open, the staff member and "
                          "the appraiser record the JD review's changes of responsibility (taken on: a new duty; "
                          "relinquished: a duty of the current JD), each with evidence and dates. From the "
                          "meeting on, either may flag that a regrading check may be due: the staff member on "
                          "the Agreed or the Direct Route, the appraiser (if the line manager) on the Agreed "
                          "Route. That starts a grading case whose proposed JD carries the changes as tracked "
                          "changes."),),
    requirement_words={},
    role_descriptions={
        "staff_member": "the member of staff appraised",
        "appraiser": "the appraiser named when the appraisal began (by default the line manager)",
        "hr_services": "a member of HR Services (their tasks are the team's queue)",
    },
    notes=("Nobody signs off for the other: each sign-off is recorded by its own role, each by a different "
           "person, and the appraisal is completed after the second.",
           "Tasks carry due dates in working days (policy setting `GRADEPATH_APPRAISAL[\"STEP_TARGETS\"]`); an "
           "appraisal still open after the season's last day is overdue."),
)


def _build() -> Process:
    return Process(
        name="appraisal", label="Appraisals", noun="appraisal", short_noun="appraisal", model=Appraisal,
        event_model=AppraisalEvent, event_fk="appraisal", states=STATES, closed_states=CLOSED_STATES,
        variants=VARIANTS, start_states=START_STATE, process_map=PROCESS_MAP, moves=MOVES, roles=ROLE_RESOLVERS,
        conditions={}, sentences=SENTENCES, variant_of=lambda a: ANNUAL, subject_of=_subject, unit_of=_unit,
        title_of=lambda a: f"appraisal {a.year} of {a.subject.full_name}",
        link_of=lambda a: f"/appraisals/{a.pk}/", involved_of=_involved, due_days=_due_days,
        effects=effects.EFFECTS, service_targets=SERVICE_TARGETS, silent_states=("cancelled",),
        reminder_days=lambda: policy("REMIND_BEFORE_WORKING_DAYS"), docs=DOCS,
        detail_url_name="appraisal:detail",
    )


APPRAISAL: Process = _build()
