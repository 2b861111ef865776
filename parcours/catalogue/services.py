"""Who maintains and moderates which services, and the writes they make (partners' edits, moderation)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from parcours.accounts.enums import Profession
from parcours.catalogue.models import OUR_SOURCE, Service, ServiceStatus, Structure
from parcours.organizations.models import Department


def partner_organization_ids(viewer) -> set[int]:
    return {m.organization_id for m in viewer.memberships_as(Profession.PARTNER)}


def partner_services(viewer):
    """Services of the structures that the viewer's partner organisations maintain."""
    return Service.objects.filter(structure__organization_id__in=partner_organization_ids(viewer))


def partner_structures(viewer):
    return Structure.objects.filter(organization_id__in=partner_organization_ids(viewer))


def can_moderate(viewer) -> bool:
    return viewer.user.is_staff or viewer.has(Profession.ADMINISTRATOR)


def moderated_services(viewer):
    """Platform staff: every service. An administrator: the services located in their départements, or whose
    structure is maintained by an organisation of their départements."""
    if viewer.user.is_staff:
        return Service.objects.all()
    if not viewer.has(Profession.ADMINISTRATOR):
        return Service.objects.none()
    department_ids = {m.organization.department_id for m in viewer.memberships_as(Profession.ADMINISTRATOR)}
    codes = Department.objects.filter(pk__in=department_ids).values("code")
    return Service.objects.filter(
        Q(commune__department_code__in=codes) | Q(structure__organization__department_id__in=department_ids)
    )


EDITABLE_FIELDS = [
    "name", "description", "themes", "service_types", "fees", "fees_details", "publics", "publics_details",
    "access_conditions", "reception_modes", "mobilization_modes", "mobilizable_by", "mobilization_url",
    "mobilization_details", "contact_name", "contact_email", "phone", "address", "commune", "opening_hours",
    "weekly_hours", "duration_weeks", "sectors", "zone",
]  # fmt: skip


@transaction.atomic
def save_partner_service(service: Service, data: dict, *, by, verified: bool) -> Service:
    """A partner's edit of one of its services; « J'ai vérifié ces informations » dates the check."""
    creating = service.pk is None
    for name in EDITABLE_FIELDS:
        if name in data:
            setattr(service, name, data[name])
    commune = service.commune
    if commune is not None:
        service.city, service.insee_code = commune.name, commune.insee_code
        service.postal_code = commune.main_postal_code
        if creating or "commune" in data:
            service.latitude, service.longitude = commune.latitude, commune.longitude
    elif service.structure_id and service.latitude is None:
        service.latitude, service.longitude = service.structure.latitude, service.structure.longitude
    if creating:
        service.source = OUR_SOURCE
        service.source_id = f"{OUR_SOURCE}--{service.public_id}"
        service.status = ServiceStatus.PUBLISHED
    if verified:
        service.checked_at, service.checked_by = timezone.now(), by
    service.updated_on = timezone.localdate()
    service.save()  # the post_save signal refreshes its search data
    return service


@transaction.atomic
def mark_checked(service: Service, *, by) -> None:
    service.checked_at, service.checked_by = timezone.now(), by
    service.save(update_fields=["checked_at", "checked_by", "modified_at"])


@transaction.atomic
def moderate(service: Service, *, action: str, reason: str, by) -> Service:
    """Suspend (reason required) or publish again a service; the search forgets a suspended one at once."""
    reason = (reason or "").strip()
    if action == "suspend":
        if not reason:
            raise ValidationError("Indiquez le motif de la suspension : il est communiqué au partenaire.")
        service.status = ServiceStatus.SUSPENDED
    elif action == "publish":
        service.status = ServiceStatus.PUBLISHED
    else:
        raise ValidationError("Action de modération inconnue.")
    service.moderation_reason = reason
    service.moderated_at, service.moderated_by = timezone.now(), by
    service.save(update_fields=["status", "moderation_reason", "moderated_at", "moderated_by", "modified_at"])
    return service
