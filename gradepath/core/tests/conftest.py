"""Fixtures shared by the core tests."""

from __future__ import annotations

import pytest

from gradepath.testing.urls import reload_urls


@pytest.fixture
def demo_mode(settings):
    """Demo mode on, with the URL map rebuilt so /demo/ is registered; rebuilt again after."""
    settings.DEMO_MODE = True
    reload_urls()
    yield
    settings.DEMO_MODE = False
    reload_urls()
