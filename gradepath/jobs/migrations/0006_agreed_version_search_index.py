"""PostgreSQL: the library searches agreed versions only, through a GIN index of those alone.

With the index over every version, a common word ("support", in half of 40,000 versions at 50,000
staff) made the planner read the whole table, un-TOASTing every version's tsvector (230-500 ms); the
partial index holds the current library's versions (status agreed), so the planner takes the index
(about 10 ms). jobs.search names the same condition. SQLite's FTS5 table is unchanged.
"""

from django.db import migrations

POSTGRES_UP = [
    "CREATE INDEX jobs_jdversion_agreed_search_idx ON jobs_jdversion USING gin (search_document) "
    "WHERE status = 'agreed';",
    "DROP INDEX IF EXISTS jobs_jdversion_search_idx;",
]
POSTGRES_DOWN = [
    "CREATE INDEX jobs_jdversion_search_idx ON jobs_jdversion USING gin (search_document);",
    "DROP INDEX IF EXISTS jobs_jdversion_agreed_search_idx;",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("jobs", "0005_jd_list_index")]

    operations = [migrations.RunPython(_run(POSTGRES_UP), _run(POSTGRES_DOWN))]
