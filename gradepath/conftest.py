"""Project-wide pytest fixtures: the shared personas, and a flush that may empty history."""

from __future__ import annotations

import pytest
from django.core.management.commands import flush

from gradepath.core.history import history_purge_allowed
from gradepath.testing.personas import PASSWORD, Personas, build_personas
from gradepath.testing.urls import reload_urls

_original_flush_handle = flush.Command.handle


def _flush_allowing_history_purge(self, *args, **kwargs):
    # Test isolation for transactional tests empties every table, history included; the
    # SQLite DELETE trigger allows it only inside this switch (see core.history).
    with history_purge_allowed():
        return _original_flush_handle(self, *args, **kwargs)


flush.Command.handle = _flush_allowing_history_purge


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    # Files a test writes (the matching index, uploads) go to its own folder, never shared
    # between tests, xdist workers or the SQLite and PostgreSQL runs.
    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def demo_mode(settings):
    """Demo mode on, with the URL map rebuilt so /demo/ is registered; rebuilt again after."""
    settings.DEMO_MODE = True
    reload_urls()
    yield
    settings.DEMO_MODE = False
    reload_urls()


@pytest.fixture
def personas(db) -> Personas:
    """The persona university (see gradepath/testing/personas.py)."""
    return build_personas()


@pytest.fixture
def login(client):
    """``login(person)`` signs that persona in on the test client and returns the client."""

    def _login(person):
        client.force_login(person.user)
        return client

    return _login


@pytest.fixture
def api():
    """``api(person)``: a DRF client signed in as that persona (``api(None)``: anonymous)."""
    from rest_framework.test import APIClient

    def _api(person):
        client = APIClient()
        if person is not None:
            client.force_login(person.user)
        return client

    return _api


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def browser_page():
    """A Chromium page (Debian's Chromium through Playwright); see gradepath/testing/browser.py."""
    from gradepath.testing.browser import open_page

    yield from open_page()
