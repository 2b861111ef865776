"""Read-side helpers of the catalogue pages (one query each, whatever the number of rows)."""

from __future__ import annotations

import datetime

from django.db.models import Count, Q
from django.utils import timezone

from parcours.catalogue.freshness import RULE
from parcours.catalogue.models import BarrierThemes, Service, ServiceStatus, Structure
from parcours.catalogue.services import moderated_services, partner_services
from parcours.catalogue.vocabulary import Sector, default_barrier_themes, label
from parcours.core.rules import rule_value
from parcours.diagnostics.enums import Barrier
from parcours.organizations.models import Commune

PAGE = 100


def visible_services(viewer):
    """What a professional may open: published services, plus the ones they maintain or moderate."""
    scope = Q(status=ServiceStatus.PUBLISHED)
    scope |= Q(pk__in=partner_services(viewer).values("pk"))
    scope |= Q(pk__in=moderated_services(viewer).values("pk"))
    return Service.objects.filter(scope)


def service_for_page(viewer, public_id) -> Service | None:
    return visible_services(viewer).select_related("structure", "commune").filter(public_id=public_id).first()


def freshness_days(department_id=None) -> int:
    return int(rule_value(RULE, on=timezone.localdate(), department_id=department_id))


def stale_before(department_id=None) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=freshness_days(department_id))


def is_stale(service: Service, limit: datetime.datetime) -> bool:
    return (service.checked_at or service.created_at) < limit


def partner_rows(viewer) -> list[Service]:
    return list(partner_services(viewer).select_related("structure").order_by("structure__name", "name"))


def moderation_rows(viewer, *, status: str = "", stale: bool = False, text: str = "") -> tuple[list[Service], int]:
    rows = moderated_services(viewer).select_related("structure", "moderated_by")
    if status:
        rows = rows.filter(status=status)
    if stale:
        limit = stale_before()
        rows = rows.filter(Q(checked_at__lt=limit) | Q(checked_at__isnull=True, created_at__lt=limit))
    if text:
        rows = rows.filter(Q(name__icontains=text) | Q(structure__name__icontains=text))
    rows = list(rows.order_by("status", "structure__name", "name")[: PAGE + 1])
    return rows[:PAGE], len(rows) > PAGE


def commune_options(text: str, limit: int = 12) -> list[Commune]:
    text = (text or "").strip()
    if len(text) < 2:
        return []
    communes = Commune.objects.order_by("-population", "name")
    if text.isdigit():
        return list(communes.filter(Q(insee_code__startswith=text) | Q(postal_codes__contains=text))[:limit])
    return list(communes.filter(name__istartswith=text)[:limit])


def barrier_theme_table() -> list[dict]:
    table = {str(k): v for k, v in default_barrier_themes().items()}
    table.update(BarrierThemes.objects.values_list("barrier", "themes"))
    return [{"barrier": b.label, "themes": [label(t) for t in table.get(b.value, [])]} for b in Barrier]


def vocabulary_labels(service: Service) -> dict[str, list[str]]:
    return {
        "themes": [label(t) for t in service.themes or ()],
        "types": [label(t) for t in service.service_types or ()],
        "publics": [label(t) for t in service.publics or ()],
        "modes": [label(t) for t in service.reception_modes or ()],
        "mobilization": [label(t) for t in service.mobilization_modes or ()],
        "mobilizable_by": [label(t) for t in service.mobilizable_by or ()],
        "sectors": [label(t) for t in service.sectors or ()],
        "fees": [label(service.fees)] if service.fees else [],
    }


def sector_counts(viewer) -> list[dict]:
    """Per inclusive sector, the published services and the structures (SIAE…) tagged with it (two queries)."""
    services = moderated_services(viewer).filter(status=ServiceStatus.PUBLISHED)
    service_counts = services.aggregate(
        **{s.value: Count("pk", filter=Q(filter_tags__contains=f" s:{s.value} ")) for s in Sector}
    )
    structures = Structure.objects.filter(pk__in=services.values("structure_id"))
    structure_counts = structures.aggregate(
        **{s.value: Count("pk", filter=Q(sectors__icontains=f'"{s.value}"')) for s in Sector}
    )
    return [
        {
            "label": s.label,
            "value": s.value,
            "services": service_counts[s.value],
            "structures": structure_counts[s.value],
        }
        for s in Sector
    ]
