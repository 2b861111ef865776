"""National defaults of the planning rules (dated, overridable per département like the other rule keys)."""

from django.db import migrations

from parcours.core.rule_defaults import load_defaults, unload_defaults

DEFAULTS = [
    ("planning.slot_minutes", 45, "2025-01-01", "Usage retenu : un entretien de suivi dure 45 minutes"),
    ("planning.window_days", 3, "2025-01-01", "Usage retenu : le rendez-vous est fixé à 3 jours au plus de la date due"),
]


def load(apps, schema_editor):
    load_defaults(apps, DEFAULTS)


def unload(apps, schema_editor):
    unload_defaults(apps, DEFAULTS)


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0001_initial"), ("core", "0002_default_rules")]
    operations = [migrations.RunPython(load, unload)]
