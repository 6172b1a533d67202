"""The REST API of accelerated increments and contribution points (mounted by gradepath/api/urls.py)."""

from __future__ import annotations

from django.urls import path  # noqa: F401

urlpatterns: list = []
