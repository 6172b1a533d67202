"""Full-text search of JD versions in the database (the agreed JD library's search, jobs.search).

Each database keeps its own index of every version's job title (weighted most) and its purpose and
duties, kept right by the database itself, so versions written in bulk are found too:

* PostgreSQL: a stored generated ``tsvector`` column ``search_document`` (English stemming) with a
  GIN index;
* SQLite: a contentless FTS5 table ``jobs_jdversion_fts`` (Porter stemming, the same rowid as the
  version) kept in step by triggers on insert, update and delete.

Neither is a Django field: only jobs.search reads them. A later migration that makes SQLite rebuild
``jobs_jdversion`` (altering a column) drops its triggers: re-create them there
(``SQLITE_TRIGGERS``) — the search tests fail if they are missing.
"""

from django.db import migrations

# The text a version is found by: its title, then its purpose and each duty (JSON list, decoded).
_SQLITE_BODY = ("coalesce({row}.purpose, '') || ' ' || "
                "coalesce((SELECT group_concat(value, ' ') FROM json_each({row}.duties)), '')")

SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER jobs_jdversion_fts_insert AFTER INSERT ON jobs_jdversion BEGIN
          INSERT INTO jobs_jdversion_fts(rowid, title, body)
          VALUES (NEW.id, NEW.job_title, {_SQLITE_BODY.format(row="NEW")});
        END;""",
    f"""CREATE TRIGGER jobs_jdversion_fts_delete AFTER DELETE ON jobs_jdversion BEGIN
          INSERT INTO jobs_jdversion_fts(jobs_jdversion_fts, rowid, title, body)
          VALUES ('delete', OLD.id, OLD.job_title, {_SQLITE_BODY.format(row="OLD")});
        END;""",
    f"""CREATE TRIGGER jobs_jdversion_fts_update AFTER UPDATE OF job_title, purpose, duties ON jobs_jdversion
        BEGIN
          INSERT INTO jobs_jdversion_fts(jobs_jdversion_fts, rowid, title, body)
          VALUES ('delete', OLD.id, OLD.job_title, {_SQLITE_BODY.format(row="OLD")});
          INSERT INTO jobs_jdversion_fts(rowid, title, body)
          VALUES (NEW.id, NEW.job_title, {_SQLITE_BODY.format(row="NEW")});
        END;""",
]

SQLITE_UP = [
    "CREATE VIRTUAL TABLE jobs_jdversion_fts USING fts5(title, body, content='', "
    "tokenize='porter unicode61 remove_diacritics 2');",
    *SQLITE_TRIGGERS,
    f"""INSERT INTO jobs_jdversion_fts(rowid, title, body)
        SELECT v.id, v.job_title, {_SQLITE_BODY.format(row="v")} FROM jobs_jdversion v;""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS jobs_jdversion_fts_insert;",
    "DROP TRIGGER IF EXISTS jobs_jdversion_fts_delete;",
    "DROP TRIGGER IF EXISTS jobs_jdversion_fts_update;",
    "DROP TABLE IF EXISTS jobs_jdversion_fts;",
]
POSTGRES_UP = [
    """ALTER TABLE jobs_jdversion ADD COLUMN search_document tsvector GENERATED ALWAYS AS (
         setweight(to_tsvector('english'::regconfig, coalesce(job_title, '')), 'A')
         || setweight(to_tsvector('english'::regconfig, coalesce(purpose, '')), 'C')
         || setweight(to_tsvector('english'::regconfig, coalesce(duties, '[]'::jsonb)), 'C')
       ) STORED;""",
    "CREATE INDEX jobs_jdversion_search_idx ON jobs_jdversion USING gin (search_document);",
]
POSTGRES_DOWN = [
    "DROP INDEX IF EXISTS jobs_jdversion_search_idx;",
    "ALTER TABLE jobs_jdversion DROP COLUMN IF EXISTS search_document;",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("jobs", "0003_post_specific_jd")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}),
        ),
    ]
