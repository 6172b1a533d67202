"""The demo persona switcher exists only in demo mode and only for the listed demo logins."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from gradepath.demo import views as demo_views
from gradepath.demo.logins import DEMO_LOGINS
from gradepath.testing.factories import PersonFactory, UserFactory
from gradepath.testing.urls import reload_urls

pytestmark = pytest.mark.django_db

SWITCH = "/demo/switch/"


@pytest.fixture
def demo_users(db):
    users = {}
    for demo in DEMO_LOGINS[:3]:
        user = UserFactory(username=demo.username)
        PersonFactory(user=user, first_name=demo.username.title(), last_name="Demo")
        users[demo.username] = user
    return users


def test_switch_url_does_not_exist_outside_demo_mode(client, demo_users, settings):
    settings.DEMO_MODE = False
    reload_urls()
    response = client.post(SWITCH, {"username": "staff"})
    assert response.status_code == 404
    assert "_auth_user_id" not in client.session


def test_switch_view_refuses_outside_demo_mode_even_if_called_directly(demo_users, settings):
    settings.DEMO_MODE = False
    request = RequestFactory().post(SWITCH, {"username": "staff"})
    with pytest.raises(demo_views.Http404):
        demo_views.switch_persona(request)


def test_switch_signs_in_a_listed_demo_login_with_a_fresh_session(client, demo_users, demo_mode):
    assert reverse("demo:switch") == SWITCH
    client.force_login(demo_users["manager"])
    old_key = client.session.session_key
    response = client.post(SWITCH, {"username": "staff"})
    assert response.status_code == 302
    assert response["Location"] == reverse("people:home")
    assert client.session["_auth_user_id"] == str(demo_users["staff"].pk)
    assert client.session.session_key != old_key


def test_switch_works_from_the_login_page_without_being_signed_in(client, demo_users, demo_mode):
    body = client.get(reverse("login")).content.decode()
    assert "Sign in as staff" in body and "gradepath-demo" in body
    response = client.post(SWITCH, {"username": "manager"})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(demo_users["manager"].pk)


def test_switch_refuses_usernames_that_are_not_demo_logins(client, demo_users, demo_mode):
    UserFactory(username="sam.patel", is_superuser=True)
    response = client.post(SWITCH, {"username": "sam.patel"}, follow=True)
    assert "_auth_user_id" not in client.session
    assert "Choose one of the demo logins" in response.content.decode()


def test_switch_says_so_when_the_demo_data_is_missing(client, db, demo_mode):
    response = client.post(SWITCH, {"username": "hrbp"}, follow=True)
    assert "_auth_user_id" not in client.session
    assert "does not exist yet" in response.content.decode()


def test_switch_refuses_get(client, demo_users, demo_mode):
    assert client.get(SWITCH, {"username": "staff"}).status_code == 405
    assert "_auth_user_id" not in client.session


def test_switch_needs_the_csrf_token(demo_users, demo_mode):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(SWITCH, {"username": "staff"})
    assert response.status_code == 403
    assert "_auth_user_id" not in strict.session


def test_navbar_offers_the_persona_switcher_only_in_demo_mode(client, demo_users, settings):
    client.force_login(demo_users["staff"])
    assert "Switch persona" not in client.get(reverse("people:home")).content.decode()
    settings.DEMO_MODE = True
    reload_urls()
    try:
        body = client.get(reverse("people:home")).content.decode()
        assert "Switch persona" in body and "made-up people and data, nothing here is real" in body
    finally:
        settings.DEMO_MODE = False
        reload_urls()


def test_pages_still_render_when_demo_mode_is_on_but_the_switch_url_is_not_loaded(client, demo_users, settings):
    settings.DEMO_MODE = True  # URL map not rebuilt: /demo/ is absent
    assert "Demo logins" not in client.get(reverse("login")).content.decode()
    client.force_login(demo_users["staff"])
    body = client.get(reverse("people:home")).content.decode()
    assert "made-up people and data, nothing here is real" in body
    assert 'id="gp-persona"' not in body
