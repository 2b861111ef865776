"""Defaults of the activity-hours alert; a département overrides them with its own dated rows."""

from django.db import migrations

from parcours.core.rule_defaults import load_defaults, unload_defaults

DEFAULTS = [
    (
        "activity.far_below_ratio",
        0.5,
        "2025-01-01",
        "Paramètre local : alerte quand les heures réalisées sont sous la moitié de la cible",
    ),
    (
        "activity.alert_weeks",
        2,
        "2025-01-01",
        "Paramètre local : heures comparées sur les 2 dernières semaines complètes",
    ),
]


def load(apps, schema_editor):
    load_defaults(apps, DEFAULTS)


def unload(apps, schema_editor):
    unload_defaults(apps, DEFAULTS)


class Migration(migrations.Migration):
    dependencies = [("activity", "0001_initial"), ("core", "0002_default_rules")]
    operations = [migrations.RunPython(load, unload)]
