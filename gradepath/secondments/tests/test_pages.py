"""The secondment pages as their people use them: posting an opportunity (a host for their own unit, HR Services
naming the host), the board, applying, a move with its form (a stale page: 409, nothing changes), the
redeployment register, and the reminders before the end."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.test import Client

from gradepath.notifications.models import Notification
from gradepath.secondments.models import Opportunity, RedeploymentEntry
from gradepath.secondments.tests.conftest import make_opportunity, make_secondment, opportunity_data
from gradepath.workflow.calendar import working_days_between
from gradepath.workflow.models import Task
from gradepath.workflow.reminders import send_reminders_and_escalations

pytestmark = pytest.mark.django_db


def client_for(person) -> Client:
    client = Client()
    client.force_login(person.user)
    return client


def test_a_host_posts_an_opportunity_for_a_post_of_their_unit_and_the_register_is_told_first(sec):
    p = sec
    client = client_for(p.host)
    form = client.get("/secondments/opportunities/new/").content.decode()
    assert "RO-0007" in form and "BIO-0101" not in form  # only the posts of the units the host works in
    response = client.post("/secondments/opportunities/new/", opportunity_data(p))
    opportunity = Opportunity.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/secondments/opportunities/{opportunity.pk}/"
    assert (opportunity.host_manager, opportunity.grade.number, opportunity.internal_only) == (p.host, 6, True)
    assert Notification.objects.filter(recipient=p.redeployee, subject__contains=opportunity.reference).exists()
    assert not Notification.objects.filter(recipient=p.outsider, subject__contains=opportunity.reference).exists()
    page = client_for(p.redeployee).get(f"/secondments/opportunities/{opportunity.pk}/").content.decode()
    assert "Internal only" in page and "Send my application" in page


def test_someone_outside_the_host_unit_cannot_post_for_its_posts(sec):
    p = sec
    form = client_for(p.staff_member).get("/secondments/opportunities/new/").content.decode()
    assert "BIO-0101" not in form  # no post to offer: they manage nobody and oversee no unit
    response = client_for(p.staff_member).post("/api/secondments/opportunities/create/",
                                               {"data": opportunity_data(p, post=p.staff_post)},
                                               content_type="application/json")
    assert response.status_code == 403 and "as a line manager there" in response.json()["detail"]
    response = client_for(p.staff_member).post("/api/secondments/opportunities/create/",
                                               {"data": opportunity_data(p)}, content_type="application/json")
    assert response.status_code == 403 and "only for posts in your own unit" in response.json()["detail"]
    assert not Opportunity.objects.exists()


def test_hr_services_post_an_opportunity_naming_the_host_manager(sec):
    p = sec
    client = client_for(p.hr_services)
    refused = client.post("/secondments/opportunities/new/", opportunity_data(p) | {"host_manager": str(p.outsider.pk)})
    assert refused.status_code == 400 and "cannot host a secondment there" in refused.content.decode()
    done = client.post("/secondments/opportunities/new/", opportunity_data(p) | {"host_manager": str(p.host.pk)})
    assert done.status_code == 302
    assert Opportunity.objects.get().host_manager == p.host


def test_an_applicant_applies_from_the_board_and_the_host_selects_on_the_page(sec):
    p = sec
    opportunity = make_opportunity(p)
    board = client_for(p.staff_member).get("/secondments/").content.decode()
    assert opportunity.reference in board
    response = client_for(p.staff_member).post(f"/secondments/opportunities/{opportunity.pk}/apply/",
                                               {"statement": "I ran our lab's move.", "evidence": ""})
    s = opportunity.applications.get()
    assert response.status_code == 302 and response["Location"] == f"/secondments/{s.pk}/"
    host = client_for(p.host)
    inbox = host.get("/inbox/").content.decode()
    assert s.reference in inbox and f"/secondments/{s.pk}/" in inbox  # the one inbox lists every process's tasks
    page = host.get(f"/secondments/{s.pk}/").content.decode()
    assert 'data-testid="action-select"' in page and 'data-testid="action-not_select"' in page
    key = str(uuid.uuid4())
    moved = host.post(f"/secondments/{s.pk}/act/select/", {"select-step": "0", "select-idempotency_key": key})
    assert moved.status_code == 302
    s.refresh_from_db()
    assert (s.state, s.step) == ("selected", 1)
    stale = host.post(f"/secondments/{s.pk}/act/not_select/", {"not_select-step": "0", "not_select-reason": "No.",
                                                              "not_select-idempotency_key": str(uuid.uuid4())})
    assert stale.status_code == 409 and "moved on" in stale.content.decode()
    s.refresh_from_db()
    assert (s.state, s.step) == ("selected", 1)
    manager_page = client_for(p.line_manager).get(f"/secondments/{s.pk}/").content.decode()
    assert 'data-testid="action-release"' in manager_page


def test_hr_services_add_someone_to_the_register_by_staff_number_and_take_them_off(sec):
    p = sec
    client = client_for(p.hr_services)
    response = client.post("/secondments/register/", {"employee_number": p.staff_member.employee_number,
                                                       "note": "Post at risk."})
    assert response.status_code == 302
    entry = RedeploymentEntry.objects.get(person=p.staff_member, removed_at=None)
    again = client.post("/secondments/register/", {"employee_number": p.staff_member.employee_number})
    assert again.status_code == 400 and "already on the redeployment register" in again.content.decode()
    client.post(f"/secondments/register/{entry.pk}/remove/", {"reason": "Redeployed to a permanent post."})
    entry.refresh_from_db()
    assert entry.removed_at is not None and entry.removal_reason == "Redeployed to a permanent post."


def test_the_host_is_reminded_before_the_end_of_a_secondment(sec):
    p = sec
    s = make_secondment(p, "confirmed")
    client_for(p.hr_services).post(f"/secondments/{s.pk}/act/place/", {"place-step": "0",
                                                                      "place-idempotency_key": str(uuid.uuid4())})
    s.refresh_from_db()
    assert s.state == "placed"
    task = Task.objects.get(process="secondments", object_id=s.pk, completed_at=None)
    assert task.assignee == p.host and working_days_between(task.due_date, s.end_date) == 20
    report = send_reminders_and_escalations(today=task.due_date - dt.timedelta(days=1))
    assert [(t.pk, [r.pk for r in who]) for t, who in report.reminded] == [(task.pk, [p.host.pk])]
    assert Notification.objects.filter(recipient=p.host, subject__startswith=f"Reminder: {s.reference}").exists()
