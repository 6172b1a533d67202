"""The named personas every test in the project shares.

A small university slice:

* Faculty of Life Sciences (academic faculty) → Division of Biosciences (department)
  - FM/HPS: Fiona Marsh (``fm_hps``); HoD: Prof Hugh Dean (``hod``); HRBP: Priya Banerjee (``hrbp``)
  - Dan Lee (``delegate``) holds an active delegation of the FM/HPS role for the faculty
  - Lina Morgan (``line_manager``) manages Sam Patel (``staff_member``), both in Biosciences
* Estates (PS division): Olly Stranger (``outsider``) works there and has no role anywhere.
* Central HR: Harriet Soames (``hr_services``), Ada Minter (``administrator``),
  Tara Chen (``tc_lead``), Eve Quinn (``equality_viewer``).

Every persona has a login (``persona.user``) with the password ``PASSWORD``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.utils import timezone

from gradepath.grades.models import Grade, PayRecord
from gradepath.people import roles
from gradepath.people.models import Delegation, OrgUnit, Person, Post
from gradepath.testing.factories import (
    AppointmentFactory,
    OrgUnitFactory,
    PersonFactory,
    PostFactory,
    UserFactory,
    make_grade_structure,
)

PASSWORD = "correct-horse-battery"


@dataclass
class Personas:
    faculty: OrgUnit
    department: OrgUnit
    estates: OrgUnit
    staff_member: Person
    line_manager: Person
    fm_hps: Person
    delegate: Person
    delegation: Delegation
    hod: Person
    hrbp: Person
    hr_services: Person
    administrator: Person
    tc_lead: Person
    equality_viewer: Person
    outsider: Person
    staff_post: Post

    def all(self) -> dict[str, Person]:
        return {
            name: getattr(self, name)
            for name in ("staff_member", "line_manager", "fm_hps", "delegate", "hod", "hrbp", "hr_services",
                         "administrator", "tc_lead", "equality_viewer", "outsider")
        }


def _person(username: str, first: str, last: str, *, groups: tuple[str, ...] = (), **kwargs) -> Person:
    user = UserFactory(username=username, first_name=first, last_name=last)
    for name in groups:
        user.groups.add(Group.objects.get_or_create(name=name)[0])  # a flushed test database has none
    return PersonFactory(user=user, first_name=first, last_name=last,
                         work_email=f"{username}@example.ac.uk", **kwargs)


def build_personas() -> Personas:
    """Create the persona university (needs the database)."""
    structure = make_grade_structure()
    grade5 = Grade.objects.get(structure=structure, number=5)
    grade6 = Grade.objects.get(structure=structure, number=6)
    grade8 = Grade.objects.get(structure=structure, number=8)

    fm_hps = _person("fiona.marsh", "Fiona", "Marsh")
    hod = _person("hugh.dean", "Hugh", "Dean", title="Prof", staff_category=Person.StaffCategory.ACADEMIC)
    hrbp = _person("priya.banerjee", "Priya", "Banerjee", groups=(roles.HR_BUSINESS_PARTNER,))
    faculty = OrgUnitFactory(code="LIFE", name="Faculty of Life Sciences", kind=OrgUnit.Kind.FACULTY,
                             fm_hps=fm_hps, head=hod, hrbp=hrbp)
    department = OrgUnitFactory(code="BIOSC", name="Division of Biosciences", kind=OrgUnit.Kind.DEPARTMENT,
                                parent=faculty)
    estates = OrgUnitFactory(code="ESTATES", name="Estates", kind=OrgUnit.Kind.PS_DIVISION)

    line_manager = _person("lina.morgan", "Lina", "Morgan", staff_category=Person.StaffCategory.TECHNICAL)
    staff_member = _person("sam.patel", "Sam", "Patel", staff_category=Person.StaffCategory.TECHNICAL,
                           line_manager=line_manager)
    delegate = _person("dan.lee", "Dan", "Lee")
    hr_services = _person("harriet.soames", "Harriet", "Soames", groups=(roles.HR_SERVICES,))
    administrator = _person("ada.minter", "Ada", "Minter", groups=(roles.ADMINISTRATOR,))
    tc_lead = _person("tara.chen", "Tara", "Chen", groups=(roles.TC_LEAD,))
    equality_viewer = _person("eve.quinn", "Eve", "Quinn", groups=(roles.EQUALITY_DATA_VIEWER,))
    outsider = _person("olly.stranger", "Olly", "Stranger")

    staff_post = PostFactory(post_number="BIO-0101", org_unit=department, title="Research Technician",
                             grade=grade5)
    manager_post = PostFactory(post_number="BIO-0001", org_unit=department, title="Laboratory Manager",
                               grade=grade8)
    AppointmentFactory(person=staff_member, post=staff_post, start_date=dt.date(2021, 9, 1))
    AppointmentFactory(person=line_manager, post=manager_post, start_date=dt.date(2018, 1, 8))
    AppointmentFactory(person=delegate, post=PostFactory(post_number="LIFE-0002", org_unit=faculty,
                                                         title="Deputy Faculty Manager", grade=grade8),
                       start_date=dt.date(2019, 3, 1))
    AppointmentFactory(person=fm_hps, post=PostFactory(post_number="LIFE-0001", org_unit=faculty,
                                                       title="Faculty Manager", grade=grade8),
                       start_date=dt.date(2016, 5, 1))
    AppointmentFactory(person=outsider, post=PostFactory(post_number="EST-0042", org_unit=estates,
                                                         title="Building Services Officer", grade=grade6),
                       start_date=dt.date(2020, 2, 3))
    PayRecord.objects.create(person=staff_member, grade=grade5, spine_point=17,
                             effective_from=dt.date(2021, 9, 1), reason=PayRecord.Reason.APPOINTMENT,
                             post=staff_post)
    PayRecord.objects.create(person=line_manager, grade=grade8, spine_point=35,
                             effective_from=dt.date(2018, 1, 8), reason=PayRecord.Reason.APPOINTMENT,
                             post=manager_post)

    today = timezone.localdate()
    delegation = Delegation.objects.create(
        delegator=fm_hps, delegate=delegate, role="fm_hps", org_unit=faculty,
        start_date=today - dt.timedelta(days=7), end_date=today + dt.timedelta(days=30),
        reason="Annual leave cover",
    )
    return Personas(
        faculty=faculty, department=department, estates=estates, staff_member=staff_member,
        line_manager=line_manager, fm_hps=fm_hps, delegate=delegate, delegation=delegation, hod=hod,
        hrbp=hrbp, hr_services=hr_services, administrator=administrator, tc_lead=tc_lead,
        equality_viewer=equality_viewer, outsider=outsider, staff_post=staff_post,
    )
