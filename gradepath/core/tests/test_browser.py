"""The main journey in real Chromium: sign in through the login form and read My home."""

from __future__ import annotations

import pytest

from gradepath.testing.browser import ARTIFACTS, BROWSER_MARKS
from gradepath.testing.personas import PASSWORD

pytestmark = BROWSER_MARKS


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_staff_member_signs_in_and_sees_job_grade_and_manager(live_server, personas, browser_page):
    # Static files: gradepath/conftest.py switches to plain StaticFilesStorage, which
    # live_server serves through the staticfiles handler (no collectstatic needed).
    page = browser_page
    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url  # My home needs a login

    page.get_by_label("Username").fill(personas.staff_member.user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")

    assert page.get_by_role("heading", name="Hello, Sam").is_visible()
    assert page.get_by_test_id("job-title").inner_text() == "Research Technician"
    assert page.get_by_test_id("grade").inner_text() == "Grade 5"
    assert page.get_by_test_id("line-manager").inner_text() == "Lina Morgan"
    # Bootstrap's stylesheet loaded (the navbar is styled), and nothing broke the page.
    assert page.locator("nav.navbar").evaluate("el => getComputedStyle(el).display") == "flex"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "my_home.png"), full_page=True)
    assert page.problems == [], page.problems


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_wrong_password_is_refused_with_a_clear_message(live_server, personas, browser_page):
    page = browser_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(personas.staff_member.user.username)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").is_visible()
    assert "correct username and password" in page.get_by_role("alert").inner_text()
    assert "/accounts/login/" in page.url
    assert page.problems == [], page.problems


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_directory_search_updates_results_in_place(live_server, personas, browser_page):
    page = browser_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(personas.hrbp.user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")
    page.get_by_role("link", name="People", exact=True).click()
    page.wait_for_url(f"{live_server.url}/people/")
    assert page.locator("#person-results tbody tr").count() == len(personas.all())

    page.get_by_label("Search").fill("Patel")  # htmx asks for the results fragment as you type
    page.wait_for_url("**/people/?q=Patel*")
    rows = page.locator("#person-results tbody tr")
    rows.first.wait_for()
    assert rows.count() == 1
    assert "Research Technician" in rows.first.inner_text()
    assert page.locator("#gp-results-status").inner_text() == "1 person found."
    assert page.problems == [], page.problems
