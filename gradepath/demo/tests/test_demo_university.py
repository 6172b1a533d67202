"""The full-size demo university: its shape, its role holders and the consistency of its records."""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import pytest
from django.conf import global_settings
from django.db.models import Count
from django.utils import timezone

import gradepath
from gradepath.core.models import HistoryEntry
from gradepath.demo.builder import HISTORY_SUMMARY
from gradepath.demo.logins import DEMO_LOGINS, DEMO_PASSWORD
from gradepath.grades.models import PayRecord
from gradepath.grades.services import apply_annual_increments
from gradepath.grading.models import CaseTask, GradingCase
from gradepath.grading.services import visible_cases
from gradepath.notifications.models import Notification
from gradepath.people import roles
from gradepath.people.models import (
    Appointment,
    Delegation,
    EqualityData,
    OrgUnit,
    Person,
    UnitRoleAssignment,
    User,
)
from gradepath.people.permissions import visible_people
from gradepath.people.relations import acting_capacity, home_unit

pytestmark = pytest.mark.usefixtures("db")


def _login_person(username: str) -> Person:
    return Person.objects.select_related("user", "line_manager").get(user__username=username)


def _with_holders(unit: OrgUnit) -> OrgUnit:
    """The unit with the FM/HPS, HoD/contact and HRBP named on it today as attributes, as its columns were."""
    named = {a.role: a.person for a in UnitRoleAssignment.objects.on().filter(unit=unit).select_related("person__user")}
    for role in ("fm_hps", "head", "hrbp"):
        setattr(unit, role, named.get(role))
    return unit


def test_demo_university_has_three_faculties_two_divisions_and_about_25_departments(demo_university):
    top = OrgUnit.objects.filter(parent__isnull=True)
    assert Counter(top.values_list("kind", flat=True)) == {"faculty": 3, "ps_division": 2}
    assert 20 <= OrgUnit.objects.filter(kind=OrgUnit.Kind.DEPARTMENT).count() <= 30
    assert OrgUnit.objects.filter(kind=OrgUnit.Kind.SECTION).count() >= 5
    for unit in map(_with_holders, top):
        assert unit.fm_hps and unit.head and unit.hrbp, f"{unit} lacks a role holder"
        assert unit.hrbp.user.groups.filter(name=roles.HR_BUSINESS_PARTNER).exists()
    for unit in map(_with_holders, OrgUnit.objects.filter(kind=OrgUnit.Kind.DEPARTMENT).select_related("parent")):
        assert unit.head is not None, f"{unit} has no HoD or departmental contact"
        if unit.parent.kind == OrgUnit.Kind.FACULTY:
            assert unit.head.staff_category == Person.StaffCategory.ACADEMIC


def test_org_unit_paths_run_from_the_root_to_the_unit(demo_university):
    for unit in OrgUnit.objects.select_related("parent"):
        expected = f"{unit.parent.path if unit.parent else '/'}{unit.pk}/"
        assert unit.path == expected


def test_demo_university_has_at_least_550_professional_services_and_technical_staff(demo_university):
    by_category = Counter(Person.objects.values_list("staff_category", flat=True))
    assert by_category["pss"] + by_category["technical"] >= 550
    assert by_category["pss"] > 100 and by_category["technical"] > 100
    assert demo_university.counts["people"] == Person.objects.count()


def test_every_demo_login_signs_in_with_the_demo_password(demo_university, settings):
    # The module's university was hashed before the project's fast-hasher fixture applied.
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS
    for login in DEMO_LOGINS:
        user = User.objects.get(username=login.username)
        assert user.check_password(DEMO_PASSWORD), login.username
        assert not user.is_superuser


def test_every_demo_login_holds_its_role_for_the_staff_members_unit(demo_university):
    today = timezone.localdate()
    staff = _login_person("staff")
    unit = home_unit(staff)
    assert staff.staff_category == Person.StaffCategory.TECHNICAL
    assert _login_person("manager").pk == staff.line_manager_id
    assert _login_person("manager").reports.count() >= 3

    fm = acting_capacity(_login_person("fmhps"), unit, "fm_hps", on=today)
    assert fm is not None and fm.delegate_of is None
    delegated = acting_capacity(_login_person("delegate"), unit, "fm_hps", on=today)
    assert delegated is not None and delegated.delegate_of == _login_person("fmhps")
    assert Delegation.objects.active(today).filter(delegate=_login_person("delegate")).exists()
    hod = acting_capacity(_login_person("hod"), unit, "head", on=today)
    assert hod is not None and hod.delegate_of is None
    assert _login_person("hod").staff_category == Person.StaffCategory.ACADEMIC
    hrbp = acting_capacity(_login_person("hrbp"), unit, "hrbp", on=today)
    assert hrbp is not None and hrbp.delegate_of is None

    groups = {
        "hrbp": roles.HR_BUSINESS_PARTNER, "hrservices": roles.HR_SERVICES, "admin": roles.ADMINISTRATOR,
        "tclead": roles.TC_LEAD, "equality": roles.EQUALITY_DATA_VIEWER,
    }
    for username, group in groups.items():
        assert roles.group_names(User.objects.get(username=username)) == {group}, username
    assert User.objects.get(username="admin").is_staff
    for username in ("staff", "manager", "fmhps", "delegate", "hod"):
        assert roles.group_names(User.objects.get(username=username)) == set(), username


def test_no_one_outside_the_delegation_acts_as_fm_hps(demo_university):
    unit = home_unit(_login_person("staff"))
    for username in ("staff", "manager", "hod", "hrbp", "hrservices"):
        assert acting_capacity(_login_person(username), unit, "fm_hps") is None, username


def test_every_demo_login_has_a_job_grade_manager_and_pay_record(demo_university):
    today = timezone.localdate()
    for login in DEMO_LOGINS:
        person = _login_person(login.username)
        current = Appointment.objects.current(today).filter(person=person, kind="substantive")
        assert current.count() == 1, login.username
        assert current.get().post.grade is not None, login.username
        # A faculty's Dean reports to the Provost, who is not in the demo university.
        assert person.line_manager is not None or login.username == "dean", login.username
        record = PayRecord.objects.filter(person=person).as_of(today).first()
        assert record is not None, login.username
        assert record.grade == current.get().post.grade, login.username


def test_line_management_has_no_cycles_and_managers_are_graded_above_their_reports(demo_university):
    managers = dict(Person.objects.values_list("pk", "line_manager_id"))
    for start in managers:
        seen, current = {start}, managers[start]
        while current is not None:
            assert current not in seen, f"cycle through person {current}"
            seen.add(current)
            current = managers[current]
    grade_of = dict(Appointment.objects.current().filter(kind="substantive")
                    .values_list("person_id", "post__grade__number"))
    academics = set(Person.objects.filter(staff_category="academic").values_list("pk", flat=True))
    for person_id, manager_id in managers.items():
        if manager_id is None or manager_id in academics or person_id in academics:
            continue
        assert grade_of[manager_id] > grade_of[person_id]
    top = Person.objects.filter(line_manager__isnull=True).exclude(staff_category="academic")
    assert top.count() == 2  # the two directors of the professional services divisions


def test_nobody_has_overlapping_substantive_appointments(demo_university):
    by_person = defaultdict(list)
    for appointment in Appointment.objects.filter(kind="substantive").order_by("start_date"):
        by_person[appointment.person_id].append(appointment)
    assert len(by_person) == Person.objects.count()
    for appointments in by_person.values():
        for earlier, later in zip(appointments, appointments[1:], strict=False):
            assert earlier.end_date is not None and earlier.end_date < later.start_date
    kinds = Counter(Appointment.objects.values_list("kind", flat=True))
    assert kinds["secondment"] >= 2 and kinds["acting_up"] >= 2
    temporary = Appointment.objects.exclude(kind="substantive")
    assert not temporary.filter(end_date__isnull=True).exists()


def test_pay_records_stay_within_their_grades_and_automatic_zones(demo_university):
    records = PayRecord.objects.select_related("grade", "person")
    assert records.count() >= 3 * Person.objects.count()
    for record in records:
        assert record.grade.bottom_point <= record.spine_point <= record.grade.top_point
        if record.reason == PayRecord.Reason.ANNUAL_INCREMENT:
            assert record.spine_point <= record.grade.top_automatic_point
            assert record.effective_from.month == 8 and record.effective_from.day == 1
            assert not record.person.in_probation(record.effective_from)
        if record.reason == PayRecord.Reason.CONTRIBUTION_POINT:
            assert record.spine_point > record.grade.top_automatic_point
    reasons = Counter(records.values_list("reason", flat=True))
    for reason in ("appointment", "annual_increment", "regrade", "accelerated_increment", "contribution_point",
                   "acting_up", "secondment"):
        assert reasons[reason] > 0, reason
    assert PayRecord.objects.values("person").distinct().count() == Person.objects.count()
    assert Person.objects.filter(probation_end__gt=timezone.localdate()).count() >= 5


def test_annual_increments_are_already_applied_for_this_pay_year(demo_university):
    """The generated histories follow the same rules as the annual increment service."""
    today = timezone.localdate()
    pay_year = today.year if today >= today.replace(month=8, day=1) else today.year - 1
    report = apply_annual_increments(actor=None, pay_year=pay_year, dry_run=True)
    assert report.incremented == []
    assert report.skipped.get("already incremented for this date")


def test_posts_are_shared_by_title_and_some_are_grant_funded(demo_university):
    titles = Counter(Appointment.objects.current().values_list("post__title", flat=True))
    assert titles["Research Technician"] >= 10
    from gradepath.people.models import Post

    assert Post.objects.filter(grant_funded=True).count() >= 20
    assert Post.objects.filter(appointments__isnull=True).exists()  # a few vacancies


def test_most_people_have_equality_data_and_some_prefer_not_to_say(demo_university):
    people = Person.objects.count()
    with_data = EqualityData.objects.count()
    assert 0.75 * people <= with_data < people
    assert EqualityData.objects.filter(ethnicity=EqualityData.PREFER_NOT).exists()
    assert EqualityData.objects.values("ethnicity").distinct().count() >= 10


def test_every_person_has_one_imported_history_row(demo_university):
    imported = HistoryEntry.objects.filter(action="person.imported", summary=HISTORY_SUMMARY)
    assert imported.count() == Person.objects.count()
    assert imported.values("person_id").distinct().count() == Person.objects.count()


def test_staff_manager_and_delegate_have_notifications_waiting(demo_university):
    unread = dict(Notification.objects.filter(read_at__isnull=True).values_list("recipient__user__username")
                  .annotate(n=Count("id")).values_list("recipient__user__username", "n"))
    for username in ("staff", "manager", "delegate"):
        assert unread.get(username, 0) >= 1, username


def test_every_record_fits_its_fields(demo_university):
    """SQLite does not enforce lengths; PostgreSQL does. Check them on both."""
    from gradepath.people.models import Post

    for model in (Person, EqualityData, Post, Appointment, OrgUnit, PayRecord, Notification, User):
        for obj in model.objects.all():
            obj.clean_fields(exclude=["password"])


# --- What each demo login finds (issue 11, item 18): the hints say only what is there ----------------


def _client_for(client, username: str):
    client.force_login(User.objects.get(username=username))
    return client


def test_the_readme_demo_table_is_the_logins_hints():
    readme = (Path(gradepath.__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    for login in DEMO_LOGINS:
        assert f"| `{login.username}` | {login.role} | {login.what_to_try.rstrip('.')} |" in readme, login.username


def test_the_tc_lead_finds_their_own_record_and_the_appeals_they_heard(demo_university, client):
    tclead = _login_person("tclead")
    assert list(visible_people(tclead.user)) == [tclead]
    cases = visible_cases(tclead.user)
    assert cases.count() == 2
    for case in cases:  # heard by a panel they sat on
        assert case.panel.filter(person=tclead).exists()
        assert case.events.filter(action__in=["dismiss_appeal", "uphold_appeal"]).exists()
    page = _client_for(client, "tclead").get("/grading/")
    assert page.status_code == 200
    for case in cases:
        assert case.reference in page.content.decode()
    assert "Technician Commitment pages come with their issue" in {d.username: d for d in DEMO_LOGINS}[
        "tclead"].what_to_try


def test_the_equality_viewer_finds_people_and_is_asked_why_before_a_record(demo_university, client):
    viewer = _client_for(client, "equality")
    home = viewer.get("/").content.decode()
    assert 'href="/people/equality/"' in home  # in the menu
    someone = (Person.objects.filter(equality_data__isnull=False).exclude(user__username="equality")
               .select_related("equality_data").order_by("pk").first())
    found = viewer.get("/people/equality/", {"q": someone.last_name}).content.decode()
    assert f"/people/{someone.pk}/equality/" in found
    record = viewer.get(f"/people/{someone.pk}/equality/").content.decode()
    assert "Why do you need to read this record?" in record
    assert "Ethnicity" not in record  # nothing of the record until a purpose is given


def test_each_login_finds_what_its_hint_promises(demo_university, client):
    staff, manager = _login_person("staff"), _login_person("manager")
    case = GradingCase.objects.get(subject=staff)
    waiting = list(case.tasks.filter(completed_at__isnull=True).values_list("assignee__user__username", "role"))
    assert case.route == "direct" and case.tasks.filter(completed_at__isnull=True, assignee=manager).exists(), (
        case.reference, case.state, waiting, staff.line_manager_id, manager.pk, demo_university.schedule_misses)
    page = _client_for(client, "manager").get(f"/grading/{case.pk}/").content.decode()
    assert "Confirm the JD reflects the duties required" in page and "Return to the staff member" in page
    fmhps, delegate = _login_person("fmhps"), _login_person("delegate")
    assert Delegation.objects.filter(delegator=fmhps, delegate=delegate).exists()
    assert CaseTask.objects.filter(completed_at__isnull=True, assignee=delegate, case__state="fm_approval").exists()
    assert Notification.objects.filter(recipient=_login_person("hod"), subject__startswith="For information").exists()
    hrbp_states = set(CaseTask.objects.filter(completed_at__isnull=True, assignee=_login_person("hrbp"))
                      .values_list("case__state", flat=True))
    assert {"hrbp_review", "evaluation", "fairness", "decision", "logging"} <= hrbp_states
    queue = CaseTask.objects.filter(completed_at__isnull=True, assignee__isnull=True, role="hr_services")
    assert queue.filter(case__state="hr_processing", case__grant_funded=True,
                        case__finance_approved_at__isnull=True).exists()
    assert queue.filter(case__state="appeal").exists()
    admin = User.objects.get(username="admin")
    assert admin.is_staff and visible_people(admin).count() == Person.objects.count()
    assert _client_for(client, "admin").get("/admin/").status_code == 200
