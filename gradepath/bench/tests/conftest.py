"""A small demo university for the page benchmark's tests, built once per module and rolled back."""

from __future__ import annotations

import pytest
from django.db import transaction

from gradepath.demo.builder import DemoSummary, build_demo_university

SMALL_DEMO_STAFF = 120


@pytest.fixture(scope="module")
def small_demo(django_db_setup, django_db_blocker) -> DemoSummary:
    """The demo university with 120 staff (every demo login and the work they see), built once for
    the module inside a transaction rolled back at the end (tests that use it also take ``db``)."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield build_demo_university(staff=SMALL_DEMO_STAFF)
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
