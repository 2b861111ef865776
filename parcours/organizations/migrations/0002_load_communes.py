"""Load every French commune (INSEE code, name, postal codes, population, coordinates)."""

import csv
import gzip
import io
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "communes.csv.gz"


def load(apps, schema_editor):
    Commune = apps.get_model("organizations", "Commune")
    with gzip.open(DATA, "rt", encoding="utf-8") as handle:
        rows = list(csv.DictReader(io.StringIO(handle.read())))
    Commune.objects.bulk_create(
        (
            Commune(
                insee_code=r["insee_code"],
                name=r["name"],
                postal_codes=r["postal_codes"],
                department_code=r["department_code"],
                population=int(r["population"]) if r["population"] else None,
                latitude=float(r["latitude"]) if r["latitude"] else None,
                longitude=float(r["longitude"]) if r["longitude"] else None,
            )
            for r in rows
        ),
        batch_size=2000,
        ignore_conflicts=True,
    )


def unload(apps, schema_editor):
    apps.get_model("organizations", "Commune").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("organizations", "0001_initial")]
    operations = [migrations.RunPython(load, unload, elidable=True)]
