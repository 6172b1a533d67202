"""Extension points: a higher layer contributes to a page that a lower layer owns.

A lower layer never imports a higher one (see docs/architecture.md, "Layers"). When a page owned
low down must show something a higher layer knows (the menu listing every app, My home showing a
process's tasks, a JD page showing the grading case that proposes it), the higher layer registers
a contribution to a named *slot* in its ``AppConfig.ready()`` and the page renders whatever the
slot holds, without naming who put it there. Core knows no domain: it only keeps the lists.

Slots in use:

* ``"menu"``: :class:`MenuEntry` items, rendered by the base layout (``{% menu_entries %}``).
* ``"home"``: :class:`Panel` items on My home (``{% render_panels "home" %}``).
* ``"jd_version"``, ``"jd_version_actions"``, ``"jd_version_grade"``: :class:`Panel` items on a JD
  draft's editor (page object ``version``).
* ``"home_main"``: :class:`Panel` items in My home's main column (page objects ``person``,
  ``appointments``).
* ``"person_summary"``, ``"person_page"``, ``"person_career"``: :class:`Panel` items on a person's
  page (in its Summary list, below the Summary, below the appointments; ``person``, ``appointments``).
* ``"career"``: ``career.sources.CareerSource`` items, the headings of a person's career record.
* ``"starters"``: ``workflow.registry.Starter`` items: how one process starts another's object
  without importing it (an appraisal's regrading check starts a grading case).
* ``"people_filters"``: directory filters (``people.filters.DirectoryFilter``).

Registration is idempotent: registering an item with the same ``key`` in the same slot replaces
the earlier one, so reloading apps or URL modules (as tests do) never duplicates an entry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_slots: dict[str, dict[str, Any]] = {}


@dataclass(frozen=True)
class MenuEntry:
    """An entry of the main menu.

    ``url_name`` is reversed when the menu is drawn; the entry is active when the path starts with
    ``active_prefix`` (the longest matching prefix wins, so "/people/delegations/" beats
    "/people/"; a prefix ending in "$" must match the whole path). ``visible(user)`` says whether
    the user sees it (None: every signed-in user). ``badge(request)`` gives a number shown beside
    the label (0 or None: no badge), e.g. unread notifications; the badge's element has the id
    ``badge_id`` (default ``gp-<key>-badge``), so the app's pages can update it out of band.
    ``group`` puts the entry in a dropdown of that name (the menu stays one line at 1280 px however
    many processes register an entry).
    """

    key: str
    label: str
    url_name: str
    order: int
    active_prefix: str
    visible: Callable[[Any], bool] | None = None
    badge: Callable[[Any], int | None] | None = None
    badge_id: str = ""
    group: str = ""  # entries with the same group are one dropdown, named by it, where the first of them is


@dataclass(frozen=True)
class Panel:
    """A panel a higher layer shows on a page a lower layer owns.

    ``context(request, **page_objects)`` returns the template's context, or None when the panel
    has nothing to show for this request (then it is not rendered at all). ``template`` is
    rendered with that context and the request (so the context processors' values are there too).
    """

    key: str
    template: str
    context: Callable[..., dict | None]
    order: int


def register(slot: str, item) -> None:
    """Add ``item`` (anything with ``key`` and ``order``) to ``slot``, replacing an item of the
    same key there: registering twice is the same as registering once."""
    _slots.setdefault(slot, {})[item.key] = item


def unregister(slot: str, key: str) -> None:
    """Remove the item with this key from ``slot`` (nothing happens when there is none)."""
    _slots.get(slot, {}).pop(key, None)


def contributions(slot: str) -> list:
    """The items registered to ``slot``, by ``order`` (then key, so the order is stable)."""
    return sorted(_slots.get(slot, {}).values(), key=lambda item: (item.order, item.key))


def menu_for(request) -> list[dict]:
    """The menu entries the request's user sees, each with its URL, whether it is the page shown,
    and its badge."""
    from django.urls import NoReverseMatch, reverse

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    path = getattr(request, "path", "")
    rows = []
    for entry in contributions("menu"):
        if entry.visible is not None and not entry.visible(user):
            continue
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:  # an app whose URLs are not mounted (e.g. demo-only parts)
            continue
        rows.append({"entry": entry, "url": url, "active": False, "has_badge": entry.badge is not None,
                     "badge": entry.badge(request) if entry.badge is not None else None,
                     "badge_id": entry.badge_id or f"gp-{entry.key}-badge"})
    best = max((r for r in rows if _matches(r["entry"].active_prefix, path)),
               key=lambda r: len(r["entry"].active_prefix), default=None)
    if best is not None:
        best["active"] = True
    return rows


def menu_tree(rows: list[dict]) -> list[dict]:
    """``menu_for``'s rows with the entries of a group gathered into one row (where the group's first
    entry is): ``{"group": name, "children": rows, "active": whether one of them is}``."""
    tree: list[dict] = []
    groups: dict[str, dict] = {}
    for row in rows:
        name = row["entry"].group
        if not name:
            tree.append(row)
        elif name in groups:
            groups[name]["children"].append(row)
            groups[name]["active"] = groups[name]["active"] or row["active"]
        else:
            groups[name] = {"group": name, "children": [row], "active": row["active"],
                            "key": "group-" + "".join(c if c.isalnum() else "-" for c in name.lower())}
            tree.append(groups[name])
    return tree


def _matches(prefix: str, path: str) -> bool:
    if not prefix:
        return False
    if prefix.endswith("$"):
        return path == prefix[:-1]
    return path.startswith(prefix)


def shown_panels(slot: str, request, **page_objects) -> list[tuple[Panel, dict]]:
    """The panels of ``slot`` that have something to show, each with its context.

    Each context function runs once per request and page objects, however often the page asks
    (a view deciding what to offer, then the template rendering the panels): the answers are kept
    on the request.
    """
    cache = _request_cache(request)
    shown = []
    for panel in contributions(slot):
        key = (panel.context, _objects_key(page_objects))
        if key not in cache:
            cache[key] = panel.context(request, **page_objects)
        context = cache[key]
        if context is not None:
            shown.append((panel, context))
    return shown


def _request_cache(request) -> dict:
    if request is None:
        return {}
    cache = getattr(request, "_gradepath_panel_contexts", None)
    if cache is None:
        cache = {}
        request._gradepath_panel_contexts = cache
    return cache


def _objects_key(page_objects: dict) -> tuple:
    def one(value):
        pk = getattr(value, "pk", None)
        return (type(value).__qualname__, pk) if pk is not None else (type(value).__qualname__, id(value))

    return tuple(sorted((name, one(value)) for name, value in page_objects.items()))
