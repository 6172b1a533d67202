"""The HR system import: file checks, row errors, modes, idempotence, and the command."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from gradepath.core.errors import PermissionDenied
from gradepath.core.models import HistoryEntry
from gradepath.people.importer import REQUIRED_COLUMNS, import_people, import_people_file
from gradepath.people.models import Appointment, OrgUnit, Person, Post
from gradepath.testing.factories import (
    AppointmentFactory,
    OrgUnitFactory,
    PersonFactory,
    PostFactory,
)

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "hr_extract_sample.csv"
HEADER = ("unit_code,unit_name,unit_kind,parent_unit_code,employee_number,title,first_name,last_name,known_as,"
          "work_email,staff_category,line_manager_employee_number,post_id,post_title,fte,funding_source,"
          "grant_funded,appointment_kind,start_date,end_date,probation_end")


def csv_bytes(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join((header, *rows)) + "\n").encode()


def person_row(number: str, *, unit: str = "TST", manager: str = "", post: str | None = None,
               kind: str = "substantive", start: str = "2020-01-06", end: str = "", category: str = "technical",
               first: str = "Alex", last: str | None = None, email: str | None = None, fte: str = "1") -> str:
    last = last or f"Smith{number}"
    email = email or f"{number.lower()}@example.ac.uk"
    post = post or f"P-{number}"
    return (f"{unit},,,,{number},,{first},{last},,{email},{category},{manager},{post},Technician,{fte},"
            f"Departmental budget,no,{kind},{start},{end},")


UNIT_ROW = "TST,Test Faculty,faculty,,,,,,,,,,,,,,,,,,"


def synthetic_extract(n: int) -> bytes:
    """A realistic-shaped extract of ``n`` people: 1 faculty, 20 departments, 5-level management."""
    rows = [UNIT_ROW] + [f"D{d:02d},Department {d},department,TST,,,,,,,,,,,,,,,,," for d in range(20)]
    for i in range(n):
        number = f"S{i:06d}"
        manager = "" if i == 0 else f"S{(i - 1) // 8:06d}"  # a tree eight wide
        rows.append(person_row(number, unit=f"D{i % 20:02d}", manager=manager))
    return csv_bytes(*rows)


def counts() -> tuple[int, int, int, int]:
    return (OrgUnit.objects.count(), Person.objects.count(), Post.objects.count(), Appointment.objects.count())


def messages(report) -> list[str]:
    return [e.message for e in report.errors]


# --- The sample file --------------------------------------------------------------------------


@pytest.mark.django_db
def test_sample_file_imports_units_people_posts_appointments_and_line_managers():
    report = import_people(actor=None, data=SAMPLE.read_bytes())

    assert report.ok, messages(report)
    assert counts() == (7, 15, 18, 17)
    workshop = OrgUnit.objects.get(code="MECH-WKSP")
    faculty = OrgUnit.objects.get(code="ENG")
    assert workshop.parent.code == "MECH" and workshop.ancestor_ids[0] == faculty.pk
    evans = Person.objects.get(employee_number="E100003")
    assert evans.line_manager.employee_number == "E100002"
    mensah = Person.objects.get(employee_number="E100008")
    kinds = sorted(mensah.appointments.values_list("kind", flat=True))
    assert kinds == ["secondment", "substantive"]
    grant_post = Post.objects.get(post_number="ISD-0112")
    assert grant_post.grant_funded and str(grant_post.fte) == "0.60"
    assert Post.objects.get(post_number="MECH-0024").appointments.count() == 0  # a vacant post
    assert Person.objects.get(employee_number="E100005").probation_end == dt.date(2026, 2, 28)
    assert HistoryEntry.objects.filter(action="person.created", actor_label="System").count() == 15
    assert report.summary().startswith("Imported 57 created, 0 updated, 0 unchanged")


@pytest.mark.django_db
def test_administrator_import_is_recorded_against_them(personas):
    report = import_people(actor=personas.administrator.user, data=SAMPLE.read_bytes())

    assert report.ok, messages(report)
    entry = HistoryEntry.objects.get(action="person.created", object_repr="Rachel Okafor")
    assert entry.actor == personas.administrator.user


@pytest.mark.django_db
def test_only_an_administrator_can_import(personas):
    for persona in (personas.hr_services, personas.line_manager, personas.hrbp):
        with pytest.raises(PermissionDenied):
            import_people(actor=persona.user, data=SAMPLE.read_bytes())
    assert Person.objects.filter(employee_number__startswith="E1000").count() == 0


@pytest.mark.django_db
def test_dry_run_reports_what_would_change_and_writes_nothing():
    before = counts()
    history = HistoryEntry.objects.count()

    report = import_people(actor=None, data=SAMPLE.read_bytes(), dry_run=True)

    assert report.ok, messages(report)
    assert (report.created, report.updated, report.unchanged) == (57, 0, 0)
    assert counts() == before and HistoryEntry.objects.count() == history
    assert report.summary().startswith("Dry run: would have made 57 created")


# --- Idempotence and updates ---------------------------------------------------------------------


@pytest.mark.django_db
def test_importing_the_same_file_again_changes_nothing():
    import_people(actor=None, data=SAMPLE.read_bytes())
    history = HistoryEntry.objects.count()

    report = import_people(actor=None, data=SAMPLE.read_bytes())

    assert report.ok, messages(report)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 57)
    assert "0 created, 0 updated, 57 unchanged" in report.summary()
    assert HistoryEntry.objects.count() == history


@pytest.mark.django_db
def test_changed_values_update_the_records_with_history():
    import_people(actor=None, data=SAMPLE.read_bytes())
    changed = (SAMPLE.read_text()
               .replace("Mr,Peter,Lawson,,", "Mr,Peter,Lawson,Pete,")
               .replace("E100013,Ms,Priyanka,Shah,,p.shah@example.ac.uk,technical,E100011",
                        "E100013,Ms,Priyanka,Shah,,p.shah@example.ac.uk,technical,E100012")
               .replace("Research Data Steward,0.6", "Research Data Steward,0.8")
               .replace("2026-10-01,2027-03-31", "2026-10-01,2027-01-31")
               .replace("Research Computing,department", "Research Computing Services,department"))

    report = import_people(actor=None, data=changed.encode())

    assert report.ok, messages(report)
    assert (report.created, report.updated) == (0, 5)
    assert Person.objects.get(employee_number="E100010").known_as == "Pete"
    assert Person.objects.get(employee_number="E100013").line_manager.employee_number == "E100012"
    assert str(Post.objects.get(post_number="ISD-0112").fte) == "0.80"
    assert Appointment.objects.get(post__post_number="ISD-0105").end_date == dt.date(2027, 1, 31)
    assert OrgUnit.objects.get(code="ISD-RC").name == "Research Computing Services"
    assert HistoryEntry.objects.filter(action="person.updated", summary__contains="known as").exists()
    assert HistoryEntry.objects.filter(action="appointment.ended").count() == 1


@pytest.mark.django_db
def test_a_person_can_move_to_a_new_substantive_post_when_the_old_one_ends_in_the_same_file():
    import_people(actor=None, data=csv_bytes(UNIT_ROW, person_row("E1", post="P-OLD")))

    report = import_people(actor=None, data=csv_bytes(
        UNIT_ROW,
        person_row("E1", post="P-NEW", start="2024-02-01"),
        person_row("E1", post="P-OLD", end="2024-01-31"),
    ))

    assert report.ok, messages(report)
    person = Person.objects.get(employee_number="E1")
    assert [a.post.post_number for a in Appointment.objects.current(dt.date(2024, 3, 1)).filter(person=person)] == ["P-NEW"]


# --- Row errors: all or nothing --------------------------------------------------------------------


@pytest.mark.django_db
def test_any_bad_row_means_nothing_is_written_and_errors_name_the_line():
    data = csv_bytes(UNIT_ROW, person_row("E1"), person_row("E2", start="31/02/2024"), person_row("E3"))

    report = import_people(actor=None, data=data)

    assert counts() == (0, 0, 0, 0)
    assert messages(report) == [
        "Line 4: the start date '31/02/2024' is not a real date. Use YYYY-MM-DD or DD/MM/YYYY."
    ]
    assert report.summary().startswith("Nothing was imported: 1 row of 4 has problems.")


@pytest.mark.django_db
def test_an_unknown_line_manager_is_reported():
    report = import_people(actor=None, data=csv_bytes(UNIT_ROW, person_row("E1", manager="E000123")))

    assert messages(report) == ["Line 3: line manager E000123 is not in this file or in Gradepath."]


@pytest.mark.django_db
def test_a_line_manager_already_in_gradepath_is_found():
    manager = PersonFactory(employee_number="M0001")

    report = import_people(actor=None, data=csv_bytes(UNIT_ROW, person_row("E1", manager="M0001")))

    assert report.ok, messages(report)
    assert Person.objects.get(employee_number="E1").line_manager == manager


@pytest.mark.django_db
def test_an_unknown_staff_category_lists_the_allowed_ones():
    report = import_people(actor=None, data=csv_bytes(UNIT_ROW, person_row("E1", category="Tech")))

    assert messages(report) == [
        "Line 3: the staff category 'Tech' is not one Gradepath knows. Use pss (Professional services), "
        "technical (Technical) or academic (Academic)."
    ]


@pytest.mark.django_db
def test_staff_categories_and_appointment_kinds_may_be_given_as_words():
    report = import_people(actor=None, data=csv_bytes(
        UNIT_ROW,
        person_row("E1", category="Professional services"),
        person_row("E1", post="P-X", kind="Acting up", start="2024-01-01", end="2024-06-30", category="PSS"),
    ))

    assert report.ok, messages(report)
    assert Person.objects.get().staff_category == "pss"
    assert Appointment.objects.filter(kind="acting_up").count() == 1


@pytest.mark.django_db
def test_missing_required_columns_are_named():
    header = HEADER.replace("work_email,", "").replace("staff_category,", "")

    report = import_people(actor=None, data=csv_bytes("TST,Test,faculty", header=header))

    assert messages(report) == ["These required columns are missing: work_email, staff_category."]


@pytest.mark.django_db
def test_misspelt_columns_are_refused_rather_than_ignored():
    report = import_people(actor=None, data=csv_bytes(UNIT_ROW, header=HEADER.replace("known_as", "knownas")))

    assert "These columns are not ones Gradepath knows: 'knownas'." in messages(report)[0]


@pytest.mark.django_db
def test_a_person_twice_for_the_same_post_is_a_duplicate():
    report = import_people(actor=None, data=csv_bytes(UNIT_ROW, person_row("E1"), person_row("E1")))

    assert messages(report) == [
        "Line 4: employee number E1 is already on line 3 for the same post (P-E1). Each person appears once per post."
    ]


@pytest.mark.django_db
def test_conflicting_details_for_one_person_are_reported():
    report = import_people(actor=None, data=csv_bytes(
        UNIT_ROW, person_row("E1", last="Jones"), person_row("E1", post="P-2", last="Jonas", kind="secondment",
                                                              end="2021-01-01"),
    ))

    assert any("the last name of E1 is 'Jonas' here but 'Jones' on line 3" in m for m in messages(report))


@pytest.mark.django_db
def test_two_people_with_one_email_address_are_reported():
    report = import_people(actor=None, data=csv_bytes(
        UNIT_ROW, person_row("E1", email="same@example.ac.uk"), person_row("E2", email="same@example.ac.uk")))

    assert any("the work e-mail same@example.ac.uk is also given for E1 on line 3" in m for m in messages(report))


@pytest.mark.django_db
def test_an_email_address_of_someone_else_in_gradepath_is_reported():
    PersonFactory(employee_number="X9", work_email="taken@example.ac.uk")

    report = import_people(actor=None, data=csv_bytes(UNIT_ROW, person_row("E1", email="Taken@example.ac.uk")))

    assert messages(report) == ["Line 3: the work e-mail taken@example.ac.uk already belongs to X9 in Gradepath."]


@pytest.mark.django_db
def test_a_line_manager_loop_in_the_file_is_reported():
    report = import_people(actor=None, data=csv_bytes(
        UNIT_ROW, person_row("E1", manager="E3"), person_row("E2", manager="E1"), person_row("E3", manager="E2"),
    ))

    assert counts() == (0, 0, 0, 0)
    assert "Line 3: the line managers form a loop: E1 → E3 → E2 → E1. Someone in the chain must report outside it." \
        in messages(report)


@pytest.mark.django_db
def test_a_line_manager_loop_through_someone_already_in_gradepath_is_reported():
    top = PersonFactory(employee_number="E1")
    PersonFactory(employee_number="DB2", line_manager=top)

    report = import_people(actor=None, data=csv_bytes(UNIT_ROW, person_row("E1", manager="DB2")))

    assert messages(report) == [
        "Line 3: the line managers form a loop: E1 → DB2 → E1. Someone in the chain must report outside it."
    ]


@pytest.mark.django_db
def test_swapping_manager_and_report_in_one_file_works():
    import_people(actor=None, data=csv_bytes(UNIT_ROW, person_row("E1"), person_row("E2", manager="E1")))

    report = import_people(actor=None, data=csv_bytes(UNIT_ROW, person_row("E1", manager="E2"), person_row("E2")))

    assert report.ok, messages(report)
    assert Person.objects.get(employee_number="E1").line_manager.employee_number == "E2"
    assert Person.objects.get(employee_number="E2").line_manager is None


@pytest.mark.django_db
def test_overlapping_substantive_appointments_in_the_file_are_reported():
    report = import_people(actor=None, data=csv_bytes(
        UNIT_ROW, person_row("E1", post="P-A", start="2020-01-01"), person_row("E1", post="P-B", start="2022-01-01"),
    ))

    assert messages(report) == [
        "Line 4: this substantive appointment overlaps E1's substantive appointment from 01 Jan 2020 in post P-A "
        "on line 3. End the earlier one first (give its end date), or record one of them as a secondment or acting up."
    ]


@pytest.mark.django_db
def test_an_appointment_overlapping_one_already_in_gradepath_is_reported():
    person = PersonFactory(employee_number="E1", work_email="e1@example.ac.uk", staff_category="technical",
                           first_name="Alex", last_name="SmithE1")
    AppointmentFactory(person=person, post=PostFactory(post_number="OLD-1"), start_date=dt.date(2019, 1, 1))

    report = import_people(actor=None, data=csv_bytes(UNIT_ROW, person_row("E1", start="2021-01-01")))

    assert messages(report) == [
        "Line 3: this substantive appointment overlaps E1's substantive appointment from 01 Jan 2019 in post OLD-1 "
        "already in Gradepath. End the earlier one first (give its end date), or record one of them as a "
        "secondment or acting up."
    ]


@pytest.mark.django_db
def test_an_end_date_before_the_start_date_is_reported():
    report = import_people(actor=None, data=csv_bytes(UNIT_ROW, person_row("E1", start="2024-09-01", end="31/08/2024")))

    assert messages(report) == ["Line 3: the end date 31 Aug 2024 is before the start date 01 Sep 2024."]


@pytest.mark.django_db
def test_a_secondment_needs_an_end_date():
    report = import_people(actor=None, data=csv_bytes(UNIT_ROW, person_row("E1", kind="secondment")))

    assert messages(report) == ["Line 3: a secondment is temporary: give its end date."]


@pytest.mark.django_db
def test_the_import_does_not_remove_an_end_date():
    import_people(actor=None, data=csv_bytes(UNIT_ROW, person_row("E1", end="2025-01-31")))

    report = import_people(actor=None, data=csv_bytes(UNIT_ROW, person_row("E1")))

    assert "the import cannot remove an end date" in messages(report)[0]
    assert Appointment.objects.get().end_date == dt.date(2025, 1, 31)


@pytest.mark.django_db
def test_unit_errors_are_reported():
    report = import_people(actor=None, data=csv_bytes(
        "NEW1,,department,TST,,,,,,,,,,,,,,,,,",
        "D1,Dept,department,,,,,,,,,,,,,,,,,,",
        "FAC,Faculty,faculty,NOPE,,,,,,,,,,,,,,,,,",
        "LOOPA,Loop A,department,LOOPB,,,,,,,,,,,,,,,,,",
        "LOOPB,Loop B,department,LOOPA,,,,,,,,,,,,,,,,,",
        "X,Thing,galaxy,,,,,,,,,,,,,,,,,,",
    ))

    assert messages(report) == [
        "Line 2: unit NEW1 is not in Gradepath yet, so give its unit_name.",
        "Line 3: unit D1 is a department or institute, so it needs a parent unit code (the faculty, division or "
        "department it belongs to).",
        "Line 4: unit FAC is a academic faculty, which sits at the top of the structure: leave its parent unit "
        "code blank.",
        "Line 5: the parent units form a loop: LOOPA → LOOPB → LOOPA. A unit cannot be inside itself.",
        "Line 6: the parent units form a loop: LOOPB → LOOPA → LOOPB. A unit cannot be inside itself.",
        "Line 7: the unit kind 'galaxy' is not one Gradepath knows. Use faculty (Academic faculty), ps_division "
        "(Professional services division), department (Department or institute) or section (Section).",
    ]


@pytest.mark.django_db
def test_bad_fte_and_grant_funded_values_are_reported():
    row = person_row("E1", fte="1.5").replace(",no,substantive", ",maybe,substantive")

    report = import_people(actor=None, data=csv_bytes(UNIT_ROW, row))

    assert messages(report) == [
        "Line 3: the FTE '1.5' must be more than 0 and at most 1, with at most two decimal places (for example 0.6).",
        "Line 3: grant funded must be yes or no, not 'maybe'.",
    ]


# --- Per-row mode ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_per_row_mode_imports_good_rows_and_reports_bad_rows_and_their_dependants():
    data = csv_bytes(
        UNIT_ROW,
        person_row("E1"),
        person_row("E2", category="wizard"),
        person_row("E3", manager="E2"),
        person_row("E4", manager="E3"),
        person_row("E5", manager="E1"),
    )

    report = import_people(actor=None, data=data, per_row=True)

    assert sorted(Person.objects.values_list("employee_number", flat=True)) == ["E1", "E5"]
    assert report.failed_lines == {4, 5, 6}
    assert messages(report)[1:] == [
        "Line 5: not imported because it needs line manager E2, and line 4, which describes it, has a problem.",
        "Line 6: not imported because it needs line manager E3, and line 5, which describes it, has a problem.",
    ]
    assert report.summary().startswith("Imported 7 created")
    assert "3 of 6 rows were skipped" in report.summary()


def the_bulk_write_is_refused(monkeypatch):
    """The database refuses the import's bulk write as a whole (nothing of it is kept): the import then
    writes the rows one at a time through the services, to name the row at fault."""
    from gradepath.people.importer.bulk import BulkWriter

    def refuse(self, progress=None):
        raise DatabaseError("The database refused the bulk write.")

    monkeypatch.setattr(BulkWriter, "flush", refuse)


@pytest.mark.django_db
def test_per_row_mode_keeps_a_row_that_fails_while_writing_from_leaving_anything_behind(monkeypatch):
    from gradepath.people import services

    the_bulk_write_is_refused(monkeypatch)
    original = services.start_appointment

    def failing(**kwargs):
        if kwargs["person"].employee_number == "E2":
            raise services.ServiceError("The database said no.")
        return original(**kwargs)

    monkeypatch.setattr(services, "start_appointment", failing)
    report = import_people(actor=None, data=csv_bytes(
        UNIT_ROW, person_row("E1"), person_row("E2"), person_row("E3", manager="E2")), per_row=True)

    assert sorted(Person.objects.values_list("employee_number", flat=True)) == ["E1"]
    assert not Post.objects.filter(post_number="P-E2").exists()
    assert messages(report) == [
        "Line 4: The database said no.",
        "Line 5: Not imported because it needs line manager E2, which could not be imported.",
    ]


@pytest.mark.django_db
def test_a_failure_while_writing_rolls_back_the_whole_import_by_default(monkeypatch):
    from gradepath.people import services

    def failing(**kwargs):
        raise services.ServiceError("The database said no.")

    the_bulk_write_is_refused(monkeypatch)
    monkeypatch.setattr(services, "start_appointment", failing)
    report = import_people(actor=None, data=csv_bytes(UNIT_ROW, person_row("E1")))

    assert counts() == (0, 0, 0, 0)
    assert messages(report) == ["Line 3: The database said no. Nothing was imported."]


# --- The file itself -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_file_that_is_not_utf8_is_refused():
    data = csv_bytes(UNIT_ROW, person_row("E1", last="Muñoz")).decode().encode("latin-1")

    report = import_people(actor=None, data=data)

    assert messages(report) == ["The file is not UTF-8 text (the first problem is on line 3). Save it as "
                                "'CSV UTF-8' and import it again."]


@pytest.mark.django_db
def test_a_utf8_file_with_a_byte_order_mark_is_accepted():
    data = b"\xef\xbb\xbf" + csv_bytes(UNIT_ROW, person_row("E1", last="Muñoz"))

    report = import_people(actor=None, data=data)

    assert report.ok, messages(report)
    assert Person.objects.get().last_name == "Muñoz"


@pytest.mark.django_db
@pytest.mark.parametrize(("data", "words"), [
    (b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)), "looks like an Excel workbook"),
    (bytes(range(256)) * 4, "is not text"),
    (b"", "The file is empty."),
    (HEADER.encode() + b"\n", "no data rows"),
    (b"just some words\nand more", "Is the file comma-separated?"),
    (b"unit_code;employee_number;first_name\nA;B;C", "Is the file comma-separated?"),
    (b"unit_code,employee_number\nA,B", "These required columns are missing: first_name, last_name"),
])
def test_binary_and_garbage_files_get_a_clear_message(data, words):
    report = import_people(actor=None, data=data)

    assert len(report.errors) == 1 and words in report.errors[0].message
    assert report.errors[0].line is None


@pytest.mark.django_db
def test_an_oversize_file_is_refused_before_it_is_read(settings):
    settings.GRADEPATH_MAX_UPLOAD_BYTES = 1024

    class Upload(io.BytesIO):
        size = 5 * 1024 * 1024

        def read(self, *args):  # pragma: no cover - reaching this is the failure
            raise AssertionError("the file was read")

    report = import_people_file(actor=None, uploaded=Upload())

    assert messages(report) == ["The file is 5.0 MB, which is more than the 1 KB Gradepath accepts. Split it into "
                                "smaller files and import each one."]


# --- Performance ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_checking_a_file_takes_the_same_number_of_queries_for_50_or_500_rows():
    PersonFactory(employee_number="S000001")  # some rows update, most create

    def queries(n: int) -> int:
        with CaptureQueriesContext(connection) as ctx:
            report = import_people(actor=None, data=synthetic_extract(n), dry_run=True)
        assert report.ok, messages(report)[:3]
        return len(ctx.captured_queries)

    assert queries(50) == queries(500)


@pytest.mark.django_db
def test_importing_1000_rows_writes_them_all():
    # How long it takes is gradepath import-bench's figure (docs/performance.md), never a timed test.
    report = import_people(actor=None, data=synthetic_extract(1000))

    assert report.ok, messages(report)[:3]
    assert Person.objects.count() == 1000


# --- The command ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_command_imports_the_sample_and_prints_a_summary():
    out, err = io.StringIO(), io.StringIO()

    call_command("import-people", str(SAMPLE), stdout=out, stderr=err)

    assert "Imported 57 created, 0 updated, 0 unchanged" in out.getvalue()
    assert Person.objects.count() == 15


@pytest.mark.django_db
def test_the_command_dry_run_lists_the_changes_and_writes_nothing():
    out = io.StringIO()

    call_command("import-people", str(SAMPLE), "--dry-run", stdout=out, stderr=io.StringIO())

    assert "Line 2: Create person E100001 (Rachel Okafor)." in out.getvalue()
    assert Person.objects.count() == 0


@pytest.mark.django_db
def test_the_command_fails_with_the_error_list(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes(UNIT_ROW, person_row("E1", manager="E000123")))
    err = io.StringIO()

    with pytest.raises(CommandError, match="1 problem found"):
        call_command("import-people", str(path), stdout=io.StringIO(), stderr=err)

    assert "Line 3: line manager E000123 is not in this file or in Gradepath." in err.getvalue()
    assert Person.objects.count() == 0


@pytest.mark.django_db
def test_gradepath_import_people_parses_its_arguments_and_exits_non_zero_on_errors(tmp_path, capsys, monkeypatch):
    # run_from_argv closes every connection when it ends; keep the test's transaction open.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes(UNIT_ROW, person_row("E1")))
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes(UNIT_ROW, person_row("E1"), person_row("E2", start="yesterday")))

    ManagementUtility(["gradepath", "import-people", str(good), "--dry-run"]).execute()
    assert "Dry run: would have made 4 created" in capsys.readouterr().out
    assert Person.objects.count() == 0

    with pytest.raises(SystemExit) as exit_info:
        ManagementUtility(["gradepath", "import-people", str(bad), "--per-row"]).execute()
    assert exit_info.value.code == 1
    output = capsys.readouterr()
    assert "Line 4: the start date 'yesterday' is not a real date." in output.err
    assert list(Person.objects.values_list("employee_number", flat=True)) == ["E1"]


@pytest.mark.django_db
def test_the_command_refuses_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="There is no file at"):
        call_command("import-people", str(tmp_path / "nope.csv"))


def test_required_columns_are_documented():
    doc = (Path(__file__).resolve().parents[3] / "docs" / "import.md").read_text()
    for column in REQUIRED_COLUMNS:
        assert f"`{column}`" in doc


@pytest.mark.django_db
def test_moving_a_department_keeps_the_unit_tree_paths_right():
    old = OrgUnitFactory(code="OLDFAC", name="Old faculty", kind="faculty")
    OrgUnitFactory(code="DEPT", name="Dept", kind="department", parent=old)

    report = import_people(actor=None, data=csv_bytes(
        UNIT_ROW,
        "DEPT,,,TST,,,,,,,,,,,,,,,,,",
        "SEC,Section,section,DEPT,,,,,,,,,,,,,,,,,",
    ))

    assert report.ok, messages(report)
    new, dept, section = (OrgUnit.objects.get(code=c) for c in ("TST", "DEPT", "SEC"))
    assert dept.path == f"/{new.pk}/{dept.pk}/"
    assert section.path == f"/{new.pk}/{dept.pk}/{section.pk}/"
    assert [c.action for c in report.changes if c.kind == "unit"] == ["create", "update", "create"]


@pytest.mark.django_db
def test_per_row_mode_skips_rows_in_a_unit_that_could_not_be_imported():
    report = import_people(actor=None, data=csv_bytes(
        UNIT_ROW,
        person_row("E1", unit="NOWHERE"),
        person_row("E2", unit="NOWHERE"),
        "ODD,Odd unit,galaxy,,,,,,,,,,,,,,,,,,",
        person_row("E3", unit="ODD"),
        person_row("E4"),
    ), per_row=True)

    assert list(Person.objects.values_list("employee_number", flat=True)) == ["E4"]
    assert messages(report) == [
        "Line 3: unit NOWHERE is not in Gradepath yet, so give its unit_name and unit_kind.",
        "Line 4: not imported because it needs unit NOWHERE, and line 3, which describes it, has a problem.",
        "Line 5: the unit kind 'galaxy' is not one Gradepath knows. Use faculty (Academic faculty), ps_division "
        "(Professional services division), department (Department or institute) or section (Section).",
        "Line 6: not imported because it needs unit ODD, and line 5, which describes it, has a problem.",
    ]


@pytest.mark.django_db
def test_a_unit_problem_is_reported_on_the_line_that_declares_it():
    report = import_people(actor=None, data=csv_bytes(
        UNIT_ROW, person_row("E1", unit="DEPT"), "DEPT,Dept,department,,,,,,,,,,,,,,,,,,"))

    assert messages(report)[0].startswith("Line 4: unit DEPT is a department or institute, so it needs a parent")


class _Rollback(Exception):
    pass


@pytest.mark.django_db
@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cells=st.lists(st.tuples(
    st.sampled_from(["TST", "D1", "", "ZZ"]),                      # unit_code
    st.sampled_from(["", "Dept", "Faculty"]),                      # unit_name
    st.sampled_from(["", "faculty", "department", "section", "galaxy"]),
    st.sampled_from(["", "TST", "D1", "ZZ"]),                      # parent_unit_code
    st.sampled_from(["", "E1", "E2", "E3"]),                       # employee_number
    st.sampled_from(["", "E1", "E2", "E3", "E9"]),                 # line manager
    st.sampled_from(["", "P1", "P2"]),                             # post_id
    st.sampled_from(["", "substantive", "secondment", "acting up", "x"]),
    st.sampled_from(["", "2020-01-01", "2021-06-30", "31/02/2020", "soon"]),
    st.sampled_from(["", "2020-12-31", "2022-01-01"]),
), max_size=8), per_row=st.booleans())
def test_any_file_gives_a_report_never_a_crash_and_a_clean_import_is_idempotent(cells, per_row):
    rows = []
    for unit, name, kind, parent, number, manager, post, appointment, start, end in cells:
        person = f"{number},,Alex,Smith,,{number.lower()}@example.ac.uk,technical,{manager}" if number else ",,,,,,,"
        post_cols = f"{post},Technician,1,,no" if post else ",,,,"
        rows.append(f"{unit},{name},{kind},{parent},{person},{post_cols},{appointment},{start},{end},")
    data = csv_bytes(*rows) if rows else csv_bytes(UNIT_ROW)
    try:
        with transaction.atomic():
            report = import_people(actor=None, data=data, per_row=per_row)
            assert all(e.message for e in report.errors)
            if report.ok:
                again = import_people(actor=None, data=data, per_row=per_row)
                assert again.ok and again.created == 0 and again.updated == 0, [c.description for c in again.changes
                                                                                if c.action != "unchanged"]
            raise _Rollback
    except _Rollback:
        pass


# Issue 14, bad input: the policy's lengths of a secondment and of acting up, and one of each kind at a
# time, hold for the HR import as for the processes' own services (people.services.check_appointment).


def _substantive_and(*rows: str) -> bytes:
    return csv_bytes(UNIT_ROW, person_row("E1", post="P-A", start="2020-01-06"), *rows)


@pytest.mark.django_db
def test_acting_up_of_six_weeks_or_less_is_refused_on_import_and_nothing_is_written():
    report = import_people(actor=None, data=_substantive_and(
        person_row("E1", post="P-B", kind="acting up", start="2024-03-04", end="2024-04-14")))

    assert [m for m in messages(report) if "Acting up" in m] == [
        "Line 4: Acting up is for more than 6 consecutive weeks: 04 Mar 2024 to 14 Apr 2024 is 42 days. "
        "Nothing was imported."]
    assert not Person.objects.exists()


@pytest.mark.django_db
def test_a_secondment_longer_than_the_maximum_is_refused_on_import():
    report = import_people(actor=None, data=_substantive_and(
        person_row("E1", post="P-B", kind="secondment", start="2024-01-01", end="2026-01-31")))

    assert [m for m in messages(report) if "secondment" in m] == [
        "Line 4: A secondment may last at most 24 months, extensions included: 01 Jan 2024 to 31 Jan 2026 is "
        "25 months. Nothing was imported."]
    assert not Person.objects.exists()


@pytest.mark.django_db
def test_two_overlapping_secondments_of_one_person_are_refused_on_import():
    report = import_people(actor=None, data=_substantive_and(
        person_row("E1", post="P-B", kind="secondment", start="2024-01-01", end="2024-12-31"),
        person_row("E1", post="P-C", kind="secondment", start="2024-06-01", end="2025-03-31")))

    assert any("overlaps these dates: one secondment at a time" in m for m in messages(report)), messages(report)
    assert not Person.objects.exists()


@pytest.mark.django_db
def test_acting_up_of_seven_weeks_and_a_two_year_secondment_import():
    report = import_people(actor=None, data=_substantive_and(
        person_row("E1", post="P-B", kind="acting up", start="2024-03-04", end="2024-04-21"),
        person_row("E1", post="P-C", kind="secondment", start="2024-05-01", end="2026-04-30")))

    assert messages(report) == []
    assert Appointment.objects.filter(person__employee_number="E1").count() == 3
