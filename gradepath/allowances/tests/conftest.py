import datetime as dt

import pytest
from django.utils import timezone

from gradepath.allowances.models import Allowance, Kind, Payment
from gradepath.allowances.workflow import ALLOWANCES
from gradepath.grades.models import Grade
from gradepath.testing.factories import PersonFactory, PostFactory, UserFactory
from gradepath.workflow import engine


def make_person(username: str, first: str, last: str, **kwargs):
    user = UserFactory(username=username, first_name=first, last_name=last)
    return PersonFactory(user=user, first_name=first, last_name=last, work_email=f"{username}@example.ac.uk",
                         **kwargs)


@pytest.fixture
def allowances(personas):
    """The personas with two vacant posts in Biosciences above Sam Patel's Grade 5: a Grade 6 senior
    technician's post and a Grade 7 one; and a Grade 5 post (not higher)."""
    p = personas
    p.senior_post = PostFactory(post_number="BIO-0150", org_unit=p.department, title="Senior Research Technician",
                                grade=Grade.objects.get(number=6))
    p.lead_post = PostFactory(post_number="BIO-0160", org_unit=p.department, title="Technical Lead",
                              grade=Grade.objects.get(number=7))
    p.same_post = PostFactory(post_number="BIO-0170", org_unit=p.department, title="Research Technician",
                              grade=Grade.objects.get(number=5))
    p.today = timezone.localdate()
    return p


def make_allowance(p, kind: str, state: str, *, start: dt.date | None = None, end: dt.date | None = None,
                   **fields) -> Allowance:
    """An allowance put straight into ``state`` for test set-up (no events), with the fields a record in that
    state has. Acting up is Sam Patel in the Grade 6 post; an honorarium is £500 once."""
    start = start or p.today + dt.timedelta(days=14)
    if kind == Kind.ACTING_UP:
        end = end or start + dt.timedelta(days=120)
        defaults = dict(post=p.senior_post, title="Sam Patel acting up as Senior Research Technician (BIO-0150)",
                        higher_grade=Grade.objects.get(number=6))
    else:
        defaults = dict(payment=Payment.ONCE, proposed_amount=500, title="an honorarium for Sam Patel: safety lead",
                        duties="Laboratory safety lead for the division.")
        if state == "manager_acceptance":
            defaults["hr_amount"] = 400
    defaults.update(fields)
    allowance = Allowance.objects.create(
        reference=f"AL-T-{Allowance.objects.count() + 1:04d}", kind=kind, state=state, person=p.staff_member,
        line_manager=p.line_manager, initiator=p.line_manager, org_unit=p.department, start_date=start,
        end_date=end, **defaults)
    if state not in ALLOWANCES.closed_states:
        engine.refresh_tasks(ALLOWANCES, allowance)
    return allowance
