"""Import a data·inclusion export (JSON or CSV, structures and/or services), validated by the official models.

Rows the official schema rejects are reported with their number and the French reason; the others are written
in bulk and idempotently: a row updates the structure or service of the same (source, id), never duplicates it.
Coordinates come from the row, or else from the centroid of its commune (code INSEE), or else (services) from
their structure. The whole import is one transaction.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import pydantic
from data_inclusion.schema import v1 as di
from django.db import transaction

from parcours.catalogue import indexing
from parcours.catalogue.di_fields import LIST_FIELDS, french_errors
from parcours.catalogue.models import Service, Structure
from parcours.organizations.models import Commune

BATCH = 1000
STRUCTURE_FIELDS = [
    "name", "description", "source_url", "updated_on", "siret", "commune", "city", "postal_code", "insee_code",
    "address", "address_complement", "latitude", "longitude", "phone", "email", "website", "opening_hours",
    "accessibility_url", "networks",
]  # fmt: skip
SERVICE_FIELDS = [
    "structure", "name", "description", "source_url", "updated_on", "service_types", "themes", "fees",
    "fees_details", "publics", "publics_details", "access_conditions", "commune", "city", "postal_code",
    "insee_code", "address", "address_complement", "latitude", "longitude", "phone", "contact_email",
    "reception_modes", "zone", "contact_name", "mobilization_url", "mobilization_modes", "mobilizable_by",
    "mobilization_details", "weekly_hours", "duration_weeks", "opening_hours", "filter_tags", "search_text",
]  # fmt: skip


class UnreadableFile(Exception):
    """The file cannot be read or is not a data·inclusion export (message in French)."""


@dataclass
class Rejected:
    file: str
    row: int  # line of a CSV file (header = line 1), or 1-based position in a JSON list
    kind: str  # "structure" | "service"
    ident: str
    reasons: list[str]

    def __str__(self):
        where = f"{self.file}, {'ligne' if self.file.lower().endswith('.csv') else 'élément'} {self.row}"
        ident = f" ({self.ident})" if self.ident else ""
        return f"{where}{ident} : {' ; '.join(self.reasons)}"


@dataclass
class Report:
    structures_created: int = 0
    structures_updated: int = 0
    services_created: int = 0
    services_updated: int = 0
    rejected: list[Rejected] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"Structures : {self.structures_created} créée(s), {self.structures_updated} mise(s) à jour. "
            f"Services : {self.services_created} créé(s), {self.services_updated} mis à jour. "
            f"Lignes rejetées : {len(self.rejected)}."
        )


# ---------------------------------------------------------------------------------------------------- reading


def _cell(name: str, value):
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
        if value == "":
            return None
        if name in LIST_FIELDS:
            if value.startswith("["):
                try:
                    return json.loads(value)
                except ValueError:
                    return value
            return [part.strip() for part in value.replace(";", ",").replace("|", ",").split(",") if part.strip()]
    return value


def read_rows(path: Path | str, content: str | None = None) -> list[tuple[int, dict]]:
    """(row number, raw dict) of a JSON list (or {"structures": [...], "services": [...]}) or a CSV file."""
    path = Path(path)
    if content is None:
        try:
            content = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise UnreadableFile(f"Impossible de lire le fichier « {path} » : {error}.") from error
    stripped = content.lstrip()
    if stripped[:1] in "[{":
        try:
            data = json.loads(stripped)
        except ValueError as error:
            raise UnreadableFile(f"Le fichier « {path.name} » n'est pas un JSON valide : {error}.") from error
        if isinstance(data, dict):
            data = [*data.get("structures", []), *data.get("services", [])]
        if not isinstance(data, list) or not all(isinstance(row, dict) for row in data):
            raise UnreadableFile(f"Le fichier « {path.name} » doit contenir une liste d'objets data·inclusion.")
        return [(i, {k: _cell(k, v) for k, v in row.items()}) for i, row in enumerate(data, start=1)]
    try:
        dialect = csv.Sniffer().sniff(content[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(content), dialect=dialect)
    if not reader.fieldnames or "id" not in reader.fieldnames or "nom" not in reader.fieldnames:
        raise UnreadableFile(
            f"Le fichier « {path.name} » n'est ni une liste JSON ni un CSV data·inclusion "
            "(colonnes « id » et « nom » attendues)."
        )
    return [(reader.line_num, {k: _cell(k, v) for k, v in row.items() if k}) for row in reader]


def is_service_row(row: dict) -> bool:
    return "structure_id" in row


# ---------------------------------------------------------------------------------------------------- mapping


def _clip(model, name: str, value):
    max_length = model._meta.get_field(name).max_length
    return value[:max_length] if isinstance(value, str) and max_length else value


def _text(value) -> str:
    return "" if value is None else str(value)


def _codes(values) -> list[str]:
    return sorted(str(getattr(v, "value", v)) for v in values or ())


def _place(m, communes: dict) -> dict:
    commune = communes.get(m.code_insee) if m.code_insee else None
    latitude, longitude = m.latitude, m.longitude
    if (latitude is None or longitude is None) and commune is not None:
        latitude, longitude = commune.latitude, commune.longitude
    return {
        "commune": commune,
        "city": _text(m.commune) or (commune.name if commune else ""),
        "postal_code": _text(m.code_postal),
        "insee_code": _text(m.code_insee),
        "address": _text(m.adresse),
        "address_complement": _text(m.complement_adresse),
        "latitude": latitude,
        "longitude": longitude,
        "phone": _text(m.telephone),
        "opening_hours": _text(m.horaires_accueil),
        "source_url": _text(m.lien_source),
        "updated_on": m.date_maj,
    }


def structure_values(m: di.Structure, communes: dict) -> dict:
    values = {
        **_place(m, communes),
        "name": m.nom,
        "description": _text(m.description),
        "siret": _text(m.siret),
        "email": _text(m.courriel),
        "website": _text(m.site_web),
        "accessibility_url": _text(m.accessibilite_lieu),
        "networks": _codes(m.reseaux_porteurs),
    }
    return {k: _clip(Structure, k, v) for k, v in values.items()}


def service_values(m: di.Service, structure: Structure, communes: dict) -> dict:
    values = {
        **_place(m, communes),
        "structure": structure,
        "name": m.nom,
        "description": m.description,
        "service_types": [m.type.value] if m.type else [],
        "themes": _codes(m.thematiques),
        "fees": m.frais.value if m.frais else "",
        "fees_details": _text(m.frais_precisions),
        "publics": _codes(m.publics),
        "publics_details": _text(m.publics_precisions),
        "access_conditions": _text(m.conditions_acces),
        "contact_email": _text(m.courriel),
        "reception_modes": _codes(m.modes_accueil),
        "zone": [str(code) for code in m.zone_eligibilite or ()],
        "contact_name": _text(m.contact_nom_prenom),
        "mobilization_url": _text(m.lien_mobilisation),
        "mobilization_modes": _codes(m.modes_mobilisation),
        "mobilizable_by": _codes(m.mobilisable_par),
        "mobilization_details": _text(m.mobilisation_precisions),
        "weekly_hours": m.volume_horaire_hebdomadaire,
        "duration_weeks": m.nombre_semaines,
    }
    if values["latitude"] is None or values["longitude"] is None:
        values["latitude"], values["longitude"] = structure.latitude, structure.longitude
        if values["commune"] is None:
            values["commune"] = structure.commune
    return {k: _clip(Service, k, v) for k, v in values.items()}


# ---------------------------------------------------------------------------------------------------- writing


def _communes(models_) -> dict:
    codes = {m.code_insee for m in models_ if m.code_insee}
    found: dict = {}
    codes_list = sorted(codes)
    for start in range(0, len(codes_list), BATCH):
        for commune in Commune.objects.filter(insee_code__in=codes_list[start : start + BATCH]):
            found[commune.insee_code] = commune
    return found


def _existing_keys(model, keys: list[tuple[str, str]]) -> set[tuple[str, str]]:
    return {key for key, _ in _lookup(model, keys)}


def _pks(model, keys: list[tuple[str, str]]) -> list[int]:
    return [pk for _, pk in _lookup(model, keys)]


def _lookup(model, keys: list[tuple[str, str]]) -> list[tuple[tuple[str, str], int]]:
    found: list = []
    by_source: dict[str, list[str]] = {}
    for source, ident in keys:
        by_source.setdefault(source, []).append(ident)
    for source, idents in by_source.items():
        for start in range(0, len(idents), BATCH):
            rows = model.objects.filter(source=source, source_id__in=idents[start : start + BATCH])
            found += [((s, i), pk) for s, i, pk in rows.values_list("source", "source_id", "pk")]
    return found


def _validate(file, rows, schema, kind, report) -> list:
    valid = []
    for number, row in rows:
        try:
            valid.append(schema.model_validate(row))
        except pydantic.ValidationError as error:
            report.rejected.append(Rejected(file, number, kind, str(row.get("id") or ""), french_errors(error)))
    return valid


def _upsert(model, objects: list, fields: list[str]) -> list:
    return model.objects.bulk_create(
        objects,
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=["source", "source_id"],
        update_fields=[*fields, "modified_at"],
    )


def import_structures(file: str, rows, report: Report) -> None:
    valid = _validate(file, rows, di.Structure, "structure", report)
    valid = list({(m.source, m.id): m for m in valid}.values())  # the last row of a repeated id wins
    communes = _communes(valid)
    existing = _existing_keys(Structure, [(m.source, m.id) for m in valid])
    objects = [Structure(source=m.source, source_id=m.id, **structure_values(m, communes)) for m in valid]
    _upsert(Structure, objects, STRUCTURE_FIELDS)
    report.structures_updated += sum((m.source, m.id) in existing for m in valid)
    report.structures_created += len(valid) - sum((m.source, m.id) in existing for m in valid)


def import_services(file: str, rows, report: Report) -> None:
    valid = _validate(file, rows, di.Service, "service", report)
    valid = list({(m.source, m.id): m for m in valid}.values())
    wanted = [(m.source, m.structure_id) for m in valid]
    structures: dict = {}
    for source in {s for s, _ in wanted}:
        idents = sorted({i for s, i in wanted if s == source})
        for start in range(0, len(idents), BATCH):
            for structure in Structure.objects.filter(source=source, source_id__in=idents[start : start + BATCH]):
                structures[(structure.source, structure.source_id)] = structure
    numbers = {row.get("id"): number for number, row in rows}
    known = []
    for m in valid:
        if (m.source, m.structure_id) in structures:
            known.append(m)
            continue
        reason = f"identifiant de la structure : structure inconnue (« {m.structure_id} »)"
        report.rejected.append(Rejected(file, numbers.get(m.id, 0), "service", m.id, [reason]))
    communes = _communes(known)
    existing = _existing_keys(Service, [(m.source, m.id) for m in known])
    objects = []
    for m in known:
        service = Service(
            source=m.source, source_id=m.id, **service_values(m, structures[(m.source, m.structure_id)], communes)
        )
        indexing.prepare(service)
        objects.append(service)
    _upsert(Service, objects, SERVICE_FIELDS)
    ids = _pks(Service, [(m.source, m.id) for m in known])
    indexing.refresh(ids)
    updated = sum((m.source, m.id) in existing for m in known)
    report.services_updated += updated
    report.services_created += len(known) - updated


@transaction.atomic
def import_files(paths, *, contents: dict | None = None) -> Report:
    """Import one or more files (structures before services, whatever the order given). All or nothing."""
    report = Report()
    structure_rows, service_rows = [], []
    for path in paths:
        name = Path(path).name
        rows = read_rows(path, (contents or {}).get(str(path)))
        structure_rows.append((name, [(n, r) for n, r in rows if not is_service_row(r)]))
        service_rows.append((name, [(n, r) for n, r in rows if is_service_row(r)]))
    for name, rows in structure_rows:
        if rows:
            import_structures(name, rows, report)
    for name, rows in service_rows:
        if rows:
            import_services(name, rows, report)
    return report
