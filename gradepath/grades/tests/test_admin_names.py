"""What the admin site calls our models (issue 11, item 19: it said "Spine salarys")."""

from __future__ import annotations

import re

from django.apps import apps


def test_no_model_of_ours_has_a_misspelt_plural():
    misspelt = {model._meta.label: str(model._meta.verbose_name_plural) for model in apps.get_models()
                if model.__module__.startswith("gradepath.")
                and re.search(r"[^aeiou]ys$", str(model._meta.verbose_name_plural))}
    assert misspelt == {}


def test_the_admin_lists_spine_point_salaries(admin_client):
    page = admin_client.get("/admin/").content.decode()
    assert "Spine point salaries" in page
    assert "salarys" not in page.lower()
