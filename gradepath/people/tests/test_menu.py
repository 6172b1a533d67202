"""The main menu, built from what each app registers (core.registry): each persona sees its own."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db

PROGRESSION = "Progression: Appraisals, Accelerated increments, Secondments, Acting up and honoraria"
EVERYONE = ["My home", "Inbox", "Job descriptions", "JD library", "Grading", PROGRESSION, "People",
            "Organisation: Org structure, Delegations", "Notifications"]


def _label(html: str) -> str:
    return html.split("<span")[0].strip()  # without its badge (a count shown beside it)


def _menu(client) -> list[str]:
    """The menu's entries in order; a dropdown as "Name: its entries"."""
    body = client.get("/").content.decode()
    nav = body[body.index('<ul class="navbar-nav me-auto">'):]
    nav = nav[:nav.index('<div class="dropdown">')]
    found = []
    for item in re.findall(r'<li class="nav-item( dropdown)?">(.*?)</li>\s*(?=<li class="nav-item|</ul>\s*$)',
                           nav, re.S):
        dropdown, html = item
        top = _label(re.search(r'class="nav-link[^"]*"[^>]*>(.*?)</a>', html, re.S).group(1))
        if dropdown:
            children = [_label(c) for c in re.findall(r'class="dropdown-item[^"]*"[^>]*>(.*?)</a>', html, re.S)]
            top = f"{top}: {', '.join(children)}"
        found.append(top)
    return found


@pytest.mark.parametrize("persona", ["staff_member", "line_manager", "fm_hps", "delegate", "hod", "hrbp",
                                     "hr_services", "tc_lead", "outsider"])
def test_every_signed_in_person_sees_the_shared_entries_in_order(persona, personas, login):
    assert _menu(login(getattr(personas, persona))) == EVERYONE


def test_the_equality_data_viewer_also_sees_equality_data(personas, login):
    assert _menu(login(personas.equality_viewer)) == [
        *EVERYONE[:7], "Organisation: Org structure, Delegations, Equality data", "Notifications"]


def test_an_administrator_also_sees_admin(personas, login):
    assert _menu(login(personas.administrator)) == [*EVERYONE, "Admin"]


def test_the_page_shown_is_the_active_entry(personas, login):
    body = login(personas.staff_member).get("/people/delegations/").content.decode()
    assert re.search(r'dropdown-item active" aria-current="page" href="/people/delegations/">Delegations<', body)
    assert re.search(r'nav-link dropdown-toggle text-nowrap active" [^>]*>Organisation<', body)
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
