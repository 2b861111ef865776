"""National defaults of the dated rules, with their source. A département overrides them with its own rows."""

from django.db import migrations

from parcours.core.rule_defaults import load_defaults

DEFAULTS = [
    ("cadence.days.pro", 15, "2025-01-01", "Pas de cadence légale (CT R5411-14) : usage retenu, un rendez-vous tous les 15 jours"),
    ("cadence.days.socio_pro", 15, "2025-01-01", "Pas de cadence légale (CT R5411-14) : usage retenu, tous les 15 jours"),
    ("cadence.days.social", 15, "2025-01-01", "Pas de cadence légale (CT R5411-14) : usage retenu, tous les 15 jours"),
    ("contract.weekly_hours", 15, "2025-01-01", "CT L5411-6 II (loi n° 2023-1196 du 18 décembre 2023) : au moins 15 heures"),
    ("contract.signature_delay_days", 30, "2025-01-01", "CT D5411-14-1 : contrat signé dans le mois suivant l'orientation"),
    ("orientation.delay_days", 42, "2025-01-01", "CASF D262-65-2 (décret n° 2024-1244) : orientation sous 6 semaines"),
]


def load(apps, schema_editor):
    load_defaults(apps, DEFAULTS)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
