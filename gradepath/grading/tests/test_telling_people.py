"""What people are told (issue 11 items 9 and 13): the outcome in plain words at the decision, on
processing and at closure; one live "waiting for you" per task, gone with it; every line a link;
sentences written for the reader, never an action's internal name."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from gradepath.grading import services, workflow
from gradepath.grading.models import CaseTask, Route
from gradepath.grading.tests.test_workflow_matrix import act, make_case
from gradepath.notifications.models import Notification, OutboxEmail

pytestmark = pytest.mark.django_db

INTERNAL_NAMES = re.compile("|".join(sorted((m.action for m in workflow.MOVES if "_" in m.action), key=len,
                                             reverse=True)))
LABEL_ECHOES = [f": {m.label.lower()}" for m in workflow.MOVES]  # the old "GC-…: record the decision"


def unread(person):
    return list(Notification.objects.filter(recipient=person, read_at__isnull=True).order_by("id"))


def decided_direct_case(p, *, grade=6):
    case = services.start_direct_route_case(actor=p.staff_member.user, subject=p.staff_member)
    case = act(case, p.line_manager, "record_discussion", reason="Discussed.")
    case = act(case, p.staff_member, "submit_proposal", recommended_grade=grade)
    case = act(case, p.line_manager, "confirm_jd")
    case = act(case, p.line_manager, "submit_to_fm")
    case = act(case, p.delegate, "record_grade_agreement")
    case = act(case, p.hrbp, "confirm_by_match", matched_agreed=p.senior_agreed.pk)
    case = act(case, p.hrbp, "record_fairness", fairness_issue=False, assessment="No other holder.")
    case = act(case, p.hrbp, "record_manager_discussion", reason="Discussed with the line manager.")
    return act(case, p.hrbp, "decide", outcome="higher_grade")


def test_the_staff_member_and_line_manager_are_told_the_outcome_at_each_stage(grading):
    p = grading
    case = decided_direct_case(p)
    effective = services.effective_date_for(case)
    for person in (p.staff_member, p.line_manager):
        told = Notification.objects.filter(recipient=person, subject__contains="decided at Grade 6").get()
        assert f"{effective.day} {effective:%b %Y}" in told.body and "appeal" in told.body
        assert told.link == f"/grading/{case.pk}/"
    case = act(case, p.hr_services, "process")
    processed = Notification.objects.get(recipient=p.staff_member, subject__contains="Grade 6 from")
    assert "spine point" in processed.body.lower()
    # The line manager is told the grade and the date, not the staff member's pay point.
    manager = Notification.objects.get(recipient=p.line_manager, subject__contains="Grade 6 from")
    assert "spine point" not in manager.body.lower()
    case = act(case, p.hrbp, "log_and_send")
    closed = Notification.objects.get(recipient=p.staff_member, subject__contains="closed")
    deadline = case.appeal_deadline
    assert f"appeal until {deadline.day} {deadline:%b %Y}" in closed.body
    assert "Appeal against the decision" in closed.body


def test_one_waiting_message_per_task_and_it_goes_when_the_task_does(grading):
    p = grading
    case = services.start_agreed_route_case(actor=p.staff_member.user, subject=p.staff_member)
    # The line manager and the FM/HPS's delegate each have one task and one message.
    for person in (p.line_manager, p.delegate):
        assert len([n for n in unread(person) if n.key.startswith("grading.task:")]) == 1
    due_before = CaseTask.objects.get(case=case, assignee=p.line_manager, completed_at__isnull=True).due_date
    case = act(case, p.staff_member, "agree_duties_changed")
    # Still waiting for the same two people: their tasks (and due dates) and messages stay, no new ones.
    for person in (p.line_manager, p.delegate):
        assert len([n for n in unread(person) if n.key.startswith("grading.task:")]) == 1
    assert CaseTask.objects.get(case=case, assignee=p.line_manager, completed_at__isnull=True).due_date == due_before
    case = act(case, p.line_manager, "agree_duties_changed")
    assert not [n for n in unread(p.line_manager) if n.key.startswith("grading.task:")]
    case = act(case, p.delegate, "agree_duties_changed")
    assert case.state == "jd_amendment"
    assert not [n for n in unread(p.delegate) if n.key.startswith("grading.task:")]
    live = Notification.objects.filter(key__startswith="grading.task:")
    open_keys = {services.task_key(t) for t in CaseTask.objects.filter(completed_at__isnull=True)}
    assert {n.key for n in live} <= open_keys


def test_a_reminder_goes_with_its_task(grading):
    from gradepath.workflow.reminders import send_reminders_and_escalations

    p = grading
    case = services.start_direct_route_case(actor=p.staff_member.user, subject=p.staff_member)
    task = CaseTask.objects.get(case=case, completed_at__isnull=True)
    send_reminders_and_escalations(today=task.due_date)
    assert Notification.objects.filter(recipient=p.line_manager, subject__startswith="Reminder").exists()
    act(case, p.line_manager, "record_discussion", reason="Discussed.")
    assert not Notification.objects.filter(recipient=p.line_manager, subject__startswith="Reminder").exists()


def test_messages_are_sentences_for_the_reader_never_internal_action_names(grading):
    p = grading
    case = decided_direct_case(p)
    case = act(case, p.hr_services, "process")
    case = act(case, p.hrbp, "log_and_send")
    withdrawn = act(make_case(p, Route.NEW_JOB, "fm_approval", initiator=p.line_manager), p.line_manager,
                    "withdraw", reason="The post is no longer funded.")
    assert withdrawn.state == "withdrawn"
    for note in Notification.objects.all():
        assert not INTERNAL_NAMES.search(note.subject + note.body), note.subject
        assert not any(note.subject.lower().endswith(echo) for echo in LABEL_ECHOES), note.subject
    for email in OutboxEmail.objects.all():
        assert not INTERNAL_NAMES.search(email.subject), email.subject


def test_a_return_tells_the_staff_member_why_and_what_to_do_in_one_message(grading):
    p = grading
    case = services.start_direct_route_case(actor=p.staff_member.user, subject=p.staff_member)
    case = act(case, p.line_manager, "record_discussion", reason="Discussed.")
    case = act(case, p.staff_member, "submit_proposal", recommended_grade=6)
    before = Notification.objects.filter(recipient=p.staff_member).count()
    act(case, p.line_manager, "return_to_staff", reason="Add the budget you manage.")
    new = list(Notification.objects.filter(recipient=p.staff_member).order_by("id"))[before:]
    assert len(new) == 1
    assert "returned your proposed JD" in new[0].body and "Add the budget you manage." in new[0].body
    assert "you can submit my proposed JD" in new[0].body.lower() or "submit" in new[0].body.lower()


def test_the_person_who_acted_is_told_what_they_did_and_what_happens_next(grading, login):
    p = grading
    case = services.start_direct_route_case(actor=p.staff_member.user, subject=p.staff_member)
    from gradepath.grading.forms import ActionForm

    form = ActionForm(case=case, move=workflow.MOVES_BY_ACTION["record_discussion"])
    response = login(p.line_manager).post(reverse("grading:case-act", args=[case.pk, "record_discussion"]), {
        "record_discussion-step": 0, "record_discussion-idempotency_key": form.initial["idempotency_key"],
        "record_discussion-reason": "Met on Monday."}, follow=True)
    text = response.content.decode()
    assert "You recorded the discussion: the staff member may now propose changes to the JD." in text
    assert "waiting for Sam Patel" in text and "Recorded:" not in text


def test_my_home_lines_are_links(grading, login):
    p = grading
    case = make_case(p, Route.DIRECT, "manager_review", subject=p.staff_member)
    note = Notification.objects.filter(recipient=p.line_manager).first()
    assert note is not None
    page = login(p.line_manager).get(reverse("people:home")).content.decode()
    assert f'href="/grading/{case.pk}/"' in page


def test_after_agreeing_the_amended_jd_nothing_is_left_for_that_person(grading):
    from gradepath.grading.tests.test_agreed_route import NEW_DUTIES, amend

    p = grading
    case = services.start_agreed_route_case(actor=p.staff_member.user, subject=p.staff_member)
    for person in (p.staff_member, p.line_manager, p.delegate):
        case = act(case, person, "agree_duties_changed")
    amend(case, p.line_manager, NEW_DUTIES)
    case = act(case, p.line_manager, "submit_amended_jd", recommended_grade=6)
    case = act(case, p.staff_member, "agree_amended_jd")
    open_for = set(CaseTask.objects.filter(case=case, completed_at__isnull=True).values_list("assignee", flat=True))
    assert open_for == {p.line_manager.pk, p.delegate.pk}
    assert case.complete_submission_on is None  # not yet with the HRBP: the other two have not agreed
    case = act(case, p.line_manager, "agree_amended_jd")
    assert case.complete_submission_on is None
    case = act(case, p.delegate, "agree_amended_jd")
    assert case.state == "hrbp_review" and case.complete_submission_on is not None


def test_my_home_says_where_my_own_request_is_and_whom_it_waits_for(grading, login):
    p = grading
    case = services.start_direct_route_case(actor=p.staff_member.user, subject=p.staff_member)
    case = act(case, p.line_manager, "record_discussion", reason="Discussed.")
    case = act(case, p.staff_member, "submit_proposal", recommended_grade=6)
    page = login(p.staff_member).get(reverse("people:home")).content.decode()
    mine = page[page.index('data-testid="my-cases"'):]
    assert case.reference in mine and "line manager reviewing the proposed JD" in mine
    assert "waiting for Lina Morgan" in mine
