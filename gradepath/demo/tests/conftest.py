"""Fixtures for the demo university tests: the full-size university, built once per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import transaction
from django.utils import timezone

from gradepath.demo.builder import DemoSummary, build_demo_university


@pytest.fixture(scope="module")
def demo_university(django_db_setup, django_db_blocker) -> Iterator[DemoSummary]:
    """The full demo university, built once for the module inside a transaction rolled back at the end.

    Tests that use it also take ``db``: each runs in a savepoint inside this transaction, so
    what one test changes never reaches the next, and nothing reaches other modules.
    """
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield build_demo_university(today=timezone.localdate())
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
