"""Honoraria (policy §4.8 step 3): the line manager proposes duties and an amount; HR Services agree it, or
propose another amount that the line manager accepts; the agreed amount is kept on the record (no pay
record: it is not a spine point) and listed for payroll in each month it is payable."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from gradepath.allowances import services
from gradepath.core.errors import ServiceError
from gradepath.grades.models import PayRecord
from gradepath.notifications.models import Notification
from gradepath.workflow.models import Task

pytestmark = pytest.mark.django_db


def act(allowance, person, action, **data):
    return services.perform_action(actor=person.user, allowance=allowance, action=action, step=allowance.step,
                                   data=data)


def propose(p, **kwargs):
    values = dict(duties="Laboratory safety lead for the division while the post is vacant.", amount=600,
                  payment="once", start_date=p.today)
    values.update(kwargs)
    return services.propose_honorarium(actor=p.line_manager.user, person=p.staff_member, **values)


def test_hr_services_agree_the_proposed_amount_and_it_is_kept_without_a_pay_record(allowances):
    p = allowances
    pay_records = PayRecord.objects.count()
    allowance = propose(p)
    assert allowance.state == "hr_agreement"
    assert Task.objects.get(process="allowances", object_id=allowance.pk, completed_at__isnull=True).team == "HR Services"
    allowance = act(allowance, p.hr_services, "agree_amount")
    assert (allowance.state, allowance.agreed_amount) == ("agreed", 600)
    assert PayRecord.objects.count() == pay_records
    assert Notification.objects.filter(recipient_id=p.staff_member.pk, subject__contains="honorarium agreed, £600").exists()


def test_hr_services_propose_a_different_amount_that_the_line_manager_accepts(allowances):
    p = allowances
    allowance = propose(p, payment="monthly", amount=300, end_date=p.today + dt.timedelta(days=150))
    with pytest.raises(ServiceError, match="agree it instead"):
        act(allowance, p.hr_services, "propose_amount", amount=300, reason="Same.")
    allowance = act(allowance, p.hr_services, "propose_amount", amount=250, reason="The scale for this work.")
    assert (allowance.state, allowance.hr_amount) == ("manager_acceptance", 250)
    task = Task.objects.get(process="allowances", object_id=allowance.pk, completed_at__isnull=True)
    assert task.assignee == p.line_manager
    allowance = act(allowance, p.line_manager, "accept_amount")
    assert (allowance.state, allowance.agreed_amount) == ("agreed", 250)


def test_the_payroll_lists_the_honoraria_payable_in_a_month(allowances, login):
    p = allowances
    first = p.today.replace(day=1)
    once = act(propose(p, amount=600, start_date=first), p.hr_services, "agree_amount")
    monthly = act(propose(p, payment="monthly", amount=200, start_date=first - dt.timedelta(days=40),
                          end_date=first + dt.timedelta(days=70)), p.hr_services, "agree_amount")
    propose(p, amount=999, start_date=first)  # not agreed: not payable
    act(propose(p, amount=700, start_date=first - dt.timedelta(days=40)), p.hr_services, "agree_amount")  # last month
    payable = {a.pk for a in services.payable_in(services.visible_allowances(p.hr_services.user), first)}
    assert payable == {once.pk, monthly.pk}
    client = login(p.hr_services)
    page = client.get(f"/acting-up/payroll/?month={first:%Y-%m}")
    assert page.status_code == 200 and "£800" in page.content.decode()
    response = client.get(f"/acting-up/payroll/?month={first:%Y-%m}&format=csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0] == "Reference" and {r[0] for r in rows[1:]} == {once.reference, monthly.reference}
    for persona in (p.line_manager, p.fm_hps, p.hrbp, p.staff_member, p.outsider):
        assert login(persona).get("/acting-up/payroll/").status_code == 404


def test_hr_services_may_decline_an_honorarium_with_a_reason(allowances):
    p = allowances
    allowance = act(propose(p), p.hr_services, "decline_honorarium", reason="These duties are part of the job.")
    assert allowance.state == "declined" and allowance.agreed_amount is None
    assert Notification.objects.filter(recipient_id=p.line_manager.pk, body__contains="part of the job").exists()


def test_the_line_manager_may_withdraw_before_it_is_agreed(allowances):
    p = allowances
    allowance = act(propose(p), p.line_manager, "withdraw", reason="The work went to another team.")
    assert allowance.state == "withdrawn"
    assert not Task.objects.filter(process="allowances", object_id=allowance.pk, completed_at__isnull=True).exists()
