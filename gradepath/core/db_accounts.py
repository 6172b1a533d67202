"""The two-account deployment on PostgreSQL (docs/deployment.md, ADR 15).

The **owner** account owns the tables: it runs the migrations (``gradepath migrate`` connects as
``GRADEPATH_MIGRATE_DATABASE_URL``). The **application** account (``DATABASE_URL``) reads and writes
every table, except the append-only ones (``GRADEPATH_APPEND_ONLY_TABLES``: history, grading
decisions, pay history), which it may only INSERT and SELECT. Not owning them, it can neither
TRUNCATE them nor drop or disable their triggers.

This module writes the SQL that sets that up (:func:`grant_statements`), checks an account
against it (:func:`privilege_problems`) and lends a connection the owner's credentials for the
length of a migration (:func:`owner_connection`). SQLite has no accounts: there the triggers and
the hash chain are the protection.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

_CREDENTIALS = ("USER", "PASSWORD", "HOST", "PORT")


@dataclass(frozen=True)
class Accounts:
    """The roles of a two-account deployment and where their grants apply."""

    owner: str
    app: str
    database: str
    schema: str = "public"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def protected_tables() -> list[str]:
    """The tables whose rows the application account may only add and read."""
    return list(settings.GRADEPATH_APPEND_ONLY_TABLES)


def create_role_statement(app: str, password: str | None) -> str:
    """CREATE ROLE for the application account: it logs in and can do nothing else by itself."""
    secret = f" PASSWORD {_literal(password)}" if password else ""
    return (f"CREATE ROLE {_quote(app)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION "
            f"NOBYPASSRLS{secret};")


def grant_statements(accounts: Accounts, tables: list[str] | None = None) -> list[str]:
    """The grants of the application account, run as the owner. Safe to run again (after every
    migration ``gradepath migrate`` does)."""
    if accounts.owner == accounts.app:
        raise ValueError("The application account must not be the owner account.")
    app, owner, schema = _quote(accounts.app), _quote(accounts.owner), _quote(accounts.schema)
    protected = ", ".join(_quote(t) for t in (protected_tables() if tables is None else tables))
    statements = [
        f"GRANT CONNECT ON DATABASE {_quote(accounts.database)} TO {app};",
        f"GRANT USAGE ON SCHEMA {schema} TO {app};",
        f"REVOKE CREATE ON SCHEMA {schema} FROM {app};",
        # Every table the owner has made or will make: read and write rows, nothing more.
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {app};",
        f"REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA {schema} FROM {app};",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {app};",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {schema} "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {app};",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {schema} GRANT USAGE, SELECT ON SEQUENCES TO {app};",
    ]
    if protected:
        # History, decisions and pay history: add and read only.
        statements.append(f"REVOKE UPDATE, DELETE, TRUNCATE ON TABLE {protected} FROM {app};")
    return statements


def existing_tables(connection: BaseDatabaseWrapper, tables: list[str]) -> list[str]:
    """Those of ``tables`` the database has (before the first migration, none)."""
    with connection.cursor() as cursor:
        present = set(connection.introspection.table_names(cursor))
    return [t for t in tables if t in present]


def apply_grants(connection: BaseDatabaseWrapper, accounts: Accounts) -> list[str]:
    """Run :func:`grant_statements` on ``connection`` (connected as the owner); returns them."""
    statements = grant_statements(accounts, existing_tables(connection, protected_tables()))
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
    return statements


def privilege_problems(connection: BaseDatabaseWrapper, app: str, schema: str = "public") -> list[str]:
    """What lets ``app`` change the append-only tables (empty: nothing). Any connection will do."""
    problems = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s", [app])
        row = cursor.fetchone()
        if row is None:
            return [f"There is no database role {app!r}."]
        if row[0]:
            problems.append(f"{app} is a superuser: it can change anything. Use an ordinary role.")
        for table in existing_tables(connection, protected_tables()):
            qualified = f"{_quote(schema)}.{_quote(table)}"
            cursor.execute(
                "SELECT pg_get_userbyid(c.relowner), pg_has_role(%s, c.relowner, 'USAGE'), "
                "has_table_privilege(%s, c.oid, 'UPDATE'), has_table_privilege(%s, c.oid, 'DELETE'), "
                "has_table_privilege(%s, c.oid, 'TRUNCATE'), has_table_privilege(%s, c.oid, 'TRIGGER'), "
                "has_table_privilege(%s, c.oid, 'INSERT'), has_table_privilege(%s, c.oid, 'SELECT') "
                "FROM pg_class c WHERE c.oid = %s::regclass",
                [app] * 7 + [qualified],
            )
            owner, owns, update, delete, truncate, trigger, insert, select = cursor.fetchone()
            if owns:
                problems.append(f"{app} owns {table} (or acts as its owner {owner}): it can disable the "
                                "triggers and TRUNCATE. Let the owner account own the tables.")
            refused = [name for name, allowed in (("UPDATE", update), ("DELETE", delete),
                                                  ("TRUNCATE", truncate), ("TRIGGER", trigger)) if allowed]
            if refused:
                problems.append(f"{app} may {', '.join(refused)} {table}: it should only INSERT and SELECT.")
            if not (insert and select):
                problems.append(f"{app} may not INSERT and SELECT {table}: the application cannot work.")
    return problems


def accounts_for(alias: str = "default", *, owner: str | None = None, app: str | None = None) -> Accounts:
    """The accounts named by the settings (``DATABASE_URL`` is the application's,
    ``GRADEPATH_MIGRATE_DATABASE_URL`` the owner's), unless given."""
    app_settings = settings.DATABASES[alias]
    migrate_settings = settings.GRADEPATH_MIGRATE_DATABASE or {}
    app = app or (app_settings.get("USER") if migrate_settings else None)
    owner = owner or migrate_settings.get("USER") or app_settings.get("USER")
    if not app:
        raise ValueError("Name the application account (--app), or set GRADEPATH_MIGRATE_DATABASE_URL so that "
                         "DATABASE_URL names it.")
    if not owner:
        raise ValueError("Name the owner account (--owner).")
    return Accounts(owner=owner, app=app, database=connections[alias].settings_dict["NAME"])


@contextlib.contextmanager
def owner_connection(alias: str = "default") -> Iterator[bool]:
    """For the duration, connection ``alias`` logs in with the owner's credentials from
    ``GRADEPATH_MIGRATE_DATABASE_URL`` (same database); yields whether it did. Without that
    setting nothing changes (one account, or SQLite)."""
    owner = settings.GRADEPATH_MIGRATE_DATABASE
    if not owner:
        yield False
        return
    connection = connections[alias]
    saved = {key: connection.settings_dict.get(key) for key in (*_CREDENTIALS, "OPTIONS")}
    connection.close()
    connection.settings_dict.update({key: owner.get(key, "") for key in _CREDENTIALS})
    connection.settings_dict["OPTIONS"] = {**(saved["OPTIONS"] or {}), **owner.get("OPTIONS", {})}
    try:
        yield True
    finally:
        connection.close()
        connection.settings_dict.update(saved)
