"""The engine's one task table, and the bank holidays (the rows grading kept in
``grading_bankholiday``: the table stays, the model moves here)."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("people", "0004_post_grade_history"),
        ("grading", "0005_caseevent_append_only"),
    ]

    operations = [
        migrations.CreateModel(
            name="Task",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("process", models.CharField(help_text="The registered process (workflow.registry).", max_length=40)),
                ("object_id", models.PositiveBigIntegerField()),
                ("reference", models.CharField(max_length=20)),
                ("title", models.CharField(max_length=200)),
                ("step", models.PositiveIntegerField(help_text="The object's step when the task was made.")),
                ("state", models.CharField(help_text="The object's state when the task was made.", max_length=40)),
                ("team", models.CharField(blank=True, help_text="The group whose queue holds an unassigned task.",
                                          max_length=100)),
                ("role", models.CharField(max_length=30)),
                ("capacity", models.CharField(blank=True, max_length=300)),
                ("description", models.CharField(max_length=300)),
                ("due_date", models.DateField()),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("completed_at", models.DateTimeField(blank=True, null=True)),
                ("reminded_at", models.DateTimeField(blank=True, null=True)),
                ("escalated_at", models.DateTimeField(blank=True, null=True)),
                ("assignee", models.ForeignKey(blank=True, help_text="Empty: a team's queue.", null=True,
                                               on_delete=django.db.models.deletion.PROTECT,
                                               related_name="workflow_tasks", to="people.person")),
                ("content_type", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                                   to="contenttypes.contenttype")),
                ("org_unit", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                               related_name="+", to="people.orgunit")),
                ("subject", models.ForeignKey(blank=True, help_text="The person the object is about, if any.",
                                              null=True, on_delete=django.db.models.deletion.PROTECT,
                                              related_name="+", to="people.person")),
            ],
            options={
                "ordering": ["due_date", "id"],
                "indexes": [
                    models.Index(fields=["assignee", "completed_at", "due_date"], name="task_open_assignee_idx"),
                    models.Index(fields=["team", "completed_at", "due_date"], name="task_open_team_idx"),
                    models.Index(fields=["content_type", "object_id"], name="task_object_idx"),
                ],
            },
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="BankHoliday",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                                   verbose_name="ID")),
                        ("date", models.DateField(unique=True)),
                        ("name", models.CharField(max_length=100)),
                    ],
                    options={"ordering": ["date"], "db_table": "grading_bankholiday"},
                ),
            ],
            database_operations=[],
        ),
    ]
