"""National defaults of the orientation rules; a département overrides them with its own dated rows.

- orientation.delay_days: the président du conseil départemental orients a new RSA beneficiary within 6 weeks of
  receiving the information (CASF D262-65-2, DOMAIN §1.1).
- caseload.weight.<parcours>: how much one person of each parcours weighs in a counselor's caseload when referents
  are suggested (parcours/orientation/referents.py). No official weighting exists (DOMAIN §7: no legal caseload
  ratio either): a local parameter, to be set by each département.
"""

from django.db import migrations

from parcours.core.rule_defaults import load_defaults, unload_defaults

LOCAL = "Paramètre local (aucune pondération officielle) : "
DEFAULTS = [
    ("orientation.delay_days", 42, "2025-01-01", "CASF D262-65-2 (décret n° 2024-1244 du 30 décembre 2024) : orientation dans les 6 semaines"),
    ("caseload.weight.pro", 1.0, "2025-01-01", LOCAL + "une personne en parcours professionnel compte pour 1"),
    ("caseload.weight.socio_pro", 1.5, "2025-01-01", LOCAL + "parcours socio-professionnel, accompagnement plus soutenu : 1,5"),
    ("caseload.weight.social", 2.0, "2025-01-01", LOCAL + "parcours social, accompagnement le plus intensif : 2"),
]


def load(apps, schema_editor):
    load_defaults(apps, DEFAULTS)


def unload(apps, schema_editor):
    unload_defaults(apps, DEFAULTS)


class Migration(migrations.Migration):
    dependencies = [("orientation", "0002_orientation_queue_and_decisions"), ("core", "0002_default_rules")]
    operations = [migrations.RunPython(load, unload)]
