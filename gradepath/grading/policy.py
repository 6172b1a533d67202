"""Grading's policy settings (docs/policy.md §4.4): ``GRADEPATH_GRADING`` in the settings."""

from __future__ import annotations

from typing import Any

from django.conf import settings


def policy(name: str) -> Any:
    return settings.GRADEPATH_GRADING[name]
