"""Project-wide pytest fixtures: the shared personas, and a flush that may empty history."""

from __future__ import annotations

import pytest
from django.core.management.commands import flush

from gradepath.core.history import history_purge_allowed
from gradepath.testing.personas import PASSWORD, Personas, build_personas
from gradepath.testing.snapshot import SnapshotBuild
from gradepath.testing.urls import reload_urls

_original_flush_handle = flush.Command.handle


def _flush_allowing_history_purge(self, *args, **kwargs):
    # Test isolation for transactional tests empties every table, history included; the
    # SQLite DELETE trigger allows it only inside this switch (see core.history).
    with history_purge_allowed():
        return _original_flush_handle(self, *args, **kwargs)


flush.Command.handle = _flush_allowing_history_purge


def transactional_without_serialized_rollback(item: pytest.Item) -> bool:
    """A test whose database is emptied after it (transactional) without ``serialized_rollback``.

    Its flush re-creates content types and permissions under new ids, so the next
    ``serialized_rollback`` test on the same xdist worker fails to restore the rows the
    migrations made ("duplicate key … django_content_type") — on PostgreSQL, whose sequences a
    flush does not reset. Every transactional test must therefore restore them.
    """
    marker = item.get_closest_marker("django_db")
    kwargs = marker.kwargs if marker else {}
    fixtures = getattr(item, "fixturenames", ())
    transactional = bool(kwargs.get("transaction")) or "transactional_db" in fixtures or "live_server" in fixtures
    serialized = bool(kwargs.get("serialized_rollback")) or "django_db_serialized_rollback" in fixtures
    return transactional and not serialized


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    offenders = [item.nodeid for item in items if transactional_without_serialized_rollback(item)]
    if offenders:
        raise pytest.UsageError(
            "These transactional tests do not restore the rows the migrations made; mark them "
            "@pytest.mark.django_db(transaction=True, serialized_rollback=True) "
            "(browser modules: pytestmark = BROWSER_MARKS):\n  " + "\n  ".join(offenders)
        )


@pytest.fixture(scope="module", autouse=True)
def _module_data_dir(tmp_path_factory):
    """Files a module-scoped fixture writes (the demo university's matching index) go to the module's own
    folder. In one shared folder, another module or xdist worker's university (the page benchmark's small
    demo) can leave an index whose fingerprint (the library's ids and dates) is the same as this one's,
    and matching would then read the wrong library."""
    from django.conf import settings as django_settings

    before = django_settings.DATA_DIR
    django_settings.DATA_DIR = tmp_path_factory.mktemp("module-data")
    yield
    django_settings.DATA_DIR = before


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
    """The persona university (see gradepath/testing/personas.py): built by the first test of this
    process, written back from its snapshot for the others (the same rows and objects, faster)."""
    return _personas()


_personas = SnapshotBuild(build_personas)


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
