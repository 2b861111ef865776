"""Orientation decisions (issue 4 §4, DOMAIN §1.1–1.2): the chargé·e d'orientation decides the parcours and the
organisme référent, with the reason. A decision is dated and never edited: a réorientation is a new decision that
replaces it (`replaces`), closes the accompaniment in progress and opens the new one. The history keeps them all.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from parcours.journal.services import record
from parcours.organizations.enums import OrganizationKind
from parcours.organizations.models import Organization
from parcours.orientation.enums import ExitReason, Parcours, RequestStatus
from parcours.orientation.models import FollowUp, Orientation, OrientationRequest
from parcours.orientation.services import close_follow_up, open_follow_up
from parcours.people.models import Beneficiary

# Legal wording of each parcours (CT L5411-5-1 I, national référentiel), for the decision form.
LEGAL_WORDING = {
    Parcours.PRO: "Parcours à vocation d'insertion professionnelle : accompagnement vers l'accès ou le retour à "
    "l'emploi.",
    Parcours.SOCIO_PRO: "Parcours à vocation socio-professionnelle : accompagnement vers l'emploi, avec des aides "
    "à visée d'insertion sociale.",
    Parcours.SOCIAL: "Parcours préalable à vocation d'insertion sociale : lorsque des difficultés font "
    "temporairement obstacle à la recherche d'emploi.",
}

# Who may be organisme référent (CT L5411-5-1 IV): France Travail, the département's services and its delegates
# (CCAS, associations by convention). An SIAE or a training body is a partner, not an organisme référent.
REFERENT_KINDS = (
    OrganizationKind.DEPARTMENT_SERVICE,
    OrganizationKind.CCAS,
    OrganizationKind.CPAS,
    OrganizationKind.ASSOCIATION,
    OrganizationKind.FRANCE_TRAVAIL,
)


def _validate(beneficiary, *, parcours, organization, reason, decided_on, not_before=None, not_before_label=""):
    errors = []
    if beneficiary.merged_into_id:
        errors.append("Ce dossier a été fusionné dans un autre : décidez sur le dossier conservé.")
    if parcours not in Parcours.values:
        errors.append("Choisissez le parcours : professionnel, socio-professionnel ou social.")
    if organization is None:
        errors.append("Choisissez l'organisme référent.")
    elif organization.department_id != beneficiary.department_id:
        errors.append("L'organisme référent doit appartenir au département de la personne.")
    elif organization.kind not in REFERENT_KINDS:
        errors.append(f"« {organization} » ne peut pas être organisme référent ({organization.get_kind_display()}).")
    if not (reason or "").strip():
        errors.append("Indiquez le motif de la décision.")
    if decided_on is None:
        errors.append("Indiquez la date de la décision.")
    elif decided_on > timezone.localdate():
        errors.append("La date de la décision ne peut pas être dans le futur.")
    elif not_before and decided_on < not_before:
        errors.append(f"La date de la décision ne peut pas précéder {not_before_label} ({not_before:%d/%m/%Y}).")
    if errors:
        raise ValidationError(errors)


def _summary(orientation: Orientation, verb: str) -> str:
    return (
        f"{verb} : parcours {orientation.get_parcours_display().lower()}, organisme référent "
        f"{orientation.organization} (décision du {orientation.decided_on:%d/%m/%Y})"
    )


@transaction.atomic
def orient(
    request_or_beneficiary, *, by, parcours, organization, reason, decided_on: datetime.date | None = None
) -> Orientation:
    """First orientation of a person: the decision, the request closed (oriented), the accompaniment opened in the
    organisme référent (without a referent yet: the agency head assigns one), one timeline entry."""
    if isinstance(request_or_beneficiary, OrientationRequest):
        request = OrientationRequest.objects.select_for_update().get(pk=request_or_beneficiary.pk)
        beneficiary = Beneficiary.objects.get(pk=request.beneficiary_id)
    else:
        beneficiary = request_or_beneficiary
        request = (
            OrientationRequest.objects.select_for_update()
            .filter(beneficiary=beneficiary, status=RequestStatus.WAITING)
            .first()
        )
    decided_on = decided_on if decided_on is not None else timezone.localdate()
    if request is not None and request.status != RequestStatus.WAITING:
        raise ValidationError("Cette personne n'est plus dans la file d'orientation : elle a déjà été orientée.")
    _validate(
        beneficiary,
        parcours=parcours,
        organization=organization,
        reason=reason,
        decided_on=decided_on,
        not_before=request.received_on if request else None,
        not_before_label="la réception de l'information",
    )
    if FollowUp.objects.open().filter(beneficiary=beneficiary).exists():
        raise ValidationError("Cette personne a déjà un accompagnement en cours : passez par une réorientation.")
    follow_up = open_follow_up(beneficiary, by=by, parcours=parcours, organization=organization, start_date=decided_on)
    orientation = Orientation.objects.create(
        department_id=beneficiary.department_id,
        beneficiary=beneficiary,
        request=request,
        parcours=parcours,
        organization=organization,
        reason=reason.strip(),
        decided_on=decided_on,
        decided_by=by,
        follow_up=follow_up,
    )
    if request is not None:
        request.status = RequestStatus.ORIENTED
        request.closed_at = timezone.now()
        request.save(update_fields=["status", "closed_at"])
    record(beneficiary, actor=by, kind="orientation", summary=_summary(orientation, "Orientation décidée"))
    return orientation


@transaction.atomic
def reorient(
    orientation: Orientation, *, by, parcours, organization, reason, decided_on: datetime.date | None = None
) -> Orientation:
    """A new decision replacing `orientation`: the open accompaniment is closed (réorientation) and a new one opens."""
    orientation = Orientation.objects.select_for_update().select_related("beneficiary").get(pk=orientation.pk)
    beneficiary = orientation.beneficiary
    if Orientation.objects.filter(replaces=orientation).exists():
        raise ValidationError("Cette décision a déjà été remplacée : partez de la dernière décision.")
    decided_on = decided_on if decided_on is not None else timezone.localdate()
    current = FollowUp.objects.open().filter(beneficiary=beneficiary).select_for_update().first()
    not_before, label = orientation.decided_on, "la décision qu'elle remplace"
    if current is not None and current.start_date > not_before:
        not_before, label = current.start_date, "le début de l'accompagnement en cours"
    _validate(
        beneficiary,
        parcours=parcours,
        organization=organization,
        reason=reason,
        decided_on=decided_on,
        not_before=not_before,
        not_before_label=label,
    )
    if parcours == orientation.parcours and organization.pk == orientation.organization_id:
        raise ValidationError("Une réorientation change le parcours ou l'organisme référent.")
    if current is not None:
        close_follow_up(current, by=by, exit_reason=ExitReason.REORIENTED, end_date=decided_on)
    follow_up = open_follow_up(beneficiary, by=by, parcours=parcours, organization=organization, start_date=decided_on)
    new = Orientation.objects.create(
        department_id=beneficiary.department_id,
        beneficiary=beneficiary,
        parcours=parcours,
        organization=organization,
        reason=reason.strip(),
        decided_on=decided_on,
        decided_by=by,
        replaces=orientation,
        follow_up=follow_up,
    )
    record(beneficiary, actor=by, kind="orientation", summary=_summary(new, "Réorientation décidée"))
    return new


def history(beneficiary) -> list[Orientation]:
    """Every decision on the person, newest first, each with `in_force` (no decision replaces it). One query."""
    decisions = list(
        Orientation.objects.filter(beneficiary=beneficiary)
        .select_related("organization", "decided_by", "replaces", "request__batch")
        .order_by("-decided_on", "-pk")
    )
    replaced = {d.replaces_id for d in decisions if d.replaces_id}
    for d in decisions:
        d.in_force = d.pk not in replaced
    return decisions


def current_orientation(beneficiary) -> Orientation | None:
    """The decision in force: the one no other decision replaces."""
    return (
        Orientation.objects.filter(beneficiary=beneficiary, replaced_by__isnull=True)
        .select_related("organization")
        .order_by("-decided_on", "-pk")
        .first()
    )


def organisation_choices(department_ids):
    """Organismes référents a decision may name in the départements (CT L5411-5-1 IV)."""
    return (
        Organization.objects.filter(department_id__in=department_ids, kind__in=REFERENT_KINDS)
        .select_related("territory")
        .order_by("name")
    )
