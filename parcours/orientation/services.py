from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

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
    follow_up.end_date = end_date or timezone.localdate()
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
    from django.db.models import Q

    return (
        Note.objects.filter(beneficiary=access.beneficiary)
        .filter(
            Q(visibility=NoteVisibility.TEAM)
            | Q(visibility=NoteVisibility.PROFESSION, profession__in=access.team_professions)
        )
        .select_related("author")
    )
