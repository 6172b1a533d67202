"""The two-account deployment (issue 11 §4): the application's database account may only add to and read
history, grading decisions and pay history, and cannot TRUNCATE them or switch their triggers off; the
owner migrates. The PostgreSQL test creates a real application role, connects as it and tries."""

from __future__ import annotations

import contextlib
import io
import uuid

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from gradepath.core import db_accounts
from gradepath.core.history import record_history
from gradepath.core.models import HistoryEntry
from gradepath.grading.models import CaseEvent
from gradepath.grading.tests.conftest import grading  # noqa: F401 - the fixture, with an agreed JD library
from gradepath.grading.tests.test_workflow_matrix import make_case

PROTECTED = ["core_historyentry", "grading_caseevent", "grades_payrecord"]
def _command(*args: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("db-accounts", *args, stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, out.getvalue() + err.getvalue() + str(exc)
    return 0, out.getvalue() + err.getvalue()


# --- The SQL ------------------------------------------------------------------------------------------------


def test_the_grants_give_the_application_rows_everywhere_and_only_insert_and_select_on_protected_tables():
    accounts = db_accounts.Accounts(owner="gp_owner", app="gp_app", database="gradepath")
    sql = "\n".join(db_accounts.grant_statements(accounts))
    assert 'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "public" TO "gp_app";' in sql
    assert ('ALTER DEFAULT PRIVILEGES FOR ROLE "gp_owner" IN SCHEMA "public" GRANT SELECT, INSERT, UPDATE, DELETE '
            'ON TABLES TO "gp_app";') in sql
    assert ('REVOKE UPDATE, DELETE, TRUNCATE ON TABLE "core_historyentry", "grading_caseevent", "grades_payrecord" '
            'FROM "gp_app";') in sql
    assert sql.index("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES") < sql.index("REVOKE UPDATE, DELETE")


def test_role_names_are_quoted_in_the_sql():
    accounts = db_accounts.Accounts(owner="owner", app='app"; DROP TABLE x; --', database="gradepath")
    assert 'TO "app""; DROP TABLE x; --";' in db_accounts.grant_statements(accounts)[0]


def test_the_application_account_cannot_be_the_owner():
    with pytest.raises(ValueError, match="must not be the owner"):
        db_accounts.grant_statements(db_accounts.Accounts(owner="gp", app="gp", database="gradepath"))


@pytest.mark.skipif(connection.vendor != "sqlite", reason="What the command says on SQLite.")
def test_on_sqlite_the_command_explains_that_the_triggers_and_the_chain_protect_history():
    code, output = _command()
    assert code == 0 and "SQLite has no database accounts" in output and "audit-verify" in output
    code, output = _command("--apply")
    assert code == 1


def test_the_owner_connection_logs_in_as_the_owner_and_back(settings):
    settings.GRADEPATH_MIGRATE_DATABASE = {"USER": "gp_owner", "PASSWORD": "secret", "HOST": "db.example", "PORT": 5433}
    saved = {key: connection.settings_dict.get(key) for key in ("USER", "PASSWORD", "HOST", "PORT", "NAME")}
    with db_accounts.owner_connection() as swapped:
        assert swapped
        assert (connection.settings_dict["USER"], connection.settings_dict["HOST"]) == ("gp_owner", "db.example")
        assert connection.settings_dict["NAME"] == saved["NAME"]  # the same database
    assert {key: connection.settings_dict.get(key) for key in saved} == saved


def test_without_a_migrate_url_nothing_changes(settings):
    settings.GRADEPATH_MIGRATE_DATABASE = None
    with db_accounts.owner_connection() as swapped:
        assert not swapped


# --- On PostgreSQL, as the application account ------------------------------------------------------------


@contextlib.contextmanager
def _role(name: str):
    """A login role for this test only (unique name: parallel runs share the server), dropped after."""
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE ROLE "{name}" LOGIN')
    try:
        yield name
    finally:
        connection.close()  # in case the test left the connection logged in as the role
        with connection.cursor() as cursor:
            cursor.execute(f'DROP OWNED BY "{name}"')  # its grants and default privileges here
            cursor.execute(f'DROP ROLE "{name}"')


@contextlib.contextmanager
def _logged_in_as(role: str):
    """The application's own connection, logged in as ``role`` for the duration."""
    saved = {key: connection.settings_dict.get(key) for key in ("USER", "PASSWORD")}
    connection.close()
    connection.settings_dict.update(USER=role, PASSWORD="")
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.update(saved)


def _raw(role: str) -> psycopg.Connection:
    """A connection of our own as ``role`` (autocommit: each refusal stands alone)."""
    params = connection.get_connection_params()
    params.update(user=role, autocommit=True)
    params.pop("password", None)
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.pop("server_side_binding", None)
    params.pop("prepare_threshold", None)
    return psycopg.connect(**params)


def _refused(conn: psycopg.Connection, sql: str) -> str:
    try:
        conn.execute(sql)
    except psycopg.errors.InsufficientPrivilege as exc:
        return str(exc)
    raise AssertionError(f"The application account was allowed: {sql}")


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="Database accounts are a PostgreSQL feature.")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_application_account_can_only_add_and_read_history_decisions_and_pay(grading):  # noqa: F811
    personas = grading
    owner = connection.settings_dict["USER"]  # the test database's owner
    case = make_case(personas, "new_job", "fm_approval")
    CaseEvent.objects.create(case=case, step=0, action="approve", actor=personas.fm_hps, from_state="fm_approval",
                             to_state="hrbp_review")
    with _role(f"gp_app_{uuid.uuid4().hex[:10]}") as app:
        code, output = _command("--apply", "--owner", owner, "--app", app)
        assert code == 0, output

        # The application works as this account: a service writes history (and locks the chain's head).
        with _logged_in_as(app):
            entry = record_history(actor=personas.administrator.user, action="test.done", obj=personas.staff_member,
                                   summary="Written by the application account.")
            CaseEvent.objects.create(case=case, step=1, action="comment", actor=personas.hrbp,
                                     from_state="hrbp_review", to_state="hrbp_review")
            assert HistoryEntry.objects.filter(pk=entry.pk).exists() and CaseEvent.objects.filter(case=case).count() == 2
            case.title = "Ordinary tables stay writable"
            case.save(update_fields=["title"])

        with _raw(app) as conn:
            for table in PROTECTED:
                assert conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] >= 0  # noqa: S608
                for sql in (f"UPDATE {table} SET id = id", f"DELETE FROM {table}",  # noqa: S608
                            f"TRUNCATE {table}"):
                    assert "permission denied" in _refused(conn, sql)
            for sql in ("ALTER TABLE core_historyentry DISABLE TRIGGER core_historyentry_append_only",
                        "ALTER TABLE grading_caseevent DISABLE TRIGGER ALL",
                        "DROP TRIGGER grading_caseevent_append_only ON grading_caseevent",
                        "CREATE TABLE core_mine (id int)"):
                assert _refused(conn, sql)
        assert HistoryEntry.objects.filter(pk=entry.pk).exists() and CaseEvent.objects.filter(case=case).count() == 2

        code, output = _command("--check", "--owner", owner, "--app", app)
        assert code == 0, output
        with connection.cursor() as cursor:  # a mistake the check must catch
            cursor.execute(f'GRANT UPDATE ON core_historyentry TO "{app}"')
        code, output = _command("--check", "--owner", owner, "--app", app)
        assert code == 1 and f"{app} may UPDATE core_historyentry" in output


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="Database accounts are a PostgreSQL feature.")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_migrate_runs_as_the_owner_and_renews_the_application_grants(personas, monkeypatch):
    owner = connection.settings_dict["USER"]
    with _role(f"gp_app_{uuid.uuid4().hex[:10]}") as app:
        assert _command("--apply", "--owner", owner, "--app", app)[0] == 0
        with connection.cursor() as cursor:  # drift since the last setup
            cursor.execute(f'GRANT UPDATE, DELETE ON core_historyentry TO "{app}"')
        monkeypatch.setattr(settings, "GRADEPATH_MIGRATE_DATABASE", {"USER": owner, "PASSWORD": "",
                                                                    "HOST": connection.settings_dict["HOST"],
                                                                    "PORT": connection.settings_dict["PORT"]})
        with _logged_in_as(app):  # DATABASE_URL is the application's; the migration logs in as the owner
            out = io.StringIO()
            call_command("migrate", verbosity=1, stdout=out)
            assert f"Renewed the grants of the application account {app}" in out.getvalue()
            assert connection.settings_dict["USER"] == app  # given back after the migration
        assert db_accounts.privilege_problems(connection, app) == []
    # One account for everything (the tests' own): the check says why that is not enough.
    code, output = _command("--check")
    assert code == 1 and f"{owner} is a superuser" in output and f"{owner} owns core_historyentry" in output


def test_the_command_refuses_one_account_for_both(settings):
    if connection.vendor != "postgresql":
        pytest.skip("Database accounts are a PostgreSQL feature.")
    code, output = _command("--owner", "gradepath", "--app", "gradepath")
    assert code == 1 and "both gradepath" in output
