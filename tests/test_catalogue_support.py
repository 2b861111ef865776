"""Helpers of the catalogue tests: data·inclusion rows, structures and services placed on real communes."""

import itertools

from parcours.catalogue.models import Service, ServiceStatus, Structure
from parcours.organizations.models import Commune

_ids = itertools.count(1)

# Real communes of the 93 and beyond (coordinates from the INSEE list loaded by the migrations).
BOBIGNY, PANTIN, MONTREUIL, LYON = "93008", "93055", "93048", "69123"


def commune(code: str) -> Commune:
    return Commune.objects.get(insee_code=code)


def structure_row(**extra) -> dict:
    n = next(_ids)
    row = {
        "source": "dora",
        "id": f"dora--s{n}",
        "nom": f"Association Mobilité {n}",
        "date_maj": "2025-03-01",
        "code_insee": BOBIGNY,
        "commune": "Bobigny",
        "siret": "13003013300016",
        "courriel": "contact@mobilite.example.org",
        "reseaux_porteurs": ["wimoov"],
    }
    row.update(extra)
    return row


def service_row(structure_id: str, **extra) -> dict:
    n = next(_ids)
    row = {
        "source": "dora",
        "structure_id": structure_id,
        "id": f"dora--v{n}",
        "nom": "Auto-école sociale",
        "description": "Code et conduite à tarif réduit, avec une pédagogie adaptée.",
        "date_maj": "2025-03-01",
        "type": "formation",
        "thematiques": ["mobilite--preparer-un-permis"],
        "frais": "payant",
        "publics": ["beneficiaires-des-minimas-sociaux"],
        "modes_accueil": ["en-presentiel"],
        "code_insee": BOBIGNY,
        "volume_horaire_hebdomadaire": 6,
        "nombre_semaines": 20,
    }
    row.update(extra)
    return row


def make_structure(*, organization=None, code=BOBIGNY, name=None, **extra) -> Structure:
    place = commune(code)
    return Structure.objects.create(
        source="test",
        source_id=f"test--st{next(_ids)}",
        name=name or f"Structure {place.name}",
        organization=organization,
        commune=place,
        city=place.name,
        latitude=place.latitude,
        longitude=place.longitude,
        **extra,
    )


def make_service(*, structure=None, code=None, name="Service", themes=("mobilite--preparer-un-permis",), **extra):
    structure = structure or make_structure(code=code or BOBIGNY)
    place = commune(code) if code else structure.commune
    extra.setdefault("status", ServiceStatus.PUBLISHED)
    extra.setdefault("reception_modes", ["en-presentiel"])
    return Service.objects.create(
        structure=structure,
        source="test",
        source_id=f"test--sv{next(_ids)}",
        name=name,
        description=extra.pop("description", "Un service pour les tests du catalogue."),
        themes=list(themes),
        commune=place,
        city=place.name,
        latitude=extra.pop("latitude", place.latitude),
        longitude=extra.pop("longitude", place.longitude),
        **extra,
    )
