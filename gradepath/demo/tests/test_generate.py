"""`gradepath generate`: a large university written in bulk that keeps every rule the services keep,
checked with the application's own code on a small one (the engine's task refresh, the grading table's
history check, the audit chain, grades in force, pay), the same for the same seed, and the refusals."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone

from gradepath.core.models import HistoryEntry, ReferenceCounter
from gradepath.demo.generate import (
    GenerationError,
    build_index,
    check_size,
    checks,
    generate,
    registered_steps,
)
from gradepath.demo.logins import DEMO_LOGINS
from gradepath.grades.models import PayRecord
from gradepath.grading import services as grading
from gradepath.grading.models import CaseEvent, CaseTask, GradingCase, Route
from gradepath.grading.permissions import visible_cases
from gradepath.jobs import services as jd_services
from gradepath.jobs.matching.store import library_index
from gradepath.jobs.models import AgreedJD, JDVersion, JobDescription, JobFamily
from gradepath.notifications.models import Notification
from gradepath.people.models import OrgUnit, Person, User
from gradepath.workflow.inbox import waiting_for

pytestmark = pytest.mark.usefixtures("db")

SIZE = 400  # people: small enough to generate twice in a few seconds, with every kind of record
SEED = 7


def _snapshot() -> dict[str, list]:
    """What was generated, without database ids or the time of day."""
    return {
        "people": list(Person.objects.order_by("employee_number").values_list(
            "employee_number", "first_name", "last_name", "line_manager__employee_number", "user__username")),
        "cases": list(GradingCase.objects.order_by("reference").values_list(
            "reference", "route", "state", "step", "title", "subject__employee_number", "outcome",
            "decided_grade__number", "matched_agreed__reference")),
        "events": list(CaseEvent.objects.order_by("case__reference", "step").values_list(
            "case__reference", "step", "action", "actor__employee_number", "to_state")),
        "tasks": list(CaseTask.objects.filter(completed_at__isnull=True)
                      .order_by("reference", "role", "due_date", "assignee__employee_number")
                      .values_list("reference", "assignee__employee_number", "role", "due_date")),
        "library": list(AgreedJD.objects.order_by("reference").values_list("reference", "version__jd__reference",
                                                                          "grade__number", "is_current")),
    }


@pytest.fixture(scope="module")
def generated(django_db_setup, django_db_blocker):
    """A small generated university, made twice from an empty database (the first rolled back) inside a
    module transaction rolled back at the end."""
    today = timezone.localdate()
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with transaction.atomic():
                first = generate(people=SIZE, seed=SEED, today=today, index="none")
                first_snapshot = _snapshot()
                transaction.set_rollback(True)
            summary = generate(people=SIZE, seed=SEED, today=today, index="none")
            yield {"summary": summary, "first": first, "snapshots": (first_snapshot, _snapshot())}
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


# --- Before the generated university of this module exists (tests run in file order) -------------


@pytest.mark.parametrize("size", [0, -5, 10, 10_000_000])
def test_sizes_it_cannot_make_are_refused_with_a_message(size):
    with pytest.raises(GenerationError, match="people"):
        check_size(size)
    with pytest.raises(CommandError, match="people"):
        call_command("generate", "--people", str(size), stdout=StringIO())
    assert not Person.objects.exists()


def test_a_size_that_is_not_a_number_is_refused():
    with pytest.raises(CommandError, match="invalid int value"):
        call_command("generate", "--people", "many", stdout=StringIO())


def test_generate_refuses_to_run_in_production(settings):
    settings.GRADEPATH_ENV = "production"
    with pytest.raises(CommandError, match="GRADEPATH_ENV=production"):
        call_command("generate", "--people", "100", stdout=StringIO())
    assert not Person.objects.exists()


def test_the_smallest_university_still_has_every_demo_login_and_their_cases():
    summary = generate(people=50, seed=SEED, index="none")
    assert Person.objects.count() == 50
    assert set(User.objects.values_list("username", flat=True)) >= {d.username for d in DEMO_LOGINS}
    assert GradingCase.objects.filter(subject__user__username="staff").exists()
    assert [s.name for s in summary.steps][:4] == ["people", "jds", "grading", "notifications"]  # then the processes'
    assert checks.case_histories() == [] and checks.open_tasks_as_the_engine_makes_them() == []


# --- The generated university ----------------------------------------------------------------


def _person(username: str) -> Person:
    return Person.objects.select_related("user").get(user__username=username)


def test_the_university_has_the_people_asked_for_and_every_kind_of_record(generated):
    assert Person.objects.count() == SIZE
    assert [step.name for step in generated["summary"].steps] == [s.name for s in registered_steps()]
    counts = generated["summary"].steps[0].counts  # the people step's
    assert counts["people"] == SIZE and counts["posts"] > SIZE and counts["pay records"] > 2 * SIZE
    assert JDVersion.objects.count() > JobDescription.objects.count() > 50
    assert AgreedJD.objects.filter(is_current=True).count() > 50
    routes = Counter(GradingCase.objects.values_list("route", flat=True))
    assert all(routes[route] >= 5 for route in Route.values), routes
    states = set(GradingCase.objects.values_list("state", flat=True))
    assert len(states) >= 12 and {"closed", "withdrawn", "hr_processing", "agreements", "appeal_hearing"} <= states
    assert CaseTask.objects.filter(completed_at__isnull=True, due_date__lt=timezone.localdate()).exists()
    assert Notification.objects.filter(read_at__isnull=True).count() > 50


def test_every_cases_events_are_a_walk_of_the_grading_table(generated):
    assert GradingCase.objects.filter(step__gt=0).count() > 50
    assert checks.case_histories() == []


def test_open_tasks_are_exactly_those_the_engines_refresh_makes(generated):
    assert checks.open_tasks_as_the_engine_makes_them() == []


def test_every_open_task_has_its_message_and_no_finished_task_has_one(generated):
    assert checks.task_messages() == []


def test_the_history_chain_verifies_as_audit_verify_checks_it(generated):
    assert HistoryEntry.objects.filter(action="person.imported").count() == SIZE
    assert HistoryEntry.objects.filter(action__startswith="grading.").count() > CaseEvent.objects.count()
    assert checks.history_chain() == []
    out = StringIO()
    call_command("audit-verify", stdout=out)
    assert "History intact" in out.getvalue()


def test_filled_posts_have_a_grade_in_force_and_everyone_in_post_is_paid_on_its_grade(generated):
    assert checks.posts_and_pay() == []
    regraded = GradingCase.objects.filter(effective_date__isnull=False, subject__isnull=False)
    assert regraded.exists()
    for case in regraded:
        assert PayRecord.objects.filter(person=case.subject, note__startswith=case.reference,
                                        grade=case.decided_grade, effective_from=case.effective_date).exists()
        assert case.post.grade_changes.filter(source=case.reference, grade=case.decided_grade).exists()


def test_the_library_points_at_agreed_versions_and_posts_hold_versions(generated):
    assert checks.library() == []
    assert not JDVersion.objects.filter(status=JDVersion.Status.DRAFT, submitted_at__isnull=False).exists()
    logged = GradingCase.objects.filter(state="closed").exclude(outcome="no_change")
    assert logged.exists()
    assert all(case.proposed_version.status in ("agreed", "superseded") for case in logged)


def test_references_continue_through_the_services_after_generating(generated):
    counters = checks.reference_counters()
    assert counters == []
    today = timezone.localdate()
    counter = ReferenceCounter.objects.filter(series="grading-case", year=today.year).first()
    subject = _person("equality")
    case = grading.start_direct_route_case(actor=subject.user, subject=subject)
    assert case.reference == f"GC-{today.year}-{(counter.last_number if counter else 0) + 1:04d}"
    version = jd_services.create_job_description(
        actor=subject.user, org_unit=OrgUnit.objects.get(code="HR-EDI"), job_family=JobFamily.objects.first(),
        staff_category="pss", job_title="Equality Data Officer", purpose="Runs the equality data returns.",
        duties=["Prepare the annual equality data returns."])
    highest = max(int(r[3:]) for r in JobDescription.objects.exclude(pk=version.jd_id)
                  .values_list("reference", flat=True))
    assert version.jd.reference == f"JD-{highest + 1:06d}"


def test_each_demo_login_has_work_waiting(generated):
    users = {d.username: User.objects.get(username=d.username) for d in DEMO_LOGINS}
    staff = _person("staff")
    own = GradingCase.objects.get(subject=staff)
    assert own.state == "manager_review" and own.line_manager == _person("manager")
    assert waiting_for(users["manager"]).count() >= 4
    assert waiting_for(users["delegate"]).filter(role="fm_hps").exists()
    assert waiting_for(users["hrbp"]).filter(role="hrbp").exists()
    assert waiting_for(users["hrservices"]).filter(team="HR Services").exists()
    assert waiting_for(users["tclead"]).filter(role="panel").exists()
    assert Notification.objects.filter(recipient=_person("hod"), subject__startswith="For information").exists()
    assert visible_cases(users["fmhps"]).count() > 10
    assert visible_cases(users["admin"]).count() == GradingCase.objects.count()


def test_the_same_seed_and_day_give_the_same_university(generated):
    first, second = generated["snapshots"]
    assert first == second
    assert len(first["events"]) > 300
    assert [s.counts for s in generated["first"].steps] == [s.counts for s in generated["summary"].steps]


def test_the_matching_index_is_built_by_the_workers_task(generated):
    assert "refresh_matching_index" in build_index("build")
    state = library_index()
    assert not state.stale and len(state.index) == AgreedJD.objects.filter(is_current=True).count()


def test_a_database_that_holds_people_is_refused(generated):
    with pytest.raises(GenerationError, match="already holds people"):
        generate(people=100, seed=SEED, index="none")
    with pytest.raises(CommandError, match="already holds people"):
        call_command("generate", "--people", "100", "--index", "none", stdout=StringIO())


@pytest.mark.skipif(connection.vendor == "sqlite", reason="PostgreSQL refuses --reset on a database with people")
def test_reset_is_refused_on_postgresql_when_people_exist(generated):
    with pytest.raises(CommandError, match="Drop and recreate the database"):
        call_command("generate", "--people", "100", "--reset", "--index", "none", stdout=StringIO())
    assert Person.objects.count() == SIZE


@pytest.mark.skipif(connection.vendor != "sqlite", reason="--reset empties the database on SQLite only")
def test_reset_generates_afresh_on_sqlite(generated):
    out = StringIO()
    call_command("generate", "--people", "60", "--reset", "--index", "none", stdout=out)
    assert Person.objects.count() == 60
    assert "people: " in out.getvalue() and "Generated 60 people" in out.getvalue()
    assert checks.history_chain() == []


def test_generated_texts_have_their_blanks_filled(generated):
    assert CaseEvent.objects.exclude(reason="").exists()
    assert not CaseEvent.objects.filter(reason__contains="{").exists()
    assert not HistoryEntry.objects.filter(summary__contains="{").exists()
    assert not Notification.objects.filter(body__contains="{").exists()


def test_generated_dates_are_never_after_now(generated):
    now = timezone.now() + dt.timedelta(minutes=1)
    assert not CaseEvent.objects.filter(created_at__gt=now).exists()
    assert not HistoryEntry.objects.filter(created_at__gt=now).exists()
    assert not GradingCase.objects.filter(created_at__gt=now).exists()
