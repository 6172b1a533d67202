"""Every URL in the URL conf needs a login, and no URL changes data on GET.

The URL conf is walked, not listed by hand: a new URL is checked the day it is added. A URL
that anyone may open must be on ``OPEN_URLS`` with the reason; the test fails both for an
open URL missing from the list and for a list entry that is no longer open.
"""

from __future__ import annotations

import importlib
import re
import types
import uuid
from dataclasses import dataclass
from urllib.parse import urlparse

import pytest
from django.apps import apps
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.urls import (
    URLPattern,
    URLResolver,
    clear_url_caches,
    get_resolver,
    path,
    resolve,
    reverse,
)
from django.urls.exceptions import Resolver404
from django.urls.resolvers import RegexPattern, RoutePattern

from gradepath.core.models import HistoryEntry

pytestmark = pytest.mark.django_db

# URL name (or route, for unnamed patterns) → why anyone may open it without logging in.
OPEN_URLS: dict[str, str] = {
    "login": "The login page itself.",
    "admin:login": "The admin site's own login form (it only signs people in).",
    "healthz": "Probed by the load balancer; answers only ok or unavailable, and reads nothing else.",
}
# Extra URLs that exist only in demo mode (GRADEPATH_DEMO=1, never in production).
OPEN_IN_DEMO_MODE: dict[str, str] = {
    "demo:switch": "The demo persona switcher: demo mode only, refused when GRADEPATH_ENV=production.",
}
# Not in the URL conf at all: /static/ is served by whitenoise (public CSS, JS and fonts).

# GET is never sent to these when checking that GET changes nothing (they end the session).
SKIP_FOR_ROW_COUNTS = {"logout", "admin:logout"}

LOGIN_PATHS = ("/accounts/login/", "/admin/login/")
UUID_VALUE = str(uuid.UUID(int=1))


@dataclass(frozen=True)
class Endpoint:
    key: str  # "namespace:name", or the route for unnamed patterns
    url: str


def _walk(patterns, parts=(), namespaces=()):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = namespaces + ((entry.namespace,) if entry.namespace else ())
            yield from _walk(entry.url_patterns, parts + (entry.pattern,), ns)
        elif isinstance(entry, URLPattern):
            yield parts + (entry.pattern,), entry, namespaces


_CONVERTER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def _from_route(route: str, choice: int) -> str:
    def value(match):
        converter = match["converter"] or "str"
        if converter == "int":
            return "1"
        if converter == "uuid":
            return UUID_VALUE
        return ("x", "1")[choice]

    return _CONVERTER.sub(value, route)


def _from_regex(regex: str, choice: int) -> str:
    """A string the (simple) regex matches: each named group gets a plausible value."""
    regex = regex.removeprefix("^").removesuffix("$").removesuffix(r"\Z")
    out, i = [], 0
    while i < len(regex):
        if regex.startswith("(?P<", i):
            depth, j = 0, i
            while True:
                depth += {"(": 1, ")": -1}.get(regex[j], 0) if regex[j - 1] != "\\" else 0
                if depth == 0:
                    break
                j += 1
            inner = regex[regex.index(">", i) + 1 : j]
            words = inner.split("|")
            if all(re.fullmatch(r"[\w-]+", w) for w in words):
                out.append(words[0])
            elif r"\d" in inner or "0-9" in inner:
                out.append("1")
            else:
                out.append(("x", "1")[choice])
            i = j + 1
        elif regex[i] == "\\":
            out.append(regex[i + 1])
            i += 2
        else:
            out.append(regex[i])
            i += 1
    return "".join(out)


def _endpoint(parts, pattern: URLPattern, namespaces) -> Endpoint | None:
    route = "".join(str(p) for p in parts)
    key = ":".join(namespaces + (pattern.name,)) if pattern.name else route
    for choice in (0, 1):
        pieces = []
        for part in parts:
            if isinstance(part, RoutePattern):
                pieces.append(_from_route(str(part), choice))
            elif isinstance(part, RegexPattern):
                pieces.append(_from_regex(str(part), choice))
            else:  # a locale prefix or a pattern type this test does not know
                return None
        url = "/" + "".join(pieces)
        try:
            if resolve(url).func is pattern.callback:
                return Endpoint(key, url)
        except Resolver404:
            continue
    return None


def all_endpoints() -> tuple[list[Endpoint], list[str]]:
    """(every URL pattern as a concrete URL, the routes this test could not build a URL for)."""
    endpoints, unbuildable = [], []
    for parts, pattern, namespaces in _walk(get_resolver().url_patterns):
        endpoint = _endpoint(parts, pattern, namespaces)
        if endpoint is None:
            unbuildable.append("".join(str(p) for p in parts))
        else:
            endpoints.append(endpoint)
    return endpoints, unbuildable


def _is_protected(response) -> bool:
    if response.status_code in (401, 403, 404, 405):
        return True
    if response.status_code == 302:
        return urlparse(response["Location"]).path in LOGIN_PATHS
    return False


def _open_urls(client: Client) -> dict[str, str]:
    endpoints, unbuildable = all_endpoints()
    assert not unbuildable, f"Cannot build a URL for {unbuildable}: teach _endpoint() their converters."
    opened = {}
    for endpoint in endpoints:
        response = client.get(endpoint.url)
        if not _is_protected(response):
            opened[endpoint.key] = f"{endpoint.url} answered {response.status_code}"
    return opened


def test_the_walk_finds_the_whole_url_conf():
    endpoints, unbuildable = all_endpoints()
    keys = {e.key for e in endpoints}
    assert not unbuildable
    assert {"login", "logout", "healthz", "admin:index", "api:person-detail", "people:person-detail"} <= keys
    assert len(endpoints) > 50  # the admin alone has dozens


def test_every_url_needs_a_login_except_the_allow_list(client):
    opened = _open_urls(client)
    unexpected = {k: v for k, v in opened.items() if k not in OPEN_URLS}
    assert not unexpected, f"Open to anonymous users but not on OPEN_URLS: {unexpected}"
    stale = set(OPEN_URLS) - set(opened)
    assert not stale, f"On OPEN_URLS but no longer open (remove them): {stale}"


def test_every_allow_list_entry_gives_a_reason():
    for key, reason in {**OPEN_URLS, **OPEN_IN_DEMO_MODE}.items():
        assert reason.endswith(".") and len(reason) > 15, key


def test_api_answers_anonymous_callers_401_not_a_redirect(client):
    for endpoint in all_endpoints()[0]:
        if endpoint.url.startswith("/api/"):
            assert client.get(endpoint.url).status_code in (401, 404, 405), endpoint


@pytest.fixture
def demo_urlconf(settings):
    """The URL conf as demo mode builds it (GRADEPATH_DEMO=1), restored afterwards."""
    import gradepath.config.urls as urls_module

    settings.DEMO_MODE = True
    importlib.reload(urls_module)
    clear_url_caches()
    yield
    settings.DEMO_MODE = False
    importlib.reload(urls_module)
    clear_url_caches()


def test_demo_mode_opens_only_the_demo_allow_list(client, demo_urlconf):
    opened = _open_urls(client)
    expected = {**OPEN_URLS, **OPEN_IN_DEMO_MODE}
    unexpected = {k: v for k, v in opened.items() if k not in expected}
    assert not unexpected, f"Open in demo mode but not allowed: {unexpected}"


def test_demo_mode_urls_change_nothing_on_get(personas, client, demo_urlconf):
    _assert_get_changes_nothing(client)


# --- GET changes nothing --------------------------------------------------------------------------


def _row_counts() -> dict[str, int]:
    """Rows in every table, in one query."""
    models = [m for m in apps.get_models() if m._meta.managed and not m._meta.proxy]
    quote = connection.ops.quote_name
    history = quote(HistoryEntry._meta.db_table)
    # Table names come from the model registry and are quoted: no outside input reaches the SQL.
    selects = [f"(SELECT COUNT(*) FROM {quote(m._meta.db_table)})" for m in models]  # noqa: S608
    # Reading equality-monitoring data is itself recorded (an audit of a read, by design).
    selects.append(f"(SELECT COUNT(*) FROM {history} WHERE {quote('action')} NOT LIKE %s)")  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(selects), ["%.viewed"])
        values = cursor.fetchone()
    counts = {m._meta.label: value for m, value in zip(models, values, strict=False)}
    counts[HistoryEntry._meta.label] = values[-1]
    return counts


def _rows_changed_by_get(client: Client) -> tuple[dict[str, str], dict[str, str]]:
    """({url key: rows changed}, {url key: error}) over every URL in the URL conf."""
    endpoints, _ = all_endpoints()
    changed, crashed = {}, {}
    for endpoint in endpoints:
        if endpoint.key in SKIP_FOR_ROW_COUNTS:
            continue
        before = _row_counts()
        try:
            response = client.get(endpoint.url)
        except Exception as exc:  # noqa: BLE001 - collected and reported below
            crashed[endpoint.key] = f"{endpoint.url}: {exc!r}"
            continue
        if response.status_code >= 500:
            crashed[endpoint.key] = f"{endpoint.url}: {response.status_code}"
        after = _row_counts()
        diff = {label: (before[label], after[label]) for label in before if before[label] != after[label]}
        if diff:
            changed[endpoint.key] = f"{endpoint.url}: {diff}"
    return changed, crashed


def _assert_get_changes_nothing(client: Client) -> None:
    changed, crashed = _rows_changed_by_get(client)
    assert not changed, f"GET changed rows: {changed}"
    assert not crashed, f"GET failed: {crashed}"


def test_get_changes_no_rows_for_anonymous_users(personas, client):
    _assert_get_changes_nothing(client)


def test_get_changes_no_rows_for_an_administrator(personas, client):
    user = personas.administrator.user
    user.is_staff = user.is_superuser = True
    user.save(update_fields=["is_staff", "is_superuser"])
    client.force_login(user)
    _assert_get_changes_nothing(client)


def test_get_changes_no_rows_for_a_staff_member(personas, client):
    client.force_login(personas.staff_member.user)
    _assert_get_changes_nothing(client)


# --- The checks themselves can fail ---------------------------------------------------------------


def _leaky_view(request):
    from gradepath.people.models import OrgUnit

    OrgUnit.objects.create(code=f"LEAK{OrgUnit.objects.count()}", name="Leak", kind="faculty")
    return HttpResponse("Anyone can read this.")


@pytest.fixture
def urlconf_with_a_leak(settings):
    """The real URL conf plus one URL that needs no login and writes on GET."""
    import gradepath.config.urls as real

    module = types.ModuleType("urlconf_with_a_leak")
    module.urlpatterns = [*real.urlpatterns, path("leaky/", login_not_required(_leaky_view), name="leaky")]
    settings.ROOT_URLCONF = module
    clear_url_caches()
    yield
    clear_url_caches()


def test_the_allow_list_check_catches_a_new_unprotected_url(client, urlconf_with_a_leak):
    assert "leaky" in _open_urls(client)


def test_the_row_count_check_catches_a_get_that_writes(personas, client, urlconf_with_a_leak):
    changed, _ = _rows_changed_by_get(client)
    assert set(changed) == {"leaky"}
    assert "people.OrgUnit" in changed["leaky"]


def test_url_names_reverse_to_their_own_pattern():
    assert reverse("healthz") == "/healthz"
    assert resolve("/api/people/1/").view_name == "api:person-detail"
