"""National defaults of the referral rules; a département overrides them with its own dated rows."""

from django.db import migrations

from parcours.core.rule_defaults import load_defaults, unload_defaults

DEFAULTS = [
    (
        "referrals.expiry_days",
        30,
        "2025-01-01",
        "Paramètre local : une orientation sans réponse expire après 30 jours",
    ),
    ("referrals.link_days", 8, "2025-01-01", "Paramètre local : le lien envoyé au partenaire est valable 8 jours"),
    (
        "referrals.reminder_days_before",
        2,
        "2025-01-01",
        "Paramètre local : rappel au partenaire 2 jours avant l'expiration du lien",
    ),
]


def load(apps, schema_editor):
    load_defaults(apps, DEFAULTS)


def unload(apps, schema_editor):
    unload_defaults(apps, DEFAULTS)


class Migration(migrations.Migration):
    dependencies = [("referrals", "0001_initial"), ("core", "0002_default_rules")]
    operations = [migrations.RunPython(load, unload)]
