"""`gradepath bench pages` against a small demo university: every page, as its persona."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import connection

from gradepath.bench.pages import (
    PAGE_KEYS,
    _Recorder,
    _Statement,
    bare_sql_seconds,
    plan_pages,
    run_pages,
)
from gradepath.grading.models import CaseTask
from gradepath.grading.permissions import visible_cases
from gradepath.jobs.permissions import versions_for_user, visible_jds
from gradepath.people.models import Person, User

pytestmark = pytest.mark.usefixtures("db")


def test_every_page_answers_200_with_its_query_count_signed_in_as_its_persona(small_demo):
    sessions = Session.objects.count()
    run = run_pages(repeat=2)
    assert run.skipped == []
    assert [row.key for row in run.rows] == PAGE_KEYS
    for row in run.rows:
        assert row.status == 200, f"{row.key} ({row.url}) answered {row.status}"
        assert row.queries > 0 and row.repeat == 2
        assert 0 < row.p50_ms <= row.p95_ms and row.sql_ms > 0 and row.kb > 0
    assert run.meta["sizes"]["people"] == Person.objects.count()
    assert run.meta["vendor"] == connection.vendor
    assert Session.objects.count() == sessions  # its sign-ins end with it


def test_the_pages_show_objects_their_persona_works_on(small_demo):
    pages = {page.key: page for page in plan_pages()[0]}
    hrbp = User.objects.get(username="hrbp")
    case_pk = int(pages["case"].url.split("/")[2])
    assert CaseTask.objects.filter(object_id=case_pk, assignee__user=hrbp, completed_at__isnull=True).exists()
    assert visible_cases(hrbp).filter(pk=case_pk, is_closed=False).exists()
    jd = visible_jds(hrbp).get(pk=int(pages["jd-compare"].url.split("/")[2]))
    assert versions_for_user(hrbp, jd).count() >= 2
    manager = Person.objects.get(user__username="manager")
    assert manager.reports.filter(pk=int(pages["person"].url.split("/")[2])).exists()
    assert pages["person"].persona == "manager" and pages["people"].persona == "hrservices"


def test_the_same_page_makes_the_same_number_of_queries_each_time(small_demo):
    first = {row.key: row.queries for row in run_pages(repeat=1, only=["inbox", "case", "cases"]).rows}
    again = {row.key: row.queries for row in run_pages(repeat=1, only=["inbox", "case", "cases"]).rows}
    assert first == again


def test_bare_sql_runs_the_reads_again_but_never_a_write(small_demo):
    person = Person.objects.order_by("pk").first()
    recorder = _Recorder()
    with connection.execute_wrapper(recorder):
        list(Person.objects.filter(pk=person.pk))
    update = _Statement(sql='UPDATE "people_person" SET "last_name" = %s WHERE "id" = %s',
                        params=["Changed", person.pk], many=False, seconds=0.25)
    total, slowest, slowest_sql = bare_sql_seconds([*recorder.statements, update], runs=3)
    assert total >= 0.25  # the write counts with its recorded time...
    assert Person.objects.get(pk=person.pk).last_name == person.last_name  # ...and was not run again
    assert slowest == 0.25 and slowest_sql.startswith("UPDATE")


def test_the_command_writes_json_that_it_can_print_again_against_a_baseline(small_demo, tmp_path):
    path = tmp_path / "demo.json"
    out = StringIO()
    call_command("bench", "pages", "--repeat", "1", "--only", "inbox,api-inbox", "--json", str(path), stdout=out,
                 stderr=StringIO())
    data = json.loads(path.read_text())
    assert [row["key"] for row in data["rows"]] == ["inbox", "api-inbox"]
    assert "inbox" in out.getvalue() and f"Results written to {path}" in out.getvalue()
    again = StringIO()
    call_command("bench", "pages", "--from", str(path), "--baseline", str(path), stdout=again)
    table = again.getvalue()
    assert "×size" in table and "Baseline:" in table
    assert " 1.00 " in table  # the same run against itself: ×1 and the same queries
