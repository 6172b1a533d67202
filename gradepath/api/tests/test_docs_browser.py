"""The API documentation page renders in real Chromium under the Content-Security-Policy."""

import pytest

from gradepath.testing.browser import CHROMIUM, LAUNCH_ARGS

# serialized_rollback: the groups made by data migrations are back for the next test, and the
# flush after this test leaves the database as other serialized-rollback tests expect it.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.mark.skipif(CHROMIUM is None, reason="Debian Chromium is not installed")
def test_docs_page_renders_every_operation_with_no_csp_violation(live_server, personas, client):
    from playwright.sync_api import sync_playwright

    client.force_login(personas.staff_member.user)
    session_cookie = client.cookies["sessionid"].value
    problems: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            context = browser.new_context()
            context.add_cookies([{"name": "sessionid", "value": session_cookie, "url": live_server.url}])
            page = context.new_page()
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.goto(f"{live_server.url}/api/docs/")
            page.wait_for_selector(".opblock", timeout=15_000)
            assert page.locator(".opblock").count() >= 10
            op = page.locator("#operations-people-people_list")
            op.locator(".opblock-summary").click()
            op.locator(".try-out__btn").click()
            op.locator("button.execute").click()
            status = op.locator(".live-responses-table .response .response-col_status").first
            status.wait_for(timeout=10_000)
            assert status.inner_text().strip() == "200"
        finally:
            browser.close()
    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems
    assert not problems, problems
