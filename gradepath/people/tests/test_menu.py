"""The main menu, built from what each app registers (core.registry): each persona sees its own."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db

EVERYONE = ["My home", "Inbox", "Job descriptions", "JD library", "Grading", "People", "Org structure", "Delegations",
            "Notifications"]


def _menu(client) -> list[str]:
    body = client.get("/").content.decode()
    nav = body[body.index('<ul class="navbar-nav me-auto">'):]
    nav = nav[:nav.index("</ul>")]
    # Each label without its badge (a count shown beside it).
    return [label.split("<span")[0].strip()
            for label in re.findall(r'class="nav-link[^"]*"[^>]*>(.*?)</a>', nav, re.S)]


@pytest.mark.parametrize("persona", ["staff_member", "line_manager", "fm_hps", "delegate", "hod", "hrbp",
                                     "hr_services", "tc_lead", "outsider"])
def test_every_signed_in_person_sees_the_shared_entries_in_order(persona, personas, login):
    assert _menu(login(getattr(personas, persona))) == EVERYONE


def test_the_equality_data_viewer_also_sees_equality_data(personas, login):
    assert _menu(login(personas.equality_viewer)) == [*EVERYONE[:8], "Equality data", "Notifications"]


def test_an_administrator_also_sees_admin(personas, login):
    assert _menu(login(personas.administrator)) == [*EVERYONE, "Admin"]


def test_the_page_shown_is_the_active_entry(personas, login):
    body = login(personas.staff_member).get("/people/delegations/").content.decode()
    assert re.search(r'nav-link text-nowrap active" aria-current="page" href="/people/delegations/">Delegations<',
                     body)
    assert 'active" aria-current="page" href="/people/">' not in body


def test_the_unread_count_shows_beside_notifications(personas, login):
    from gradepath.notifications.services import notify

    notify(recipient=personas.staff_member, subject="Hello", body="Hi", email=False)
    body = login(personas.staff_member).get("/").content.decode()
    assert re.search(r'href="/notifications/">Notifications <span id="gp-unread-badge"><span class="badge[^>]*>1<',
                     body)


def test_nobody_signed_in_sees_no_menu(client):
    body = client.get("/accounts/login/").content.decode()
    assert "navbar-nav me-auto" not in body
