"""The database refuses to change the text of a JD version once it has left draft.

Status may still move forward (submitted → agreed → superseded), never back to draft; a
non-draft version cannot be deleted. Same rule on SQLite and PostgreSQL (on SQLite the test
harness's flush may delete, through the same switch as the history table: core.history).
"""

from django.db import migrations

PROTECTED = [
    "jd_id", "number", "job_title", "job_family_id", "purpose", "duties", "line_management",
    "working_relationships", "person_spec", "additional_information", "grade_id", "based_on_id",
]
MESSAGE = "a submitted JD version cannot be changed: start a new draft from it"

_sqlite_changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in PROTECTED)
_pg_changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in PROTECTED)

SQLITE_UP = [
    f"""CREATE TRIGGER jobs_jdversion_immutable BEFORE UPDATE ON jobs_jdversion
        WHEN OLD.status <> 'draft' AND (NEW.status = 'draft' OR {_sqlite_changed})
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
    f"""CREATE TRIGGER jobs_jdversion_no_delete BEFORE DELETE ON jobs_jdversion
        WHEN OLD.status <> 'draft' AND gradepath_history_purge_allowed() = 0
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS jobs_jdversion_immutable;",
    "DROP TRIGGER IF EXISTS jobs_jdversion_no_delete;",
]
POSTGRES_UP = [
    f"""CREATE OR REPLACE FUNCTION jobs_jdversion_guard() RETURNS trigger AS $$
        BEGIN
          IF TG_OP = 'DELETE' THEN
            IF OLD.status <> 'draft' THEN RAISE EXCEPTION '{MESSAGE}'; END IF;
            RETURN OLD;
          END IF;
          IF OLD.status <> 'draft' AND (NEW.status = 'draft' OR {_pg_changed}) THEN
            RAISE EXCEPTION '{MESSAGE}';
          END IF;
          RETURN NEW;
        END;
        $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER jobs_jdversion_immutable BEFORE UPDATE OR DELETE ON jobs_jdversion
       FOR EACH ROW EXECUTE FUNCTION jobs_jdversion_guard();""",
]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS jobs_jdversion_immutable ON jobs_jdversion;",
    "DROP FUNCTION IF EXISTS jobs_jdversion_guard();",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("jobs", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}),
        ),
    ]
