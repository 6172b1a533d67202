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
    DemoLogin("staff", "Staff member", "My home: your job, grade, spine point and manager."),
    DemoLogin("manager", "Line manager", "Your reports and their career records (read only)."),
    DemoLogin("fmhps", "FM/HPS (Faculty Manager)", "Everyone in your faculty; delegate your role."),
    DemoLogin("delegate", "Delegate of the FM/HPS", "Acts for the Faculty Manager while the delegation lasts."),
    DemoLogin("hod", "Head of Department", "Your department and its people."),
    DemoLogin("hrbp", "HR Business Partner", "The whole directory and the units you partner."),
    DemoLogin("hrservices", "HR Services", "Pay histories, appointments and the annual increment."),
    DemoLogin("admin", "Administrator", "Org structure, imports and the admin site."),
    DemoLogin("tclead", "Technician Commitment lead", "Technical staff across the university."),
    DemoLogin("equality", "Equality data viewer", "Equality-monitoring data (every read is recorded)."),
]
