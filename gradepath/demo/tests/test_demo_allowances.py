"""The demo's acting up and honoraria (gradepath/demo/allowances.py), built through the services on the
persona university with a few more of Lina Morgan's reports: one acting up running and one ended (pay
written back), one honorarium agreed and one proposed, each with its events and history."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from gradepath.allowances.models import Allowance
from gradepath.allowances.workflow import ALLOWANCES
from gradepath.demo import allowances as demo_allowances
from gradepath.demo.clock import demo_clock
from gradepath.grades.models import Grade, PayRecord
from gradepath.people import roles
from gradepath.testing.factories import AppointmentFactory, PersonFactory, PostFactory, UserFactory
from gradepath.workflow.testing import check_history

pytestmark = pytest.mark.django_db


def make_person(username: str, first: str, last: str, **kwargs):
    user = UserFactory(username=username, first_name=first, last_name=last)
    return PersonFactory(user=user, first_name=first, last_name=last, work_email=f"{username}@example.ac.uk",
                         **kwargs)


def test_the_demo_builds_acting_up_running_and_ended_and_two_honoraria(personas):
    p = personas
    PostFactory(post_number="BIO-0150", org_unit=p.department, title="Senior Research Technician",
                grade=Grade.objects.get(number=6))
    hr = make_person("hrservices", "Hana", "Services")
    hr.user.groups.add(Group.objects.get_or_create(name=roles.HR_SERVICES)[0])
    grade4 = Grade.objects.get(number=4)
    for i in range(3):
        person = make_person(f"tech{i}", "Tech", f"Nician{i}", line_manager=p.line_manager)
        post = PostFactory(post_number=f"BIO-08{i}", org_unit=p.department, title="Technician", grade=grade4)
        AppointmentFactory(person=person, post=post, start_date=dt.date(2021, 1, 4))
        PayRecord.objects.create(person=person, grade=grade4, spine_point=12, effective_from=dt.date(2021, 1, 4),
                                 reason=PayRecord.Reason.APPOINTMENT, post=post)
    with demo_clock() as clock:
        counts = demo_allowances.build(rng=random.Random(7), today=timezone.localdate(), clock=clock)
    assert counts == {"acting-up allowances": 2, "honoraria": 2}
    states = sorted(Allowance.objects.values_list("kind", "state"))
    assert states == [("acting_up", "acting"), ("acting_up", "ended"), ("honorarium", "agreed"),
                      ("honorarium", "hr_agreement")]
    ended = Allowance.objects.get(state="ended")
    assert ended.restored_record.grade == ended.substantive_grade
    for allowance in Allowance.objects.all():
        check_history(ALLOWANCES, allowance)
    assert Allowance.objects.get(state="agreed").agreed_amount == 250
