"""Chain history rows by hash (ADR 15), with the head of the chain in its own table.

Rows written before this migration are chained here, in the order they were written (by id), so
``gradepath audit-verify`` covers the whole table from the first row: the chain vouches for them
from now on (a change made to one of them before today cannot be told apart from its original).
The append-only triggers of migration 0003 are dropped while the new columns are filled in and
created again at the end (on SQLite, changing a column rebuilds the table, which drops its
triggers). The migration runs as the owner account (docs/deployment.md).
"""

import django.utils.timezone
from django.db import migrations, models

from gradepath.core import chain

SQLITE_TRIGGERS = [
    """CREATE TRIGGER core_historyentry_no_update BEFORE UPDATE ON core_historyentry
       BEGIN SELECT RAISE(ABORT, 'history entries are append-only'); END;""",
    """CREATE TRIGGER core_historyentry_no_delete BEFORE DELETE ON core_historyentry
       WHEN gradepath_history_purge_allowed() = 0
       BEGIN SELECT RAISE(ABORT, 'history entries are append-only'); END;""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS core_historyentry_no_update;",
    "DROP TRIGGER IF EXISTS core_historyentry_no_delete;",
]
POSTGRES_TRIGGERS = [
    """CREATE OR REPLACE FUNCTION core_historyentry_refuse_change() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'history entries are append-only'; END;
       $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER core_historyentry_append_only BEFORE UPDATE OR DELETE ON core_historyentry
       FOR EACH ROW EXECUTE FUNCTION core_historyentry_refuse_change();""",
]
POSTGRES_DROP = ["DROP TRIGGER IF EXISTS core_historyentry_append_only ON core_historyentry;"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


create_triggers = _run({"sqlite": SQLITE_DROP + SQLITE_TRIGGERS, "postgresql": POSTGRES_DROP + POSTGRES_TRIGGERS})
drop_triggers = _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP})


def chain_existing_rows(apps, schema_editor):
    """Give every row already written its position, link and hash, oldest first."""
    entry_model = apps.get_model("core", "HistoryEntry")
    head_model = apps.get_model("core", "AuditChainHead")
    db = schema_editor.connection.alias
    seq, last = 0, chain.GENESIS
    batch = []
    for row in entry_model.objects.using(db).order_by("id").iterator(chunk_size=2000):
        seq, last = chain.link([row], after_seq=seq, after_hash=last)
        batch.append(row)
        if len(batch) == 2000:
            entry_model.objects.using(db).bulk_update(batch, ["chain_seq", "prev_hash", "row_hash"])
            batch = []
    if batch:
        entry_model.objects.using(db).bulk_update(batch, ["chain_seq", "prev_hash", "row_hash"])
    if seq:
        head_model.objects.using(db).create(name="history", seq=seq, last_hash=last)


class Migration(migrations.Migration):
    dependencies = [("core", "0003_history_append_only")]

    operations = [
        migrations.RunPython(drop_triggers, create_triggers),
        migrations.CreateModel(
            name="AuditChainHead",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=40, unique=True)),
                ("seq", models.PositiveBigIntegerField(default=0,
                                                       help_text="The chain reached at least this position.")),
                ("last_hash", models.CharField(default=chain.GENESIS, help_text="The hash at that position.",
                                               max_length=64)),
                ("txn", models.BigIntegerField(default=0,
                                               help_text="The PostgreSQL transaction that last moved the mark.")),
                ("updated_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={"ordering": ["name"]},
        ),
        migrations.AddField(
            model_name="historyentry",
            name="chain_seq",
            field=models.PositiveBigIntegerField(null=True, help_text="Position in the hash chain (1, 2, 3…)."),
        ),
        migrations.AddField(
            model_name="historyentry",
            name="prev_hash",
            field=models.CharField(default="", help_text="The hash of the row before this one in the chain.",
                                   max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="historyentry",
            name="row_hash",
            field=models.CharField(default="", help_text="SHA-256 of this row's content, position and link.",
                                   max_length=64),
            preserve_default=False,
        ),
        migrations.RunPython(chain_existing_rows, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="historyentry",
            name="chain_seq",
            field=models.PositiveBigIntegerField(unique=True, help_text="Position in the hash chain (1, 2, 3…)."),
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
