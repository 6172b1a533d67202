"""The demo e-mails page: every e-mail sent or queued, for signed-in visitors, in demo mode only."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.urls import reverse

from gradepath.demo import views as demo_views
from gradepath.notifications.models import OutboxEmail
from gradepath.notifications.services import notify, send_email
from gradepath.testing.urls import reload_urls

pytestmark = pytest.mark.django_db

EMAILS = "/demo/emails/"


@pytest.fixture
def conversation(personas):
    """Three e-mails in order: to the line manager, the job evaluation mailbox (with files), the staff member."""
    notify(recipient=personas.line_manager, subject="GC-2026-0001 needs your action",
           body="Grading case GC-2026-0001 (Research Technician) is now: discussion to be recorded.",
           link="/grading/1/")
    send_email(to_address="job-evaluation@example.ac.uk", subject="[Gradepath] Approved JD: Research Technician",
               body="The approved job description.", attachments=[
                   ("research-technician-v2.docx", "application/octet-stream", b"docx"),
                   ("research-technician-v2.pdf", "application/pdf", b"%PDF")])
    notify(recipient=personas.staff_member, subject="GC-2026-0001: record the decision",
           body="Grading case GC-2026-0001 (Research Technician) is now: HR Services processing.", link="/grading/1/")
    return personas


def test_a_signed_in_visitor_sees_every_email_newest_first(conversation, client, demo_mode):
    assert reverse("demo:emails") == EMAILS
    client.force_login(conversation.outsider.user)
    response = client.get(EMAILS)
    assert response.status_code == 200
    body = response.content.decode()
    first = body.index("record the decision")
    second = body.index("Approved JD: Research Technician")
    third = body.index("needs your action")
    assert first < second < third
    assert "sam.patel@example.ac.uk" in body and "lina.morgan@example.ac.uk" in body
    assert "research-technician-v2.docx" in body and "research-technician-v2.pdf" in body
    assert "HR Services processing." in body and "Open Gradepath: " in body


def test_the_list_can_be_narrowed_to_one_mailbox(conversation, client, demo_mode):
    client.force_login(conversation.staff_member.user)
    body = client.get(EMAILS, {"to": "sam.patel"}).content.decode()
    assert "record the decision" in body and "needs your action" not in body


def test_the_page_runs_a_fixed_number_of_queries(conversation, client, demo_mode, django_assert_max_num_queries):
    client.force_login(conversation.staff_member.user)
    for n in range(10):
        send_email(to_address="job-evaluation@example.ac.uk", subject=f"Extra {n}", body="More.",
                   attachments=[(f"extra-{n}.pdf", "application/pdf", b"%PDF")])
    with django_assert_max_num_queries(10):
        assert client.get(EMAILS).status_code == 200


def test_the_banner_links_to_the_emails_page_in_demo_mode(personas, client, demo_mode):
    client.force_login(personas.staff_member.user)
    assert f'href="{EMAILS}"' in client.get(reverse("people:home")).content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(conversation, client, demo_mode):
    response = client.get(EMAILS)
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_page_does_not_exist_outside_demo_mode(conversation, client, settings):
    settings.DEMO_MODE = False
    reload_urls()
    client.force_login(conversation.administrator.user)
    assert client.get(EMAILS).status_code == 404
    assert "See the e-mails sent" not in client.get(reverse("people:home")).content.decode()


def test_the_view_refuses_outside_demo_mode_even_if_called_directly(conversation, settings):
    settings.DEMO_MODE = False
    request = RequestFactory().get(EMAILS)
    request.user = conversation.administrator.user
    with pytest.raises(demo_views.Http404):
        demo_views.email_list(request)


def test_the_emails_page_changes_nothing(conversation, client, demo_mode):
    client.force_login(conversation.staff_member.user)
    before = list(OutboxEmail.objects.values_list("pk", "status", "attempts"))
    client.get(EMAILS)
    assert list(OutboxEmail.objects.values_list("pk", "status", "attempts")) == before
