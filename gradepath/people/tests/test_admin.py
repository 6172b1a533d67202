"""The admin site: who gets in, edits through the services, read-only history, the HR import page."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from gradepath.core.models import HistoryEntry
from gradepath.people.models import Appointment, EqualityData, OrgUnit, Person

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "hr_extract_sample.csv"
IMPORT_URL = "/admin/people/person/import/"


def staff(persona):
    persona.user.is_staff = True
    persona.user.save(update_fields=["is_staff"])
    return persona


@pytest.fixture
def admin_client(personas, login):
    return login(staff(personas.administrator))


def upload(data: bytes | None = None, name: str = "extract.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, SAMPLE.read_bytes() if data is None else data, content_type="text/csv")


# --- Who gets in ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_import_page_refuses_staff_who_are_not_administrators(personas, login):
    client = login(staff(personas.hr_services))

    assert client.get(IMPORT_URL).status_code == 403
    response = client.post(IMPORT_URL, {"file": upload(), "mode": "all"})
    assert response.status_code == 403
    assert not Person.objects.filter(employee_number="E100001").exists()


@pytest.mark.django_db
def test_import_page_sends_people_without_staff_status_to_the_admin_login(personas, login):
    client = login(personas.administrator)  # an administrator, but not staff

    response = client.get(IMPORT_URL)

    assert response.status_code == 302 and "/admin/login/" in response["Location"]


@pytest.mark.django_db
def test_person_list_links_to_the_import_page_for_administrators(admin_client):
    response = admin_client.get(reverse("admin:people_person_changelist"))

    assert response.status_code == 200
    assert IMPORT_URL.encode() in response.content


@pytest.mark.django_db
def test_every_admin_page_opens_for_an_administrator_and_not_for_other_staff(personas, login, admin_client):
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in {"core", "people", "grades", "notifications"}:
            continue
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        expected = 403 if model is EqualityData else 200
        if model._meta.model_name == "user":
            expected = 403  # Django's own user admin: model permissions, not the Administrator group
        assert admin_client.get(url).status_code == expected, url
        if model_admin.has_add_permission(type("R", (), {"user": personas.administrator.user})()):
            add = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")
            assert admin_client.get(add).status_code == 200, add

    other = login(staff(personas.hrbp))
    assert other.get(reverse("admin:people_person_changelist")).status_code == 403


# --- The import page ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_import_page_dry_run_shows_the_report_and_writes_nothing(admin_client):
    response = admin_client.post(IMPORT_URL, {"file": upload(), "dry_run": "on", "mode": "all"})

    assert response.status_code == 200
    assert b"Dry run: would have made 57 created, 0 updated, 0 unchanged" in response.content
    assert b"Create person E100001 (Rachel Okafor)." in response.content
    assert not Person.objects.filter(employee_number="E100001").exists()


@pytest.mark.django_db
def test_import_page_imports_only_after_a_dry_run_of_the_same_file(personas, admin_client):
    refused = admin_client.post(IMPORT_URL, {"file": upload(), "mode": "all"})
    assert b"Do a dry run of this file, in this mode, first" in refused.content
    assert not Person.objects.filter(employee_number="E100001").exists()

    admin_client.post(IMPORT_URL, {"file": upload(), "dry_run": "on", "mode": "all"})
    response = admin_client.post(IMPORT_URL, {"file": upload(), "mode": "all"})

    assert b"Imported 57 created, 0 updated, 0 unchanged" in response.content
    person = Person.objects.get(employee_number="E100001")
    entry = HistoryEntry.objects.get(action="person.created", object_id=str(person.pk))
    assert entry.actor == personas.administrator.user


@pytest.mark.django_db
def test_import_page_shows_row_errors_with_line_numbers(admin_client):
    bad = SAMPLE.read_text().replace("2015-01-12", "31/02/2015").encode()

    response = admin_client.post(IMPORT_URL, {"file": upload(bad), "dry_run": "on", "mode": "all"})

    assert b"Line 7: the start date &#x27;31/02/2015&#x27; is not a real date." in response.content
    assert b"this file would import nothing" in response.content


@pytest.mark.django_db
def test_import_page_refuses_an_oversize_file_before_reading_it(admin_client, settings):
    settings.GRADEPATH_MAX_UPLOAD_BYTES = 100

    response = admin_client.post(IMPORT_URL, {"file": upload(), "dry_run": "on", "mode": "all"})

    assert b"which is more than the 1 KB Gradepath accepts" in response.content
    assert not Person.objects.filter(employee_number="E100001").exists()


@pytest.mark.django_db
def test_import_page_explains_a_workbook_is_not_a_csv_file(admin_client):
    response = admin_client.post(IMPORT_URL, {"file": upload(b"PK\x03\x04rest-of-zip", "extract.xlsx"),
                                              "dry_run": "on", "mode": "all"})

    assert b"This looks like an Excel workbook, not a CSV file." in response.content


# --- History is read-only -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_history_entries_cannot_be_added_changed_or_deleted_in_the_admin(personas, admin_client):
    entry = HistoryEntry.objects.create(actor_label="System", action="test.done", object_type="x", object_id="1",
                                        object_repr="x", summary="Something happened.")
    change = reverse("admin:core_historyentry_change", args=[entry.pk])

    view = admin_client.get(change)
    assert view.status_code == 200 and b"Something happened." in view.content
    assert b'name="_save"' not in view.content
    assert admin_client.post(change, {"summary": "Rewritten."}).status_code == 403
    assert admin_client.get(reverse("admin:core_historyentry_add")).status_code == 403
    assert admin_client.post(reverse("admin:core_historyentry_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    entry.refresh_from_db()
    assert entry.summary == "Something happened."


# --- Edits go through the services --------------------------------------------------------------------


def person_form(person: Person, **changes) -> dict:
    data = {
        "title": person.title, "first_name": person.first_name, "last_name": person.last_name,
        "known_as": person.known_as, "work_email": person.work_email, "staff_category": person.staff_category,
        "line_manager": person.line_manager_id or "", "probation_end": "", "is_active": "on",
    }
    data.update(changes)
    return data


@pytest.mark.django_db
def test_changing_a_person_in_the_admin_writes_history(personas, admin_client):
    person = personas.staff_member
    url = reverse("admin:people_person_change", args=[person.pk])

    response = admin_client.post(url, person_form(person, known_as="Sammy"))

    assert response.status_code == 302
    person.refresh_from_db()
    assert person.known_as == "Sammy"
    entry = HistoryEntry.objects.get(action="person.updated", object_id=str(person.pk))
    assert entry.actor == personas.administrator.user and entry.after == {"known_as": "Sammy"}


@pytest.mark.django_db
def test_a_line_manager_loop_made_in_the_admin_is_refused_with_a_message(personas, admin_client):
    manager = personas.line_manager
    url = reverse("admin:people_person_change", args=[manager.pk])

    response = admin_client.post(url, person_form(manager, line_manager=personas.staff_member.pk))

    assert response.status_code == 200
    assert b"reports (directly or indirectly) to" in response.content
    manager.refresh_from_db()
    assert manager.line_manager is None


@pytest.mark.django_db
def test_adding_an_org_unit_in_the_admin_goes_through_the_service(personas, admin_client):
    response = admin_client.post(reverse("admin:people_orgunit_add"), {
        "code": "NEWDEPT", "name": "New Department", "kind": "department", "parent": personas.faculty.pk,
        "fm_hps": "", "head": "", "hrbp": "", "is_active": "on",
    })

    assert response.status_code == 302
    unit = OrgUnit.objects.get(code="NEWDEPT")
    assert unit.path == f"/{personas.faculty.pk}/{unit.pk}/"
    assert HistoryEntry.objects.filter(action="org_unit.created", object_id=str(unit.pk)).exists()


@pytest.mark.django_db
def test_an_overlapping_appointment_added_in_the_admin_is_refused(personas, admin_client):
    response = admin_client.post(reverse("admin:people_appointment_add"), {
        "person": personas.staff_member.pk, "post": personas.staff_post.pk, "kind": "substantive",
        "start_date": "2024-01-01", "end_date": "",
    })

    assert response.status_code == 200
    assert b"already has a substantive appointment" in response.content
    assert Appointment.objects.filter(person=personas.staff_member).count() == 1


@pytest.mark.django_db
def test_an_appointment_end_date_is_set_through_the_service(personas, admin_client):
    appointment = Appointment.objects.get(person=personas.staff_member)
    url = reverse("admin:people_appointment_change", args=[appointment.pk])

    response = admin_client.post(url, {"end_date": "2027-08-31"})

    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.end_date == dt.date(2027, 8, 31)
    assert HistoryEntry.objects.filter(action="appointment.ended", object_id=str(appointment.pk)).exists()


@pytest.mark.django_db
def test_revoking_a_delegation_in_the_admin_uses_the_service(personas, admin_client):
    delegation = personas.delegation

    response = admin_client.post(reverse("admin:people_delegation_changelist"), {
        "action": "revoke_delegations", "_selected_action": [delegation.pk],
    })

    assert response.status_code == 302
    delegation.refresh_from_db()
    assert delegation.revoked_by == personas.administrator.user
    assert HistoryEntry.objects.filter(action="delegation.revoked").exists()


@pytest.mark.django_db
def test_nothing_can_be_deleted_in_the_people_admin(personas, admin_client):
    url = reverse("admin:people_person_delete", args=[personas.outsider.pk])

    assert admin_client.post(url, {"post": "yes"}).status_code == 403
    assert Person.objects.filter(pk=personas.outsider.pk).exists()


# --- Equality-monitoring data ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_equality_data_is_hidden_from_administrators(personas, admin_client):
    record = EqualityData.objects.create(person=personas.staff_member, ethnicity="Prefer not to say")

    assert admin_client.get(reverse("admin:people_equalitydata_changelist")).status_code == 403
    assert admin_client.get(reverse("admin:people_equalitydata_change", args=[record.pk])).status_code == 403
    assert b"Equality-monitoring" not in admin_client.get(reverse("admin:index")).content


@pytest.mark.django_db
def test_equality_data_viewers_read_it_and_each_read_is_audited(personas, login):
    record = EqualityData.objects.create(person=personas.staff_member, ethnicity="Any other ethnic group")
    client = login(staff(personas.equality_viewer))

    listing = client.get(reverse("admin:people_equalitydata_changelist"))
    assert listing.status_code == 200 and b"Any other ethnic group" not in listing.content
    assert not HistoryEntry.objects.filter(action="equality_data.viewed").exists()

    # Opening a record leads to the page that asks the purpose of the read: nothing is read yet.
    page = client.get(reverse("admin:people_equalitydata_change", args=[record.pk]))
    target = reverse("people:person-equality", args=[personas.staff_member.pk])
    assert page.status_code == 302 and page["Location"] == target
    assert not HistoryEntry.objects.filter(action="equality_data.viewed").exists()
    read = client.post(target, {"purpose": "equal_pay_audit"})
    assert read.status_code == 200 and b"Any other ethnic group" in read.content
    entry = HistoryEntry.objects.get(action="equality_data.viewed")
    assert entry.actor == personas.equality_viewer.user and entry.person_id == personas.staff_member.pk
