import re

import pytest
from django.urls import reverse

from gradepath.grades.models import Grade
from gradepath.jobs import services
from gradepath.jobs.models import JDVersion
from gradepath.people.services import update_post
from gradepath.testing.factories import JobFamilyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(personas):
    return services.create_job_description(
        actor=personas.line_manager.user, org_unit=personas.department, job_family=JobFamilyFactory(),
        staff_category="technical", job_title="Research Technician", area="Laboratory operations",
        purpose="To support the research groups.", duties=["Prepare solutions.", "Maintain equipment."],
    )


@pytest.fixture
def agreed(personas, draft):
    services.submit_version(actor=personas.line_manager.user, version=draft)
    entry = services.log_agreed_jd(actor=personas.hrbp.user, version=draft, grade=Grade.objects.get(number=5))
    update_post(actor=None, post=personas.staff_post, changes={"jd_version": draft})
    return entry


def htmx_post(client, url, data):
    return client.post(url, data, HTTP_HX_REQUEST="true")


def test_outsider_gets_404_for_a_draft_jd_and_its_pages(personas, login, draft):
    client = login(personas.outsider)
    for name in ("jobs:jd-detail",):
        assert client.get(reverse(name, args=[draft.jd.pk])).status_code == 404
    for name in ("jobs:version-detail", "jobs:version-edit", "jobs:version-copy"):
        assert client.get(reverse(name, args=[draft.pk])).status_code == 404
    response = client.post(reverse("jobs:section-save", args=[draft.pk, "purpose"]),
                           {"purpose-text": "Hijacked.", "base": draft.purpose})
    assert response.status_code == 404
    draft.refresh_from_db()
    assert draft.purpose == "To support the research groups."


def test_anonymous_users_are_sent_to_the_login_page(client, draft):
    response = client.get(reverse("jobs:jd-detail", args=[draft.jd.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_author_can_create_a_jd_through_the_form(personas, login):
    client = login(personas.line_manager)
    family = JobFamilyFactory()
    response = client.post(reverse("jobs:jd-create"), {
        "job_title": "Workshop Technician", "org_unit": personas.department.pk, "job_family": family.pk,
        "staff_category": "technical", "area": "Engineering workshops"})
    version = JDVersion.objects.get(job_title="Workshop Technician")
    assert response.status_code == 302 and response["Location"] == reverse("jobs:version-edit", args=[version.pk])


def test_autosave_of_a_section_saves_and_returns_a_status_fragment(personas, login, draft):
    client = login(personas.line_manager)
    response = htmx_post(client, reverse("jobs:section-save", args=[draft.pk, "purpose"]),
                         {"purpose-text": "To lead technical support for two research groups.", "base": draft.purpose})
    assert response.status_code == 200
    assert b"Saved at" in response.content
    draft.refresh_from_db()
    assert draft.purpose == "To lead technical support for two research groups."


def test_duties_are_saved_one_per_line(personas, login, draft):
    client = login(personas.line_manager)
    htmx_post(client, reverse("jobs:section-save", args=[draft.pk, "duties"]),
              {"duties-text": "Prepare solutions.\n\n- Maintain equipment.\n3. Train new staff.",
               "base": "\n".join(draft.duties)})
    draft.refresh_from_db()
    assert draft.duties == ["Prepare solutions.", "Maintain equipment.", "Train new staff."]


def test_second_writer_is_shown_the_other_text_and_loses_nothing(personas, login, draft, client):
    original = draft.purpose
    services.save_draft(actor=personas.fm_hps.user, version=draft, base_values={"purpose": original},
                        changes={"purpose": "The FM/HPS's wording."})
    client = login(personas.line_manager)
    response = htmx_post(client, reverse("jobs:section-save", args=[draft.pk, "purpose"]),
                         {"purpose-text": "The manager's wording.", "base": original})
    assert response.status_code == 409
    assert "The FM/HPS&#x27;s wording." in response.content.decode()
    draft.refresh_from_db()
    assert draft.purpose == "The FM/HPS's wording."
    # The fragment updates the base text, so saving again deliberately replaces theirs.
    response = htmx_post(client, reverse("jobs:section-save", args=[draft.pk, "purpose"]),
                         {"purpose-text": "The manager's wording.", "base": "The FM/HPS's wording."})
    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.purpose == "The manager's wording."


def test_too_long_section_is_refused_with_a_message(personas, login, draft):
    client = login(personas.line_manager)
    response = htmx_post(client, reverse("jobs:section-save", args=[draft.pk, "purpose"]),
                         {"purpose-text": "word " * 3000, "base": draft.purpose})
    assert response.status_code == 400
    assert "limit is 10,000" in response.content.decode()


def test_person_specification_is_saved_from_the_rows(personas, login, draft):
    client = login(personas.line_manager)
    data = {"spec-TOTAL_FORMS": "2", "spec-INITIAL_FORMS": "0", "spec-MIN_NUM_FORMS": "0",
            "spec-MAX_NUM_FORMS": "60", "base": "[]",
            "spec-0-text": "Laboratory experience.", "spec-0-kind": "essential", "spec-0-assessed": "both",
            "spec-1-text": "", "spec-1-kind": "desirable", "spec-1-assessed": "application"}
    response = htmx_post(client, reverse("jobs:section-save", args=[draft.pk, "person_spec"]), data)
    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.person_spec == [{"text": "Laboratory experience.", "kind": "essential", "assessed": "both"}]


def test_submitted_version_cannot_be_opened_in_the_editor(personas, login, draft):
    services.submit_version(actor=personas.line_manager.user, version=draft)
    response = login(personas.line_manager).get(reverse("jobs:version-edit", args=[draft.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("jobs:version-detail", args=[draft.pk])


def test_library_is_open_to_staff_but_hides_holders_they_cannot_see(personas, login, agreed):
    client = login(personas.outsider)
    page = client.get(reverse("jobs:library-detail", args=[agreed.pk])).content.decode()
    assert "Research Technician" in page
    assert "Sam Patel" not in page and "1 holder you cannot see" in page
    page = login(personas.line_manager).get(reverse("jobs:library-detail", args=[agreed.pk])).content.decode()
    assert "Sam Patel" in page


def test_library_filters_by_grade_and_searches_text(personas, login, agreed):
    client = login(personas.staff_member)
    assert agreed.reference in client.get(reverse("jobs:library"), {"grade": 5}).content.decode()
    assert agreed.reference not in client.get(reverse("jobs:library"), {"grade": 6}).content.decode()
    assert agreed.reference in client.get(reverse("jobs:library"), {"q": "equipment"}).content.decode()
    assert agreed.reference not in client.get(reverse("jobs:library"), {"q": "accounts payable"}).content.decode()


def test_hrbp_logs_a_submitted_version_from_its_page(personas, login, draft):
    services.submit_version(actor=personas.line_manager.user, version=draft)
    client = login(personas.hrbp)
    response = client.post(reverse("jobs:version-log-agreed", args=[draft.pk]),
                           {"grade": Grade.objects.get(number=5).pk, "area": "Lab operations"})
    draft.refresh_from_db()
    assert draft.status == JDVersion.Status.AGREED
    assert response["Location"] == reverse("jobs:library-detail", args=[draft.agreed_entry.pk])


def test_library_query_count_does_not_grow_with_entries(personas, login, agreed, django_assert_max_num_queries):
    client = login(personas.staff_member)
    with django_assert_max_num_queries(12):
        client.get(reverse("jobs:library"))
    for i in range(15):
        version = services.copy_and_adapt(actor=personas.line_manager.user, version=agreed.version,
                                          org_unit=personas.department)
        services.submit_version(actor=personas.line_manager.user, version=version)
        services.log_agreed_jd(actor=personas.hrbp.user, version=version, grade=Grade.objects.get(number=4 + i % 3))
    with django_assert_max_num_queries(12):
        response = client.get(reverse("jobs:library"))
    assert response.content.decode().count("AJD-") >= 16


def test_jd_page_query_count_does_not_grow_with_holders(personas, login, agreed, django_assert_max_num_queries):
    client = login(personas.hrbp)
    url = reverse("jobs:jd-detail", args=[agreed.version.jd.pk])
    with django_assert_max_num_queries(25) as before:
        client.get(url)
    from gradepath.testing.factories import AppointmentFactory, PostFactory

    for _ in range(10):
        AppointmentFactory(post=PostFactory(org_unit=personas.department, jd_version=agreed.version))
    with django_assert_max_num_queries(len(before.captured_queries)):
        client.get(url)


def _library(personas, texts):
    entries = []
    for title, purpose, duties, grade in texts:
        v = services.create_job_description(
            actor=None, org_unit=personas.department, job_family=JobFamilyFactory(), staff_category="technical",
            job_title=title, purpose=purpose, duties=duties)
        services.submit_version(actor=None, version=v)
        entries.append(services.log_agreed_jd(actor=None, version=v, grade=Grade.objects.get(number=grade)))
    return entries


def test_match_page_ranks_an_exact_copy_first_and_records_the_match(personas, login):
    lab, finance = _library(personas, [
        ("Research Technician", "To support research groups with laboratory work.",
         ["Prepare cell culture media and reagents.", "Maintain incubators and centrifuges."], 5),
        ("Finance Officer", "To process invoices and payments for the faculty.",
         ["Process supplier invoices.", "Reconcile the purchase ledger each month."], 5),
    ])
    draft = services.copy_and_adapt(actor=personas.line_manager.user, version=lab.version,
                                    org_unit=personas.department)
    client = login(personas.line_manager)
    page = client.get(reverse("jobs:version-match", args=[draft.pk])).content.decode()
    assert re.search(r"AJD-\d{4}-\d{4}", page).group(0) == lab.reference  # the exact copy comes first
    assert "Side by side" in page and "Prepare cell culture media and reagents." in page

    response = client.post(reverse("jobs:version-match", args=[draft.pk]), {"agreed_jd": lab.pk, "reason": ""})
    assert response.status_code == 400 and "Say why" in response.content.decode()
    assert not draft.match_decisions.exists()
    response = client.post(reverse("jobs:version-match", args=[draft.pk]),
                           {"agreed_jd": lab.pk, "reason": "Same laboratory duties."})
    assert response.status_code == 302
    assert draft.match_decisions.get().agreed_jd == lab


def test_outsider_cannot_open_the_match_page_of_a_draft(personas, login, draft):
    assert login(personas.outsider).get(reverse("jobs:version-match", args=[draft.pk])).status_code == 404


def test_fairness_page_lists_other_holders_only_to_those_who_may_see_them(personas, login, agreed):
    url = reverse("jobs:version-fairness", args=[agreed.version.pk])
    page = login(personas.line_manager).get(url).content.decode()
    assert "Sam Patel" in page and "Holders of this version (1)" in page
    page = login(personas.outsider).get(url).content.decode()
    assert "Sam Patel" not in page and "Holders of this version (0)" in page
