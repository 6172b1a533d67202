"""Who may open a career record (policy §4.9): the person, their management chain, their HRBP (or the
HRBP's delegate), HR Services and administrators. Everyone else gets 404 on the page, the PDF and the
API alike, whether or not they may open the person's record."""

from __future__ import annotations

import pytest
from django.urls import reverse

from gradepath.career.permissions import can_see_career, get_career_person_for_user
from gradepath.people.permissions import can_view_person

pytestmark = pytest.mark.django_db

# Who may open the staff member's (Sam Patel's) career record.
ALLOWED = ("staff_member", "line_manager", "senior_manager", "hrbp", "hrbp_delegate", "hr_services",
           "administrator")
# Who may not: the FM/HPS, their delegate and the HoD may open Sam's person page, but not the career
# record; an HRBP of another unit is in the HR Business Partner group but is not Sam's HRBP.
REFUSED = ("fm_hps", "delegate", "hod", "hrbp_elsewhere", "tc_lead", "equality_viewer", "outsider")

PAGES = (("career:record", "text/html"), ("career:record-pdf", "application/pdf"),
         ("api:person-career", "application/json"))


@pytest.mark.parametrize("name", ALLOWED)
def test_the_person_their_managers_their_hrbp_and_hr_open_the_career_record(career, client, name):
    viewer = getattr(career, name)
    client.force_login(viewer.user)
    for url_name, content_type in PAGES:
        response = client.get(reverse(url_name, args=[career.staff_member.pk]))
        assert response.status_code == 200, (name, url_name)
        assert response["Content-Type"].startswith(content_type)
    assert can_see_career(viewer.user, career.staff_member)


@pytest.mark.parametrize("name", REFUSED)
def test_everyone_else_gets_404_on_the_page_the_pdf_and_the_api(career, client, name):
    viewer = getattr(career, name)
    client.force_login(viewer.user)
    for url_name, _ in PAGES:
        assert client.get(reverse(url_name, args=[career.staff_member.pk])).status_code == 404, (name, url_name)
    assert not can_see_career(viewer.user, career.staff_member)


def test_the_fm_hps_and_the_hod_may_open_the_person_page_but_not_the_career_record(career):
    for name in ("fm_hps", "hod", "delegate"):
        user = getattr(career, name).user
        assert can_view_person(user, career.staff_member)
        assert not can_see_career(user, career.staff_member)


def test_a_staff_member_opens_only_their_own_career_record(career, client):
    client.force_login(career.staff_member.user)
    assert client.get(reverse("career:record", args=[career.staff_member.pk])).status_code == 200
    for other in (career.line_manager, career.outsider, career.hr_services):
        assert client.get(reverse("career:record", args=[other.pk])).status_code == 404
        assert client.get(reverse("api:person-career", args=[other.pk])).status_code == 404


def test_a_line_manager_opens_their_reports_record_and_not_their_own_managers(career, client):
    client.force_login(career.line_manager.user)
    assert client.get(reverse("career:record", args=[career.staff_member.pk])).status_code == 200
    assert client.get(reverse("career:record", args=[career.line_manager.pk])).status_code == 200
    assert client.get(reverse("career:record", args=[career.senior_manager.pk])).status_code == 404


def test_an_hrbp_sees_the_records_of_their_units_only(career):
    assert can_see_career(career.hrbp.user, career.line_manager)  # also in Biosciences
    assert not can_see_career(career.hrbp.user, career.outsider)  # Estates
    assert can_see_career(career.hrbp_elsewhere.user, career.outsider)
    assert not can_see_career(career.hrbp_elsewhere.user, career.line_manager)


def test_an_hrbps_delegate_sees_nothing_once_the_delegation_ends(career):
    from gradepath.people.models import Delegation

    Delegation.objects.filter(delegate=career.hrbp_delegate).update(revoked_at=career.case.created_at)
    assert not can_see_career(career.hrbp_delegate.user, career.staff_member)


def test_a_missing_id_and_a_record_not_yours_give_the_same_404(career, client):
    client.force_login(career.outsider.user)
    missing = client.get(reverse("career:record", args=[999999]))
    hidden = client.get(reverse("career:record", args=[career.staff_member.pk]))
    assert missing.status_code == hidden.status_code == 404
    with pytest.raises(Exception) as error:
        get_career_person_for_user(career.outsider.user, "not a number")
    assert error.type.__name__ == "Http404"


def test_anonymous_callers_are_sent_to_sign_in_or_get_401(career, client):
    response = client.get(reverse("career:record", args=[career.staff_member.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get(reverse("api:person-career", args=[career.staff_member.pk])).status_code == 401


def test_the_person_page_links_to_the_career_record_for_those_who_may_open_it(career, client):
    url = reverse("people:person-detail", args=[career.staff_member.pk])
    record = reverse("career:record", args=[career.staff_member.pk])
    for name in ("staff_member", "line_manager", "hrbp", "hr_services"):
        client.force_login(getattr(career, name).user)
        page = client.get(url).content.decode()
        assert f'href="{record}"' in page, name
    for name in ("fm_hps", "hod"):
        client.force_login(getattr(career, name).user)
        response = client.get(url)
        assert response.status_code == 200
        assert f'href="{record}"' not in response.content.decode(), name


def test_my_home_links_to_my_own_career_record(career, client):
    client.force_login(career.staff_member.user)
    page = client.get(reverse("people:home")).content.decode()
    assert "My career record" in page
    assert f'href="{reverse("career:record", args=[career.staff_member.pk])}"' in page
