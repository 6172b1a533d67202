"""The demo university's logins: one per role. Used by `gradepath demo`, the README and the
persona switcher (demo mode only)."""

from __future__ import annotations

from dataclasses import dataclass

DEMO_PASSWORD = "gradepath-demo"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    what_to_try: str


DEMO_LOGINS: list[DemoLogin] = [
    DemoLogin("staff", "Staff member",
              "My home: your job, grade, pay and manager, and your career record; Grading: your Direct Route case, "
              "waiting for your line manager; Progression → Appraisals: your pre-review to write."),
    DemoLogin("manager", "Line manager",
              "Grading: your report's proposed JD waits for you to confirm or return it; your team's records; "
              "Progression: appraisal meetings to record, your reports' acting up (one running, one ended) and "
              "honoraria."),
    DemoLogin("host", "Secondment host (Head of Capital Projects, Estates)",
              "Progression → Secondments: applications to your opportunities wait for you to select; a secondee's placement to "
              "confirm; decide before a secondment ends whether to extend it or confirm the return."),
    DemoLogin("fmhps", "FM/HPS (Faculty Manager)",
              "Everyone in your faculty; Delegations: yours, to your deputy; your faculty's grading cases; "
              "Progression → Appraisals → Completion by unit: who is overdue."),
    DemoLogin("delegate", "Delegate of the FM/HPS",
              "Acts for the Faculty Manager while the delegation lasts: grading approvals wait for you."),
    DemoLogin("hod", "Head of Department",
              "Your division and its people; the grading cases you are copied on (see Notifications)."),
    DemoLogin("dean", "Dean of the Faculty of Life Sciences",
              "Progression → Accelerated increments: requests wait for your decision, one applied directly to you waits "
              "for you to ask the HoD and the FM/HPS for their comments; the faculty's local round and its panel."),
    DemoLogin("hrbp", "HR Business Partner",
              "Grading: grade checks, evaluations, fairness, decisions and logging wait for you (some overdue)."),
    DemoLogin("hrservices", "HR Services",
              "Grading: regrades to process (one grant-funded, waiting for its finance approval), an appeal panel "
              "to convene, the payroll export; everyone's pay history; Progression: an honorarium to agree, an acting up "
              "to end on its date, honoraria payable this month, appraisal completion by unit."),
    DemoLogin("admin", "Administrator",
              "Everyone's records and the whole org structure; the admin site (Admin in the menu)."),
    DemoLogin("tclead", "Technician Commitment lead",
              "Your own record, and the two appeals you sat on as a panel member (Grading). The Technician "
              "Commitment pages come with their issue."),
    DemoLogin("equality", "Equality data viewer",
              "Organisation → Equality data (menu): find a member of staff, say why you need their record before it is shown; "
              "every read is recorded."),
]
