from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from parcours.accounts.enums import ACCOMPANYING, Profession
from parcours.accounts.models import Membership
from parcours.journal.services import record
from parcours.orientation.enums import NoteVisibility, TeamRole
from parcours.orientation.models import CareTeamMember, FollowUp, Note


@transaction.atomic
def open_follow_up(beneficiary, *, by, parcours, organization, referent=None, start_date=None) -> FollowUp:
    if FollowUp.objects.open().filter(beneficiary=beneficiary).exists():
        raise ValidationError("Cette personne a déjà un accompagnement en cours.")
    follow_up = FollowUp.objects.create(
        department_id=beneficiary.department_id,
        beneficiary=beneficiary,
        parcours=parcours,
        organization=organization,
        referent=referent,
        start_date=start_date or timezone.localdate(),
    )
    record(
        beneficiary,
        actor=by,
        kind="follow_up",
        summary=f"Accompagnement ouvert : parcours {follow_up.get_parcours_display().lower()}, {organization}",
    )
    return follow_up


@transaction.atomic
def assign_referent(follow_up, *, by, referent) -> None:
    if not referent_candidates(follow_up).filter(user=referent).exists():
        raise ValidationError("Le ou la référent·e doit être CIP ou assistant·e social·e de l'organisme référent.")
    follow_up.referent = referent
    follow_up.save(update_fields=["referent"])
    record(follow_up.beneficiary, actor=by, kind="team", summary=f"Référent·e désigné·e : {referent}")


@transaction.atomic
def add_team_member(follow_up, *, by, user, profession, role=TeamRole.CONTRIBUTOR) -> CareTeamMember:
    member, created = CareTeamMember.objects.get_or_create(
        follow_up=follow_up, user=user, profession=profession, until=None, defaults={"role": role}
    )
    if created:
        record(
            follow_up.beneficiary,
            actor=by,
            kind="team",
            summary=f"{user} rejoint l'équipe ({member.get_profession_display()})",
        )
    return member


@transaction.atomic
def close_follow_up(follow_up, *, by, exit_reason, end_date=None) -> None:
    end_date = end_date or timezone.localdate()
    if end_date < follow_up.start_date:
        raise ValidationError("La date de sortie ne peut pas précéder le début de l'accompagnement.")
    if end_date > timezone.localdate():
        raise ValidationError("La date de sortie ne peut pas être dans le futur.")
    follow_up.end_date = end_date
    follow_up.exit_reason = exit_reason
    follow_up.save(update_fields=["end_date", "exit_reason"])
    CareTeamMember.objects.filter(follow_up=follow_up, until__isnull=True).update(until=follow_up.end_date)
    record(
        follow_up.beneficiary,
        actor=by,
        kind="follow_up",
        summary=f"Accompagnement clos : {follow_up.get_exit_reason_display().lower()}",
    )


@transaction.atomic
def add_note(beneficiary, *, by, profession, body: str, visibility=NoteVisibility.TEAM) -> Note:
    body = body.strip()
    if not body:
        raise ValidationError("La note est vide.")
    note = Note.objects.create(
        department_id=beneficiary.department_id,
        beneficiary=beneficiary,
        author=by,
        profession=profession,
        visibility=visibility,
        body=body,
    )
    kind = "note privée" if visibility == NoteVisibility.PROFESSION else "note"
    record(beneficiary, actor=by, kind="note", summary=f"Nouvelle {kind} de {by}")
    return note


def readable_notes(access):
    """Team notes for team members; profession-private notes only for the same profession in the team."""
    if not access.in_team:
        return Note.objects.none()
    return (
        Note.objects.filter(beneficiary=access.beneficiary)
        .filter(
            Q(visibility=NoteVisibility.TEAM)
            | Q(visibility=NoteVisibility.PROFESSION, profession__in=access.team_professions)
        )
        .select_related("author")
    )


@transaction.atomic
def remove_team_member(member: CareTeamMember, *, by) -> None:
    member.until = timezone.localdate()
    member.save(update_fields=["until"])
    record(
        member.follow_up.beneficiary,
        actor=by,
        kind="team",
        summary=f"{member.user} quitte l'équipe ({member.get_profession_display()})",
    )


def team_candidates(follow_up):
    """Professionals who may join the care team: active accompanying memberships in the follow-up's département."""
    return (
        Membership.objects.active()
        .filter(organization__department_id=follow_up.department_id, profession__in=ACCOMPANYING)
        .select_related("user", "organization")
        .order_by("user__last_name", "user__first_name")
    )


def referent_candidates(follow_up):
    """Who may be referent: CIP and social workers of the organisme référent."""
    return team_candidates(follow_up).filter(
        organization_id=follow_up.organization_id, profession__in=[Profession.CIP, Profession.SOCIAL_WORKER]
    )
