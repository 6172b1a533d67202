"""`gradepath migrate`: Django's migrate, as the owner account when there are two (docs/deployment.md).

With ``GRADEPATH_MIGRATE_DATABASE_URL`` set, the migration logs in with that (owner) account instead
of ``DATABASE_URL``'s (the application's), then renews the application account's grants
(core.db_accounts), so a table added by the migration is readable and writable by the application
and an append-only table stays add-and-read only. Without it, exactly Django's migrate.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.commands import migrate
from django.db import connections

from gradepath.core import db_accounts


class Command(migrate.Command):
    help = (migrate.Command.help + " With GRADEPATH_MIGRATE_DATABASE_URL set, runs as that (owner) account and "
            "then renews the application account's grants.")

    def handle(self, *args, **options):
        alias = options["database"]
        # Named before the connection takes the owner's credentials: DATABASE_URL's user is the application's.
        accounts = db_accounts.accounts_for(alias) if settings.GRADEPATH_MIGRATE_DATABASE else None
        with db_accounts.owner_connection(alias) as as_owner:
            super().handle(*args, **options)
            if as_owner and accounts is not None:
                db_accounts.apply_grants(connections[alias], accounts)
                if options["verbosity"] >= 1:
                    self.stdout.write(f"Renewed the grants of the application account {accounts.app}: add and "
                                      f"read only on {', '.join(db_accounts.protected_tables())}.")
