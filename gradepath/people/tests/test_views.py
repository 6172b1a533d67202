"""The people pages through HTTP: who sees what, who may change what, and query counts."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from gradepath.core.models import HistoryEntry
from gradepath.grades.models import Grade, PayRecord
from gradepath.notifications.models import Notification
from gradepath.people.models import Delegation, EqualityData, Person
from gradepath.testing.factories import (
    AppointmentFactory,
    OrgUnitFactory,
    PersonFactory,
    PostFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def person_pages(p):
    """Every page about one person, unit or delegation that an outsider must not reach."""
    return {
        "person": reverse("people:person-detail", args=[p.staff_member.pk]),
        "person edit": reverse("people:person-edit", args=[p.staff_member.pk]),
        "equality": reverse("people:person-equality", args=[p.staff_member.pk]),
        "unit": reverse("people:unit-detail", args=[p.department.pk]),
        "faculty": reverse("people:unit-detail", args=[p.faculty.pk]),
        "delegation": reverse("people:delegation-detail", args=[p.delegation.pk]),
    }


def add_staff(unit, count: int, grade: Grade, manager: Person | None = None) -> list[Person]:
    """``count`` people with a current post in ``unit`` and a pay record each."""
    people = []
    for _ in range(count):
        person = PersonFactory(line_manager=manager)
        post = PostFactory(org_unit=unit, title="Finance Officer", grade=grade)
        AppointmentFactory(person=person, post=post, start_date=dt.date(2022, 1, 10))
        PayRecord.objects.create(person=person, grade=grade, spine_point=grade.bottom_point,
                                 effective_from=dt.date(2022, 1, 10), reason=PayRecord.Reason.APPOINTMENT)
        people.append(person)
    return people


def count_queries(client, url: str) -> int:
    client.get(url)  # warm up: the first request after signing in also writes the session
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


# --- Anonymous visitors -------------------------------------------------------------------------


def test_every_people_page_sends_an_anonymous_visitor_to_the_login_page(client, personas):
    urls = [reverse("people:home"), reverse("people:person-list"), reverse("people:unit-list"),
            reverse("people:delegation-list"), reverse("people:delegation-create"),
            *person_pages(personas).values()]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


def test_anonymous_post_to_revoke_changes_nothing(client, personas):
    response = client.post(reverse("people:delegation-revoke", args=[personas.delegation.pk]))
    assert response.status_code == 302
    personas.delegation.refresh_from_db()
    assert personas.delegation.revoked_at is None


# --- Outsiders ----------------------------------------------------------------------------------


def test_outsider_gets_404_for_other_peoples_person_unit_and_delegation_pages(login, personas):
    client = login(personas.outsider)
    for name, url in person_pages(personas).items():
        assert client.get(url).status_code == 404, name
    response = client.post(reverse("people:delegation-revoke", args=[personas.delegation.pk]))
    assert response.status_code == 404
    response = client.post(reverse("people:person-edit", args=[personas.staff_member.pk]), {"known_as": "X"})
    assert response.status_code == 404


def test_outsider_directory_lists_only_themselves(login, personas):
    response = login(personas.outsider).get(reverse("people:person-list"))
    assert response.status_code == 200
    names = [p.pk for p in response.context["page_obj"].object_list]
    assert names == [personas.outsider.pk]
    # A word, not a substring: the page's random CSRF token may hold "Sam" by chance.
    assert not re.search(r"\bSam\b", response.content.decode())


def test_outsider_sees_only_their_own_unit_in_the_org_structure(login, personas):
    response = login(personas.outsider).get(reverse("people:unit-list"))
    body = response.content.decode()
    assert "Estates" in body
    assert "Faculty of Life Sciences" not in body


# --- My home ------------------------------------------------------------------------------------


def test_my_home_shows_job_grade_salary_and_line_manager(login, personas):
    response = login(personas.staff_member).get(reverse("people:home"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Research Technician" in body
    assert "Division of Biosciences" in body
    assert "Grade 5" in body
    assert "Lina Morgan" in body
    assert response.context["pay"].record.spine_point == 17
    assert response.context["pay"].annual_salary is not None
    assert "£" in body


def test_my_home_lists_a_line_managers_reports_with_job_titles(login, personas):
    body = login(personas.line_manager).get(reverse("people:home")).content.decode()
    assert "My reports (1)" in body
    assert "Sam Patel" in body and "Research Technician" in body


def test_things_waiting_lists_unread_notifications_and_delegations_held(login, personas):
    Notification.objects.create(recipient=personas.delegate, subject="Please review a job description",
                                body="A JD is waiting.")
    response = login(personas.delegate).get(reverse("people:home"))
    body = response.content.decode()
    assert "Please review a job description" in body
    assert "Unread notifications (1)" in body
    assert "FM/HPS of Faculty of Life Sciences" in body
    assert reverse("people:delegation-detail", args=[personas.delegation.pk]) in body


def test_things_waiting_says_so_when_nothing_is_waiting(login, personas):
    body = login(personas.outsider).get(reverse("people:home")).content.decode()
    assert "Nothing is waiting for you." in body


def test_a_login_without_a_staff_record_gets_a_helpful_home_page(client, db):
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(admin)
    response = client.get(reverse("people:home"))
    assert response.status_code == 200
    assert "Your login has no staff record" in response.content.decode()


# --- Person pages -------------------------------------------------------------------------------


def test_line_manager_can_read_a_reports_record(login, personas):
    response = login(personas.line_manager).get(reverse("people:person-detail", args=[personas.staff_member.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Research Technician" in body
    assert "Appointment" in body  # pay history reason
    assert "Edit record" not in body


def test_line_manager_cannot_edit_any_field_of_a_report(login, personas):
    client = login(personas.line_manager)
    url = reverse("people:person-edit", args=[personas.staff_member.pk])
    assert client.get(url).status_code == 403
    response = client.post(url, {"known_as": "Sammy", "staff_category": "pss", "last_name": "Changed"})
    assert response.status_code == 403
    personas.staff_member.refresh_from_db()
    assert personas.staff_member.known_as == ""
    assert personas.staff_member.last_name == "Patel"


def test_line_manager_cannot_edit_grade(login, personas):
    client = login(personas.line_manager)
    before = list(PayRecord.objects.filter(person=personas.staff_member).values_list("grade_id", "spine_point"))
    response = client.post(reverse("people:person-edit", args=[personas.staff_member.pk]),
                           {"grade": Grade.objects.get(number=9).pk, "spine_point": 40})
    assert response.status_code == 403
    after = list(PayRecord.objects.filter(person=personas.staff_member).values_list("grade_id", "spine_point"))
    assert after == before


def test_self_edit_form_offers_only_known_as(login, personas):
    response = login(personas.staff_member).get(reverse("people:person-edit", args=[personas.staff_member.pk]))
    assert response.status_code == 200
    assert list(response.context["form"].fields) == ["known_as"]
    assert 'name="last_name"' not in response.content.decode()


def test_self_can_change_known_as_and_nothing_else(login, personas):
    client = login(personas.staff_member)
    response = client.post(reverse("people:person-edit", args=[personas.staff_member.pk]),
                           {"known_as": "Sammy", "last_name": "Hacker", "work_email": "evil@example.com",
                            "line_manager": personas.staff_member.pk})
    assert response.status_code == 302
    person = Person.objects.get(pk=personas.staff_member.pk)
    assert person.known_as == "Sammy"
    assert person.last_name == "Patel"
    assert person.work_email == "sam.patel@example.ac.uk"
    assert person.line_manager_id == personas.line_manager.pk
    assert HistoryEntry.objects.filter(action="person.updated", person_id=person.pk).count() == 1


def test_administrator_edit_shows_a_service_error_and_saves_nothing(login, personas):
    client = login(personas.administrator)
    manager = personas.line_manager
    url = reverse("people:person-edit", args=[manager.pk])
    form = client.get(url).context["form"]
    data = {name: form.initial.get(name) or "" for name in form.fields}
    data.update({"line_manager": personas.staff_member.pk, "known_as": "Lin", "is_active": "on",
                 "line_manager_choice": ""})
    response = client.post(url, data)
    assert response.status_code == 200
    assert "reports (directly or indirectly) to" in response.content.decode()
    manager.refresh_from_db()
    assert manager.line_manager_id is None
    assert manager.known_as == ""


def test_person_page_shows_the_timeline_of_changes(login, personas):
    client = login(personas.staff_member)
    client.post(reverse("people:person-edit", args=[personas.staff_member.pk]), {"known_as": "Sammy"})
    body = client.get(reverse("people:person-detail", args=[personas.staff_member.pk])).content.decode()
    assert "Changed known as of Sammy Patel." in body


def test_person_page_query_count_does_not_grow_with_reports_or_pay_history(login, personas,
                                                                           django_assert_max_num_queries):
    grade = Grade.objects.get(number=4)
    client = login(personas.hr_services)
    url = reverse("people:person-detail", args=[personas.line_manager.pk])
    add_staff(personas.department, 2, grade, manager=personas.line_manager)
    small = count_queries(client, url)
    add_staff(personas.department, 25, grade, manager=personas.line_manager)
    for year in range(2019, 2026):
        PayRecord.objects.create(person=personas.line_manager, grade=Grade.objects.get(number=8), spine_point=36,
                                 effective_from=dt.date(year, 8, 1), reason=PayRecord.Reason.ANNUAL_INCREMENT)
    with django_assert_max_num_queries(small):
        response = client.get(url)
    assert len(response.context["reports"]) == 28
    assert len(response.context["pay_lines"]) == 8


# --- Equality-monitoring data -----------------------------------------------------------------


def test_equality_page_is_refused_to_non_viewers_and_records_nothing(login, personas):
    for persona in (personas.hrbp, personas.administrator, personas.line_manager, personas.staff_member):
        response = login(persona).get(reverse("people:person-equality", args=[personas.staff_member.pk]))
        assert response.status_code == 404
    assert not HistoryEntry.objects.filter(action="equality_data.viewed").exists()


def test_equality_page_shows_data_to_a_viewer_and_records_the_read(login, personas):
    EqualityData.objects.create(person=personas.staff_member, ethnicity="Mixed: White and Asian")
    response = login(personas.equality_viewer).post(
        reverse("people:person-equality", args=[personas.staff_member.pk]), {"purpose": "equal_pay_audit"})
    assert response.status_code == 200
    assert "Mixed: White and Asian" in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    entry = HistoryEntry.objects.get(action="equality_data.viewed")
    assert entry.person_id == personas.staff_member.pk
    assert entry.actor_id == personas.equality_viewer.user_id


def test_equality_data_is_never_shown_on_the_person_page(login, personas, settings):
    EqualityData.objects.create(person=personas.equality_viewer, ethnicity="Mixed: White and Asian")
    response = login(personas.equality_viewer).get(
        reverse("people:person-detail", args=[personas.equality_viewer.pk]))
    body = response.content.decode()
    assert "Mixed: White and Asian" not in body
    assert reverse("people:person-equality", args=[personas.equality_viewer.pk]) in body
    assert not HistoryEntry.objects.filter(action="equality_data.viewed").exists()


# --- Directory ------------------------------------------------------------------------------------


def test_directory_search_finds_by_name_employee_number_and_email(login, personas):
    client = login(personas.hrbp)
    url = reverse("people:person-list")
    for query in ("sam patel", personas.staff_member.employee_number, "sam.patel@"):
        people = list(client.get(url, {"q": query}).context["page_obj"].object_list)
        assert [p.pk for p in people] == [personas.staff_member.pk], query


def test_directory_filters_by_unit_category_and_grade(login, personas):
    client = login(personas.hrbp)
    url = reverse("people:person-list")
    in_faculty = {p.pk for p in client.get(url, {"unit": personas.faculty.pk}).context["page_obj"].object_list}
    assert {personas.staff_member.pk, personas.line_manager.pk, personas.fm_hps.pk} <= in_faculty
    assert personas.outsider.pk not in in_faculty
    technical = {p.pk for p in client.get(url, {"staff_category": "technical"}).context["page_obj"].object_list}
    assert technical == {personas.staff_member.pk, personas.line_manager.pk}
    grade5 = Grade.objects.get(number=5)
    graded = [p.pk for p in client.get(url, {"grade": grade5.pk}).context["page_obj"].object_list]
    assert graded == [personas.staff_member.pk]


def test_directory_shows_job_title_unit_and_grade(login, personas):
    body = login(personas.fm_hps).get(reverse("people:person-list")).content.decode()
    assert "Research Technician" in body and "Division of Biosciences" in body and "Grade 5" in body


def test_directory_unit_filter_offers_only_visible_units(login, personas):
    form = login(personas.line_manager).get(reverse("people:person-list")).context["filter"].form
    offered = set(form.fields["unit"].queryset.values_list("pk", flat=True))
    assert offered == {personas.department.pk}


def test_directory_search_answers_htmx_with_the_results_fragment(login, personas):
    response = login(personas.hrbp).get(reverse("people:person-list"), {"q": "Patel"},
                                        headers={"HX-Request": "true", "HX-Target": "person-results"})
    body = response.content.decode()
    assert "<html" not in body
    assert "Sam Patel" in body


def test_directory_is_paginated_by_fifty(login, personas):
    add_staff(personas.estates, 55, Grade.objects.get(number=4))
    client = login(personas.hr_services)
    page = client.get(reverse("people:person-list")).context["page_obj"]
    assert len(page.object_list) == 50
    assert page.paginator.num_pages == 2


@pytest.mark.parametrize("persona", ["hrbp", "fm_hps", "line_manager"])
def test_directory_query_count_does_not_grow_with_rows(login, personas, persona, django_assert_max_num_queries):
    grade = Grade.objects.get(number=4)
    manager = getattr(personas, persona)
    client = login(manager)
    url = reverse("people:person-list")
    add_staff(personas.department, 3, grade, manager=manager)
    small = count_queries(client, url)
    add_staff(personas.department, 40, grade, manager=manager)
    with django_assert_max_num_queries(small):
        response = client.get(url)
    assert len(response.context["page_obj"].object_list) >= 43
    assert small <= 20


# --- Org units -------------------------------------------------------------------------------------


def test_unit_page_shows_role_holders_delegations_and_people(login, personas):
    response = login(personas.fm_hps).get(reverse("people:unit-detail", args=[personas.department.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Head of Department" in body and "Hugh Dean" in body
    assert "Fiona Marsh" in body and "Priya Banerjee" in body
    assert "(from a unit above)" in body
    assert "Dan Lee" in body  # the active delegation of the faculty's FM/HPS role covers it
    assert "Sam Patel" in body and "Lina Morgan" in body


def test_ps_division_unit_calls_the_head_a_departmental_contact(login, personas):
    body = login(personas.outsider).get(reverse("people:unit-detail", args=[personas.estates.pk])).content.decode()
    assert "Departmental contact" in body


def test_unit_page_lists_only_people_the_user_may_see(login, personas):
    colleague = add_staff(personas.department, 1, Grade.objects.get(number=4))[0]
    response = login(personas.line_manager).get(reverse("people:unit-detail", args=[personas.department.pk]))
    shown = {p.pk for p in response.context["page_obj"].object_list}
    assert personas.staff_member.pk in shown
    assert colleague.pk not in shown


def test_unit_tree_nests_departments_under_their_faculty(login, personas):
    response = login(personas.hrbp).get(reverse("people:unit-list"))
    tree = response.context["tree"]
    faculty = next(node for node in tree if node.unit.pk == personas.faculty.pk)
    assert [child.unit.pk for child in faculty.children] == [personas.department.pk]


def test_unit_page_query_count_does_not_grow_with_people_or_subunits(login, personas,
                                                                    django_assert_max_num_queries):
    grade = Grade.objects.get(number=4)
    client = login(personas.fm_hps)
    url = reverse("people:unit-detail", args=[personas.faculty.pk])
    add_staff(personas.department, 3, grade)
    small = count_queries(client, url)
    for _ in range(4):
        section = OrgUnitFactory(kind="section", parent=personas.department)
        add_staff(section, 10, grade)
    with django_assert_max_num_queries(small):
        response = client.get(url)
    assert response.context["page_obj"].paginator.count >= 45
    assert small <= 30


# --- Delegations -----------------------------------------------------------------------------------


def test_delegation_link_in_notifications_opens_the_delegation_page(login, personas):
    url = f"/people/delegations/{personas.delegation.pk}/"
    assert url == reverse("people:delegation-detail", args=[personas.delegation.pk])
    response = login(personas.delegate).get(url)
    assert response.status_code == 200
    assert "Annual leave cover" in response.content.decode()


def test_fm_hps_delegates_their_role_through_the_form(login, personas):
    client = login(personas.fm_hps)
    form = client.get(reverse("people:delegation-create")).context["form"]
    choices = dict(form.fields["role_unit"].choices)
    assert f"fm_hps:{personas.faculty.pk}" in choices
    assert f"fm_hps:{personas.department.pk}" in choices
    assert all(not key.startswith("hrbp:") for key in choices)
    today = timezone.localdate()
    response = client.post(reverse("people:delegation-create"), {
        "role_unit": f"fm_hps:{personas.department.pk}", "delegate": personas.line_manager.pk,
        "start_date": today.isoformat(), "end_date": (today + dt.timedelta(days=10)).isoformat(),
        "reason": "Conference",
    })
    delegation = Delegation.objects.get(delegate=personas.line_manager)
    assert response.status_code == 302
    assert response["Location"] == reverse("people:delegation-detail", args=[delegation.pk])
    assert delegation.delegator == personas.fm_hps and delegation.org_unit == personas.department
    assert Notification.objects.filter(recipient=personas.line_manager,
                                       link=f"/people/delegations/{delegation.pk}/").exists()


def test_delegation_form_refuses_a_role_the_user_does_not_hold(login, personas):
    client = login(personas.fm_hps)
    today = timezone.localdate()
    response = client.post(reverse("people:delegation-create"), {
        "role_unit": f"hrbp:{personas.faculty.pk}", "delegate": personas.line_manager.pk,
        "start_date": today.isoformat(), "end_date": today.isoformat(),
    })
    assert response.status_code == 200
    assert not Delegation.objects.filter(delegate=personas.line_manager).exists()


def test_delegation_form_shows_service_errors_and_saves_nothing(login, personas):
    client = login(personas.fm_hps)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    response = client.post(reverse("people:delegation-create"), {
        "role_unit": f"fm_hps:{personas.faculty.pk}", "delegate": personas.line_manager.pk,
        "start_date": (yesterday - dt.timedelta(days=3)).isoformat(), "end_date": yesterday.isoformat(),
    })
    assert response.status_code == 200
    assert "would already have ended" in response.content.decode()
    assert not Delegation.objects.filter(delegate=personas.line_manager).exists()


def test_someone_without_a_unit_role_is_told_they_cannot_delegate(login, personas):
    client = login(personas.staff_member)
    response = client.get(reverse("people:delegation-create"))
    assert response.status_code == 200
    assert "You do not hold a role that can be delegated." in response.content.decode()
    response = client.post(reverse("people:delegation-create"), {"role_unit": f"fm_hps:{personas.faculty.pk}"})
    assert response.status_code == 302
    assert Delegation.objects.count() == 1


def test_delegator_revokes_a_delegation_with_a_post(login, personas):
    client = login(personas.fm_hps)
    url = reverse("people:delegation-revoke", args=[personas.delegation.pk])
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302
    personas.delegation.refresh_from_db()
    assert personas.delegation.revoked_at is not None
    assert Notification.objects.filter(recipient=personas.delegate,
                                       subject="A delegation to you has been revoked").exists()


def test_delegate_cannot_revoke_the_delegation(login, personas):
    client = login(personas.delegate)
    page = client.get(reverse("people:delegation-detail", args=[personas.delegation.pk])).content.decode()
    assert "Revoke delegation" not in page
    response = client.post(reverse("people:delegation-revoke", args=[personas.delegation.pk]), follow=True)
    assert "Only the person who delegated the role" in response.content.decode()
    personas.delegation.refresh_from_db()
    assert personas.delegation.revoked_at is None


def test_delegation_list_shows_only_my_delegations(login, personas):
    assert list(login(personas.outsider).get(reverse("people:delegation-list")).context["page_obj"]) == []
    delegations = list(login(personas.delegate).get(reverse("people:delegation-list")).context["page_obj"])
    assert delegations == [personas.delegation]


# --- Sign-in pages and the layout ---------------------------------------------------------------


def test_login_page_explains_an_idle_session_expiry_once(client, db):
    session = client.session
    session["gp_expired"] = "idle"
    session.save()
    body = client.get(reverse("login")).content.decode()
    assert "You were signed out because the page was left unused for a while." in body
    assert "You were signed out" not in client.get(reverse("login")).content.decode()


def test_idle_session_ends_and_the_login_page_says_why(client, personas, settings):
    client.force_login(personas.staff_member.user)
    assert client.get(reverse("people:home")).status_code == 200
    session = client.session
    session["gp_last_seen"] -= int(settings.SESSION_IDLE_TIMEOUT.total_seconds()) + 60
    session.save()
    response = client.get(reverse("people:home"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("login"))
    assert "left unused for a while" in response.content.decode()


def test_repeated_wrong_passwords_pause_sign_in_with_a_plain_explanation(client, personas, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "sam.patel", "password": "wrong-password"})
    response = client.post(reverse("login"), {"username": "sam.patel", "password": "wrong-password"})
    body = response.content.decode()
    assert response.status_code == 429
    assert "Signing in is paused for a few minutes" in body
    assert "You can try again in 15 minutes." in body
    assert "not locked permanently" in body


def test_password_change_pages_use_the_layout(login, personas):
    client = login(personas.staff_member)
    body = client.get(reverse("password_change")).content.decode()
    assert "Change your password" in body and 'name="new_password1"' in body


def test_layout_has_skip_link_landmarks_and_no_inline_script_or_style(login, personas):
    body = login(personas.administrator).get(reverse("people:home")).content.decode()
    assert 'href="#main"' in body and '<main id="main"' in body and 'lang="en-GB"' in body
    assert "<script>" not in body and "<style" not in body and "style=" not in body and "onclick" not in body
    assert reverse("admin:index") in body  # administrators get the Admin link
    assert 'action="/accounts/logout/"' in body


def test_admin_link_is_only_for_administrators(login, personas):
    body = login(personas.staff_member).get(reverse("people:home")).content.decode()
    assert reverse("admin:index") not in body


def test_directory_ignores_a_filter_it_cannot_use_and_says_so(login, personas):
    response = login(personas.line_manager).get(reverse("people:person-list"), {"unit": personas.estates.pk})
    body = response.content.decode()
    assert "The unit chosen could not be used, so that filter has been left out." in body
    assert personas.outsider.pk not in {p.pk for p in response.context["page_obj"].object_list}


def test_signing_out_is_a_post_and_the_login_page_confirms_it(login, personas):
    client = login(personas.staff_member)
    home = client.get(reverse("people:home")).content.decode()
    assert f'name="next" value="{reverse("login")}?signed_out=1"' in home
    response = client.post(reverse("logout"), {"next": f"{reverse('login')}?signed_out=1"}, follow=True)
    assert "You have signed out." in response.content.decode()
    assert client.get(reverse("people:home")).status_code == 302
