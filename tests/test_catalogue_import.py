"""Import and export in the data·inclusion v1 schema, and their commands."""

import csv
import io
import json

import pytest
from data_inclusion.schema import v1 as di
from django.core.management import CommandError, call_command

from parcours.catalogue.demo import seed_catalogue
from parcours.catalogue.exporter import export_rows
from parcours.catalogue.importer import UnreadableFile, import_files
from parcours.catalogue.models import SearchPoint, Service, Structure
from parcours.catalogue.search import search
from tests.test_catalogue_support import BOBIGNY, commune, service_row, structure_row


def write_json(tmp_path, name, rows):
    path = tmp_path / name
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    return path


def test_import_valid_and_rejected_rows_with_french_reasons(db, tmp_path):
    good = structure_row()
    no_name = structure_row(nom=None)
    bad_siret = structure_row(siret="123")
    services = [
        service_row(good["id"]),
        service_row(good["id"], thematiques=["pas-une-thematique"]),
        service_row(good["id"], date_maj="2099-01-01"),
        service_row("dora--inconnue"),
    ]
    report = import_files(
        [
            write_json(tmp_path, "structures.json", [good, no_name, bad_siret]),
            write_json(tmp_path, "services.json", services),
        ]
    )
    assert (report.structures_created, report.services_created) == (1, 1)
    reasons = {(r.file, r.row): " ".join(r.reasons) for r in report.rejected}
    assert reasons[("structures.json", 2)] == "nom : champ obligatoire manquant"
    assert reasons[("structures.json", 3)] == "SIRET : trop court (au moins 14 caractères)"
    assert (
        "thématiques : valeur inconnue du référentiel data·inclusion (« pas-une-thematique »)"
        in reasons[("services.json", 2)]
    )
    assert "date de mise à jour" in reasons[("services.json", 3)] and "futur" in reasons[("services.json", 3)]
    assert "structure inconnue (« dora--inconnue »)" in reasons[("services.json", 4)]
    assert str(report.rejected[0]).startswith("structures.json, élément 2 (dora--s")
    assert report.summary() == (
        "Structures : 1 créée(s), 0 mise(s) à jour. Services : 1 créé(s), 0 mis à jour. Lignes rejetées : 5."
    )
    service = Service.objects.get()
    assert service.themes == ["mobilite--preparer-un-permis"] and service.service_types == ["formation"]
    assert (service.weekly_hours, service.duration_weeks) == (6.0, 20)


def test_reimport_updates_never_duplicates(db, tmp_path):
    structure = structure_row()
    service = service_row(structure["id"])
    path = write_json(tmp_path, "export.json", [structure, service])
    import_files([path])
    first_id = Service.objects.get().public_id
    service["nom"] = "Auto-école sociale et solidaire"
    service["thematiques"] = ["mobilite--financer-ma-mobilite"]
    report = import_files([write_json(tmp_path, "export.json", [service, structure])])  # order does not matter
    assert (report.structures_updated, report.services_updated, report.services_created) == (1, 1, 0)
    assert Structure.objects.count() == 1 and Service.objects.count() == 1
    updated = Service.objects.get()
    assert updated.public_id == first_id and updated.name == "Auto-école sociale et solidaire"
    tokens = set(SearchPoint.objects.filter(service=updated).values_list("token", flat=True))
    assert tokens == {"*", "mobilite--financer-ma-mobilite", "mobilite"}  # the index follows the update


def test_coordinates_from_the_row_or_the_commune_centroid(db, tmp_path):
    placed = structure_row(latitude=48.9, longitude=2.45)
    centroid = structure_row(code_insee=BOBIGNY)
    import_files([write_json(tmp_path, "structures.json", [placed, centroid])])
    bobigny = commune(BOBIGNY)
    rows = {s.source_id: s for s in Structure.objects.all()}
    assert (rows[placed["id"]].latitude, rows[placed["id"]].longitude) == (48.9, 2.45)
    assert (rows[centroid["id"]].latitude, rows[centroid["id"]].longitude) == (bobigny.latitude, bobigny.longitude)
    assert rows[centroid["id"]].commune == bobigny


def test_csv_export_with_list_cells_imports(db, tmp_path):
    structure = structure_row()
    service = service_row(
        structure["id"], thematiques="mobilite--preparer-un-permis, numerique--acquerir-un-equipement"
    )
    service["publics"] = "jeunes|femmes"
    service["modes_accueil"] = json.dumps(service["modes_accueil"])  # a JSON list in a cell is read too
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(service), delimiter=";")
    writer.writeheader()
    writer.writerow(service)
    service_path = tmp_path / "services.csv"
    service_path.write_text(buffer.getvalue(), encoding="utf-8")
    report = import_files([write_json(tmp_path, "structures.json", [structure]), service_path])
    assert report.rejected == [] and report.services_created == 1
    imported = Service.objects.get()
    assert imported.themes == ["mobilite--preparer-un-permis", "numerique--acquerir-un-equipement"]
    assert imported.publics == ["femmes", "jeunes"]


def test_csv_rejected_row_reports_its_line(db, tmp_path):
    path = tmp_path / "structures.csv"
    path.write_text("source,id,nom,date_maj\ndora,dora--1,Asso Un,2025-01-01\ndora,dora--2,AB,2025-01-01\n")
    report = import_files([path])
    assert [str(r) for r in report.rejected] == [
        "structures.csv, ligne 3 (dora--2) : nom : trop court (au moins 3 caractères)"
    ]


def test_unreadable_files(db, tmp_path):
    with pytest.raises(UnreadableFile, match="Impossible de lire"):
        import_files([tmp_path / "absent.json"])
    broken = tmp_path / "cassé.json"
    broken.write_text("[{")
    with pytest.raises(UnreadableFile, match="n'est pas un JSON valide"):
        import_files([broken])


def test_export_validates_with_the_official_models_and_round_trips(world, tmp_path):
    assert seed_catalogue(world.dept_a, seed=3, per_commune=2) > 100
    structures, services = export_rows()
    assert len(services) == Service.objects.count() and len(structures) == Structure.objects.count()
    for row in structures:
        di.Structure.model_validate(row)
    for row in services:
        di.Service.model_validate(row)
    sample = next(r for r in services if r["thematiques"])
    assert sample["structure_id"] in {s["id"] for s in structures}
    report = import_files(
        [write_json(tmp_path, "services.json", services), write_json(tmp_path, "structures.json", structures)]
    )
    assert report.rejected == [] and report.services_created == 0 and report.structures_created == 0
    assert report.services_updated == len(services)


def test_commands(db, tmp_path, capsys):
    structure = structure_row()
    path = write_json(tmp_path, "export.json", [structure, service_row(structure["id"]), structure_row(nom="X")])
    call_command("catalogue_import", str(path))
    out = capsys.readouterr().out
    assert "Rejeté : export.json, élément 3" in out and "nom : trop court" in out
    assert "Structures : 1 créée(s)" in out and "Services : 1 créé(s)" in out
    with pytest.raises(CommandError, match="Impossible de lire le fichier"):
        call_command("catalogue_import", str(tmp_path / "absent.json"))
    call_command("catalogue_export", str(tmp_path / "out"))
    assert "1 structure(s) et 1 service(s)" in capsys.readouterr().out
    exported = json.loads((tmp_path / "out" / "services.json").read_text())
    assert [di.Service.model_validate(row).nom for row in exported] == ["Auto-école sociale"]
    assert json.loads((tmp_path / "out" / "structures.json").read_text())[0]["id"] == structure["id"]


def test_imported_services_are_searchable_at_once(db, tmp_path):
    structure = structure_row()
    import_files([write_json(tmp_path, "export.json", [structure, service_row(structure["id"])])])
    hits = search(commune=BOBIGNY, radius_km=5, themes=["mobilite"])
    assert [h.service.name for h in hits] == ["Auto-école sociale"]
