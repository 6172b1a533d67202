"""HR Services find the payroll change export where they work: the grading case list and the
grading panel of My home link to it; nobody else is offered it (issue 11, item 11)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def form_action_and_fields(body: str) -> tuple[str, dict[str, str]]:
    form = re.search(r'<section[^>]*data-testid="payroll-export".*?</section>', body, re.S).group(0)
    action = re.search(r'<form method="get" action="([^"]+)"', form).group(1)
    fields = dict(re.findall(r'name="(start|end)" value="([^"]*)"', form))
    return action, fields


def test_hr_services_download_the_payroll_changes_from_the_case_list(grading, login):
    client = login(grading.hr_services)
    action, fields = form_action_and_fields(client.get(reverse("grading:case-list")).content.decode())
    assert action == reverse("grading:payroll-export")
    assert set(fields) == {"start", "end"} and all(fields.values())  # this month, filled in
    response = client.get(action, fields)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")


def test_my_home_links_hr_services_to_the_payroll_changes(grading, login):
    body = login(grading.hr_services).get(reverse("people:home")).content.decode()
    link = re.search(r'<a href="([^"]+)" data-testid="payroll-link">', body).group(1)
    assert link.startswith(reverse("grading:case-list"))


@pytest.mark.parametrize("persona", ["staff_member", "line_manager", "hrbp"])
def test_nobody_else_is_offered_the_payroll_export(grading, login, persona):
    client = login(getattr(grading, persona))
    for page in (reverse("grading:case-list"), reverse("people:home")):
        body = client.get(page).content.decode()
        assert reverse("grading:payroll-export") not in body and "payroll-link" not in body
