"""Authorisation matrix rows of this area (see tests/matrix/__init__.py).

Imports: orientation officers (for their département) and the administrators and managers of an organisation (for
it: here `administrator` and `agency_head`, manager of X). The batch is a spreadsheet of X in département A, with
its preview computed; its writes get invalid (empty) POSTs, so a persona let through gets 400.
"""

import tempfile
from pathlib import Path

from parcours.intake import engine
from parcours.intake.enums import BatchKind
from parcours.intake.sheets import auto_mapping, open_sheet
from tests.matrix.vocabulary import LOGIN, row

IMPORTERS = {"agency_head", "orientation_officer", "administrator"}


def importers(value, others=403):
    return row(default=others, anonymous=LOGIN, inactive=LOGIN, **dict.fromkeys(IMPORTERS, value))


EXPECTED = {
    "web:imports": {"GET": importers(200)},
    "web:import-new": {"GET": importers(200), "POST": importers(400)},
    "web:import-batch": {"GET": importers(200)},
    "web:import-mapping": {"GET": importers(405), "POST": importers(400)},
    "web:import-start": {"GET": importers(405), "POST": importers(400)},
    "web:import-progress": {"GET": importers(286)},  # the preview is ready: polling stops
    "web:import-issues": {"GET": importers(200)},
}
PARAMS = ("batch_id",)

SHEET = "Nom;Prénom;Date de naissance\r\nDurand;Éric;12/05/1980\r\nPetit;;01/02/1990\r\n"


def objects(world):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "liste.csv"
        path.write_text(SHEET, encoding="utf-8")
        batch = engine.create_batch(
            department=world.dept_a,
            kind=BatchKind.SHEET,
            source_path=path,
            filename="liste.csv",
            organization=world.org_x,
            created_by=world["orientation_officer"],
            mapping=auto_mapping(open_sheet(path, "liste.csv").headers),
        )
    if not batch.preview:
        engine.preview(batch)
    return {"batch_id": batch.public_id}
