"""The HR import in bulk: the same records and history as the services row by row, a number of queries
that does not grow with the rows, a re-run that writes nothing, the rules refused on the right line,
the history chain intact, the benchmark command, and the admin page following a run the worker does."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gradepath.core.models import HistoryEntry
from gradepath.notifications.models import Notification
from gradepath.people.importer import import_people
from gradepath.people.importer import plan as plan_module
from gradepath.people.importer.bulk import BulkWriter
from gradepath.people.importer.runs import _progress_file
from gradepath.people.importer.synthetic import hr_extract
from gradepath.people.models import (
    Appointment,
    ImportRun,
    OrgUnit,
    Person,
    Post,
    UnitRoleAssignment,
)
from gradepath.people.tests.test_import import SAMPLE, UNIT_ROW, csv_bytes, messages, person_row
from gradepath.people.tests.test_unit_roles import ROLE_HEADER

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
IMPORT_URL = "/admin/people/person/import/"


def changed_sample() -> bytes:
    """The sample with a known-as name, a line manager, an FTE, an end date and a unit name changed."""
    return (SAMPLE.read_text()
            .replace("Mr,Peter,Lawson,,", "Mr,Peter,Lawson,Pete,")
            .replace("E100013,Ms,Priyanka,Shah,,p.shah@example.ac.uk,technical,E100011",
                     "E100013,Ms,Priyanka,Shah,,p.shah@example.ac.uk,technical,E100012")
            .replace("Research Data Steward,0.6", "Research Data Steward,0.8")
            .replace("2026-10-01,2027-03-31", "2026-10-01,2027-01-31")
            .replace("Research Computing,department", "Research Computing Services,department")
            .replace("ISD-RC,Research Computing Services,department,ISD", "ISD-RC,Research Computing Services,department,ENG")
            .replace("c.bennett@example.ac.uk", "chloe.bennett@example.ac.uk")).encode()


def roles_file(fm: str = "E1", dean: str = "E2") -> bytes:
    return csv_bytes(UNIT_ROW + f",{fm},{dean}", person_row("E1") + ",,", person_row("E2", category="academic") + ",,",
                     header=ROLE_HEADER)


def written() -> dict[str, object]:
    """Everything an import writes, by the HR system's keys (ids differ from one run to the next)."""
    number = dict(Person.objects.values_list("pk", "employee_number"))
    units = {u.pk: u for u in OrgUnit.objects.all()}
    return {
        "units": sorted((u.code, u.name, u.kind, u.parent.code if u.parent_id else None,
                         [units[pk].code for pk in u.ancestor_ids]) for u in units.values()),
        "people": sorted(Person.objects.values_list(
            "employee_number", "title", "first_name", "last_name", "known_as", "work_email", "staff_category",
            "line_manager__employee_number", "probation_end", "is_active")),
        "posts": sorted(Post.objects.values_list("post_number", "org_unit__code", "title", "fte", "funding_source",
                                                 "grant_funded", "grade", "is_active")),
        "appointments": sorted(Appointment.objects.values_list(
            "person__employee_number", "post__post_number", "kind", "start_date", "end_date")),
        "roles": sorted(UnitRoleAssignment.objects.values_list(
            "unit__code", "role", "person__employee_number", "start_date", "end_date")),
        "notifications": sorted((n.recipient.employee_number, n.subject, n.body,
                                 re.sub(r"/people/(\d+)/", lambda m: f"/people/{number[int(m[1])]}/", n.link))
                                for n in Notification.objects.select_related("recipient")),
        "history": [(h.action, h.actor_label, h.object_type, h.object_repr, h.summary, h.before, h.after,
                     number.get(h.person_id))
                    for h in HistoryEntry.objects.order_by("chain_seq")],
    }


def the_bulk_write_is_refused(monkeypatch) -> None:
    def refuse(self, progress=None):
        raise DatabaseError("The database refused the bulk write.")

    monkeypatch.setattr(BulkWriter, "flush", refuse)


def imported(steps, monkeypatch, *, bulk: bool) -> dict[str, object]:
    """What the files in ``steps`` leave behind, imported in bulk or row by row; nothing is kept."""
    with monkeypatch.context() as patch:
        if not bulk:
            the_bulk_write_is_refused(patch)
        with transaction.atomic():
            for step in steps:
                step()
            state = written()
            transaction.set_rollback(True)
    return state


# --- The same as the services, row by row ----------------------------------------------------------------


def test_the_bulk_import_writes_the_records_and_history_the_services_write_row_by_row(monkeypatch, personas):
    admin = personas.administrator.user

    def sample():
        assert import_people(actor=admin, data=SAMPLE.read_bytes()).ok

    def changes():
        report = import_people(actor=None, data=changed_sample())
        assert report.ok and report.updated == 6, messages(report)

    def roles():
        assert import_people(actor=None, data=roles_file()).ok
        UnitRoleAssignment.objects.update(start_date=TODAY - dt.timedelta(days=30))  # named a month ago
        assert import_people(actor=None, data=roles_file(fm="E2", dean="E1")).ok

    steps = [sample, changes, roles]
    in_bulk, row_by_row = imported(steps, monkeypatch, bulk=True), imported(steps, monkeypatch, bulk=False)

    assert len(in_bulk["history"]) == 57 + 6 + 9 + 4
    assert in_bulk == row_by_row


def test_a_bulk_write_the_database_refuses_is_written_again_row_by_row_with_its_updates(monkeypatch):
    import_people(actor=None, data=SAMPLE.read_bytes())
    the_bulk_write_is_refused(monkeypatch)

    report = import_people(actor=None, data=changed_sample())

    assert report.ok and (report.created, report.updated) == (0, 6), messages(report)
    assert Person.objects.get(employee_number="E100010").known_as == "Pete"
    assert OrgUnit.objects.get(code="ISD-RC").parent.code == "ENG"


# --- Queries do not grow with the rows -----------------------------------------------------------------


def everyones_known_as(data: bytes, name: str) -> bytes:
    """The extract with every person's known-as name changed (on the rows that give their details)."""
    reader = csv.DictReader(io.StringIO(data.decode()))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=reader.fieldnames or [], lineterminator="\n")
    writer.writeheader()
    for row in reader:
        if row["employee_number"] and row["first_name"]:
            row["known_as"] = name
        writer.writerow(row)
    return out.getvalue().encode()


# Queries of an import of a synthetic extract (units, role holders, people, posts, appointments): the
# first run, the same file again, and a run changing every person. The same at 20 rows and at 200.
QUERIES = {"sqlite": {"first": 38, "rerun": 13, "changes": 20}, "postgresql": {"first": 32, "rerun": 13, "changes": 19}}


@pytest.mark.parametrize("rows", [20, 200])
def test_an_import_runs_the_same_number_of_queries_whatever_its_size(rows, django_assert_num_queries):
    expected = QUERIES[connection.vendor]
    data = hr_extract(rows)

    with django_assert_num_queries(expected["first"]):
        assert import_people(actor=None, data=data).ok
    with django_assert_num_queries(expected["rerun"]):
        assert import_people(actor=None, data=data).unchanged > rows
    with django_assert_num_queries(expected["changes"]):
        report = import_people(actor=None, data=everyones_known_as(data, "Zed"))

    assert report.updated == Person.objects.filter(known_as="Zed").count() == Person.objects.count()


def test_a_second_run_of_the_same_file_writes_nothing():
    data = hr_extract(300)
    assert import_people(actor=None, data=data).ok
    history, people = HistoryEntry.objects.count(), list(Person.objects.values())

    with CaptureQueriesContext(connection) as captured:
        report = import_people(actor=None, data=data)

    assert report.ok and report.created == report.updated == 0 and report.unchanged == report.count("unchanged")
    writes = [q["sql"] for q in captured.captured_queries
              if re.match(r"\s*(INSERT|UPDATE|DELETE|COPY)", q["sql"], re.IGNORECASE)]
    assert writes == []
    assert HistoryEntry.objects.count() == history and list(Person.objects.values()) == people


def test_a_large_file_reads_whole_tables_and_plans_what_looking_up_by_key_plans(monkeypatch):
    data, changed = hr_extract(300), everyones_known_as(hr_extract(300), "Zed")
    assert import_people(actor=None, data=data).ok
    by_key = import_people(actor=None, data=changed, dry_run=True)

    monkeypatch.setattr(plan_module, "WHOLE_TABLES", 10)
    whole = import_people(actor=None, data=changed, dry_run=True)

    assert [(c.kind, c.key, c.action, c.fields) for c in whole.changes] == [
        (c.kind, c.key, c.action, c.fields) for c in by_key.changes]
    assert whole.updated == Person.objects.count()
    again = import_people(actor=None, data=changed)
    assert again.ok and again.updated == Person.objects.count()


def test_the_history_chain_is_intact_after_a_bulk_import():
    assert import_people(actor=None, data=hr_extract(200)).ok
    assert import_people(actor=None, data=everyones_known_as(hr_extract(200), "Sam")).ok
    out = io.StringIO()

    call_command("audit-verify", stdout=out)

    assert "History intact" in out.getvalue()


# --- The rules, on the line that breaks them --------------------------------------------------------------


def fm_named_today_elsewhere() -> bytes:
    """Unit TST, whose FM/HPS is E1 from today, and a file naming E2 from today (and a new person E3):
    one holder a day, so E2 cannot be the FM/HPS from today too."""
    assert import_people(actor=None, data=roles_file()).ok
    return csv_bytes(*roles_file(fm="E2").decode().splitlines()[1:], person_row("E3") + ",,", header=ROLE_HEADER)


def test_a_change_the_rules_refuse_while_planning_stops_an_all_or_nothing_import_on_its_line():
    data = fm_named_today_elsewhere()
    before = HistoryEntry.objects.count()

    report = import_people(actor=None, data=data)

    assert messages(report) == [
        "Line 2: Alex SmithE1 is the FM/HPS of Test Faculty from " + f"{TODAY:%d %b %Y}" + " until further notice, "
        "and a unit has one holder of a role on any day. End that assignment first (or choose other dates). "
        "Nothing was imported."]
    assert not Person.objects.filter(employee_number="E3").exists() and HistoryEntry.objects.count() == before


def test_a_dry_run_applies_the_rules_a_real_import_applies():
    report = import_people(actor=None, data=fm_named_today_elsewhere(), dry_run=True)

    assert messages(report)[0].startswith("Line 2: Alex SmithE1 is the FM/HPS of Test Faculty")
    assert messages(report)[0].endswith("Nothing would be imported.")


def test_per_row_mode_reports_a_change_the_rules_refuse_while_planning_and_imports_the_rest():
    report = import_people(actor=None, data=fm_named_today_elsewhere(), per_row=True)

    assert [e.line for e in report.errors] == [2]
    assert "a unit has one holder of a role on any day" in messages(report)[0]
    assert Person.objects.filter(employee_number="E3").exists()
    assert UnitRoleAssignment.objects.get(role="fm_hps").person.employee_number == "E1"


def test_per_row_mode_still_reports_each_bad_line_and_the_lines_that_need_it():
    report = import_people(actor=None, per_row=True, data=csv_bytes(
        UNIT_ROW, person_row("E1"), person_row("E2", start="31/02/2024"), person_row("E3", manager="E2"),
        person_row("E4", manager="E1")))

    assert messages(report) == [
        "Line 4: the start date '31/02/2024' is not a real date. Use YYYY-MM-DD or DD/MM/YYYY.",
        "Line 5: not imported because it needs line manager E2, and line 4, which describes it, has a problem.",
    ]
    assert sorted(Person.objects.values_list("employee_number", flat=True)) == ["E1", "E4"]


def test_an_address_can_move_from_one_person_to_another_in_one_import():
    import_people(actor=None, data=csv_bytes(UNIT_ROW, person_row("E1", email="old@example.ac.uk"),
                                             person_row("E2", manager="E1")))

    report = import_people(actor=None, data=csv_bytes(
        UNIT_ROW, person_row("E1", email="new@example.ac.uk"),
        person_row("E2", manager="E1", email="old@example.ac.uk")))

    assert report.ok, messages(report)
    assert dict(Person.objects.values_list("employee_number", "work_email")) == {
        "E1": "new@example.ac.uk", "E2": "old@example.ac.uk"}


def test_a_new_line_manager_is_told_once_the_import_is_written():
    import_people(actor=None, data=csv_bytes(UNIT_ROW, person_row("E1"), person_row("E2"), person_row("E3")))

    import_people(actor=None, data=csv_bytes(UNIT_ROW, person_row("E1"), person_row("E2"),
                                             person_row("E3", manager="E2")))

    note = Notification.objects.get()
    assert note.recipient.employee_number == "E2" and note.subject == "Alex SmithE3 now reports to you"
    assert note.link == f"/people/{Person.objects.get(employee_number='E3').pk}/"


# --- The command and the benchmark ---------------------------------------------------------------------------


def test_the_command_shows_its_progress_on_standard_error(tmp_path):
    path = tmp_path / "extract.csv"
    path.write_bytes(hr_extract(300))
    out, err = io.StringIO(), io.StringIO()

    call_command("import-people", str(path), stdout=out, stderr=err)

    assert "Imported" in out.getvalue()
    assert all(phase in err.getvalue() for phase in ("Checking", "Planning", "Writing"))


def test_the_benchmark_imports_a_synthetic_extract_twice_and_refuses_a_database_with_people():
    out = io.StringIO()

    call_command("import-bench", "--rows", "60", "--json", stdout=out)

    result = json.loads(out.getvalue())
    assert [run["ok"] for run in result["runs"]] == [True, True]
    assert result["written"]["people"] > 40 and not any(result["rerun_wrote"].values())
    assert result["audit_verify"]["ok"]
    with pytest.raises(CommandError, match="already holds"):
        call_command("import-bench", "--rows", "60", stdout=io.StringIO())


def test_the_synthetic_extract_is_the_same_for_the_same_seed_and_has_the_rows_asked_for():
    assert hr_extract(500) == hr_extract(500) != hr_extract(500, seed=1)
    assert hr_extract(500).decode().count("\n") == 501


# --- The admin page and the worker ---------------------------------------------------------------------------


@pytest.fixture
def admin_client(personas, login):
    personas.administrator.user.is_staff = True
    personas.administrator.user.save(update_fields=["is_staff"])
    return login(personas.administrator)


def upload(data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("extract.csv", data, content_type="text/csv")


def test_the_page_of_a_running_import_shows_how_far_it_has_got_and_reloads_itself(admin_client, personas):
    run = ImportRun.objects.create(started_by=personas.administrator.user, file_name="extract.csv", data=b"x",
                                   fingerprint="f", dry_run=False, per_row=False, status=ImportRun.Status.RUNNING,
                                   started_at=timezone.now())
    path = _progress_file(run.pk)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"phase": "Writing", "done": 36_000, "total": 146_212, "at": time.time()}))

    page = admin_client.get(f"{IMPORT_URL}{run.pk}/").content.decode()

    assert "Writing the changes: 36,000 of 146,212" in page and "(24%)" in page
    assert f'http-equiv="refresh" content="2; url={IMPORT_URL}{run.pk}/"' in page
    finished = admin_client.get(IMPORT_URL).content.decode()
    assert f'href="{IMPORT_URL}{run.pk}/"' in finished  # listed among the recent imports


def test_a_queued_import_says_it_waits_for_the_worker(admin_client, personas):
    run = ImportRun.objects.create(started_by=personas.administrator.user, data=b"x", fingerprint="f",
                                   dry_run=True, per_row=False)

    page = admin_client.get(f"{IMPORT_URL}{run.pk}/").content.decode()

    assert "Waiting for the worker" in page and "gradepath db_worker" in page and "http-equiv" in page


def test_a_checked_dry_run_is_imported_from_its_page_without_choosing_the_file_again(admin_client, personas):
    response = admin_client.post(IMPORT_URL, {"file": upload(SAMPLE.read_bytes()), "dry_run": "on", "mode": "all"})
    dry = ImportRun.objects.get()
    assert b"Dry run: would have made 57 created" in response.content
    assert f'action="{IMPORT_URL}{dry.pk}/import/"' in response.content.decode()

    done = admin_client.post(f"{IMPORT_URL}{dry.pk}/import/", follow=True)

    real = ImportRun.objects.get(dry_run=False)
    assert real.status == ImportRun.Status.FINISHED and real.ok and real.data == b""
    assert b"Imported 57 created, 0 updated, 0 unchanged" in done.content
    assert HistoryEntry.objects.filter(action="person.created", actor=personas.administrator.user).count() == 15


def test_a_dry_run_started_in_another_session_is_not_imported_from_its_page(admin_client, personas):
    other = ImportRun.objects.create(started_by=personas.administrator.user, data=SAMPLE.read_bytes(),
                                     fingerprint="f", dry_run=True, per_row=False,
                                     status=ImportRun.Status.FINISHED, ok=True, finished_at=timezone.now())

    response = admin_client.post(f"{IMPORT_URL}{other.pk}/import/", follow=True)

    assert b"Choose the file again and import it" in response.content
    assert not ImportRun.objects.filter(dry_run=False).exists()
    assert not Person.objects.filter(employee_number="E100001").exists()


def test_a_run_whose_login_is_gone_imports_nothing(personas):
    from gradepath.people.importer.runs import run_import

    run = ImportRun.objects.create(started_by=None, data=SAMPLE.read_bytes(), fingerprint="f", dry_run=False,
                                   per_row=False)

    run_import.call(run.pk)

    run.refresh_from_db()
    assert run.status == ImportRun.Status.FAILED and "no longer exists" in run.summary
    assert not Person.objects.filter(employee_number="E100001").exists()


def test_only_administrators_see_import_runs(personas, login):
    run = ImportRun.objects.create(started_by=personas.administrator.user, data=b"x", fingerprint="f",
                                   dry_run=True, per_row=False)
    personas.hr_services.user.is_staff = True
    personas.hr_services.user.save(update_fields=["is_staff"])
    client = login(personas.hr_services)

    assert client.get(f"{IMPORT_URL}{run.pk}/").status_code == 403
    assert client.post(f"{IMPORT_URL}{run.pk}/import/").status_code == 403


def test_the_synthetic_extract_uses_the_imports_own_columns():
    from gradepath.people.importer import ALL_COLUMNS
    from gradepath.people.importer.synthetic import HEADER

    assert set(HEADER) <= set(ALL_COLUMNS)
