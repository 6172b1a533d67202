"""The record of an HR import run from the admin page by the worker (people.ImportRun): its file, mode,
status and report, so the page can follow it after the upload's request has ended."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('people', '0007_remove_unit_role_columns'),
    ]

    operations = [
        migrations.CreateModel(
            name='ImportRun',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('file_name', models.CharField(blank=True, max_length=255)),
                ('data', models.BinaryField(blank=True)),
                ('fingerprint', models.CharField(help_text='SHA-256 of the file and the mode.', max_length=64)),
                ('dry_run', models.BooleanField()),
                ('per_row', models.BooleanField()),
                ('status', models.CharField(choices=[('queued', 'Waiting for the worker'), ('running', 'Running'), ('finished', 'Finished'), ('failed', 'Stopped by an error')], default='queued', max_length=20)),
                ('ok', models.BooleanField(blank=True, help_text='Whether every row imported (once finished).', null=True)),
                ('summary', models.TextField(blank=True)),
                ('report', models.JSONField(blank=True, default=dict, help_text='Problems and changes, as the page lists them.')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('started_at', models.DateTimeField(blank=True, null=True)),
                ('finished_at', models.DateTimeField(blank=True, null=True)),
                ('started_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-created_at', '-pk'],
                'constraints': [models.CheckConstraint(condition=models.Q(('finished_at__isnull', True), ('status__in', ['finished', 'failed']), _connector='OR'), name='importrun_finished_only_when_done')],
            },
        ),
    ]
