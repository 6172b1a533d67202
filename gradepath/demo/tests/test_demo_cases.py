"""The demo grading cases: every route and state, returned loops, appeals, outcomes, overdue
tasks and something in each demo login's inbox, all made through the grading services."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from gradepath.core.models import HistoryEntry
from gradepath.demo.builder import build_demo_university
from gradepath.grades.models import PayRecord
from gradepath.grading.models import (
    AppealPanelMember,
    CaseEvent,
    CaseTask,
    GradingCase,
    Outcome,
    Route,
)
from gradepath.grading.services import visible_cases
from gradepath.grading.tests.conftest import grade_on
from gradepath.jobs.matching.matcher import match_version
from gradepath.notifications.models import Notification, OutboxEmail
from gradepath.people import roles
from gradepath.people.models import Person, User
from gradepath.people.relations import acting_capacity, nearest_holder

pytestmark = pytest.mark.usefixtures("db")


def _snapshot() -> dict[str, list[tuple]]:
    """What the cases are, without database ids or clock times."""
    return {
        "cases": list(GradingCase.objects.order_by("reference").values_list(
            "reference", "route", "state", "step", "title", "subject__employee_number",
            "initiator__employee_number", "outcome", "recommended_grade__number", "decided_grade__number",
            "matched_agreed__reference", "fairness_issue", "grant_funded")),
        "events": list(CaseEvent.objects.order_by("case__reference", "step").values_list(
            "case__reference", "step", "action", "actor__employee_number", "from_state", "to_state", "reason")),
        "tasks": list(CaseTask.objects.filter(completed_at__isnull=True).order_by("case__reference", "role")
                      .values_list("case__reference", "assignee__employee_number", "role", "due_date")),
        "logins": sorted(User.objects.values_list("username", flat=True)),
    }


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The full demo university with its cases, built twice from an empty database (the first
    build rolled back) inside a module transaction rolled back at the end. Yields both snapshots."""
    today = timezone.localdate()
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with transaction.atomic():
                build_demo_university(today=today)
                first = _snapshot()
                transaction.set_rollback(True)
            summary = build_demo_university(today=today)
            yield {"summary": summary, "first": first, "second": _snapshot(), "built_at": timezone.now()}
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def _login(username: str) -> Person:
    return Person.objects.select_related("user").get(user__username=username)


def _open_tasks():
    return CaseTask.objects.filter(completed_at__isnull=True).prefetch_related("obj")


def test_the_demo_has_at_least_40_grading_cases_on_every_route(demo):
    assert demo["summary"].counts["grading cases"] == GradingCase.objects.count() >= 40
    routes = Counter(GradingCase.objects.values_list("route", flat=True))
    assert all(routes[route] >= 5 for route in Route.values), routes


def test_the_demo_cases_are_spread_over_at_least_12_states_open_and_closed(demo):
    states = set(GradingCase.objects.values_list("state", flat=True))
    assert len(states) >= 12, states
    assert {"closed", "withdrawn", "not_agreed", "appeal", "hr_processing", "fm_approval", "fm_brokering",
            "agreements", "jd_amendment", "manager_review", "staff_direct_submission", "evaluation",
            "fairness", "decision", "logging"} <= states


def test_the_same_seed_builds_the_same_cases_from_an_empty_database(demo):
    assert demo["first"] == demo["second"]
    assert len(demo["first"]["events"]) > 150


def test_returned_jds_were_resubmitted_and_every_round_is_kept(demo):
    loops = 0
    for case in GradingCase.objects.filter(events__action="return_to_staff").distinct():
        actions = list(case.events.order_by("step").values_list("action", flat=True))
        returned_at = actions.index("return_to_staff")
        if "submit_proposal" in actions[returned_at + 1:]:
            loops += 1
            # Each round is a version of its own: the returned one stays submitted. (A post sharing its JD
            # amends its own copy, whose first version is the first round.)
            first_round = 1 if case.jd_id != case.baseline_version.jd_id else case.baseline_version.number + 1
            assert case.proposed_version.number >= first_round + 1
            assert case.jd.versions.get(number=first_round).status != "draft"
    assert loops >= 2
    assert CaseEvent.objects.filter(action="return_to_manager").exists()
    assert CaseEvent.objects.filter(action="return_for_amendment").exists()


def test_an_appeal_is_lodged_and_one_is_heard_by_a_panel_of_uninvolved_people(demo):
    assert GradingCase.objects.filter(state="appeal").exists()
    heard = GradingCase.objects.filter(events__action__in=["dismiss_appeal", "uphold_appeal"]).distinct()
    assert heard.exists()
    for case in heard:
        convened = case.events.get(action="convene_panel")
        involved = {case.subject_id, case.line_manager_id, case.initiator_id}
        involved |= set(case.events.filter(step__lt=convened.step).values_list("actor_id", flat=True))
        involved |= {h.pk for role in ("fm_hps", "head", "hrbp") if (h := nearest_holder(case.org_unit, role))}
        panel = set(AppealPanelMember.objects.filter(case=case).values_list("person_id", flat=True))
        assert len(panel) >= 2 and not panel & involved
        decision = case.events.get(action__in=["dismiss_appeal", "uphold_appeal"])
        assert decision.actor_id in panel


def test_outcomes_include_reallocation_no_change_and_a_higher_grade_processed_and_logged(demo):
    closed = GradingCase.objects.filter(state="closed")
    reallocated = closed.filter(outcome=Outcome.REALLOCATION).select_related("post").first()
    assert reallocated is not None and reallocated.decided_grade == reallocated.current_grade
    # The reallocated duties were taken out of the JD before it was logged and given to the post.
    added = [d for d in reallocated.proposed_version.duties if d not in reallocated.baseline_version.duties]
    assert len(added) == 1 and reallocated.proposed_version.status == "agreed"
    assert reallocated.post.jd_version_id == reallocated.proposed_version_id
    assert closed.filter(outcome=Outcome.NO_CHANGE).exists()
    processed = closed.filter(outcome=Outcome.HIGHER_GRADE, route=Route.DIRECT, events__action="process").first()
    assert processed is not None
    record = PayRecord.objects.get(person=processed.subject, note__startswith=processed.reference)
    assert record.grade == processed.decided_grade and record.reason == PayRecord.Reason.REGRADE
    assert processed.events.filter(action="log_and_send").exists()
    processed.post.refresh_from_db()
    assert grade_on(processed.post, processed.effective_date) == processed.decided_grade.number


def test_a_direct_submission_to_the_hrbp_and_a_hera_evaluation_are_there(demo):
    assert CaseEvent.objects.filter(action="record_no_agreement").exists()
    assert CaseEvent.objects.filter(action="submit_to_hrbp").exists()
    evaluated = GradingCase.objects.filter(events__action="record_evaluation").first()
    assert evaluated is not None and evaluated.evaluation["total"] == sum(evaluated.evaluation["scores"].values())


def test_agreed_route_cases_wait_for_agreements_and_record_a_fairness_issue_and_its_resolution(demo):
    waiting = GradingCase.objects.filter(route=Route.AGREED, state="agreements")
    agreed_counts = {c.events.filter(action="agree_duties_changed").count() for c in waiting}
    assert {1, 2} <= agreed_counts  # waiting for the second agreement, and for the third
    issue = GradingCase.objects.filter(route=Route.AGREED, fairness_issue=True).first()
    assert issue is not None and issue.fairness_resolution
    assert GradingCase.objects.filter(route=Route.AGREED, state="not_agreed").exists()


def test_hr_services_has_cases_to_process_one_grant_funded_waiting_for_finance(demo):
    queue = _open_tasks().filter(assignee__isnull=True, role="hr_services", case__state="hr_processing")
    assert queue.count() >= 2
    assert queue.filter(case__grant_funded=True, case__finance_approved_at__isnull=True).exists()
    assert roles.in_group(_login("hrservices").user, roles.HR_SERVICES)


def test_each_demo_login_has_something_waiting(demo):
    for username in ("manager", "hrbp"):
        assert _open_tasks().filter(assignee=_login(username)).exists(), username
    fm_tasks = _open_tasks().filter(assignee__in=[_login("fmhps"), _login("delegate")],
                                    case__state__in=["fm_approval", "fm_brokering"])
    assert fm_tasks.exists()
    hrbp_states = set(_open_tasks().filter(assignee=_login("hrbp")).values_list("case__state", flat=True))
    assert {"hrbp_review", "fairness", "decision"} <= hrbp_states
    for username in ("staff", "manager", "fmhps", "delegate", "hod", "hrbp", "hrservices"):
        assert visible_cases(_login(username).user).exists(), username


def test_the_staff_login_has_a_direct_route_case_waiting_for_their_line_manager(demo):
    staff, manager = _login("staff"), _login("manager")
    case = GradingCase.objects.get(subject=staff)
    assert case.route == Route.DIRECT and case.line_manager == manager
    assert _open_tasks().filter(case=case, assignee=manager, role="line_manager").exists()


def test_some_tasks_are_overdue_and_cases_have_different_ages(demo):
    today = timezone.localdate()
    overdue = _open_tasks().filter(due_date__lt=today)
    assert overdue.count() >= 3
    assert overdue.filter(assignee__isnull=False).exists()
    ages = {(timezone.now() - c.created_at).days for c in GradingCase.objects.all()}
    assert max(ages) >= 90 and min(ages) <= 5


def test_nobody_acted_on_their_own_case_except_as_its_staff_member_or_initiator(demo):
    events = CaseEvent.objects.select_related("case__org_unit", "case__subject", "actor")
    for event in events:
        role = event.data.get("role")
        case = event.case
        if event.actor_id == case.subject_id:
            assert role in ("staff_member", "initiator"), (case.reference, event.action)
        if role == "line_manager":
            assert event.actor_id == case.line_manager_id
        if role in ("fm_hps", "hrbp"):
            on = event.created_at.date()
            assert acting_capacity(event.actor, case.org_unit, role, on=on, subject=case.subject) is not None


def _from_appraisals() -> list[str]:
    """The cases an appraisal's regrading check started (the appraisal step runs after the grading demo,
    and its cases carry the check's comment and matching suggestion in their history too)."""
    from django.apps import apps

    return [r for r in apps.get_model("appraisal", "Appraisal").objects.exclude(regrading_reference="")
            .values_list("regrading_reference", flat=True)]


def test_every_step_has_one_event_and_a_history_row(demo):
    for case in GradingCase.objects.all():
        assert sorted(case.events.values_list("step", flat=True)) == list(range(case.step))
    cases = GradingCase.objects.exclude(reference__in=_from_appraisals())
    events = CaseEvent.objects.filter(case__in=cases).count()
    history = HistoryEntry.objects.filter(action__startswith="grading.", object_type="grading.gradingcase",
                                          object_id__in=[str(pk) for pk in cases.values_list("pk", flat=True)])
    assert history.count() == events + cases.count()  # one per action, one per case started


def test_one_case_regrades_the_other_posts_on_its_jd_version_with_it(demo):
    case = GradingCase.objects.filter(also_regraded__isnull=False).distinct().get()
    assert case.state == "closed" and case.outcome == "higher_grade" and case.fairness_issue
    for post in case.also_regraded.all():
        assert grade_on(post, case.effective_date) == case.decided_grade.number
        assert post.jd_version == case.proposed_version
        for holder in post.appointments.filter(end_date__isnull=True).values_list("person_id", flat=True):
            assert PayRecord.objects.filter(person_id=holder, reason="regrade", note__contains=case.reference).exists()


# --- The demo's history at the dates it shows (issue 11, item 17) ------------------------------------


def _case_history(case: GradingCase):
    return HistoryEntry.objects.filter(object_type="grading.gradingcase", object_id=str(case.pk))


def test_every_history_row_is_dated_before_now_and_a_cases_within_its_own_timeline(demo):
    assert not HistoryEntry.objects.filter(created_at__gt=demo["built_at"]).exists()
    for case in GradingCase.objects.all():
        dates = list(_case_history(case).values_list("created_at", flat=True))
        dates += list(case.events.values_list("created_at", flat=True))
        assert dates, case.reference
        assert min(dates) >= case.created_at, case.reference
        assert max(dates) <= case.updated_at, case.reference  # nothing after the case's last change


def test_the_started_row_is_dated_when_the_case_says_it_started(demo):
    for case in GradingCase.objects.all():
        started = _case_history(case).get(action="grading.case_started")
        assert started.created_at == case.created_at, case.reference


def test_each_cases_timeline_is_in_order_on_working_days(demo):
    for case in GradingCase.objects.all():
        events = list(case.events.order_by("step"))
        times = [case.created_at] + [event.created_at for event in events]
        assert times == sorted(times) and len(set(times)) == len(times), case.reference
        for when in times:
            local = timezone.localtime(when)
            assert local.weekday() < 5, (case.reference, local)
            assert dt.time(8, 0) <= local.time() <= dt.time(18, 0), (case.reference, local)
        rows = list(_case_history(case).order_by("chain_seq").values_list("created_at", flat=True))
        assert rows == sorted(rows), case.reference  # the history chain follows the case's timeline
        assert case.updated_at == times[-1], case.reference
        if case.closed_at is not None:  # when it first closed (an appeal may reopen it)
            closing = next(e for e in events if e.to_state in ("closed", "withdrawn", "not_agreed"))
            assert case.closed_at == closing.created_at, case.reference


def test_each_task_is_due_after_the_step_that_created_it(demo):
    for task in CaseTask.objects.prefetch_related("obj"):
        made_at = (task.case.created_at if task.step == 0
                   else task.case.events.get(step=task.step - 1).created_at)
        assert task.created_at == made_at, task.case.reference
        assert task.due_date > timezone.localdate(made_at), (task.case.reference, task.due_date, made_at)
        if task.completed_at is not None:
            assert task.completed_at >= task.created_at, task.case.reference


def test_messages_and_pay_records_are_dated_on_their_cases_timeline(demo):
    for case in GradingCase.objects.all():
        link = f"/grading/{case.pk}/"
        for when in Notification.objects.filter(link=link).values_list("created_at", flat=True):
            assert case.created_at <= when <= case.updated_at, case.reference
        for when in OutboxEmail.objects.filter(body__contains=link).values_list("created_at", flat=True):
            assert case.created_at <= when <= case.updated_at, case.reference
        for record in PayRecord.objects.filter(note__startswith=case.reference):
            processed = case.events.filter(action="process").order_by("step").values_list("created_at", flat=True)
            assert record.recorded_at in set(processed), case.reference
    assert not OutboxEmail.objects.filter(status=OutboxEmail.Status.PENDING).exists()  # sent when written


def test_every_decided_case_is_matched_to_a_top_suggestion_for_its_jd_at_the_grade_it_checked(demo):
    decided = GradingCase.objects.filter(decided_grade__isnull=False).select_related(
        "matched_agreed__grade", "checked_grade", "proposed_version", "decided_grade")
    assert decided.count() >= 10
    for case in decided:
        assert case.matched_agreed is not None, case.reference
        top = [m.agreed.pk for m in match_version(case.proposed_version, k=10).matches]
        assert case.matched_agreed_id in top, case.reference
        if not case.events.filter(action="record_evaluation").exists():
            assert case.checked_grade == case.matched_agreed.grade, case.reference
        decision = case.events.get(action="decide")  # (an upheld appeal decides again, on its own grounds)
        if decision.data["outcome"] in (Outcome.HIGHER_GRADE, Outcome.GRADE_CONFIRMED, Outcome.LOWER_GRADE) and \
                decision.data.get("grade") != case.checked_grade.number:
            assert decision.data.get("grade_difference_reason"), case.reference
    # GC-2026-0009 in the issue: a Senior Research Technician matched to a Project Officer two grades up.
    for case in GradingCase.objects.filter(matched_agreed__isnull=False).exclude(route="new_job"):
        assert abs(case.matched_agreed.grade.number - case.current_grade.number) <= 1, case.reference


def test_every_case_took_the_steps_its_timeline_planned(demo):
    assert demo["summary"].schedule_misses == []


def test_references_follow_the_order_the_cases_started(demo):
    references = list(GradingCase.objects.exclude(reference__in=_from_appraisals())
                      .order_by("created_at", "pk").values_list("reference", flat=True))
    assert references == sorted(references)


def test_the_history_chain_of_the_built_demo_verifies(demo):
    out = StringIO()
    call_command("audit-verify", stdout=out)  # raises (exit status 1) when a row was changed or removed
    assert "History intact" in out.getvalue()
