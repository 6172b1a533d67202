"""Fixtures for the demo university tests: the full-size university, built once per test process.

Building it takes 40–90 s. The modules that read the default university (this package's
``demo_university`` users, and ``test_demo_cases``'s second build) share one build per process through
:func:`shared_demo`: the first builds it and snapshots its rows; the others get the rows written back
(:mod:`gradepath.testing.snapshot`). They carry the ``xdist_group`` mark :data:`SHARED_DEMO`, so
``scripts/test`` (``--dist loadgroup``) runs them in one process, one after the other.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import transaction
from django.utils import timezone

from gradepath.demo.builder import DemoSummary, build_demo_university
from gradepath.testing.snapshot import SnapshotBuild

SHARED_DEMO = pytest.mark.xdist_group("shared_demo")

_builds: dict[tuple, SnapshotBuild[DemoSummary]] = {}


def shared_demo(**kwargs) -> DemoSummary:
    """``build_demo_university(**kwargs)``, or the rows of this process's earlier build with the same
    arguments written back (pass ``today``: the key is the arguments as given)."""
    key = tuple(sorted(kwargs.items()))
    if key not in _builds:
        _builds[key] = SnapshotBuild(lambda: build_demo_university(**kwargs))
    return _builds[key]()


@contextmanager
def rolled_back(django_db_blocker) -> Iterator[None]:
    """A module's transaction, rolled back at its end: what its tests build never reaches another module."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture(scope="module")
def demo_university(django_db_setup, django_db_blocker) -> Iterator[DemoSummary]:
    """The full demo university, for the module, inside a transaction rolled back at the end.

    Tests that use it also take ``db``: each runs in a savepoint inside this transaction, so
    what one test changes never reaches the next, and nothing reaches other modules.
    """
    with rolled_back(django_db_blocker):
        yield shared_demo(today=timezone.localdate())
