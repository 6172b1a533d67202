"""In real Chromium: the staff member applies directly to the Dean on the page; the Dean asks for comments and
the HoD gives theirs; the request page shows the criteria, the review warning and the cost, with no CSP
problem."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from gradepath.progression.models import ProgressionRequest
from gradepath.testing.browser import ARTIFACTS, BROWSER_MARKS, sign_in
from gradepath.testing.personas import PASSWORD

pytestmark = BROWSER_MARKS


def test_a_direct_application_on_the_page_reaches_the_dean_and_the_hods_comments(aip, live_server, browser_page):
    page = browser_page
    sign_in(page, live_server, aip.staff_member.user.username, PASSWORD)
    page.goto(f"{live_server.url}/progression/apply/direct/")
    end = timezone.localdate() - dt.timedelta(days=7)
    form = page.locator('[data-testid="apply-form"]')
    form.get_by_label("Outstanding performance from").fill((end - dt.timedelta(days=270)).isoformat())
    form.get_by_label("Outstanding performance to").fill(end.isoformat())
    form.get_by_label("The outstanding performance sustained over the period").fill("Ran the service alone.")
    form.get_by_label("Stretching objectives met").fill("Turnaround halved.")
    with page.expect_navigation():
        form.get_by_role("button", name="Apply").click()
    obj = ProgressionRequest.objects.get()
    assert page.locator('[data-testid="request-state"]').inner_text().startswith("With the Dean")
    page.context.clear_cookies()
    sign_in(page, live_server, aip.dean.user.username, PASSWORD)
    page.goto(f"{live_server.url}/progression/{obj.pk}/")
    with page.expect_navigation():
        page.locator('[data-testid="action-ask_for_comments"]').get_by_role("button").click()
    page.context.clear_cookies()
    sign_in(page, live_server, aip.hod.user.username, PASSWORD)
    page.goto(f"{live_server.url}/progression/{obj.pk}/")
    form = page.locator('[data-testid="action-give_comments"]')
    form.get_by_label("Your written comments").fill("I did not support it: the work was shared.")
    with page.expect_navigation():
        form.get_by_role("button").click()
    assert "the work was shared" in page.locator('[data-testid="hod-comments"]').inner_text()
    assert page.locator('[data-testid="cost"]').inner_text().count("£") >= 1
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "progression-request.png"), full_page=True)
    assert page.problems == []
