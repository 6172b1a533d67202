"""The career record in real Chromium at 1280 px: the chart is drawn from the data island (no console
error, no CSP violation), the page is no wider than the window, and the person page leads to it."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path

import pytest

from gradepath.career.tests.conftest import add_appointments, add_closed_cases
from gradepath.grades.models import Grade, PayRecord
from gradepath.testing.browser import ARTIFACTS, BROWSER_MARKS, sign_in
from gradepath.testing.personas import PASSWORD

pytestmark = BROWSER_MARKS
WIDTH = 1280
SCREENSHOT = Path(tempfile.gettempdir()) / "career.png"  # to look at; a copy goes with the test artifacts
WIDEST_IN_MAIN = ("Math.max(...[...document.querySelectorAll('main, main *')]"
                  ".map(e => Math.ceil(e.getBoundingClientRect().right)))")


def a_career(p) -> None:
    """Sam's pay over the years: increments, a regrade to Grade 6, a coming increment; a secondment and an
    acting up; a few grading cases."""
    grade5, grade6 = Grade.objects.get(number=5), Grade.objects.get(number=6)
    lines = [(grade5, 18, dt.date(2022, 9, 1), "annual_increment"), (grade5, 19, dt.date(2023, 9, 1), "annual_increment"),
             (grade6, 23, dt.date(2024, 4, 1), "regrade"), (grade6, 24, dt.date(2025, 4, 1), "annual_increment"),
             (grade6, 25, dt.date.today() + dt.timedelta(days=120), "annual_increment")]
    for grade, point, start, reason in lines:
        PayRecord.objects.create(person=p.staff_member, grade=grade, spine_point=point, effective_from=start,
                                 reason=reason, post=p.staff_post)
    add_appointments(p, 2)
    add_closed_cases(p, 2)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_chart_is_drawn_and_the_page_fits_1280_pixels(live_server, career, browser_page):
    p, page = career, browser_page
    a_career(p)
    sign_in(page, live_server, p.line_manager.user.username, PASSWORD)
    page.goto(f"{live_server.url}/people/{p.staff_member.pk}/")
    page.get_by_role("link", name="Open the career record of Sam Patel").click()
    page.wait_for_url(f"**/career/{p.staff_member.pk}/")
    canvas = page.locator("canvas#career-chart")
    canvas.wait_for()
    page.wait_for_function("document.getElementById('career-chart').dataset.drawn === '8'")
    box = canvas.bounding_box()
    assert box is not None and box["width"] > 600 and box["height"] > 150
    # Something was painted on the canvas (not a blank bitmap).
    painted = page.evaluate("""() => {
        const c = document.getElementById('career-chart');
        const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let inked = 0;
        for (let i = 3; i < data.length; i += 4) { if (data[i] > 0) inked++; }
        return inked;
    }""")
    assert painted > 1000
    # The tooltip of a point (its callbacks read the data island): hovering raises no error.
    canvas.hover(position={"x": box["width"] * 0.6, "y": box["height"] * 0.5})
    page.wait_for_timeout(200)
    assert page.locator('[data-testid="pay-line"]').count() == 8
    assert page.locator('[data-testid="career-entry"]').count() == 3
    # The page's own content is no wider than the window: no element of <main> reaches past 1280 px and
    # nothing in it scrolls sideways (the menu above it is the base layout's).
    assert page.evaluate(WIDEST_IN_MAIN) <= WIDTH
    assert page.evaluate("(() => { const m = document.querySelector('main'); return m.scrollWidth <= m.clientWidth; })()")
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copyfile(SCREENSHOT, ARTIFACTS / "career_record.png")
    assert page.problems == [], page.problems
