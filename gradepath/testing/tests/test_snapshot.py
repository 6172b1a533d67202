"""The snapshot that writes a fixture's rows back gives the same database and objects as building it."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.db import connection, transaction

from gradepath.people.models import OrgUnit, Person
from gradepath.testing.personas import build_personas
from gradepath.testing.snapshot import RowSnapshot, SnapshotBuild

pytestmark = pytest.mark.django_db


def _everything() -> dict[str, list[tuple]]:
    return {model._meta.label: list(model.objects.order_by("pk").values_list())
            for model in apps.get_models(include_auto_created=True) if model._meta.managed}


def _captured():
    with transaction.atomic():
        before = _everything()
        built, snapshot = RowSnapshot.capture(build_personas)
        after_build = _everything()
        transaction.set_rollback(True)
    return before, built, snapshot, after_build


def test_a_restored_snapshot_holds_the_same_rows_and_objects_as_the_build():
    before, built, snapshot, after_build = _captured()
    assert snapshot is not None
    assert _everything() == before  # the build was rolled back
    restored = snapshot.restore()
    assert _everything() == after_build
    assert after_build != before
    assert restored is not built
    assert restored.staff_member.pk == built.staff_member.pk
    assert restored.staff_member.line_manager.user.username == built.line_manager.user.username
    assert restored.delegation.delegate == built.delegate


def test_a_row_in_the_way_leaves_the_database_as_it_was_and_the_fixture_builds():
    _, built, snapshot, _ = _captured()
    OrgUnit.objects.create(pk=built.faculty.pk, name="In the way", code="WAY", kind=OrgUnit.Kind.FACULTY)
    before = _everything()
    assert snapshot.restore() is None
    assert _everything() == before
    fallback = SnapshotBuild(build_personas)
    fallback._snapshot = snapshot  # a snapshot it cannot write back: the fixture builds instead
    personas = fallback()
    assert Person.objects.filter(pk=personas.staff_member.pk, first_name="Sam").exists()


def test_old_rows_the_build_changed_are_written_back_only_over_the_rows_it_found():
    group = Group.objects.create(name="Already here")

    def build():
        Group.objects.filter(pk=group.pk).update(name="Changed")
        return build_personas()

    with transaction.atomic():
        _, snapshot = RowSnapshot.capture(build)
        transaction.set_rollback(True)
    assert Group.objects.get(pk=group.pk).name == "Already here"
    with transaction.atomic():
        assert snapshot.restore() is not None
        assert Group.objects.get(pk=group.pk).name == "Changed"
        transaction.set_rollback(True)
    Group.objects.filter(pk=group.pk).update(name="Changed since")  # not as the build found it
    people = Person.objects.count()
    assert snapshot.restore() is None
    assert Group.objects.get(pk=group.pk).name == "Changed since"
    assert Person.objects.count() == people


def test_a_build_that_writes_sql_it_cannot_read_is_not_captured():
    def build():
        with connection.cursor() as cursor:
            cursor.execute("WITH g AS (SELECT 1) INSERT INTO auth_group (name) SELECT 'Raw' FROM g")
        return build_personas()

    with transaction.atomic():
        built, snapshot = RowSnapshot.capture(build)
        transaction.set_rollback(True)
    assert snapshot is None
    assert built.staff_member.first_name == "Sam"


def test_after_a_restore_new_rows_get_ids_past_the_restored_ones():
    """Rows written back keep their ids; a sequence set back meanwhile (PostgreSQL's setval is not rolled
    back) must not hand those ids out again."""
    _, built, snapshot, _ = _captured()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT setval(pg_get_serial_sequence('people_orgunit', 'id'), 1, false)")
    restored = snapshot.restore()
    assert restored is not None
    unit = OrgUnit.objects.create(name="New unit", code="NEW", kind=OrgUnit.Kind.FACULTY)
    assert unit.pk > max(built.faculty.pk, built.department.pk, built.estates.pk)
