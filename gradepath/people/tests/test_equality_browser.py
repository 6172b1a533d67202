"""The equality data viewer's journey in real Chromium: menu → search → record → purpose → data."""

from __future__ import annotations

import pytest

from gradepath.core.models import HistoryEntry
from gradepath.people.models import EqualityData
from gradepath.testing.browser import ARTIFACTS, BROWSER_MARKS, sign_in
from gradepath.testing.personas import PASSWORD

pytestmark = BROWSER_MARKS


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_viewer_finds_a_person_states_a_purpose_and_reads_the_record(live_server, personas, browser_page):
    EqualityData.objects.create(person=personas.staff_member, ethnicity="Mixed: White and Asian")
    page = browser_page
    sign_in(page, live_server, personas.equality_viewer.user.username, PASSWORD)

    page.get_by_role("button", name="Organisation").click()  # the menu's dropdown
    page.get_by_role("link", name="Equality data").click()
    page.get_by_label("Surname or staff number").fill("patel")
    page.get_by_label("Surname or staff number").press("Enter")
    page.get_by_role("link", name="Patel, Sam").click()

    assert page.get_by_role("heading", name="Equality-monitoring data of Sam Patel").is_visible()
    assert page.get_by_text("Mixed: White and Asian").count() == 0  # nothing before the purpose
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "equality_purpose.png"), full_page=True)
    page.get_by_label("Fairness check of a grading case").check()
    page.get_by_label("Reference or details").fill("GC-2026-0007")
    page.get_by_role("button", name="Read the record").click()

    assert page.get_by_text("Mixed: White and Asian").is_visible()
    page.screenshot(path=str(ARTIFACTS / "equality_record.png"), full_page=True)
    entry = HistoryEntry.objects.get(action="equality_data.viewed")
    assert entry.after == {"purpose": "grading_fairness", "purpose_detail": "GC-2026-0007"}
    assert page.problems == [], page.problems
