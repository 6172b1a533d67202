"""The notifications pages: only the recipient sees or changes their notifications."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from gradepath.notifications.models import Notification

pytestmark = pytest.mark.django_db


def note(recipient, subject="Something happened", link="", minutes_ago=0):
    return Notification.objects.create(
        recipient=recipient, subject=subject, body="Details of what happened.", link=link,
        created_at=timezone.now() - dt.timedelta(minutes=minutes_ago),
    )


def test_notification_pages_send_an_anonymous_visitor_to_the_login_page(client, personas):
    mine = note(personas.staff_member)
    for method, url in [("get", reverse("notifications:list")),
                        ("post", reverse("notifications:read", args=[mine.pk])),
                        ("post", reverse("notifications:read-all"))]:
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login"))
    mine.refresh_from_db()
    assert mine.read_at is None


def test_list_shows_my_notifications_newest_first_and_marks_unread(login, personas):
    older = note(personas.staff_member, "Older news", minutes_ago=60)
    newer = note(personas.staff_member, "Newer news")
    note(personas.line_manager, "Not for Sam")
    response = login(personas.staff_member).get(reverse("notifications:list"))
    body = response.content.decode()
    assert list(response.context["page_obj"]) == [newer, older]
    assert "Not for Sam" not in body
    assert "2 unread." in body
    assert body.count(">Unread</span>") == 2


def test_navigation_shows_the_unread_count(login, personas):
    note(personas.staff_member)
    note(personas.staff_member)
    body = login(personas.staff_member).get(reverse("people:home")).content.decode()
    assert '2<span class="visually-hidden"> unread</span>' in body


def test_recipient_marks_one_notification_as_read(login, personas):
    mine = note(personas.staff_member)
    client = login(personas.staff_member)
    assert client.get(reverse("notifications:read", args=[mine.pk])).status_code == 405
    response = client.post(reverse("notifications:read", args=[mine.pk]))
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_marking_read_with_htmx_returns_the_updated_item(login, personas):
    mine = note(personas.staff_member, "Delegation news")
    response = login(personas.staff_member).post(reverse("notifications:read", args=[mine.pk]),
                                                 headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Delegation news" in body and ">Unread</span>" not in body and "<html" not in body
    # The unread counts in the page header and the navigation are swapped out of band.
    assert 'id="gp-unread-summary" hx-swap-oob="true">You have read them all.' in body
    assert 'id="gp-unread-badge" hx-swap-oob="true"></span>' in body


def test_a_strangers_notification_is_404_and_stays_unread(login, personas):
    theirs = note(personas.line_manager)
    response = login(personas.outsider).post(reverse("notifications:read", args=[theirs.pk]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_as_read_touches_only_my_notifications(login, personas):
    mine = [note(personas.staff_member), note(personas.staff_member)]
    theirs = note(personas.line_manager)
    response = login(personas.staff_member).post(reverse("notifications:read-all"), follow=True)
    assert "Marked 2 notifications as read." in response.content.decode()
    assert all(Notification.objects.get(pk=n.pk).read_at for n in mine)
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_open_marks_read_and_follows_the_link_inside_gradepath(login, personas):
    mine = note(personas.delegate, link=f"/people/delegations/{personas.delegation.pk}/")
    response = login(personas.delegate).post(reverse("notifications:read", args=[mine.pk]), {"open": "1"})
    assert response.status_code == 302
    assert response["Location"] == f"/people/delegations/{personas.delegation.pk}/"


def test_open_never_follows_a_link_to_another_site(login, personas):
    mine = note(personas.staff_member, link="//evil.example.com/")
    response = login(personas.staff_member).post(reverse("notifications:read", args=[mine.pk]), {"open": "1"})
    assert response["Location"] == reverse("notifications:list")


def test_a_login_without_a_staff_record_has_no_notifications(client, personas):
    from gradepath.testing.factories import UserFactory

    client.force_login(UserFactory(username="nobody"))
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 200
    assert "You have no notifications." in response.content.decode()
