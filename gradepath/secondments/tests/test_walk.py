"""The policy's walk (§4.7) as sentences: an opportunity posted, an application, selection, release, the
placement with its appointment and pay, an extension, and the return restoring the substantive post and pay."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from gradepath.grades.models import PayRecord
from gradepath.notifications.models import Notification
from gradepath.people.models import Appointment
from gradepath.secondments import services
from gradepath.secondments.models import Opportunity, Secondment
from gradepath.secondments.tests.conftest import act, make_opportunity
from gradepath.workflow.models import Task
from gradepath.workflow.registry import get_starter

pytestmark = pytest.mark.django_db


def test_a_secondment_from_application_to_return_restores_the_substantive_post_and_pay(sec):
    p = sec
    opportunity = make_opportunity(p)
    assert opportunity.grade.number == 6 and opportunity.internal_only  # 9 months: internal only
    s = services.apply(actor=p.staff_member.user, opportunity=opportunity,
                       data={"statement": "I ran the lab's move to the new stock system.", "evidence": "Appraisal."})
    assert s.state == "applied" and s.home_manager == p.line_manager and s.host_manager == p.host
    assert Task.objects.filter(process="secondments", object_id=s.pk, assignee=p.host, completed_at=None).exists()
    assert Notification.objects.filter(recipient=p.line_manager, subject__contains="applied for a secondment").exists()

    s = act(s, p.host, "select")
    assert s.state == "selected"
    assert Task.objects.get(process="secondments", object_id=s.pk, completed_at=None).assignee == p.line_manager
    s = act(s, p.line_manager, "release", reason="Cover arranged within the team.")
    start, end = opportunity.start_date, opportunity.end_date
    s = act(s, p.host, "confirm_placement", start_date=start.isoformat(), end_date=end.isoformat(),
            development_plan="PRINCE2 Foundation; leads the data migration workstream.")
    assert s.state == "confirmed"
    s = act(s, p.hr_services, "place")
    assert s.state == "placed"

    # The substantive appointment is kept (the right to return); a secondment appointment on the host post.
    substantive = Appointment.objects.get(person=p.staff_member, kind="substantive")
    assert substantive.end_date is None and s.substantive == substantive
    assert (s.appointment.post, s.appointment.kind, s.appointment.start_date, s.appointment.end_date) == (
        p.project_post, "secondment", start, end)
    pay = PayRecord.objects.filter(person=p.staff_member).order_by("-effective_from", "-id").first()
    assert (pay.grade.number, pay.spine_point, pay.effective_from, pay.reason) == (6, 21, start, "secondment")  # the bottom of grade 6 (above 17 + 1)
    assert Opportunity.objects.get(pk=opportunity.pk).status == "filled"
    # The host's task (extend or confirm the return) is due before the end: the reminders before the end.
    task = Task.objects.get(process="secondments", object_id=s.pk, completed_at=None)
    assert task.assignee == p.host and task.due_date < end

    new_end = end + dt.timedelta(days=90)
    s = act(s, p.host, "request_extension", new_end_date=new_end.isoformat(), reason="The migration slipped.")
    s = act(s, p.hr_services, "approve_extension")
    assert (s.state, s.end_date, s.original_end_date) == ("placed", new_end, end)
    assert Appointment.objects.get(pk=s.appointment_id).end_date == new_end

    s = act(s, p.host, "confirm_end")
    assert s.state == "ending"
    s = act(s, p.hr_services, "record_return")
    assert (s.state, s.returned_on) == ("returned", new_end + dt.timedelta(days=1))
    back = PayRecord.objects.filter(person=p.staff_member).order_by("-effective_from", "-id").first()
    assert (back.grade.number, back.spine_point, back.effective_from) == (5, 17, new_end + dt.timedelta(days=1))
    assert back.post == p.staff_post
    assert Appointment.objects.get(pk=s.appointment_id).end_date == new_end
    on_return = new_end + dt.timedelta(days=1)
    current = Appointment.objects.current(on_return).filter(person=p.staff_member)
    assert [(a.post, a.kind) for a in current] == [(p.staff_post, "substantive")]
    assert not Task.objects.filter(process="secondments", object_id=s.pk, completed_at=None).exists()
    history = services.secondment_history(person=p.staff_member)
    assert history == [(s.reference, f"Secondment to Research Office as {s.title} (Grade 6)", start, new_end,
                        f"/secondments/{s.pk}/")]


def test_a_secondment_at_a_lower_grade_keeps_the_substantive_pay(sec):
    p = sec
    opportunity = make_opportunity(p, post=p.clerk_post)
    s = services.apply(actor=p.staff_member.user, opportunity=opportunity, data={"statement": "Broaden."})
    for person, action, data in ((p.host, "select", {}), (p.line_manager, "release", {}),
                                 (p.host, "confirm_placement", {"start_date": opportunity.start_date.isoformat(),
                                                                "end_date": opportunity.end_date.isoformat(),
                                                                "development_plan": "Office systems."}),
                                 (p.hr_services, "place", {}), (p.host, "confirm_end", {}),
                                 (p.hr_services, "record_return", {})):
        s = act(s, person, action, **data)
    assert s.state == "returned" and s.secondment_pay_id is None
    assert list(PayRecord.objects.filter(person=p.staff_member).values_list("reason", flat=True)) == ["appointment"]


def test_an_application_tells_the_host_and_the_home_line_manager_and_is_on_their_lists(sec):
    p = sec
    s = services.apply(actor=p.staff_member.user, opportunity=make_opportunity(p), data={"statement": "Keen."})
    assert Secondment.objects.filter(applicant=p.staff_member).count() == 1
    assert Notification.objects.filter(recipient=p.host, subject__contains=s.reference).exists()
    assert timezone.localdate() <= Task.objects.get(object_id=s.pk, process="secondments").due_date


def test_other_processes_read_the_secondment_history_through_the_starter_registry(sec):
    p = sec
    assert get_starter("secondments.history").start(person=p.staff_member) == []
    s = services.apply(actor=p.staff_member.user, opportunity=make_opportunity(p), data={"statement": "Keen."})
    assert get_starter("secondments.history").start(person=p.staff_member) == []  # an application is not history
    for person, action, data in ((p.host, "select", {}), (p.line_manager, "release", {}),
                                 (p.host, "confirm_placement", {"start_date": s.opportunity.start_date.isoformat(),
                                                                "end_date": s.opportunity.end_date.isoformat(),
                                                                "development_plan": "Plan."}),
                                 (p.hr_services, "place", {})):
        s = act(s, person, action, **data)
    [(reference, title, start, end, link)] = get_starter("secondments.history").start(person=p.staff_member)
    assert (reference, start, end, link) == (s.reference, s.start_date, s.end_date, f"/secondments/{s.pk}/")
    assert "Research Office" in title and "Grade 6" in title
