"""In real Chromium: edit a draft (autosave), then compare versions and see the tracked changes."""

from __future__ import annotations

import pytest

from gradepath.jobs import services
from gradepath.testing.browser import ARTIFACTS, BROWSER_MARKS, sign_in
from gradepath.testing.factories import JobFamilyFactory
from gradepath.testing.personas import PASSWORD

pytestmark = BROWSER_MARKS


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_manager_edits_a_draft_and_sees_insertions_and_deletions(live_server, personas, browser_page):
    manager = personas.line_manager
    v1 = services.create_job_description(
        actor=manager.user, org_unit=personas.department, job_family=JobFamilyFactory(),
        staff_category="technical", job_title="Research Technician", area="Laboratory operations",
        purpose="To provide technical support to the research groups.",
        duties=["Prepare reagents and solutions.", "Maintain laboratory equipment.", "Order stock."],
    )
    services.submit_version(actor=manager.user, version=v1)
    page = browser_page
    sign_in(page, live_server, manager.user.username, PASSWORD)

    page.goto(f"{live_server.url}/jobs/versions/{v1.pk}/")
    page.get_by_role("button", name="Start a new draft from this version").click()
    page.wait_for_url("**/edit/")

    purpose = page.get_by_role("textbox", name="Purpose of the job")
    purpose.fill("To lead technical support for the research groups and train new staff.")
    page.locator("#status-purpose").get_by_text("Saved at").wait_for(timeout=10_000)  # autosaved

    duties = page.locator("#duties-text")
    duties.fill("Order stock.\nPrepare reagents and solutions.\nTrain students in safe laboratory practice.")
    page.locator("#section-duties").get_by_role("button", name="Save").click()
    page.locator("#status-duties").get_by_text("Saved at").wait_for(timeout=10_000)

    page.goto(f"{live_server.url}/jobs/{v1.jd.pk}/compare/?old=1&new=2")
    inserted = page.locator("ins.redline-ins").all_inner_texts()
    deleted = page.locator("del.redline-del").all_inner_texts()
    assert any("lead" in text for text in inserted), inserted
    assert any("provide" in text for text in deleted), deleted
    assert any("Train students" in text for text in inserted), inserted
    assert page.locator(".redline-item--moved").count() >= 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "jd_compare.png"), full_page=True)
    assert page.problems == [], page.problems
