"""Unit roles as dated assignments: the resolver on a date, delegation of any delegable role, the
services, the database's own refusal, the data migration, the import, the pages and their queries."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from gradepath.core.errors import PermissionDenied, ServiceError
from gradepath.core.history import timeline_for
from gradepath.core.models import HistoryEntry
from gradepath.people.importer import import_people
from gradepath.people.models import OrgUnit, UnitRole, UnitRoleAssignment
from gradepath.people.relations import (
    acting_capacity,
    eligible_holders,
    nearest_holder,
    scope_unit_ids,
)
from gradepath.people.selectors import person_unit_roles, unit_role_holders
from gradepath.people.services import assign_unit_role, end_unit_role, grant_delegation
from gradepath.people.tests.test_import import UNIT_ROW, csv_bytes, messages, person_row
from gradepath.testing.factories import (
    AppointmentFactory,
    OrgUnitFactory,
    PersonFactory,
    PostFactory,
)
from gradepath.testing.unit_roles import assign_unit_role as set_holder

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = dt.timedelta(days=1)


def _admin(personas):
    return personas.administrator.user


# --- The resolver on a date ---------------------------------------------------------------------------


def test_the_holder_on_a_day_is_the_one_whose_dates_include_it(personas):
    unit, role = personas.estates, "fm_hps"
    past = PersonFactory(first_name="Pam", last_name="Past")
    current = PersonFactory(first_name="Cora", last_name="Current")
    future = PersonFactory(first_name="Finn", last_name="Future")
    set_holder(unit, role, past, start_date=TODAY - 400 * DAY, end_date=TODAY - 31 * DAY)
    set_holder(unit, role, current, start_date=TODAY - 30 * DAY, end_date=TODAY + 9 * DAY)
    set_holder(unit, role, future, start_date=TODAY + 10 * DAY)

    assert nearest_holder(unit, role, on=TODAY - 100 * DAY) == past
    assert nearest_holder(unit, role) == current
    assert nearest_holder(unit, role, on=TODAY + 9 * DAY) == current
    assert nearest_holder(unit, role, on=TODAY + 10 * DAY) == future
    assert nearest_holder(unit, role, on=TODAY - 500 * DAY) is None
    assert acting_capacity(future, unit, role) is None
    assert acting_capacity(future, unit, role, on=TODAY + 30 * DAY) is not None


def test_a_unit_inherits_the_holder_above_until_its_own_holder_starts(personas):
    own = PersonFactory(first_name="Nina", last_name="Shah")
    set_holder(personas.department, "hrbp", own, start_date=TODAY + 5 * DAY)

    assert nearest_holder(personas.department, "hrbp") == personas.hrbp  # the faculty's, inherited
    assert nearest_holder(personas.department, "hrbp", on=TODAY + 5 * DAY) == own
    assert nearest_holder(personas.faculty, "hrbp", on=TODAY + 5 * DAY) == personas.hrbp


def test_holders_up_the_tree_are_read_in_one_query_whatever_the_depth(personas, django_assert_num_queries):
    unit = personas.department
    for depth in range(6):
        unit = OrgUnitFactory(kind=OrgUnit.Kind.SECTION, parent=unit, code=f"DEEP{depth}")
    with django_assert_num_queries(1):
        assert nearest_holder(unit, "fm_hps") == personas.fm_hps
    with django_assert_num_queries(2):  # the holders, then every level's delegations at once
        holders = eligible_holders(unit, "fm_hps")
    assert [p for p, _ in holders] == [personas.fm_hps, personas.delegate]


# --- Delegation of any delegable role --------------------------------------------------------------------


def test_a_dean_delegates_the_dean_role_and_the_delegate_acts_for_the_units_below(personas):
    dean = PersonFactory(first_name="Diana", last_name="Rowe")
    deputy = PersonFactory(first_name="Dev", last_name="Patel")
    set_holder(personas.faculty, "dean", dean)
    grant_delegation(actor=_admin(personas), delegator=dean, delegate=deputy, role="dean", org_unit=personas.faculty,
                     start_date=TODAY, end_date=TODAY + 14 * DAY, reason="Study leave")

    capacity = acting_capacity(deputy, personas.department, "dean")
    assert capacity is not None and capacity.delegate_of == dean
    assert str(capacity) == "delegate of Diana Rowe (Dean of Division of Biosciences)"
    assert acting_capacity(deputy, personas.department, "dean", subject=deputy) is None
    assert acting_capacity(deputy, personas.department, "dean", on=TODAY + 15 * DAY) is None
    # The dean's delegate sees the faculty's units, as an FM/HPS delegate does.
    assert personas.department.pk in scope_unit_ids(deputy)


def test_a_role_that_is_not_delegable_cannot_be_delegated(personas):
    lead = PersonFactory(first_name="Tom", last_name="Lead")
    set_holder(personas.faculty, "tc_lead", lead)
    assert not UnitRole.TC_LEAD.delegable and UnitRole.DEAN.delegable
    with pytest.raises(ServiceError, match="Choose the role to delegate"):
        grant_delegation(actor=_admin(personas), delegator=lead, delegate=personas.delegate, role="tc_lead",
                         org_unit=personas.faculty, start_date=TODAY, end_date=TODAY + DAY)


def test_when_the_dean_may_not_act_the_role_passes_to_the_dean_above(personas):
    faculty_dean = PersonFactory(first_name="Fay", last_name="Dean")
    department_dean = PersonFactory(first_name="Dee", last_name="Dean")
    set_holder(personas.faculty, "dean", faculty_dean)
    set_holder(personas.department, "dean", department_dean)

    holders = eligible_holders(personas.department, "dean", excluding={department_dean.pk})
    assert [(p, c.instead_of) for p, c in holders] == [(faculty_dean, department_dean)]


def test_only_roles_that_see_the_unit_widen_what_a_holder_sees(personas):
    organiser = PersonFactory(first_name="Eve", last_name="Organiser")
    set_holder(personas.faculty, "event_organiser", organiser)
    assert scope_unit_ids(organiser) == set()
    dean = PersonFactory(first_name="Diana", last_name="Rowe")
    set_holder(personas.faculty, "dean", dean)
    assert {personas.faculty.pk, personas.department.pk} <= scope_unit_ids(dean)


# --- The services -----------------------------------------------------------------------------------------


def test_assigning_a_successor_ends_the_holder_the_day_before_with_history(personas):
    successor = PersonFactory(first_name="Grace", last_name="Holt")
    start = TODAY + 7 * DAY

    new = assign_unit_role(actor=_admin(personas), unit=personas.faculty, role="fm_hps", person=successor,
                           start_date=start, replace_current=True)

    old = UnitRoleAssignment.objects.get(unit=personas.faculty, role="fm_hps", person=personas.fm_hps)
    assert old.end_date == start - DAY and new.end_date is None
    assert nearest_holder(personas.faculty, "fm_hps") == personas.fm_hps
    assert nearest_holder(personas.faculty, "fm_hps", on=start) == successor
    assert list(timeline_for(old).values_list("action", flat=True)) == ["unit_role.ended"]
    entry = timeline_for(new).get()
    assert entry.action == "unit_role.assigned" and entry.person_id == successor.pk
    assert "Grace Holt is the FM/HPS of Faculty of Life Sciences from" in entry.summary


def test_an_overlapping_holder_is_refused_in_words_and_nothing_is_written(personas):
    other = PersonFactory(first_name="Omar", last_name="Reid")
    before = HistoryEntry.objects.count()
    with pytest.raises(ServiceError, match="Priya Banerjee is the HR Business Partner of Faculty of Life Sciences"):
        assign_unit_role(actor=_admin(personas), unit=personas.faculty, role="hrbp", person=other, start_date=TODAY)
    assert UnitRoleAssignment.objects.filter(person=other).count() == 0
    assert HistoryEntry.objects.count() == before


def test_a_role_cannot_be_held_before_the_unit_exists(personas):
    unit = OrgUnitFactory(code="NEWFAC", kind=OrgUnit.Kind.FACULTY)
    post = PostFactory(org_unit=unit)
    AppointmentFactory(person=PersonFactory(), post=post, start_date=dt.date(2024, 9, 1))
    with pytest.raises(ServiceError, match="exists from 01 Sep 2024: nobody can hold a role for it before then"):
        assign_unit_role(actor=_admin(personas), unit=unit, role="dean", person=personas.hod,
                         start_date=dt.date(2024, 8, 31))
    assign_unit_role(actor=_admin(personas), unit=unit, role="dean", person=personas.hod,
                     start_date=dt.date(2024, 9, 1))


def test_assigning_checks_role_person_dates_and_who_asks(personas):
    admin, unit = _admin(personas), personas.estates
    with pytest.raises(ServiceError, match="Choose a role Gradepath knows"):
        assign_unit_role(actor=admin, unit=unit, role="chancellor", person=personas.hod, start_date=TODAY)
    with pytest.raises(ServiceError, match="need a person record"):
        assign_unit_role(actor=admin, unit=unit, role="dean", person=personas.hod.user, start_date=TODAY)
    with pytest.raises(ServiceError, match="cannot end"):
        assign_unit_role(actor=admin, unit=unit, role="dean", person=personas.hod, start_date=TODAY,
                         end_date=TODAY - DAY)
    with pytest.raises(PermissionDenied):
        assign_unit_role(actor=personas.hr_services.user, unit=unit, role="dean", person=personas.hod,
                         start_date=TODAY)
    assert not UnitRoleAssignment.objects.filter(unit=unit).exists()


def test_ending_a_role_may_not_reach_into_the_next_holders_dates(personas):
    admin, unit = _admin(personas), personas.estates
    first = assign_unit_role(actor=admin, unit=unit, role="vice_provost_operations", person=personas.hod,
                             start_date=TODAY, end_date=TODAY + 9 * DAY)
    assign_unit_role(actor=admin, unit=unit, role="vice_provost_operations", person=personas.hrbp,
                     start_date=TODAY + 10 * DAY)
    with pytest.raises(ServiceError, match="Priya Banerjee is the Vice-Provost \\(Operations\\) of Estates"):
        end_unit_role(actor=admin, assignment=first, end_date=TODAY + 10 * DAY)
    ended = end_unit_role(actor=admin, assignment=first, end_date=TODAY + 2 * DAY)
    assert ended.end_date == TODAY + 2 * DAY
    assert timeline_for(first).filter(action="unit_role.ended").exists()


@pytest.mark.parametrize("end", [None, 20])
def test_the_database_itself_refuses_two_holders_on_one_day(personas, end):
    # Whatever writes the rows (not only the service): PostgreSQL's exclusion constraint, SQLite's triggers.
    set_holder(personas.estates, "tc_lead", personas.hod, start_date=TODAY, end_date=TODAY + 9 * DAY)
    with pytest.raises(IntegrityError), transaction.atomic():
        UnitRoleAssignment.objects.create(unit=personas.estates, role="tc_lead", person=personas.hrbp,
                                          start_date=TODAY + 9 * DAY,
                                          end_date=None if end is None else TODAY + end * DAY)
    UnitRoleAssignment.objects.create(unit=personas.estates, role="tc_lead", person=personas.hrbp,
                                      start_date=TODAY + 10 * DAY)  # the day after: fine


# --- Labels in the unit's words --------------------------------------------------------------------------


def test_head_is_called_by_the_kind_of_unit_and_the_other_roles_by_their_names(personas):
    assert UnitRole.HEAD.label_for(personas.department) == "Head of Department"
    assert UnitRole.HEAD.label_for(personas.estates) == "Departmental contact"
    assert UnitRole.HEAD.label_for(personas.department) == personas.department.head_title
    assert UnitRole.VICE_PROVOST_OPERATIONS.label_for(personas.estates) == "Vice-Provost (Operations)"
    assert [r.label for r in unit_role_holders(personas.estates)] == [
        "FM/HPS", "Departmental contact", "HR Business Partner"]


# --- Pages ---------------------------------------------------------------------------------------------------


def test_the_unit_page_lists_holders_named_and_inherited_and_the_roles_named_on_it(personas, login):
    set_holder(personas.department, "tc_lead", personas.line_manager, start_date=TODAY - 10 * DAY)
    set_holder(personas.department, "tc_lead", personas.staff_member, start_date=TODAY + 30 * DAY)
    body = login(personas.fm_hps).get(reverse("people:unit-detail", args=[personas.department.pk])).content.decode()
    assert "Technician Commitment lead" in body and "Lina Morgan" in body
    assert "named on" in body and "Faculty of Life Sciences" in body  # the inherited FM/HPS, HoD and HRBP
    assert "Roles named on Division of Biosciences" in body and "coming" in body and "Sam Patel" in body


def test_the_person_page_says_which_roles_the_person_holds(personas, login):
    set_holder(personas.estates, "event_organiser", personas.fm_hps, start_date=TODAY + 3 * DAY)
    body = login(personas.hr_services).get(reverse("people:person-detail", args=[personas.fm_hps.pk])).content
    body = body.decode()
    assert "FM/HPS of" in body and "Faculty of Life Sciences" in body
    assert "Event organiser of" in body and "coming" in body
    roles = person_unit_roles(personas.hod)
    assert [r.label for r in roles] == ["Head of Department"]


def test_an_outsider_gets_404_on_the_unit_page_person_page_and_unit_api(personas, login, api):
    client = login(personas.outsider)
    assert client.get(reverse("people:unit-detail", args=[personas.faculty.pk])).status_code == 404
    assert client.get(reverse("people:person-detail", args=[personas.fm_hps.pk])).status_code == 404
    assert api(personas.outsider).get(reverse("api:org-unit-detail", args=[personas.faculty.pk])).status_code == 404


def test_the_units_api_lists_every_role_named_on_a_unit(personas, api):
    set_holder(personas.faculty, "dean", personas.hod)
    body = api(personas.hrbp).get(reverse("api:org-unit-detail", args=[personas.faculty.pk])).json()
    assert {r["role"]: r["person"]["full_name"] for r in body["roles"]} == {
        "fm_hps": "Fiona Marsh", "head": "Hugh Dean", "hrbp": "Priya Banerjee", "dean": "Hugh Dean"}
    assert body["fm_hps"] == {"id": personas.fm_hps.pk, "full_name": "Fiona Marsh"}


def _grow(personas, n: int) -> None:
    """``n`` more units below the department, each naming holders of several roles, past and present."""
    parent = personas.department
    for i in range(n):
        unit = OrgUnitFactory(kind=OrgUnit.Kind.SECTION, parent=parent, code=f"G{n}-{i}")
        holder = PersonFactory()
        set_holder(unit, "tc_lead", holder, start_date=TODAY - 100 * DAY, end_date=TODAY - 50 * DAY)
        set_holder(unit, "tc_lead", holder, start_date=TODAY - 49 * DAY)
        set_holder(unit, "cop_coordinator", PersonFactory())
        AppointmentFactory(person=holder, post=PostFactory(org_unit=unit), start_date=TODAY - 200 * DAY)
        parent = unit if i % 2 else parent


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_pages_and_the_api_take_as_many_queries_with_many_role_holders_as_with_few(personas, login, api):
    client = login(personas.fm_hps)
    deepest = lambda: max(OrgUnit.objects.all(), key=lambda unit: (unit.depth, unit.pk))  # noqa: E731
    urls = lambda: [reverse("people:unit-detail", args=[deepest().pk]),  # noqa: E731
                    reverse("people:person-detail", args=[personas.fm_hps.pk]),
                    reverse("people:unit-list"), reverse("people:delegation-list")]
    _grow(personas, 2)
    small = [_queries(client, url) for url in urls()]
    small_api = _queries(api(personas.fm_hps), reverse("api:org-unit-list"))
    _grow(personas, 12)
    large = [_queries(client, url) for url in urls()]
    assert large == small
    assert _queries(api(personas.fm_hps), reverse("api:org-unit-list")) == small_api


# --- The admin ------------------------------------------------------------------------------------------------


def _inline(rows: list[dict], initial: int) -> dict:
    data = {"role_assignments-TOTAL_FORMS": str(len(rows)), "role_assignments-INITIAL_FORMS": str(initial),
            "role_assignments-MIN_NUM_FORMS": "0", "role_assignments-MAX_NUM_FORMS": "1000"}
    for i, row in enumerate(rows):
        data.update({f"role_assignments-{i}-{k}": v for k, v in row.items()})
    return data


def test_the_admin_names_a_successor_and_ends_the_holder_inline_through_the_services(personas, admin_client):
    unit = personas.estates
    first = assign_unit_role(actor=_admin(personas), unit=unit, role="fm_hps", person=personas.hod,
                             start_date=TODAY - 10 * DAY)
    data = {"code": unit.code, "name": unit.name, "kind": unit.kind, "parent": "", "is_active": "on"}
    data |= _inline([{"id": first.pk, "unit": unit.pk, "end_date": (TODAY - DAY).isoformat()},
                     {"role": "fm_hps", "person": personas.hrbp.pk, "start_date": TODAY.isoformat(),
                      "end_date": ""}], initial=1)

    response = admin_client.post(reverse("admin:people_orgunit_change", args=[unit.pk]), data)

    assert response.status_code == 302
    first.refresh_from_db()
    assert first.end_date == TODAY - DAY and nearest_holder(unit, "fm_hps") == personas.hrbp
    assert HistoryEntry.objects.filter(action="unit_role.assigned", person_id=personas.hrbp.pk).exists()


def test_a_refused_role_row_in_the_admin_keeps_nothing_of_the_submission(personas, admin_client):
    unit = personas.estates
    data = {"code": unit.code, "name": "Estates and Facilities", "kind": unit.kind, "parent": "", "is_active": "on"}
    data |= _inline([{"role": "fm_hps", "person": personas.hrbp.pk, "start_date": TODAY.isoformat()},
                     {"role": "fm_hps", "person": personas.hod.pk, "start_date": TODAY.isoformat()}], initial=0)

    response = admin_client.post(reverse("admin:people_orgunit_change", args=[unit.pk]), data)

    assert response.status_code == 200
    assert "a unit has one holder of a role on any day" in response.content.decode()
    unit.refresh_from_db()
    assert unit.name == "Estates" and not UnitRoleAssignment.objects.filter(unit=unit).exists()


# --- The import -----------------------------------------------------------------------------------------------

ROLE_HEADER = ("unit_code,unit_name,unit_kind,parent_unit_code,employee_number,title,first_name,last_name,known_as,"
               "work_email,staff_category,line_manager_employee_number,post_id,post_title,fte,funding_source,"
               "grant_funded,appointment_kind,start_date,end_date,probation_end,fm_hps_employee_number,"
               "dean_employee_number")


def _file(fm: str = "E1", dean: str = "E2", extra: tuple[str, ...] = ()) -> bytes:
    return csv_bytes(UNIT_ROW + f",{fm},{dean}", person_row("E1") + ",,", person_row("E2", category="academic") + ",,",
                     *extra, header=ROLE_HEADER)


def test_the_import_names_unit_role_holders_and_a_second_run_changes_nothing():
    report = import_people(actor=None, data=_file())
    assert report.ok, messages(report)
    unit = OrgUnit.objects.get(code="TST")
    assert nearest_holder(unit, "fm_hps").employee_number == "E1"
    assert nearest_holder(unit, "dean").employee_number == "E2"
    assert report.count("create", "role") == 2

    again = import_people(actor=None, data=_file())
    assert again.ok and again.count("unchanged", "role") == 2 and again.created == 0 and again.updated == 0


def test_the_import_names_a_successor_from_the_day_of_the_import():
    import_people(actor=None, data=_file())
    unit = OrgUnit.objects.get(code="TST")
    UnitRoleAssignment.objects.filter(unit=unit).update(start_date=TODAY - 30 * DAY)  # named a month ago

    report = import_people(actor=None, data=_file(fm="E2"))

    assert report.ok, messages(report)
    assert report.count("update", "role") == 1
    assert nearest_holder(unit, "fm_hps").employee_number == "E2"
    assert nearest_holder(unit, "fm_hps", on=TODAY - DAY).employee_number == "E1"


def test_the_import_refuses_an_unknown_holder_and_two_holders_for_one_role():
    unknown = import_people(actor=None, data=_file(fm="E404"))
    assert "Line 2: the FM/HPS E404 of unit TST is not in this file or in Gradepath." in messages(unknown)
    clash = import_people(actor=None, data=_file(extra=("TST,,,,,,,,,,,,,,,,,,,,,E2,",)))
    assert any("the FM/HPS of unit TST is E2 here but E1 on line 2" in m for m in messages(clash))
    assert not UnitRoleAssignment.objects.exists() and not OrgUnit.objects.filter(code="TST").exists()


def test_in_per_row_mode_a_role_whose_holder_could_not_be_imported_is_listed_and_the_rest_goes_in():
    bad_e1 = person_row("E1", email="not-an-address") + ",,"
    data = csv_bytes(UNIT_ROW + ",E1,E2", bad_e1, person_row("E2", category="academic") + ",,", header=ROLE_HEADER)

    report = import_people(actor=None, data=data, per_row=True)

    assert "Line 2: Not imported because E1 could not be imported." in messages(report)
    unit = OrgUnit.objects.get(code="TST")
    assert nearest_holder(unit, "dean").employee_number == "E2" and nearest_holder(unit, "fm_hps") is None


def test_a_dry_run_of_role_holders_writes_nothing():
    report = import_people(actor=None, data=_file(), dry_run=True)
    assert report.ok and report.count("create", "role") == 2
    assert not UnitRoleAssignment.objects.exists()


# --- The data migration ---------------------------------------------------------------------------------------


def test_the_migration_moves_todays_holders_into_assignments_from_when_the_unit_is_known():
    migration = importlib.import_module("gradepath.people.migrations.0006_move_unit_role_holders")
    created = {1: dt.date(2023, 5, 1)}
    first_appointment = {2: dt.date(2019, 9, 2), 3: dt.date(2021, 1, 4)}
    paths = {1: "/1/", 2: "/1/2/", 3: "/3/"}
    # A faculty recorded in 2023 whose department has had staff since 2019: held from 2019.
    assert migration.holders_start("/1/", 1, created, first_appointment, paths, TODAY) == dt.date(2019, 9, 2)
    assert migration.holders_start("/3/", 3, created, first_appointment, paths, TODAY) == dt.date(2021, 1, 4)
    assert migration.holders_start("/4/", 4, created, first_appointment, paths, TODAY) == TODAY


# serialized_rollback: the data migrations made (groups, content types) is back for the next
# transactional test after this one's flush.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_moves_holders_of_a_small_data_set_and_back():
    executor = MigrationExecutor(connection)
    before = [("people", "0005_unit_role_assignments")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    Person, Unit = old.get_model("people", "Person"), old.get_model("people", "OrgUnit")
    fm, hrbp = (Person.objects.create(employee_number=f"M{i}", first_name="A", last_name=f"B{i}",
                                      work_email=f"m{i}@example.ac.uk", staff_category="pss") for i in (1, 2))
    faculty = Unit.objects.create(code="F", name="Faculty", kind="faculty", fm_hps=fm, hrbp=hrbp)
    Unit.objects.filter(pk=faculty.pk).update(path=f"/{faculty.pk}/")
    department = Unit.objects.create(code="D", name="Department", kind="department", parent=faculty, hrbp=fm)
    Unit.objects.filter(pk=department.pk).update(path=f"/{faculty.pk}/{department.pk}/")
    Unit.objects.create(code="E", name="Empty", kind="ps_division")

    executor = MigrationExecutor(connection)
    executor.migrate([("people", "0006_move_unit_role_holders")])
    new = executor.loader.project_state([("people", "0006_move_unit_role_holders")]).apps
    rows = set(new.get_model("people", "UnitRoleAssignment").objects.values_list(
        "unit__code", "role", "person__employee_number", "start_date", "end_date"))
    assert rows == {("F", "fm_hps", "M1", TODAY, None), ("F", "hrbp", "M2", TODAY, None),
                    ("D", "hrbp", "M1", TODAY, None)}

    executor = MigrationExecutor(connection)
    executor.migrate(before)  # and back: the columns hold today's holders again
    old = executor.loader.project_state(before).apps
    assert old.get_model("people", "OrgUnit").objects.get(code="D").hrbp.employee_number == "M1"

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_the_admin_unit_page_shows_its_role_holders_and_the_holders_list_filters_by_role(personas, admin_client):
    body = admin_client.get(reverse("admin:people_orgunit_change", args=[personas.faculty.pk])).content.decode()
    assert "Role holders (FM/HPS, HoD or departmental contact, HRBP, Dean …)" in body
    assert "Fiona Marsh" in body and "Technician Commitment lead" in body  # a recorded row, and the choices
    listing = admin_client.get(reverse("admin:people_unitroleassignment_changelist"), {"role": "hrbp"})
    assert listing.status_code == 200 and "Priya Banerjee" in listing.content.decode()
    assert "Fiona Marsh" not in listing.content.decode()
    delegation_form = admin_client.get(reverse("admin:people_delegation_add")).content.decode()
    assert '<option value="dean">Dean</option>' in delegation_form
    assert '<option value="tc_lead">' not in delegation_form
