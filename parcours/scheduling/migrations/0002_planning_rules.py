"""National defaults of the planning rules (dated, overridable per département like the other rule keys)."""

import datetime

from django.db import migrations

DEFAULTS = [
    ("planning.slot_minutes", 45, "2025-01-01", "Usage retenu : un entretien de suivi dure 45 minutes"),
    ("planning.window_days", 3, "2025-01-01", "Usage retenu : le rendez-vous est fixé à 3 jours au plus de la date due"),
]


def load(apps, schema_editor):
    RuleValue = apps.get_model("core", "RuleValue")
    for key, value, since, source in DEFAULTS:
        RuleValue.objects.get_or_create(
            key=key,
            effective_from=datetime.date.fromisoformat(since),
            department=None,
            defaults={"value": value, "source": source},
        )


def unload(apps, schema_editor):
    RuleValue = apps.get_model("core", "RuleValue")
    RuleValue.objects.filter(key__in=[key for key, *_ in DEFAULTS], department=None).delete()


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0001_initial"), ("core", "0002_default_rules")]
    operations = [migrations.RunPython(load, unload)]
