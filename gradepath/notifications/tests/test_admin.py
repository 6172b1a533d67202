"""The admin site shows administrators whether messages reach people, never what they say (issue 11 §7)."""

from __future__ import annotations

import pytest
from django.urls import NoReverseMatch, reverse

from gradepath.notifications.models import Notification, OutboxEmail
from gradepath.notifications.services import notify

pytestmark = pytest.mark.django_db

SUBJECT = "Your regrade to Grade 6 is decided"
BODY = "Private: your appeal deadline is 12 March."


@pytest.fixture
def administrator(personas, login):
    user = personas.administrator.user
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return login(personas.administrator)


@pytest.fixture
def message(personas):
    notify(recipient=personas.staff_member, subject=SUBJECT, body=BODY, link="/grading/cases/1/")
    return Notification.objects.get(), OutboxEmail.objects.get()


def test_the_notification_list_shows_recipient_and_when_but_not_the_content(administrator, message, personas):
    body = administrator.get(reverse("admin:notifications_notification_changelist")).content.decode()
    assert str(personas.staff_member) in body
    assert SUBJECT not in body and BODY not in body and "/grading/cases/1/" not in body


def test_the_email_list_shows_delivery_status_but_not_the_content(administrator, message):
    notification, email = message
    email.status, email.attempts = OutboxEmail.Status.FAILED, 3
    email.save(update_fields=["status", "attempts"])
    body = administrator.get(reverse("admin:notifications_outboxemail_changelist")).content.decode()
    assert email.to_address in body and "Failed" in body
    assert SUBJECT not in body and BODY not in body


def test_searching_by_subject_finds_nothing(administrator, message):
    for name in ("notification", "outboxemail"):
        response = administrator.get(reverse(f"admin:notifications_{name}_changelist"), {"q": "regrade"})
        assert response.context["cl"].result_count == 0


@pytest.mark.parametrize("name", ["notification", "outboxemail"])
def test_there_is_no_page_that_shows_one_message(administrator, message, name):
    notification, email = message
    pk = notification.pk if name == "notification" else email.pk
    for view in ("change", "history", "delete"):
        with pytest.raises(NoReverseMatch):
            reverse(f"admin:notifications_{name}_{view}", args=[pk])
    for suffix in ("change/", "history/", "delete/", ""):
        response = administrator.get(f"/admin/notifications/{name}/{pk}/{suffix}", follow=True)
        page = response.content.decode()
        assert SUBJECT not in page and BODY not in page
