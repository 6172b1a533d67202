from django.db import migrations, models


class Migration(migrations.Migration):
    """The season index holds the appraisal's id too: completion by unit's late-task check reads it, so
    PostgreSQL can count a season from the index alone (SQLite's indexes hold the row id anyway)."""

    dependencies = [
        ("appraisal", "0002_season_index_covers_due_on"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="appraisal",
            name="appraisal_season_unit_idx",
        ),
        migrations.AddIndex(
            model_name="appraisal",
            index=models.Index(fields=["year", "org_unit", "state", "due_on", "id"], name="appraisal_season_unit_idx"),
        ),
    ]
