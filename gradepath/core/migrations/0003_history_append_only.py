"""The database itself refuses UPDATE and DELETE on history rows.

SQLite: BEFORE UPDATE / BEFORE DELETE triggers that abort. The DELETE trigger consults
gradepath_history_purge_allowed(), a function the application registers on its own
connections and turns on only around a test harness flush (core.history); any other
client (sqlite3 shell) has no such function, so its DELETE fails too.
PostgreSQL: a row trigger raising an exception on UPDATE or DELETE (TRUNCATE, used only by
a test flush, is a separate statement-level event and not covered).
"""

from django.db import migrations

SQLITE_UP = [
    """CREATE TRIGGER core_historyentry_no_update BEFORE UPDATE ON core_historyentry
       BEGIN SELECT RAISE(ABORT, 'history entries are append-only'); END;""",
    """CREATE TRIGGER core_historyentry_no_delete BEFORE DELETE ON core_historyentry
       WHEN gradepath_history_purge_allowed() = 0
       BEGIN SELECT RAISE(ABORT, 'history entries are append-only'); END;""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS core_historyentry_no_update;",
    "DROP TRIGGER IF EXISTS core_historyentry_no_delete;",
]
POSTGRES_UP = [
    """CREATE OR REPLACE FUNCTION core_historyentry_refuse_change() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'history entries are append-only'; END;
       $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER core_historyentry_append_only BEFORE UPDATE OR DELETE ON core_historyentry
       FOR EACH ROW EXECUTE FUNCTION core_historyentry_refuse_change();""",
]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS core_historyentry_append_only ON core_historyentry;",
    "DROP FUNCTION IF EXISTS core_historyentry_refuse_change();",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("core", "0002_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}),
        ),
    ]
