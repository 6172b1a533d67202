"""Rebuilding the URL map in tests that turn demo mode on or off (demo URLs exist only in demo mode)."""

from __future__ import annotations

import importlib

from django.urls import clear_url_caches


def reload_urls() -> None:
    import gradepath.config.urls

    clear_url_caches()
    importlib.reload(gradepath.config.urls)
    clear_url_caches()
