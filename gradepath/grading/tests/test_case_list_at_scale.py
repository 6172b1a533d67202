"""The case list at scale (issue 13): its SQL reads a page of cases, it does not group every case the
viewer may see, and its order comes from the case table's own index."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gradepath.grading import services
from gradepath.grading.models import GradingCase
from gradepath.testing.factories import AppointmentFactory, PersonFactory, PostFactory, UserFactory

pytestmark = pytest.mark.django_db


def _case_queries(client, **params) -> list[str]:
    client.get(reverse("grading:case-list"), params)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("grading:case-list"), params)
    assert response.status_code == 200
    return [q["sql"] for q in ctx.captured_queries if 'FROM "grading_gradingcase"' in q["sql"]]


@pytest.mark.parametrize("params", [{}, {"status": "open"}, {"q": "GC-"}])
def test_the_case_list_groups_no_cases_and_reads_one_page(login, grading, params):
    services.start_direct_route_case(actor=grading.staff_member.user, subject=grading.staff_member)
    queries = _case_queries(login(grading.hr_services), **params)
    assert queries, "the case list read no cases"
    for sql in queries:
        # The next due date was a MIN() over every visible case's tasks, grouped before the page was cut.
        assert "GROUP BY" not in sql.upper(), sql
    assert any("LIMIT" in sql.upper() for sql in queries)


def test_closed_is_derived_by_the_database_from_the_state(grading):
    case = services.start_direct_route_case(actor=grading.staff_member.user, subject=grading.staff_member)
    assert GradingCase.objects.get(pk=case.pk).is_closed is False
    case = services.perform_action(actor=grading.staff_member.user, case=case, action="withdraw", step=case.step,
                                   data={"reason": "Changed my mind."})
    assert GradingCase.objects.get(pk=case.pk).is_closed is True
    assert list(GradingCase.objects.filter(is_closed=True).values_list("pk", flat=True)) == [case.pk]


def test_the_next_due_date_is_the_earliest_open_task(login, grading):
    person = PersonFactory(line_manager=grading.line_manager, user=UserFactory())
    AppointmentFactory(person=person, post=PostFactory(org_unit=grading.department, grade=grading.staff_post.grade,
                                                       jd_version=grading.agreed.version))
    case = services.start_direct_route_case(actor=person.user, subject=person)
    due = min(t.due_date for t in case.tasks.filter(completed_at__isnull=True))
    page = login(grading.hr_services).get(reverse("grading:case-list")).context["page"]
    assert {c.pk: c.next_due for c in page.object_list}[case.pk] == due


def test_the_access_gates_join_no_task_panel_or_appointment_rows(grading):
    """The gates were a join of every case to its tasks and panel (and of every JD to its versions,
    posts and appointments) with a DISTINCT over them: 100-480 ms at 50,000 staff. Each way in is a
    semi-join now, and the gates still let in the same people (the access tests)."""
    from gradepath.grading.permissions import visible_cases
    from gradepath.jobs.permissions import fully_visible_jds

    for persona in (grading.line_manager, grading.staff_member, grading.fm_hps):
        cases = str(visible_cases(persona.user).query).upper()
        jds = str(fully_visible_jds(persona.user).query).upper()
        assert "JOIN" not in cases, cases
        assert "JOIN" not in jds.split(" WHERE ")[0] and "DISTINCT" not in jds, jds
