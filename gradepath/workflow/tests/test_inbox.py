"""The inbox: everything waiting for me across every registered process, from the one task table."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gradepath.grading import services
from gradepath.grading.models import Route
from gradepath.grading.tests.test_workflow_matrix import make_case
from gradepath.workflow.models import Task

pytestmark = pytest.mark.django_db


def inbox_rows(client, **params):
    response = client.get(reverse("workflow:inbox"), params)
    assert response.status_code == 200
    return response, [row.task for row in response.context["rows"]]


def test_the_line_manager_finds_their_task_with_its_step_and_due_date(grading, login):
    p = grading
    case = services.start_direct_route_case(actor=p.staff_member.user, subject=p.staff_member)
    response, tasks = inbox_rows(login(p.line_manager))
    assert [t.object_id for t in tasks] == [case.pk]
    body = response.content.decode()
    assert case.reference in body and "Discussion to be recorded" in body and "Grading" in body
    assert f'href="/grading/{case.pk}/"' in body


def test_a_delegate_sees_what_they_act_on_for_someone_else(grading, login):
    p = grading
    make_case(p, Route.NEW_JOB, "fm_approval")
    response, tasks = inbox_rows(login(p.delegate))
    assert len(tasks) == 1
    assert "delegate of Fiona Marsh" in response.content.decode()


def test_hr_services_see_their_team_queue_and_nobody_sees_anothers_tasks(grading, login):
    p = grading
    case = make_case(p, Route.DIRECT, "hr_processing")
    response, tasks = inbox_rows(login(p.hr_services))
    assert [t.object_id for t in tasks] == [case.pk] and "HR Services team queue" in response.content.decode()
    for stranger in (p.outsider, p.staff_member, p.line_manager):
        assert inbox_rows(login(stranger))[1] == []


def test_overdue_first_and_filters_by_process_and_unit(grading, login):
    p = grading
    early = make_case(p, Route.NEW_JOB, "fm_approval")
    late = make_case(p, Route.NEW_JOB, "fm_approval")
    Task.objects.filter(object_id=early.pk).update(due_date=dt.date(2000, 1, 3))
    client = login(p.delegate)
    response, tasks = inbox_rows(client)
    assert [t.object_id for t in tasks] == [early.pk, late.pk] and "Overdue" in response.content.decode()
    assert len(inbox_rows(client, process="grading")[1]) == 2
    assert len(inbox_rows(client, unit=p.department.pk)[1]) == 2
    refused = client.get(reverse("workflow:inbox"), {"unit": p.estates.pk})
    assert refused.status_code == 400


def test_the_menu_counts_what_is_waiting(grading, login):
    p = grading
    make_case(p, Route.NEW_JOB, "fm_approval")
    body = login(p.delegate).get(reverse("people:home")).content.decode()
    assert 'href="/inbox/"' in body and 'id="gp-inbox-badge"' in body


def _count(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("workflow:inbox"))
    return len(queries)


def test_the_inbox_query_count_does_not_grow_with_rows(grading, login):
    p = grading
    client = login(p.delegate)
    make_case(p, Route.NEW_JOB, "fm_approval")
    small = _count(client)
    for _ in range(6):
        make_case(p, Route.NEW_JOB, "fm_approval")
    assert _count(client) == small


def test_the_api_twin_lists_the_same_and_refuses_bad_filters(grading, api):
    p = grading
    case = make_case(p, Route.NEW_JOB, "fm_approval")
    client = api(p.delegate)
    data = client.get(reverse("api:inbox")).json()
    assert data["count"] == 1 and data["results"][0]["reference"] == case.reference
    assert data["results"][0]["acting_as"].startswith("delegate of Fiona Marsh")
    assert data["results"][0]["link"] == f"/grading/{case.pk}/"
    assert client.get(reverse("api:inbox"), {"process": "nonsense"}).status_code == 400
    assert client.get(reverse("api:inbox"), {"unit": "x"}).status_code == 400
    assert api(None).get(reverse("api:inbox")).status_code == 401


def test_my_home_sums_up_the_inbox(grading, login):
    p = grading
    early = make_case(p, Route.NEW_JOB, "fm_approval")
    make_case(p, Route.NEW_JOB, "fm_approval")
    Task.objects.filter(object_id=early.pk).update(due_date=dt.date(2000, 1, 3))
    body = login(p.delegate).get(reverse("people:home")).content.decode()
    summary = body[body.index('data-testid="inbox-summary"'):]
    assert "2 things waiting for you" in summary and "1 overdue" in summary and early.reference in summary
    quiet = login(p.outsider).get(reverse("people:home")).content.decode()
    assert "Nothing is waiting for you in any process." in quiet


def _tasks_of_every_process(p, each: int) -> None:
    """``each`` open tasks of every registered process for the line manager (the inbox reads only the task
    table, so a task row is all a process adds to it)."""
    from django.contrib.contenttypes.models import ContentType

    from gradepath.workflow.registry import processes

    for process in processes():
        content_type = ContentType.objects.get_for_model(process.model)
        first_state = next(iter(process.states))
        for i in range(each):
            Task.objects.create(process=process.name, content_type=content_type, object_id=10_000 + i,
                                reference=f"X-{process.name[:6]}-{i}", title="A task", org_unit=p.department,
                                subject=p.staff_member, step=0, state=first_state, assignee=p.line_manager,
                                role=next(iter(process.roles)), description="Waiting",
                                due_date=dt.date(2026, 1, 5) + dt.timedelta(days=i))


def test_the_inbox_query_count_is_the_same_with_every_process_and_more_rows(grading, login):
    from gradepath.workflow.registry import processes

    names = {process.name for process in processes()}
    assert {"grading", "appraisal", "allowances"} <= names and len(names) >= 5, names
    p = grading
    client = login(p.line_manager)
    _tasks_of_every_process(p, 1)
    small = _count(client)
    response, tasks = inbox_rows(client)
    assert {t.process for t in tasks} == names
    _tasks_of_every_process(p, 5)
    assert _count(client) == small
    response, tasks = inbox_rows(client)
    assert len(tasks) == 6 * len(names)
    assert all(row.link for row in response.context["rows"])
