"""Default frein → thématiques mapping (DOMAIN §4.3) and the freshness rule (catalogue.freshness_days)."""

from django.db import migrations

from parcours.core.rule_defaults import load_defaults, unload_defaults

DEFAULTS = [
    (
        "catalogue.freshness_days",
        180,
        "2025-01-01",
        "Usage retenu (comme dora) : un service non vérifié depuis 6 mois déclenche un rappel au partenaire",
    ),
]


def load(apps, schema_editor):
    load_defaults(apps, DEFAULTS)
    from parcours.catalogue.vocabulary import default_barrier_themes

    BarrierThemes = apps.get_model("catalogue", "BarrierThemes")
    for barrier, themes in default_barrier_themes().items():
        BarrierThemes.objects.get_or_create(barrier=str(barrier), defaults={"themes": themes})


def unload(apps, schema_editor):
    unload_defaults(apps, DEFAULTS)
    apps.get_model("catalogue", "BarrierThemes").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0001_initial"), ("core", "0002_default_rules")]
    operations = [migrations.RunPython(load, unload)]
