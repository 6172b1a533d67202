"""The REST API of acting up and honoraria (mounted by gradepath/api/urls.py)."""

from __future__ import annotations

from django.urls import path  # noqa: F401

urlpatterns: list = []
