"""The contribution points on the grades and pay page are readable (issue 11, item 12)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from gradepath.core.tests.test_template_classes import BOOTSTRAP_CSS, defined_classes

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(not BOOTSTRAP_CSS.exists(), reason="Bootstrap is not installed (run scripts/setup).")
def test_the_contribution_points_use_classes_bootstrap_defines(personas, login):
    page = login(personas.staff_member).get(reverse("grades:structure"), {"on": "2025-09-01"}).content.decode()
    badges = re.findall(r'<span class="([^"]*)"[^>]*data-testid="contribution-point"', page)
    assert badges, "the page shows contribution points"
    classes = set(" ".join(badges).split())
    assert {"bg-warning-subtle", "text-warning-emphasis"} <= classes  # dark text on a pale background
    assert classes <= defined_classes()
