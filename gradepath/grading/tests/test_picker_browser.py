"""In real Chromium: the appeal panel and the agreed JD are chosen by typing and with the keyboard
(issue 11, item 14). The pickers (Tom Select over our own search endpoints) load under the
Content-Security-Policy with no console error."""

from __future__ import annotations

import pytest

from gradepath.grading.models import GradingCase, Route
from gradepath.grading.tests.test_workflow_matrix import make_case
from gradepath.testing.browser import ARTIFACTS, BROWSER_MARKS, sign_in
from gradepath.testing.personas import PASSWORD

pytestmark = BROWSER_MARKS


def choose(page, label: str, typed: str, *, down: int = 0) -> None:
    """Type into the picker named ``label``, wait for the matches, move ``down`` and press Enter."""
    box = page.get_by_role("combobox", name=label)
    box.focus()  # as Tab does (a chosen value hides the text box until then)
    box.press_sequentially(typed, delay=40)
    page.locator(".ts-dropdown.single .option, .ts-dropdown.multi .option").first.wait_for()
    for _ in range(down):
        box.press("ArrowDown")
    box.press("Enter")


def submit(page, action: str) -> None:
    with page.expect_navigation():
        page.locator(f'[data-testid="action-{action}"]').get_by_role("button").last.click()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_hr_services_convene_a_panel_by_typing_and_the_keyboard(live_server, grading, browser_page):
    p, page = grading, browser_page
    case = make_case(p, Route.DIRECT, "appeal", initiator=p.staff_member)
    sign_in(page, live_server, p.hr_services.user.username, PASSWORD)
    page.goto(f"{live_server.url}/grading/{case.pk}/")
    status = page.locator(".gp-picker-status")

    # Someone involved in the case is not offered at all.
    box = page.get_by_role("combobox", name="Panel members")
    box.focus()  # as Tab does (a chosen value hides the text box until then)
    box.press_sequentially("morgan", delay=40)
    status.get_by_text("No people match").wait_for()
    box.fill("")

    choose(page, "Panel members", "chen")       # Tara Chen
    choose(page, "Panel members", "stra")       # Olly Stranger
    chosen = page.eval_on_selector("select[name='convene_panel-panel']",
                                   "s => Array.from(s.selectedOptions).map(o => Number(o.value))")
    assert chosen == [p.tc_lead.pk, p.outsider.pk]
    assert page.locator("select[name='convene_panel-panel'] option").count() == 2  # never a full list
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "grading_panel_picker.png"), full_page=True)
    submit(page, "convene_panel")
    case.refresh_from_db()
    assert case.state == "appeal_hearing"
    assert set(case.panel.values_list("person_id", flat=True)) == {p.tc_lead.pk, p.outsider.pk}
    assert page.problems == [], page.problems


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_hrbp_chooses_the_agreed_jd_by_typing_and_the_keyboard(live_server, grading, browser_page):
    p, page = grading, browser_page
    case = make_case(p, Route.DIRECT, "hrbp_review", initiator=p.staff_member)
    GradingCase.objects.filter(pk=case.pk).update(matched_agreed=None)
    sign_in(page, live_server, p.hrbp.user.username, PASSWORD)
    page.goto(f"{live_server.url}/grading/{case.pk}/")
    form = page.locator('[data-testid="action-confirm_by_match"]')
    assert "closest agreed job description found by matching" in form.inner_text()

    # By keyboard alone: Shift+Tab from the note reaches the picker; type, then Enter takes the first match.
    form.get_by_label("Note for the case record").focus()
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.getAttribute('role')") == "combobox"
    page.keyboard.type("senior tech", delay=40)
    page.locator(".ts-dropdown .option").first.wait_for()
    page.keyboard.press("Enter")
    selected = page.eval_on_selector("select[name='confirm_by_match-matched_agreed']", "s => s.value")
    assert selected == str(p.senior_agreed.pk)
    page.screenshot(path=str(ARTIFACTS / "grading_agreed_picker.png"), full_page=True)
    submit(page, "confirm_by_match")
    case.refresh_from_db()
    assert case.state == "fairness" and case.matched_agreed == p.senior_agreed
    assert page.problems == [], page.problems
