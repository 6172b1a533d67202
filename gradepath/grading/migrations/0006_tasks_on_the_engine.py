"""Grading's tasks move into the engine's one task table (workflow.Task), keeping their ids (so the
"waiting for you" messages keyed to them still find them); CaseTask becomes grading's view of that
table; the bank holidays' model moves to the engine (their table stays)."""

from django.core.management.color import no_style
from django.db import migrations


def copy_tasks(apps, schema_editor):
    CaseTask = apps.get_model("grading", "CaseTask")
    Task = apps.get_model("workflow", "Task")
    ContentType = apps.get_model("contenttypes", "ContentType")
    GradingCase = apps.get_model("grading", "GradingCase")
    case_type, _ = ContentType.objects.get_or_create(app_label="grading", model="gradingcase")
    cases = {c.pk: c for c in GradingCase.objects.all().only("id", "reference", "title", "org_unit_id", "subject_id",
                                                             "state")}
    rows = []
    for old in CaseTask.objects.all().order_by("id").iterator():
        case = cases[old.case_id]
        rows.append(Task(
            id=old.id, process="grading", content_type=case_type, object_id=case.pk, reference=case.reference,
            title=case.title[:200], org_unit_id=case.org_unit_id, subject_id=case.subject_id, step=old.step,
            state=case.state if old.completed_at is None else "", assignee_id=old.assignee_id,
            team="HR Services" if old.assignee_id is None else "", role=old.role, capacity=old.capacity,
            description=old.description, due_date=old.due_date, created_at=old.created_at,
            completed_at=old.completed_at, reminded_at=old.reminded_at, escalated_at=old.escalated_at))
        if len(rows) >= 2000:
            Task.objects.bulk_create(rows)
            rows = []
    Task.objects.bulk_create(rows)
    connection = schema_editor.connection
    if connection.vendor == "postgresql":  # ids were given: the sequence continues after them
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [Task]):
                cursor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("grading", "0005_caseevent_append_only"),
        ("workflow", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(copy_tasks, migrations.RunPython.noop),
        migrations.DeleteModel(name="CaseTask"),
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="BankHoliday")],
                                            database_operations=[]),
        migrations.CreateModel(
            name="CaseTask",
            fields=[],
            options={"proxy": True, "indexes": [], "constraints": []},
            bases=("workflow.task",),
        ),
    ]
