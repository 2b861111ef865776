"""Derived search data of services: filter tags, folded text, SearchPoint and RemoteArea rows (bulk, set-based).

Call `refresh(service_ids)` after any write to services (import, partner edit, moderation): it rewrites the
denormalised columns and the index rows of those services in a few statements whatever their number.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from django.db import transaction

from parcours.catalogue.models import RemoteArea, SearchPoint, Service, ServiceStatus
from parcours.catalogue.vocabulary import IN_PERSON, NATIONAL_ZONES, REMOTE, theme_tokens

ANY = "*"  # SearchPoint token of every located published service (searches without thématique)
CHUNK = 2000


def fold(text: str) -> str:
    """Lower-case, accents removed, spaces collapsed: « Épicerie  Solidaire » → « epicerie solidaire »."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.lower().replace("’", "'").split())


def filter_tags(service: Service) -> str:
    tags = [f"t:{v}" for v in theme_tokens(service.themes)]
    tags += [f"ty:{v}" for v in service.service_types or ()]
    tags += [f"m:{v}" for v in service.reception_modes or ()]
    tags += [f"p:{v}" for v in service.publics or ()]
    tags += [f"s:{v}" for v in service.sectors or ()]
    if service.fees:
        tags.append(f"f:{service.fees}")
    return f" {' '.join(tags)} " if tags else ""


def remote_codes(service: Service, department_code: str = "") -> list[str]:
    """Where a remote service is reachable: its zone, or by default its commune's département."""
    codes = [str(c) for c in service.zone or ()]
    if not codes and department_code:
        codes = [department_code]
    return ["france" if c in NATIONAL_ZONES else c for c in codes]


def prepare(service: Service) -> None:
    """Fill the denormalised columns of an unsaved or changed service (no query)."""
    service.filter_tags = filter_tags(service)
    service.search_text = fold(f"{service.name} {service.description}")


def rows_for(service: Service, department_code: str = "") -> tuple[list[SearchPoint], list[RemoteArea]]:
    if service.status != ServiceStatus.PUBLISHED:
        return [], []
    points = []
    modes = service.reception_modes or ()
    reachable_on_site = not modes or IN_PERSON in modes  # a remote-only service matches through its zone only
    if reachable_on_site and service.latitude is not None and service.longitude is not None:
        points = [
            SearchPoint(service_id=service.pk, token=token, latitude=service.latitude, longitude=service.longitude)
            for token in [ANY, *theme_tokens(service.themes)]
        ]
    areas = []
    if REMOTE in modes:
        tokens = [ANY, *theme_tokens(service.themes)]
        codes = dict.fromkeys(remote_codes(service, department_code))
        areas = [RemoteArea(service_id=service.pk, code=code, token=token) for code in codes for token in tokens]
    return points, areas


@transaction.atomic
def refresh(service_ids: Iterable[int]) -> int:
    """Rewrite the search data of these services (tags, text, index rows). Returns how many were refreshed."""
    ids = list(service_ids)
    done = 0
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        services = list(
            Service.objects.filter(pk__in=chunk)
            .select_related("commune")
            .only(
                "pk",
                "name",
                "description",
                "themes",
                "service_types",
                "reception_modes",
                "publics",
                "sectors",
                "fees",
                "zone",
                "status",
                "latitude",
                "longitude",
                "commune__department_code",
            )
        )
        for service in services:
            prepare(service)
        Service.objects.bulk_update(services, ["filter_tags", "search_text"], batch_size=500)
        SearchPoint.objects.filter(service_id__in=chunk).delete()
        RemoteArea.objects.filter(service_id__in=chunk).delete()
        points, areas = [], []
        for service in services:
            p, a = rows_for(service, service.commune.department_code if service.commune_id else "")
            points += p
            areas += a
        SearchPoint.objects.bulk_create(points, batch_size=2000)
        RemoteArea.objects.bulk_create(areas, batch_size=2000)
        done += len(services)
    return done
