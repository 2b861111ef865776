"""National defaults of the alert rules; a département overrides them with its own dated rows."""

import datetime

from django.db import migrations

DEFAULTS = [
    ("alerts.no_contact_days", 30, "2025-01-01", "Usage retenu (pas de délai légal) : alerte après 30 jours sans rendez-vous honoré"),
    ("alerts.contract_ending_days", 30, "2025-01-01", "Usage retenu : préparer le renouvellement du contrat un mois avant son terme"),
    ("alerts.no_show.answer_days", 10, "2025-01-01", "Usage retenu (durée de validité d'une invitation dans rdv-insertion : 10 jours)"),
    ("alerts.no_show.letter_days", 15, "2025-01-01", "Usage retenu : délai laissé après le courrier de relance avant la saisine de l'équipe pluridisciplinaire"),
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
    dependencies = [("alerts", "0001_initial"), ("core", "0002_default_rules")]
    operations = [migrations.RunPython(load, unload)]
