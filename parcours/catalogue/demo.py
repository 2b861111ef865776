"""A realistic demo catalogue around a département's communes (a few hundred services, fictitious contacts)."""

from __future__ import annotations

import datetime
import json
import random
from functools import cache
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from parcours.catalogue import indexing
from parcours.catalogue.models import Service, Structure
from parcours.organizations.enums import OrganizationKind
from parcours.organizations.models import Commune, Organization

DEMO_SOURCE = "demo"

DATA = Path(__file__).resolve().parent / "data" / "demo_catalogue.json"


@cache
def templates() -> list[dict]:
    """Kinds of structures (name pattern with {city}, réseau porteur, sectors) and the services each offers."""
    return json.loads(DATA.read_text(encoding="utf-8"))


def _jitter(rng: random.Random, value: float, spread: float = 0.01) -> float:
    return round(value + rng.uniform(-spread, spread), 6)


STREETS = ["rue de la République", "avenue Jean-Jaurès", "rue Paul-Vaillant-Couturier", "place de la Mairie"]


def _structure(rng, department, commune, index: int, template: dict, partners, now) -> Structure:
    sectors = template["sectors"]
    return Structure(
        source=DEMO_SOURCE,
        source_id=f"{DEMO_SOURCE}--{commune.insee_code}-{index}",
        name=template["name"].format(city=commune.name)[:150],
        description="Structure de démonstration (données fictives).",
        commune=commune,
        city=commune.name,
        postal_code=commune.main_postal_code,
        insee_code=commune.insee_code,
        address=f"{rng.randint(1, 120)} {rng.choice(STREETS)}",
        latitude=_jitter(rng, commune.latitude),
        longitude=_jitter(rng, commune.longitude),
        phone=f"+3314{rng.randint(1000000, 9999999)}",
        email=f"contact-{commune.insee_code}-{index}@catalogue.example.org",
        opening_hours="Mo-Fr 09:00-12:30,13:30-17:00",
        networks=[template["network"]] if template["network"] else [],
        sectors=list(sectors),
        organization=rng.choice(partners) if partners and sectors and rng.random() < 0.5 else None,
        updated_on=now.date() - datetime.timedelta(days=rng.randint(0, 300)),
        checked_at=now - datetime.timedelta(days=rng.randint(0, 260)),
    )


def _service(department, structure: Structure, index: int, row: dict) -> Service:
    remote = "a-distance" in row["modes"]
    service = Service(
        structure=structure,
        source=DEMO_SOURCE,
        source_id=f"{structure.source_id}-{index}",
        name=row["name"],
        description=row["description"],
        themes=row["themes"],
        service_types=[row["type"]],
        reception_modes=row["modes"],
        publics=row["publics"],
        fees=row["fees"],
        weekly_hours=row["weekly_hours"],
        duration_weeks=row["weeks"],
        zone=[department.code] if remote else [structure.insee_code],
        mobilization_modes=["envoyer-un-courriel", "telephoner"],
        mobilizable_by=["professionnels"],
        contact_email=structure.email,
        sectors=list(structure.sectors),
        updated_on=structure.updated_on,
        checked_at=structure.checked_at,
    )
    for name in ("commune", "city", "postal_code", "insee_code", "address", "latitude", "longitude", "phone"):
        setattr(service, name, getattr(structure, name))
    service.opening_hours = structure.opening_hours
    indexing.prepare(service)
    return service


@transaction.atomic
def seed_catalogue(department, *, seed: int = 1, per_commune: int = 4) -> int:
    """Structures and services in the communes of `department`; returns the number of services (0 when seeded).

    Each commune gets `per_commune` kinds of structures drawn from the templates; a template without « {city} »
    (a département-wide structure) is created once.
    """
    rng = random.Random(seed)
    communes = Commune.objects.filter(department_code=department.code, latitude__isnull=False).order_by("insee_code")
    partners = list(
        Organization.objects.filter(
            department=department, kind__in=[OrganizationKind.SIAE, OrganizationKind.ASSOCIATION]
        ).order_by("pk")
    )
    if Structure.objects.filter(source=DEMO_SOURCE, insee_code__in=communes.values("insee_code")).exists():
        return 0
    now = timezone.now()
    kinds = list(enumerate(templates()))
    structures, rows, once = [], [], set()
    for commune in communes:
        for index, template in rng.sample(kinds, k=min(per_commune, len(kinds))):
            if "{city}" not in template["name"]:
                if index in once:
                    continue
                once.add(index)
            structure = _structure(rng, department, commune, index, template, partners, now)
            structures.append(structure)
            rows += [(structure, i, row) for i, row in enumerate(template["services"])]
    Structure.objects.bulk_create(structures, batch_size=500)
    services = Service.objects.bulk_create([_service(department, s, i, row) for s, i, row in rows], batch_size=500)
    indexing.refresh([s.pk for s in services])
    return len(services)
