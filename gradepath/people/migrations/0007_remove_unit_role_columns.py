"""The FM/HPS, HoD/departmental contact and HRBP columns go: their holders are assignments now (0006)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("people", "0006_move_unit_role_holders"),
    ]

    operations = [
        migrations.RemoveField(model_name="orgunit", name="fm_hps"),
        migrations.RemoveField(model_name="orgunit", name="head"),
        migrations.RemoveField(model_name="orgunit", name="hrbp"),
    ]
