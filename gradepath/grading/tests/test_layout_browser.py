"""Layout at 1280 px in real Chromium (issue 11, item 16): no page wider than the window (the JD
editor's save conflict, a person page whose timeline names a long delegate capacity, the case page);
a case page whose fairness list is long stays short; links on tinted rows keep 4.5:1."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import transaction
from django.utils import timezone

from gradepath.core.history import record_history
from gradepath.grades.models import Grade, PayRecord
from gradepath.grading import services
from gradepath.grading.models import CaseTask, Route
from gradepath.grading.tests.test_workflow_matrix import make_case
from gradepath.jobs import services as jd_services
from gradepath.testing.browser import ARTIFACTS, BROWSER_MARKS, sign_in
from gradepath.testing.factories import AppointmentFactory, PersonFactory, PostFactory
from gradepath.testing.personas import PASSWORD

pytestmark = BROWSER_MARKS
WIDTH = 1280
LONG_CAPACITY = ("delegate of Clodagh Nolan (FM/HPS of Department of Neuroscience, Physiology and Pharmacology, "
                 "Faculty of Brain Sciences)")


def scroll_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def scroll_height(page) -> int:
    return page.evaluate("document.documentElement.scrollHeight")


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"layout_{name}.png"), full_page=True)


def luminance(rgb: str) -> float:
    channels = [int(c) / 255 for c in re.findall(r"\d+", rgb)[:3]]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(page, link_selector: str) -> float:
    """The contrast of a link with the background of its table cell."""
    colours = page.locator(link_selector).first.evaluate(
        "a => [getComputedStyle(a).color, getComputedStyle(a.closest('td, th')).backgroundColor]")
    lighter, darker = sorted((luminance(c) for c in colours), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def add_holders(p, count: int, *, paid_at: int | None = None) -> None:
    """``count`` more holders of the staff member's JD version (the case's baseline) in Biosciences."""
    for n in range(count):
        post = PostFactory(org_unit=p.department, title="Research Technician", grade=Grade.objects.get(number=5),
                           jd_version=p.staff_post.jd_version)
        person = PersonFactory(last_name=f"Holder{n:03d}")
        AppointmentFactory(person=person, post=post, start_date=dt.date(2022, 9, 1))
        if paid_at is not None:
            PayRecord.objects.create(person=person, grade=Grade.objects.get(number=paid_at), spine_point=22,
                                     effective_from=dt.date(2022, 9, 1), reason=PayRecord.Reason.APPOINTMENT,
                                     post=post)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_case_page_stays_short_and_narrow_with_a_long_fairness_list(live_server, grading, browser_page):
    p, page = grading, browser_page
    case = make_case(p, Route.DIRECT, "fairness", initiator=p.staff_member)
    add_holders(p, 1, paid_at=6)  # acting up: paid at another grade than the post's
    add_holders(p, 9)
    sign_in(page, live_server, p.hrbp.user.username, PASSWORD)
    url = f"{live_server.url}/grading/{case.pk}/"
    page.goto(url)
    short = scroll_height(page)
    add_holders(p, 60)
    page.goto(url)
    assert "70 other holders of this version" in page.locator('[data-testid="fairness-lookup"] > summary').inner_text()
    assert scroll_height(page) - short < 100  # the holders are on demand, not on the page (nor their posts)
    assert scroll_width(page) <= WIDTH
    shot(page, "case_fairness_folded")
    # Opened, the group lists the first 25 (issue 13: a page reads the rows it shows) and says how many
    # more; "show every holder" lists them all. The acting-up holder's link is readable on its tint.
    group = page.locator('[data-testid="fairness-group"]').first
    group.locator("summary").click()
    assert group.locator("tbody tr").count() == 25
    assert "and 45 more" in group.get_by_test_id("fairness-more").inner_text()
    assert contrast(page, '[data-testid="fairness-group"] tr.table-warning a') >= 4.5
    assert scroll_width(page) <= WIDTH
    shot(page, "case_fairness_opened")
    group.get_by_role("link", name="show every holder").click()
    page.wait_for_url("**holders=all**")
    group = page.locator('[data-testid="fairness-group"]').first
    if not group.locator("tbody tr").first.is_visible():
        group.locator("summary").click()
    assert group.locator("tbody tr").count() == 70
    assert page.problems == [], page.problems


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_waiting_staff_member_sees_what_happens_next_before_withdrawing(live_server, grading, browser_page):
    p, page = grading, browser_page
    case = services.start_direct_route_case(actor=p.staff_member.user, subject=p.staff_member)
    sign_in(page, live_server, p.staff_member.user.username, PASSWORD)
    page.goto(f"{live_server.url}/grading/{case.pk}/")
    assert "Nothing is needed from you at the moment." in page.get_by_test_id("case-now").inner_text()
    withdraw = page.get_by_role("button", name="Withdraw the case")
    assert not withdraw.is_visible()  # folded below what happens next
    page.get_by_test_id("later-withdraw").locator("summary").click()
    assert withdraw.is_visible()
    assert scroll_width(page) <= WIDTH
    shot(page, "case_staff_waiting")
    assert page.problems == [], page.problems


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_overdue_case_links_are_readable(live_server, grading, browser_page):
    p, page = grading, browser_page
    case = services.start_direct_route_case(actor=p.staff_member.user, subject=p.staff_member)
    CaseTask.objects.filter(case=case).update(due_date=timezone.localdate() - dt.timedelta(days=3))
    sign_in(page, live_server, p.line_manager.user.username, PASSWORD)
    page.goto(f"{live_server.url}/grading/")
    assert contrast(page, "tr.gp-overdue a") >= 4.5
    assert scroll_width(page) <= WIDTH
    assert page.problems == [], page.problems


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_person_page_with_a_long_delegate_capacity_fits(live_server, grading, browser_page):
    p, page = grading, browser_page
    with transaction.atomic():
        for n in range(3):
            record_history(actor=p.delegate.user, action="test.acted", obj=p.staff_member, person_id=p.staff_member.pk,
                           summary=f"Agreed that the duties have changed significantly ({n}).", capacity=LONG_CAPACITY)
    sign_in(page, live_server, p.hr_services.user.username, PASSWORD)
    page.goto(f"{live_server.url}/people/{p.staff_member.pk}/")
    page.get_by_text(LONG_CAPACITY).first.wait_for()
    assert scroll_width(page) <= WIDTH
    shot(page, "person_long_capacity")
    assert page.problems == [], page.problems


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_editors_save_conflict_fits_the_page(live_server, grading, browser_page):
    p, page = grading, browser_page
    case = services.start_direct_route_case(actor=p.staff_member.user, subject=p.staff_member)
    draft = case.proposed_version
    sign_in(page, live_server, p.staff_member.user.username, PASSWORD)
    page.goto(f"{live_server.url}/jobs/versions/{draft.pk}/edit/")
    # Meanwhile the line manager saves the purpose, with a long unbroken line.
    theirs = "To provide technical support " + "-".join(["laboratory"] * 40) + " for the research groups."
    jd_services.save_draft(actor=p.line_manager.user, version=draft, base_revision=draft.revision,
                           changes={"purpose": theirs})
    purpose = page.get_by_role("textbox", name="Purpose of the job")
    purpose.fill("To provide technical support to the research groups, and to train new staff.")
    page.locator("#section-purpose").get_by_role("button", name="Save").click()
    page.locator("#status-purpose .gp-conflict").wait_for(timeout=10_000)
    assert scroll_width(page) <= WIDTH
    shot(page, "editor_conflict")
    # The save answered 409 (the conflict, shown above); nothing else went wrong.
    assert all("409" in problem for problem in page.problems), page.problems
