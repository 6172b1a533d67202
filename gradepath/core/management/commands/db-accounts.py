"""`gradepath db-accounts [--owner ROLE] [--app ROLE] [--create-app-role] [--apply | --check]`.

The two-account deployment on PostgreSQL (docs/deployment.md): prints the SQL that gives the
application account its rights (every table read and written, the append-only tables added to and
read only), runs it as the owner with ``--apply``, or checks the application account with
``--check`` (exit status 1 when it can change an append-only table). The accounts default to the
users of ``DATABASE_URL`` (application) and ``GRADEPATH_MIGRATE_DATABASE_URL`` (owner).
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connections

from gradepath.core import db_accounts


class Command(BaseCommand):
    help = ("Set up or check the two PostgreSQL accounts: the owner that migrates, and the application account that "
            "may only add and read history, grading decisions and pay history.")

    def add_arguments(self, parser):
        parser.add_argument("--owner", help="The owner role (default: the user of GRADEPATH_MIGRATE_DATABASE_URL).")
        parser.add_argument("--app", help="The application role (default: the user of DATABASE_URL).")
        parser.add_argument("--create-app-role", action="store_true",
                            help="Also create the application role (with DATABASE_URL's password when it is that "
                                 "user's); needs an account allowed to create roles.")
        action = parser.add_mutually_exclusive_group()
        action.add_argument("--apply", action="store_true", help="Run the SQL as the owner instead of printing it.")
        action.add_argument("--check", action="store_true",
                            help="Check the application account's rights (default: DATABASE_URL's user); exit status 1 "
                                 "if it can change history, decisions or pay history.")
        parser.add_argument("--database", default="default", help="The database alias (default: default).")

    def handle(self, *args, owner, app, create_app_role, apply, check, database, **options):
        connection = connections[database]
        if connection.vendor != "postgresql":
            message = ("SQLite has no database accounts: whoever can write the file can change it. History and grading "
                       "decisions are protected there by the append-only triggers, and `gradepath audit-verify` finds "
                       "a row changed or removed. Use PostgreSQL for the two-account deployment.")
            if apply or check:
                raise CommandError(message)
            self.stdout.write(message)
            return
        if check:  # the account this process uses, unless named
            self._check(connection, app or settings.DATABASES[database].get("USER") or "")
            return
        try:
            accounts = db_accounts.accounts_for(database, owner=owner, app=app)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if accounts.app == accounts.owner:
            raise CommandError(f"The application account and the owner account are both {accounts.app}: the "
                               "application could disable the triggers and TRUNCATE history. Give the application "
                               "its own role (--app, or DATABASE_URL with GRADEPATH_MIGRATE_DATABASE_URL).")
        password = None
        if create_app_role and accounts.app == settings.DATABASES[database].get("USER"):
            password = settings.DATABASES[database].get("PASSWORD") or None
        if apply:
            self._apply(database, accounts, create_app_role, password)
            return
        self._print(accounts, create_app_role)

    def _print(self, accounts, create_app_role: bool) -> None:
        out = self.stdout
        out.write(f"-- Gradepath: the application account {accounts.app} and the owner {accounts.owner}, "
                  f"database {accounts.database}.")
        out.write("-- Run as the owner (or a superuser) after `gradepath migrate`; safe to run again.")
        if create_app_role:
            out.write(db_accounts.create_role_statement(accounts.app, None))
            out.write(f"-- then give it DATABASE_URL's password in psql: \\password {accounts.app} "
                      "(`--apply --create-app-role` sets it from DATABASE_URL)")
        for sql in db_accounts.grant_statements(accounts):
            out.write(sql)

    def _apply(self, database: str, accounts, create_app_role: bool, password: str | None) -> None:
        with db_accounts.owner_connection(database):
            connection = connections[database]
            try:
                if create_app_role:
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [accounts.app])
                        if cursor.fetchone() is None:
                            cursor.execute(db_accounts.create_role_statement(accounts.app, password))
                            self.stdout.write(f"Created the role {accounts.app}.")
                db_accounts.apply_grants(connection, accounts)
            except DatabaseError as exc:
                raise CommandError(f"The database refused: {str(exc).strip()}. Grants are given by the owner of the "
                                   "tables (GRADEPATH_MIGRATE_DATABASE_URL); creating a role needs an account allowed "
                                   "to create roles, or a DBA running the printed SQL.") from None
            problems = db_accounts.privilege_problems(connection, accounts.app)
        if problems:
            raise CommandError("The grants are applied, but:\n" + "\n".join(problems))
        self.stdout.write(f"{accounts.app} may now read and write every table, and only add to and read "
                          f"{', '.join(db_accounts.protected_tables())}.")

    def _check(self, connection, app: str) -> None:
        problems = db_accounts.privilege_problems(connection, app)
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"{app} can change rows that must only be added to.", returncode=1)
        self.stdout.write(f"{app} may only add to and read {', '.join(db_accounts.protected_tables())}.")
