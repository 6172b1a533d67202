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
    DemoLogin("staff", "Staff member", "My home: your job, grade and manager; your Direct Route case in Grading."),
    DemoLogin("manager", "Line manager", "Grading: confirm or return your report's proposed JD; your reports' records."),
    DemoLogin("fmhps", "FM/HPS (Faculty Manager)", "Everyone in your faculty; your delegation; your faculty's grading cases."),
    DemoLogin("delegate", "Delegate of the FM/HPS", "Acts for the Faculty Manager this month: grading approvals wait for you."),
    DemoLogin("hod", "Head of Department", "Your department and its people; grading cases you are copied on."),
    DemoLogin("hrbp", "HR Business Partner", "Grading: grade checks, fairness, decisions and logging wait for you."),
    DemoLogin("hrservices", "HR Services", "Grading: regrades to process (one grant-funded), appeals; pay histories."),
    DemoLogin("admin", "Administrator", "Org structure, imports and the admin site."),
    DemoLogin("tclead", "Technician Commitment lead", "Technical staff across the university."),
    DemoLogin("equality", "Equality data viewer", "Equality-monitoring data (every read is recorded)."),
]
