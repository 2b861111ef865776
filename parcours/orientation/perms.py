"""Who may see what (DOMAIN §6, SECURITY §0 and G3).

Files are reached through an accompaniment relationship (referent or care-team member of an open
follow-up), or through a role: a chef·fe d'agence sees the follow-ups of the organisations of their
territory, a chargé·e d'orientation the people of their département. Sensitive sections additionally need
the right profession *inside the care team*. Everything else is denied.
"""

from dataclasses import dataclass, field

from django.db.models import Q

from parcours.accounts.enums import ACCOMPANYING, Profession
from parcours.accounts.models import Membership
from parcours.diagnostics.enums import Barrier
from parcours.journal.models import Section
from parcours.orientation.models import CareTeamMember, FollowUp
from parcours.people.models import Beneficiary

# Sections each profession reads when it belongs to the person's care team.
TEAM_SECTIONS = {
    Profession.CIP: {Section.IDENTITY, Section.SOCIO_PRO, Section.NIR, Section.HEALTH, Section.JUSTICE},
    Profession.SOCIAL_WORKER: {Section.IDENTITY, Section.SOCIO_PRO, Section.NIR, Section.HEALTH, Section.JUSTICE},
    Profession.PSYCHOLOGIST: {Section.IDENTITY, Section.SOCIO_PRO, Section.HEALTH},
    Profession.DIGITAL_ADVISOR: {Section.IDENTITY, Section.SOCIO_PRO},
    Profession.SOCIO_ESTHETICIAN: {Section.IDENTITY},
}
HEALTH_PROFESSIONS = frozenset(p for p, sections in TEAM_SECTIONS.items() if Section.HEALTH in sections)
# Sections opened by a role, without being in the team: never a sensitive one.
ROLE_SECTIONS = {
    Profession.AGENCY_HEAD: {Section.IDENTITY, Section.SOCIO_PRO},
    Profession.ORIENTATION_OFFICER: {Section.IDENTITY, Section.SOCIO_PRO},
}


@dataclass(frozen=True)
class Viewer:
    """A user with their memberships active today (loaded once per request)."""

    user: object
    memberships: tuple = ()

    @property
    def professions(self) -> frozenset:
        return frozenset(m.profession for m in self.memberships)

    @property
    def department_ids(self) -> frozenset:
        return frozenset(m.organization.department_id for m in self.memberships)

    def has(self, *professions) -> bool:
        return bool(self.professions & set(professions))

    @property
    def is_professional(self) -> bool:
        return bool(self.memberships)

    @property
    def accompanies(self) -> bool:
        return bool(self.professions & ACCOMPANYING)

    def memberships_as(self, profession):
        return [m for m in self.memberships if m.profession == profession]

    def main_profession(self) -> str:
        return self.memberships[0].profession if self.memberships else ""


def viewer_for(user) -> Viewer:
    if not user.is_authenticated:
        return Viewer(user=user)
    memberships = tuple(Membership.objects.active().filter(user=user).select_related("organization").order_by("pk"))
    return Viewer(user=user, memberships=memberships)


def _team_follow_ups(viewer: Viewer):
    """Open follow-ups where the viewer is referent or active team member, in a département they work in."""
    member_of = CareTeamMember.objects.filter(user=viewer.user, until__isnull=True).values("follow_up_id")
    return FollowUp.objects.open().filter(
        Q(referent=viewer.user) | Q(pk__in=member_of), department_id__in=viewer.department_ids
    )


def visible_follow_ups(viewer: Viewer):
    if not viewer.is_professional:
        return FollowUp.objects.none()
    scope = Q(pk__in=_team_follow_ups(viewer).values("pk"))
    for m in viewer.memberships_as(Profession.AGENCY_HEAD):
        if m.organization.territory_id:
            scope |= Q(organization__territory_id=m.organization.territory_id)
        else:
            scope |= Q(organization_id=m.organization_id)
    for m in viewer.memberships_as(Profession.ORIENTATION_OFFICER):
        scope |= Q(department_id=m.organization.department_id)
    return FollowUp.objects.open().filter(scope)


def visible_beneficiaries(viewer: Viewer):
    """People whose file the viewer may open."""
    if not viewer.is_professional:
        return Beneficiary.objects.none()
    scope = Q(pk__in=visible_follow_ups(viewer).values("beneficiary_id"))
    for m in viewer.memberships_as(Profession.ORIENTATION_OFFICER):
        scope |= Q(department_id=m.organization.department_id)
    return Beneficiary.objects.filter(scope)


@dataclass(frozen=True)
class FileAccess:
    """What one viewer may read and do on one person's file."""

    beneficiary: Beneficiary
    follow_up: FollowUp | None
    team_professions: frozenset = field(default_factory=frozenset)
    sections: frozenset = field(default_factory=frozenset)

    @property
    def in_team(self) -> bool:
        return bool(self.team_professions)

    def can_read(self, section) -> bool:
        return section in self.sections

    @property
    def can_edit(self) -> bool:
        """Record appointments, diagnostics, contract, notes: members of the care team."""
        return self.in_team and self.follow_up is not None

    @property
    def readable_barriers(self) -> tuple:
        """The freins this viewer reads and grades: the health frein follows the health section."""
        return tuple(b for b in Barrier if b != Barrier.HEALTH or Section.HEALTH in self.sections)

    @property
    def can_manage_team(self) -> bool:
        """Who joins or leaves the team, and the end of the accompaniment: the referent and the CIP–AS binôme."""
        return self.can_edit and bool(self.team_professions & {Profession.CIP, Profession.SOCIAL_WORKER})

    @property
    def can_edit_socio_pro(self) -> bool:
        return self.can_edit and Section.SOCIO_PRO in self.sections

    def can_manage_follow_up(self, viewer) -> bool:
        """Team members, and the agency head of the organisme référent's territory, may change the referent."""
        if self.follow_up is None:
            return False
        if self.can_edit:
            return True
        org = self.follow_up.organization
        return any(
            (m.organization.territory_id and m.organization.territory_id == org.territory_id)
            or m.organization_id == org.pk
            for m in viewer.memberships_as(Profession.AGENCY_HEAD)
        )

    @property
    def acting_profession(self) -> str:
        for p in Profession.values:
            if p in self.team_professions:
                return p
        return ""


def referent_professions(viewer: Viewer, organization_id) -> set:
    """As referent, the viewer acts with the accompanying professions they hold in the organisme référent."""
    held = {m.profession for m in viewer.memberships if m.organization_id == organization_id} & ACCOMPANYING
    return held or {Profession.CIP}


def _role_covers(membership, beneficiary, follow_up) -> bool:
    """Whether a role membership reaches this person (the scope of `visible_follow_ups`, `visible_beneficiaries`).

    A role held elsewhere (another territory, another département) must not widen what a team member reads here.
    """
    org = membership.organization
    if membership.profession == Profession.ORIENTATION_OFFICER:
        return org.department_id == beneficiary.department_id
    if membership.profession == Profession.AGENCY_HEAD and follow_up is not None:
        if org.territory_id:
            return follow_up.organization.territory_id == org.territory_id
        return follow_up.organization_id == org.pk
    return False


def file_access(viewer: Viewer, beneficiary: Beneficiary) -> FileAccess:
    follow_up = (
        FollowUp.objects.open().filter(beneficiary=beneficiary).select_related("organization", "referent").first()
    )
    team: set = set()
    sections: set = set()
    if follow_up is not None and follow_up.department_id in viewer.department_ids:
        team = set(
            CareTeamMember.objects.filter(follow_up=follow_up, user=viewer.user, until__isnull=True).values_list(
                "profession", flat=True
            )
        )
        if follow_up.referent_id == viewer.user.pk:
            team |= referent_professions(viewer, follow_up.organization_id)
        for p in team:
            sections |= TEAM_SECTIONS.get(p, set())
    for m in viewer.memberships:
        if m.profession in ROLE_SECTIONS and _role_covers(m, beneficiary, follow_up):
            sections |= ROLE_SECTIONS[m.profession]
    if team or sections:
        sections.add(Section.IDENTITY)
    if team:
        sections.add(Section.PRIVATE_NOTES)
    return FileAccess(beneficiary, follow_up, frozenset(team), frozenset(sections))
