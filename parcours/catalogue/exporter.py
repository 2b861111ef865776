"""Export our catalogue in the data·inclusion v1 schema: each row goes through the official models."""

from __future__ import annotations

import json
from pathlib import Path

import pydantic
from data_inclusion.schema import v1 as di

from parcours.catalogue.di_fields import french_errors
from parcours.catalogue.models import Service, ServiceStatus, Structure

CHUNK = 2000
REQUIRED = {"source", "id", "structure_id", "nom", "description", "date_maj"}


def _or_none(value):
    return value if value not in ("", None, []) else None


def _date(obj):
    return obj.updated_on or obj.modified_at.date()


def _place(obj) -> dict:
    return {
        "source": obj.source,
        "id": obj.source_id,
        "nom": obj.name,
        "date_maj": _date(obj),
        "lien_source": _or_none(obj.source_url),
        "commune": _or_none(obj.city) or (obj.commune.name if obj.commune_id else None),
        "code_postal": _or_none(obj.postal_code) or (obj.commune.main_postal_code if obj.commune_id else None),
        "code_insee": _or_none(obj.insee_code) or (obj.commune.insee_code if obj.commune_id else None),
        "adresse": _or_none(obj.address),
        "complement_adresse": _or_none(obj.address_complement),
        "longitude": obj.longitude,
        "latitude": obj.latitude,
        "telephone": _or_none(obj.phone),
        "horaires_accueil": _or_none(obj.opening_hours),
    }


def _checked(schema, data: dict):
    """Validate with the official model; an invalid optional value is left out rather than the whole row."""
    try:
        return schema.model_validate(data)
    except pydantic.ValidationError as error:
        bad = {e["loc"][0] for e in error.errors() if e.get("loc") and isinstance(e["loc"][0], str)}
        if bad & REQUIRED:
            raise
        return schema.model_validate({k: (None if k in bad else v) for k, v in data.items()})


def structure_model(structure: Structure) -> di.Structure:
    return _checked(
        di.Structure,
        dict(
            **_place(structure),
            description=_or_none(structure.description) if len(structure.description or "") >= 5 else None,
            siret=_or_none(structure.siret),
            courriel=_or_none(structure.email),
            site_web=_or_none(structure.website),
            accessibilite_lieu=_or_none(structure.accessibility_url),
            reseaux_porteurs=_or_none(structure.networks),
        ),
    )


def service_model(service: Service) -> di.Service:
    return _checked(
        di.Service,
        dict(
            **_place(service),
            structure_id=service.structure.source_id,
            description=service.description,
            type=service.service_types[0] if service.service_types else None,
            thematiques=_or_none(service.themes),
            frais=_or_none(service.fees),
            frais_precisions=_or_none(service.fees_details),
            publics=_or_none(service.publics),
            publics_precisions=_or_none(service.publics_details),
            conditions_acces=_or_none(service.access_conditions),
            courriel=_or_none(service.contact_email),
            modes_accueil=_or_none(service.reception_modes),
            zone_eligibilite=_or_none(service.zone),
            contact_nom_prenom=_or_none(service.contact_name),
            lien_mobilisation=_or_none(service.mobilization_url),
            modes_mobilisation=_or_none(service.mobilization_modes),
            mobilisable_par=_or_none(service.mobilizable_by),
            mobilisation_precisions=_or_none(service.mobilization_details),
            volume_horaire_hebdomadaire=service.weekly_hours,
            nombre_semaines=service.duration_weeks,
        ),
    )


def _dump(model) -> dict:
    data = model.model_dump(mode="json")
    return {k: sorted(v) if isinstance(v, list) and k != "zone_eligibilite" else v for k, v in data.items()}


def _iterate(queryset):
    last = 0
    while True:
        batch = list(queryset.filter(pk__gt=last).order_by("pk")[:CHUNK])
        if not batch:
            return
        yield from batch
        last = batch[-1].pk


def _rows(queryset, to_model, skipped: list) -> list[dict]:
    rows = []
    for obj in _iterate(queryset):
        try:
            rows.append(_dump(to_model(obj)))
        except pydantic.ValidationError as error:
            skipped.append(
                f"{obj._meta.verbose_name} « {obj} » ({obj.source_id}) : {' ; '.join(french_errors(error))}"
            )
    return rows


def export_rows(skipped: list | None = None) -> tuple[list[dict], list[dict]]:
    """Structures and published services as data·inclusion dicts; rows the schema refuses go to `skipped`."""
    skipped = [] if skipped is None else skipped
    structures = _rows(Structure.objects.select_related("commune"), structure_model, skipped)
    published = Service.objects.filter(status=ServiceStatus.PUBLISHED).select_related("commune", "structure")
    return structures, _rows(published, service_model, skipped)


def export_to(directory: Path | str, skipped: list | None = None) -> tuple[int, int]:
    """Write `structures.json` and `services.json` in `directory` (created if needed); returns both counts."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    structures, services = export_rows(skipped)
    for name, rows in (("structures.json", structures), ("services.json", services)):
        (directory / name).write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    return len(structures), len(services)
