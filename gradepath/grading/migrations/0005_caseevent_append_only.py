"""The database refuses UPDATE and DELETE on grading case events (the decisions), as on history.

SQLite: BEFORE UPDATE / BEFORE DELETE triggers that abort; the DELETE trigger allows the test
harness's flush through the same switch as history (core.history.history_purge_allowed).
PostgreSQL: a row trigger raising an exception. In the two-account deployment the application
account may only INSERT and SELECT this table, so it can neither TRUNCATE it nor drop or disable
the trigger (docs/deployment.md). The application never updates or deletes a case event.
"""

from django.db import migrations

SQLITE_UP = [
    """CREATE TRIGGER grading_caseevent_no_update BEFORE UPDATE ON grading_caseevent
       BEGIN SELECT RAISE(ABORT, 'grading case events are append-only'); END;""",
    """CREATE TRIGGER grading_caseevent_no_delete BEFORE DELETE ON grading_caseevent
       WHEN gradepath_history_purge_allowed() = 0
       BEGIN SELECT RAISE(ABORT, 'grading case events are append-only'); END;""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS grading_caseevent_no_update;",
    "DROP TRIGGER IF EXISTS grading_caseevent_no_delete;",
]
POSTGRES_UP = [
    """CREATE OR REPLACE FUNCTION grading_caseevent_refuse_change() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'grading case events are append-only'; END;
       $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER grading_caseevent_append_only BEFORE UPDATE OR DELETE ON grading_caseevent
       FOR EACH ROW EXECUTE FUNCTION grading_caseevent_refuse_change();""",
]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS grading_caseevent_append_only ON grading_caseevent;",
    "DROP FUNCTION IF EXISTS grading_caseevent_refuse_change();",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("grading", "0004_checked_grade")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}),
        ),
    ]
