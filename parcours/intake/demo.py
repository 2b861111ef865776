"""Demo: the département received three daily CAF/MSA fluxes (50, 30 and 5 days ago), imported by the engine."""

import datetime
import tempfile
from pathlib import Path

from django.utils import timezone

from parcours.intake import engine
from parcours.intake.fluxgen import FluxHousehold, FluxPerson, synthetic_households, write_flux

DAYS_AGO = (50, 30, 5)


def seed_imports(department, *, seed: int, people_per_flux: int = 40) -> dict:
    today = timezone.localdate()
    totals = {"batches": 0, "created": 0, "to_review": 0, "rejected": 0}
    with tempfile.TemporaryDirectory(prefix="parcours-demo-") as tmp:
        for k, days in enumerate(DAYS_AGO):
            reference = today - datetime.timedelta(days=days)
            households = list(
                synthetic_households(
                    people_per_flux, seed=seed * 100 + k, department_code=department.code, reference_date=reference
                )
            )
            for household in households:  # matricules of their own: never those of the demo's followed people
                household.caf_number = f"9{k}{household.caf_number}"
            path = Path(tmp) / f"RSABEM-{reference:%Y%m%d}.xml"
            write_flux(path, households, reference_date=reference, department_code=department.code)
            batch = engine.run(engine.create_batch(department=department, source_path=path, filename=path.name))
            _count(totals, batch)
        path = Path(tmp) / f"RSABEM-{today:%Y%m%d}.xml"
        write_flux(path, _probable_duplicates(department), reference_date=today, department_code=department.code)
        _count(totals, engine.run(engine.create_batch(department=department, source_path=path, filename=path.name)))
    return totals


def _count(totals, batch):
    totals["batches"] += 1
    for name in ("created", "to_review", "rejected"):
        totals[name] += getattr(batch, name)


def _probable_duplicates(department, n=4):
    """People already followed, sent again by the CAF under another matricule, without NIR, with a typo: the
    review queue (« Doublons à examiner ») has something to show."""
    from parcours.people.models import Beneficiary

    people = Beneficiary.objects.filter(department=department, birth_date__isnull=False, follow_ups__isnull=False)
    for k, person in enumerate(people.order_by("pk")[:n]):
        last = person.last_name.upper()
        typo = last[:-2] + last[-1] + last[-2] if len(last) > 3 else last + "E"
        yield FluxHousehold(
            caf_number=f"99{k:05d}",
            persons=[
                FluxPerson(
                    last_name=typo,
                    first_name=person.first_name.upper(),
                    birth_date=person.birth_date,
                    sex=person.sex or "f",
                )
            ],
            rsa_since=today_minus(200),
            commune_insee=person.commune.insee_code if person.commune else "",
        )


def today_minus(days):
    return timezone.localdate() - datetime.timedelta(days=days)
