"""Reference counters (core.references): one locked row per series and year."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("core", "0004_history_chain")]

    operations = [
        migrations.CreateModel(
            name="ReferenceCounter",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("series", models.CharField(max_length=40)),
                ("year", models.PositiveSmallIntegerField()),
                ("last_number", models.PositiveIntegerField(default=0)),
            ],
            options={
                "ordering": ["series", "year"],
                "constraints": [models.UniqueConstraint(fields=("series", "year"), name="one_counter_per_series_year")],
            },
        ),
    ]
