"""In real Chromium: a Direct Route from the staff member's proposal to the HRBP's decision,
each person signing in in turn and acting through the case page's own forms."""

from __future__ import annotations

import pytest

from gradepath.grading import workflow
from gradepath.grading.models import GradingCase
from gradepath.testing.browser import ARTIFACTS, BROWSER_MARKS, sign_in
from gradepath.testing.personas import PASSWORD

pytestmark = BROWSER_MARKS


def sign_out(page, live_server) -> None:
    """Sign out through the menu, as a person would."""
    page.locator("header .dropdown > button").click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{live_server.url}/accounts/login/**")


def as_person(page, live_server, person, case=None) -> None:
    """Sign the current person out (if any), sign ``person`` in and open the case page."""
    if page.locator("header .dropdown > button").count():
        sign_out(page, live_server)
    sign_in(page, live_server, person.user.username, PASSWORD)
    if case is not None:
        page.goto(f"{live_server.url}/grading/{case.pk}/")


def action(page, name: str):
    return page.locator(f'[data-testid="action-{name}"]')


def take(page, name: str, *, fill: dict | None = None, select: dict | None = None, pick: dict | None = None,
         check: str = "") -> None:
    """Fill in one action's form on the case page and submit it; wait for the confirmation. ``pick``
    types into a search picker (label: words) and takes the first match with Enter."""
    form = action(page, name)
    form.wait_for()
    for label, value in (fill or {}).items():
        form.get_by_label(label, exact=False).fill(value)
    for label, value in (select or {}).items():
        form.get_by_label(label, exact=False).select_option(value)
    for label, words in (pick or {}).items():
        box = form.get_by_role("combobox", name=label)
        box.focus()  # as Tab does (a chosen value hides the text box until then)
        box.press_sequentially(words, delay=30)
        page.locator(".ts-dropdown .option").first.wait_for()
        box.press("Enter")
    if check:
        form.get_by_label(check, exact=True).check()
    submit(page, name)


def submit(page, name: str) -> None:
    """Submit one action's form and wait for the page that confirms that very action."""
    with page.expect_navigation():
        action(page, name).get_by_role("button").last.click()
    done = workflow.SENTENCES[name][0]  # what the person who acted is told, in their words
    page.locator(".alert-success").get_by_text(done).wait_for()


def state(page) -> str:
    return page.locator('[data-testid="case-state"]').inner_text()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"grading_{name}.png"), full_page=True)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_direct_route_from_the_staff_members_proposal_to_the_hrbp_decision(live_server, grading, browser_page):
    p = grading
    page = browser_page

    # The staff member starts a Direct Route request from My home.
    as_person(page, live_server, p.staff_member)
    page.get_by_role("link", name="Start a Direct Route request").click()
    page.get_by_role("button", name="Start a Direct Route request for my job").click()
    page.locator(".alert-success").get_by_text("Started GC-").wait_for()
    case = GradingCase.objects.get()
    assert state(page) == "Discussion to be recorded"
    assert action(page, "record_discussion").count() == 0  # the line manager's step, not theirs

    # The line manager records the discussion they had earlier.
    as_person(page, live_server, p.line_manager)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Grading", exact=True).click()
    page.get_by_role("link", name=case.reference).first.click()
    take(page, "record_discussion", fill={"Notes of the discussion": "Met Sam on 3 March to discuss the new duties."})
    assert state(page) == "Staff member proposing JD changes"

    # The staff member edits the draft JD in the editor, then submits it with a recommended grade.
    as_person(page, live_server, p.staff_member, case)
    page.get_by_role("link", name="Edit the proposed job description").click()
    page.wait_for_url("**/edit/")
    page.locator("#duties-text").fill("Supervise two technicians.\nPrepare reagents and solutions.\n"
                                      "Manage the equipment budget.")
    page.locator("#section-duties").get_by_role("button", name="Save").click()
    page.locator("#status-duties").get_by_text("Saved at").wait_for(timeout=10_000)
    page.goto(f"{live_server.url}/grading/{case.pk}/")
    inserted = page.locator('[data-testid="redline"] ins.redline-ins').all_inner_texts()
    assert any("Supervise two technicians" in text for text in inserted), inserted  # tracked changes
    take(page, "submit_proposal", select={"Recommended grade": "6"},
         pick={"Agreed job description it matches": "senior research"})
    assert state(page) == "Line manager reviewing the proposed JD"
    shot(page, "direct_manager_review")

    # The line manager confirms the JD and submits it to the FM/HPS.
    as_person(page, live_server, p.line_manager, case)
    take(page, "confirm_jd")
    take(page, "submit_to_fm")
    assert state(page) == "FM/HPS helping to agree the grade"

    # The FM/HPS's delegate records that no agreement was reached.
    as_person(page, live_server, p.delegate, case)
    assert "delegate of Fiona Marsh" in action(page, "record_no_agreement").inner_text()
    take(page, "record_no_agreement", fill={"Reason": "The line manager and the staff member still disagree."})
    assert state(page) == "Staff member may submit directly to the HRBP"

    # The staff member submits directly to the HRBP.
    as_person(page, live_server, p.staff_member, case)
    take(page, "submit_to_hrbp")
    assert state(page) == "HRBP grade check"

    # The HRBP confirms the grade by match, records the fairness assessment, discusses the new
    # grade with the line manager and decides.
    as_person(page, live_server, p.hrbp, case)
    take(page, "confirm_by_match", pick={"Agreed job description it matches": "senior research"})
    assert state(page) == "HRBP fairness check"
    form = action(page, "record_fairness")
    form.get_by_label("No", exact=True).check()
    form.get_by_label("Fairness assessment", exact=False).fill("No other holder of this job description.")
    submit(page, "record_fairness")
    assert state(page) == "HRBP to discuss the new grade with the line manager"
    take(page, "record_manager_discussion",
         fill={"Notes of the discussion with the line manager": "Discussed grade 6 with Lina on 2 May."})
    take(page, "decide", select={"Outcome": "higher_grade", "Grade decided": "6"})
    assert state(page) == "HR Services processing"
    assert "Higher grade: Grade 6" in page.locator('[data-testid="decision"]').inner_text()
    shot(page, "direct_decided")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Grading", exact=True).click()
    page.get_by_role("heading", name="Cases I can see").wait_for()
    assert page.get_by_role("link", name=case.reference).count() == 1
    shot(page, "case_list_hrbp")

    case.refresh_from_db()
    assert case.state == "hr_processing" and case.decided_grade.number == 6 and case.matched_agreed == p.senior_agreed
    assert case.events.count() == case.step == 10
    assert page.problems == [], page.problems
