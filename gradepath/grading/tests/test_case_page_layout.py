"""What the case page puts first (issue 11, item 16, and the version link): each person is told what
is happening and what they can do; withdrawing is a collapsed, secondary action; the fairness panel
shows counts first and holders on demand; the JD version is linked only for those who may open it."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from gradepath.grading import services
from gradepath.grading.models import AppealPanelMember, Route
from gradepath.grading.tests.test_workflow_matrix import make_case

pytestmark = pytest.mark.django_db


def page(client, case) -> str:
    response = client.get(reverse("grading:case-detail", args=[case.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_staff_member_who_is_only_waiting_is_told_so_and_withdrawing_is_collapsed(grading, login):
    case = services.start_direct_route_case(actor=grading.staff_member.user, subject=grading.staff_member)
    html = page(login(grading.staff_member), case)
    now = html.index('data-testid="case-now"')
    assert "Nothing is needed from you at the moment." in html
    assert "Lina Morgan" in html[now:html.index("</section>", now)]  # who acts next
    later = re.search(r'<details class="gp-later-action[^"]*" data-testid="later-withdraw">\s*<summary>Withdraw the case'
                      r'</summary>', html)
    assert later is not None and later.start() > now
    assert 'data-testid="later-withdraw" open' not in html
    assert "What you can do" not in html  # nothing else for them to do


def test_someone_with_a_step_to_take_is_told_so_first(grading, login):
    case = services.start_direct_route_case(actor=grading.staff_member.user, subject=grading.staff_member)
    html = page(login(grading.line_manager), case)
    assert "You can act on this case now" in html
    assert html.index('data-testid="case-now"') < html.index('data-testid="action-record_discussion"')


def test_a_refused_withdrawal_comes_back_open_with_its_message(grading, login):
    case = services.start_direct_route_case(actor=grading.staff_member.user, subject=grading.staff_member)
    client = login(grading.staff_member)
    response = client.post(reverse("grading:case-act", args=[case.pk, "withdraw"]),
                           {"withdraw-step": case.step, "withdraw-idempotency_key": "5c2b0e1a-1d7e-4b53-9f7a-0c6d1c0e9a11",
                            "withdraw-reason": ""})
    assert response.status_code == 400
    assert 'data-testid="later-withdraw" open' in response.content.decode()


def test_the_fairness_panel_shows_counts_and_keeps_the_holders_folded(grading, login):
    case = make_case(grading, Route.DIRECT, "fairness", initiator=grading.staff_member)
    html = page(login(grading.hrbp), case)
    panel = html[html.index('id="fairness"'):]
    panel = panel[:panel.index("</section>")]
    assert '<details class="gp-fairness" open' in panel  # at the fairness step it is open …
    groups = re.findall(r'<details data-testid="fairness-group"( open)?>', panel)
    assert groups and not any(groups)  # … with each group's holders folded
    assert "Other holders of this version: " in panel
    assert html.index('id="fairness"') < html.index('id="jd-heading"')  # before the JD at this step


def test_the_version_link_is_shown_only_to_those_who_may_open_the_version(grading, login):
    p = grading
    case = make_case(p, Route.DIRECT, "appeal_hearing", initiator=p.staff_member)
    AppealPanelMember.objects.create(case=case, person=p.tc_lead)
    version_url = reverse("jobs:version-detail", args=[case.proposed_version_id])
    panel_member = login(p.tc_lead)
    html = page(panel_member, case)
    assert 'data-testid="open-version"' not in html and version_url not in html
    assert 'data-testid="redline"' in html  # the changes are still on the case page
    assert panel_member.get(version_url).status_code == 404
    staff = login(p.staff_member)
    assert version_url in page(staff, case) and staff.get(version_url).status_code == 200
