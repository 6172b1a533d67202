"""The menu in real Chromium at 1280 px: with every process's entry, counts beside Inbox and
Notifications and a long name, the page never scrolls sideways (issue 14 added four processes)."""

from __future__ import annotations

import pytest

from gradepath.notifications.services import notify
from gradepath.testing.browser import ARTIFACTS, BROWSER_MARKS, sign_in
from gradepath.testing.personas import PASSWORD

pytestmark = BROWSER_MARKS


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_long_name_and_counts_keep_the_menu_inside_1280_px(live_server, personas, browser_page):
    person = personas.administrator  # sees every entry, Admin too
    person.first_name, person.last_name = "Maximiliana-Alexandra", "Featherstonehaugh-Wolfeschlegel"
    person.save()
    for i in range(12):
        notify(recipient=person, subject=f"Message {i}", body="Hello", email=False)
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_server, person.user.username, PASSWORD)
    page.goto(live_server.url + "/")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "menu_long_name.png"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    assert page.get_by_role("button", name="Progression").is_visible()
    me = page.locator(".gp-me")
    assert me.get_attribute("title") == person.full_name  # the name cut short shows in full on hover
