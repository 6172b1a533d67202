"""Text that cannot be stored is refused with a message at every entry point, never a 500.

A NUL character is stored by SQLite but refused by PostgreSQL (``DataError``), and a lone UTF-16
surrogate by both. So that both databases accept and refuse the same things, the web (query
strings, form fields, uploaded file names), the API (query strings, every string and key of a
JSON body) and the imports refuse such text before it reaches a query or a row (issue 11, item 2).
These tests run on SQLite and on PostgreSQL and expect the same answer from both.
"""

from __future__ import annotations

import io
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from gradepath.core.text import NUL_MESSAGE, SURROGATE_MESSAGE
from gradepath.grades.models import Grade
from gradepath.grading import services as grading_services
from gradepath.grading.models import CaseEvent
from gradepath.jobs import services as jd_services
from gradepath.jobs.docx_import import DocxImportError, import_jd_from_docx
from gradepath.jobs.models import JDVersion
from gradepath.people.importer import import_people
from gradepath.people.models import Person
from gradepath.people.services import update_post
from gradepath.testing.factories import JobFamilyFactory

pytestmark = pytest.mark.django_db

NUL = "Lab\x00Tech"


@pytest.fixture
def api():
    """``api(person)``: a DRF client signed in as that persona."""

    def _api(person):
        client = APIClient()
        client.force_login(person.user)
        return client

    return _api


@pytest.fixture
def case(personas):
    """Sam Patel's Direct Route case, at its first step (the line manager records the discussion)."""
    version = jd_services.create_job_description(
        actor=None, org_unit=personas.department, job_family=JobFamilyFactory(), staff_category="technical",
        job_title="Research Technician", purpose="To provide technical support to the research groups.",
        duties=["Prepare reagents and solutions.", "Maintain laboratory equipment."],
    )
    jd_services.submit_version(actor=None, version=version)
    jd_services.log_agreed_jd(actor=None, version=version, grade=Grade.objects.get(number=5))
    update_post(actor=None, post=personas.staff_post, changes={"jd_version": version})
    return grading_services.start_direct_route_case(actor=personas.staff_member.user, subject=personas.staff_member)


def assert_refused_as_page(response) -> None:
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "null character" in response.content.decode()


def assert_refused_as_json(response, message: str = NUL_MESSAGE) -> None:
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert message in response.json()["detail"]


# --- Query strings -------------------------------------------------------------------------------------


def test_a_nul_in_the_people_search_gets_400_with_a_message(personas, api):
    response = api(personas.hr_services).get(reverse("api:person-list"), {"q": NUL})
    assert_refused_as_json(response)


def test_a_nul_in_the_jd_search_gets_400_with_a_message(personas, api):
    assert_refused_as_json(api(personas.staff_member).get(reverse("api:jd-list"), {"q": NUL}))


def test_a_nul_in_the_jd_list_page_search_gets_an_error_page(personas, login):
    assert_refused_as_page(login(personas.staff_member).get(reverse("jobs:jd-list"), {"q": NUL}))


def test_a_nul_in_the_demo_emails_filter_gets_an_error_page(personas, login, demo_mode):
    assert_refused_as_page(login(personas.staff_member).get("/demo/emails/", {"to": NUL}))


def test_a_nul_in_a_query_parameter_name_is_refused_too(personas, api):
    assert_refused_as_json(api(personas.hr_services).get(reverse("api:person-list") + "?q%00=x"))


def test_ordinary_text_with_accents_and_emoji_is_still_searched(personas, api):
    response = api(personas.hr_services).get(reverse("api:person-list"), {"q": "Zoë 🧪"})
    assert response.status_code == 200 and response.json()["count"] == 0


# --- Form posts (web) ----------------------------------------------------------------------------------


def test_a_nul_in_a_case_action_form_gets_400_and_records_nothing(personas, login, case):
    client = login(personas.line_manager)
    response = client.post(reverse("grading:case-act", args=[case.pk, "record_discussion"]), {
        "record_discussion-step": case.step, "record_discussion-idempotency_key": str(uuid.uuid4()),
        "record_discussion-reason": NUL})
    assert_refused_as_page(response)
    assert not CaseEvent.objects.filter(case=case).exists()


def test_a_nul_in_a_jd_section_autosave_gets_400_and_saves_nothing(personas, login, case):
    draft = jd_services.create_job_description(
        actor=personas.line_manager.user, org_unit=personas.department, job_family=JobFamilyFactory(),
        staff_category="technical", job_title="Workshop Technician", purpose="To run the workshop.")
    response = login(personas.line_manager).post(reverse("jobs:section-save", args=[draft.pk, "purpose"]),
                                                 {"purpose-text": NUL, "base": draft.purpose})
    assert_refused_as_page(response)
    draft.refresh_from_db()
    assert draft.purpose == "To run the workshop."


def test_a_nul_in_the_login_form_gets_400(personas, client, password):
    response = client.post(reverse("login"), {"username": "sam\x00", "password": password})
    assert_refused_as_page(response)


def test_a_nul_in_an_uploaded_file_name_is_dropped_by_django_and_never_reaches_the_page(personas, login):
    # Django's multipart parser removes a NUL from file names; the middleware checks them anyway.
    upload = SimpleUploadedFile("jd\x00.docx", b"PK\x03\x04", content_type="application/octet-stream")
    response = login(personas.line_manager).post(reverse("jobs:import-docx"), {"document": upload})
    assert response.status_code == 200
    assert "\x00" not in response.content.decode()


# --- JSON bodies (API) ---------------------------------------------------------------------------------


def test_a_nul_in_a_case_action_reason_over_the_api_gets_400_and_records_nothing(personas, api, case):
    response = api(personas.line_manager).post(
        reverse("api:grading-case-perform", args=[case.pk]),
        {"action": "record_discussion", "step": case.step, "data": {"reason": NUL}}, format="json")
    assert_refused_as_json(response)
    assert not CaseEvent.objects.filter(case=case).exists()


def test_a_nul_deep_inside_a_json_body_or_in_a_key_is_refused(personas, api):
    url = reverse("api:person-update", args=[personas.staff_member.pk])
    client = api(personas.staff_member)
    assert_refused_as_json(client.patch(url, {"known_as": ["ok", {"x": NUL}]}, format="json"))
    assert_refused_as_json(client.patch(url, {"known\x00as": "Sam"}, format="json"))


def test_an_unpaired_surrogate_in_a_json_body_is_refused(personas, api):
    url = reverse("api:person-update", args=[personas.staff_member.pk])
    response = api(personas.staff_member).patch(url, '{"known_as": "Sam \\ud800"}', content_type="application/json")
    assert_refused_as_json(response, SURROGATE_MESSAGE)
    personas.staff_member.refresh_from_db()
    assert personas.staff_member.known_as != "Sam \ud800"


@pytest.mark.parametrize("body", ["[null, null]", "5", '"Sam"', "null", "[]"])
def test_a_json_body_that_is_not_an_object_gets_400(personas, api, body):
    url = reverse("api:person-update", args=[personas.staff_member.pk])
    response = api(personas.staff_member).patch(url, body, content_type="application/json")
    assert response.status_code == 400
    assert "JSON object" in response.json()["detail"]


def test_a_json_body_nested_too_deep_gets_400(personas, api):
    url = reverse("api:person-update", args=[personas.staff_member.pk])
    body = '{"known_as": ' + "[" * 100_000 + "]" * 100_000 + "}"
    response = api(personas.staff_member).patch(url, body, content_type="application/json")
    assert response.status_code == 400


def test_a_json_body_larger_than_the_upload_limit_gets_413(personas, api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    url = reverse("api:person-update", args=[personas.staff_member.pk])
    response = api(personas.staff_member).patch(url, {"known_as": "x" * 2000}, format="json")
    assert response.status_code == 413
    assert "too large" in response.json()["detail"]


def test_a_good_json_body_still_changes_the_record(personas, api):
    url = reverse("api:person-update", args=[personas.staff_member.pk])
    response = api(personas.staff_member).patch(url, {"known_as": "Sammy 🧪"}, format="json")
    assert response.status_code == 200, response.json()
    assert Person.objects.get(pk=personas.staff_member.pk).known_as == "Sammy 🧪"


# --- Imports -------------------------------------------------------------------------------------------

CSV_HEADER = "unit_code,unit_name,unit_kind,employee_number,first_name,last_name,work_email,staff_category,post_id,post_title,start_date"


def test_a_nul_in_a_csv_cell_far_into_the_file_is_reported_with_its_line(personas):
    # The file check looks for binary data in the first 64 KB only; a NUL further on is in a cell.
    rows = [f"TST,Test Faculty,faculty,X{i:05d},Alex,Smith,e{i}@example.ac.uk,technical,P{i},Technician,2020-01-06"
            for i in range(1200)]
    rows[1100] = rows[1100].replace("Alex", "Al\x00ex")
    data = ("\n".join([CSV_HEADER, *rows]) + "\n").encode()
    assert len(data) > 65536
    report = import_people(actor=personas.administrator.user, data=data)
    messages = [e.message for e in report.errors]
    assert len(messages) == 1
    assert messages[0].startswith("Line 1102: the first name contains a null character")
    assert not Person.objects.filter(employee_number__startswith="X0").exists()


def test_a_docx_whose_text_holds_a_nul_is_refused_with_a_message(personas):
    from gradepath.jobs.tests.test_docx_import import blank_docx_parts, make_zip

    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    body = (f'<w:document {w}><w:body><w:p><w:r><w:t>Job title: Lab&#0;Tech</w:t></w:r></w:p>'
            '<w:p><w:r><w:t>Purpose</w:t></w:r></w:p></w:body></w:document>')
    data = make_zip({**blank_docx_parts(), "word/document.xml": body})
    before = JDVersion.objects.count()
    with pytest.raises(DocxImportError):
        import_jd_from_docx(actor=personas.line_manager.user,
                            uploaded_file=SimpleUploadedFile("jd.docx", data), org_unit=personas.department,
                            job_family=JobFamilyFactory(), staff_category="technical")
    assert JDVersion.objects.count() == before


def test_a_nul_in_a_docx_file_name_never_reaches_the_record(personas):
    from gradepath.jobs.tests.test_word import make_two_versions
    from gradepath.jobs.word import version_docx

    _, v2 = make_two_versions(personas)
    result = import_jd_from_docx(actor=personas.line_manager.user,
                                 uploaded_file=SimpleUploadedFile("jd\x00x.docx", version_docx(v2)),
                                 org_unit=personas.department, job_family=JobFamilyFactory(),
                                 staff_category="technical")
    assert "\x00" not in result.message


def test_the_bad_input_checks_leave_a_csv_without_problems_alone(personas):
    data = io.BytesIO((CSV_HEADER + "\nTST,Test Faculty,faculty,E1,Zoë,Smith,e1@example.ac.uk,technical,P1,"
                       "Technician,2020-01-06\n").encode())
    report = import_people(actor=personas.administrator.user, data=data.getvalue())
    assert report.errors == []


def test_a_nul_in_a_request_header_of_a_failed_login_gets_400(personas, client):
    # django-axes stores the User-Agent of a failed login.
    response = client.post(reverse("login"), {"username": "sam", "password": "wrong"},
                           HTTP_USER_AGENT="Mozilla\x00")
    assert_refused_as_page(response)
