"""Default of the dated rule `reminders.days_before`: reminders 2 days before and the day before."""

import datetime

from django.db import migrations

KEY = "reminders.days_before"
SOURCE = (
    "Usage retenu (issue 3) : rappels 2 jours avant et la veille ; les rappels divisent les absences jusqu'à "
    "cinq. Liste de jours séparés par des virgules, modifiable par département."
)


def load(apps, schema_editor):
    RuleValue = apps.get_model("core", "RuleValue")
    RuleValue.objects.get_or_create(
        key=KEY,
        effective_from=datetime.date(2025, 1, 1),
        department=None,
        defaults={"value": "2,1", "source": SOURCE},
    )


def unload(apps, schema_editor):
    apps.get_model("core", "RuleValue").objects.filter(key=KEY, department=None).delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0002_default_rules"), ("notifications", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
