"""The registry through which a higher layer contributes to a page a lower layer owns."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from gradepath.core import registry
from gradepath.core.registry import MenuEntry, Panel


@pytest.fixture
def slot():
    """A slot of this test's own, emptied after it."""
    name = "test-slot"
    yield name
    registry._slots.pop(name, None)


def test_registering_the_same_key_twice_keeps_one_entry(slot):
    registry.register(slot, MenuEntry("a", "First", "people:home", 10, "/"))
    registry.register(slot, MenuEntry("a", "First again", "people:home", 10, "/"))
    assert [e.label for e in registry.contributions(slot)] == ["First again"]


def test_contributions_come_in_their_order_whatever_the_order_of_registration(slot):
    registry.register(slot, MenuEntry("late", "Late", "people:home", 90, "/"))
    registry.register(slot, MenuEntry("early", "Early", "people:home", 10, "/"))
    registry.register(slot, MenuEntry("middle", "Middle", "people:home", 50, "/"))
    assert [e.key for e in registry.contributions(slot)] == ["early", "middle", "late"]


def test_an_empty_slot_has_no_contributions():
    assert registry.contributions("nobody-registered-here") == []


def test_reloading_the_apps_leaves_the_menu_as_it_was():
    from django.apps import apps

    def menu():
        return [(e.key, e.label, e.url_name, e.order) for e in registry.contributions("menu")]

    before = menu()
    for config in apps.get_app_configs():
        config.ready()
    assert menu() == before
    assert len({key for key, *_ in before}) == len(before)


def _panel_context(request, thing=None):
    return None if thing == "nothing" else {"said": f"about {thing}"}


def test_a_panel_whose_context_is_none_is_not_shown(slot, settings, tmp_path):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "panel.html").write_text("<p>{{ said }}</p>")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [templates, *settings.TEMPLATES[0]["DIRS"]]}]
    registry.register(slot, Panel("p", "panel.html", _panel_context, 10))
    page = Template('{% load gradepath_tags %}[{% render_panels "test-slot" thing=thing %}]')
    request = RequestFactory().get("/")

    assert page.render(Context({"request": request, "thing": "it"})) == "[<p>about it</p>]"
    assert page.render(Context({"request": RequestFactory().get("/"), "thing": "nothing"})) == "[]"


def test_a_panels_context_is_worked_out_once_per_request_however_often_the_page_asks(slot):
    calls = []

    def context(request, version):
        calls.append(version)
        return {"n": len(calls)}

    registry.register(slot, Panel("once", "unused.html", context, 10))
    registry.register(slot + "-other", Panel("once", "unused.html", context, 10))
    request = RequestFactory().get("/")
    try:
        first = registry.shown_panels(slot, request, version="v1")
        again = registry.shown_panels(slot + "-other", request, version="v1")
    finally:
        registry.unregister(slot + "-other", "once")
    assert calls == ["v1"] and first[0][1] == again[0][1] == {"n": 1}
    registry.shown_panels(slot, RequestFactory().get("/"), version="v1")
    assert calls == ["v1", "v1"]  # a new request asks again


def test_the_longest_matching_prefix_marks_the_active_menu_entry(personas):
    request = RequestFactory().get("/people/delegations/3/")
    request.user = personas.staff_member.user
    rows = {row["entry"].key: row["active"] for row in registry.menu_for(request)}
    assert rows["delegations"] is True and rows["people"] is False and rows["home"] is False
    request = RequestFactory().get("/")
    request.user = personas.staff_member.user
    assert [row["entry"].key for row in registry.menu_for(request) if row["active"]] == ["home"]


def test_entries_of_a_group_are_one_dropdown_where_the_first_of_them_is(personas):
    request = RequestFactory().get("/secondments/3/")
    request.user = personas.staff_member.user
    tree = registry.menu_tree(registry.menu_for(request))
    groups = [row for row in tree if "group" in row]
    assert [g["group"] for g in groups] == ["Progression", "Organisation"]
    progression = groups[0]
    assert groups[1]["active"] is False
    assert [c["entry"].key for c in progression["children"]] == ["appraisal", "progression", "secondments",
                                                                 "allowances"]
    assert progression["active"] is True
    assert [c["entry"].key for c in progression["children"] if c["active"]] == ["secondments"]
    # Each entry appears once, in the tree's order of registration.
    flat = [c["entry"].key for row in tree for c in (row["children"] if "group" in row else [row])]
    assert flat == [row["entry"].key for row in registry.menu_for(request)]


def test_the_menu_renders_a_group_as_a_dropdown(personas, client):
    client.force_login(personas.staff_member.user)
    body = client.get("/").content.decode()
    assert 'class="nav-link dropdown-toggle text-nowrap"' in body and ">Progression</a>" in body
    menu = body.split('id="gp-nav"')[1].split("</ul>\n          <div class=\"dropdown\">")[0]
    assert menu.count('href="/appraisals/"') == 1 and 'class="dropdown-item" href="/appraisals/"' in menu
