"""Demo: the département received three daily CAF/MSA fluxes (50, 30 and 5 days ago), imported by the engine."""

import datetime
import tempfile
from pathlib import Path

from django.utils import timezone

from parcours.intake import engine
from parcours.intake.fluxgen import synthetic_households, write_flux

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
            totals["batches"] += 1
            for name in ("created", "to_review", "rejected"):
                totals[name] += getattr(batch, name)
    return totals
