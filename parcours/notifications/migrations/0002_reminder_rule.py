"""Default of the dated rule `reminders.days_before`: reminders 2 days before and the day before."""

from django.db import migrations

from parcours.core.rule_defaults import load_defaults, unload_defaults

KEY = "reminders.days_before"
SOURCE = (
    "Usage retenu (issue 3) : rappels 2 jours avant et la veille ; les rappels divisent les absences jusqu'à "
    "cinq. Liste de jours séparés par des virgules, modifiable par département."
)


DEFAULTS = [(KEY, "2,1", "2025-01-01", SOURCE)]


def load(apps, schema_editor):
    load_defaults(apps, DEFAULTS)


def unload(apps, schema_editor):
    unload_defaults(apps, DEFAULTS)


class Migration(migrations.Migration):
    dependencies = [("core", "0002_default_rules"), ("notifications", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
