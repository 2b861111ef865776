"""National defaults of the alert rules; a département overrides them with its own dated rows."""

from django.db import migrations

from parcours.core.rule_defaults import load_defaults, unload_defaults

DEFAULTS = [
    ("alerts.no_contact_days", 30, "2025-01-01", "Usage retenu (pas de délai légal) : alerte après 30 jours sans rendez-vous honoré"),
    ("alerts.contract_ending_days", 30, "2025-01-01", "Usage retenu : préparer le renouvellement du contrat un mois avant son terme"),
    ("alerts.no_show.answer_days", 10, "2025-01-01", "Usage retenu (durée de validité d'une invitation dans rdv-insertion : 10 jours)"),
    ("alerts.no_show.letter_days", 15, "2025-01-01", "Usage retenu : délai laissé après le courrier de relance avant la saisine de l'équipe pluridisciplinaire"),
]


def load(apps, schema_editor):
    load_defaults(apps, DEFAULTS)


def unload(apps, schema_editor):
    unload_defaults(apps, DEFAULTS)


class Migration(migrations.Migration):
    dependencies = [("alerts", "0001_initial"), ("core", "0002_default_rules")]
    operations = [migrations.RunPython(load, unload)]
