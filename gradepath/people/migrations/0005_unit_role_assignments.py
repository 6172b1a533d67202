"""Unit roles become dated assignments (ADR 25): the table, and one holder per unit and role on any day.

The portable constraints are the model's (an end on or after the start; one open-ended holder; one
holder starting on a day). The full rule, "no two holders of a role for a unit on the same day", is a
date-range exclusion constraint on PostgreSQL (btree_gist, a trusted extension the database owner may
create) and two triggers on SQLite, so both databases refuse the same rows; the service
(people.services.assign_unit_role) refuses them first, with a sentence for the user.
"""

import django.db.models.deletion
from django.db import migrations, models

MESSAGE = "a unit has one holder of a role on any day"
_overlap = ("SELECT 1 FROM people_unitroleassignment o WHERE o.unit_id = NEW.unit_id AND o.role = NEW.role "
            "AND (o.end_date IS NULL OR o.end_date >= NEW.start_date) "
            "AND (NEW.end_date IS NULL OR o.start_date <= NEW.end_date)")

SQLITE_UP = [
    f"""CREATE TRIGGER people_unitrole_no_overlap_insert BEFORE INSERT ON people_unitroleassignment
        WHEN EXISTS ({_overlap}) BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
    f"""CREATE TRIGGER people_unitrole_no_overlap_update
        BEFORE UPDATE OF unit_id, role, start_date, end_date ON people_unitroleassignment
        WHEN EXISTS ({_overlap} AND o.id <> NEW.id) BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS people_unitrole_no_overlap_insert;",
    "DROP TRIGGER IF EXISTS people_unitrole_no_overlap_update;",
]
POSTGRES_UP = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist;",
    """ALTER TABLE people_unitroleassignment ADD CONSTRAINT people_unitrole_no_overlap
       EXCLUDE USING gist (unit_id WITH =, role WITH =, daterange(start_date, end_date, '[]') WITH &&);""",
]
POSTGRES_DOWN = ["ALTER TABLE people_unitroleassignment DROP CONSTRAINT IF EXISTS people_unitrole_no_overlap;"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ("people", "0004_post_grade_history"),
    ]

    operations = [
        migrations.AlterField(
            model_name="delegation",
            name="role",
            field=models.CharField(max_length=30),
        ),
        migrations.CreateModel(
            name="UnitRoleAssignment",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("role", models.CharField(max_length=30)),
                ("start_date", models.DateField()),
                ("end_date", models.DateField(blank=True, help_text="Blank: until further notice.", null=True)),
                ("person", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="unit_roles",
                                             to="people.person")),
                ("unit", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT,
                                           related_name="role_assignments", to="people.orgunit")),
            ],
            options={
                "verbose_name": "unit role holder",
                "ordering": ["unit", "role", "start_date"],
                "indexes": [models.Index(fields=["person", "role"], name="unitrole_person_role_idx")],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("end_date__isnull", True), ("end_date__gte", models.F("start_date")),
                                           _connector="OR"),
                        name="unit_role_ends_after_it_starts"),
                    models.UniqueConstraint(condition=models.Q(("end_date__isnull", True)), fields=("unit", "role"),
                                            name="one_open_holder_per_unit_role"),
                    models.UniqueConstraint(fields=("unit", "role", "start_date"),
                                            name="one_holder_per_unit_role_start"),
                ],
            },
        ),
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}),
        ),
    ]
