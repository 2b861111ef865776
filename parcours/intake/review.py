"""Read side of the review queue of probable duplicates, and of merged files.

Who reviews: the chargé·es d'orientation and the administrateur·rices of the département's own services, for the
pairs of their département; the chef·fes d'agence, for the pairs where one person is followed in an organisation
of their territory or lives in one of its communes. Every list is a constant number of queries.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Q

from parcours.accounts.enums import Profession
from parcours.caseload.team import managed_organizations
from parcours.intake.enums import Source, SuspectStatus
from parcours.intake.merge import blocker
from parcours.intake.models import DuplicateSuspect, MergeRecord
from parcours.journal.models import TimelineEvent
from parcours.organizations.enums import OrganizationKind
from parcours.orientation.models import FollowUp
from parcours.orientation.perms import visible_beneficiaries
from parcours.people.models import Beneficiary
from parcours.people.validators import mask_nir

PAGE_SIZE = 20
HISTORY_SIZE = 20
ORDERS = {
    "score": ("Score le plus élevé d'abord", ("-score", "created_at", "pk")),
    "anciennete": ("Les plus anciens d'abord", ("created_at", "pk")),
}
MAX_CHAIN = 3  # files absorbed by a file that had absorbed others: the history follows three levels
# Shown side by side, in this order (with the origin of each value).
SHOWN_FIELDS = (
    "birth_name",
    "birth_date",
    "sex",
    "nir",
    "caf_number",
    "france_travail_id",
    "internal_id",
    "phone",
    "email",
    "address_line",
    "commune",
)


# --- Who reviews what ---------------------------------------------------------------------------------------


def reviewer_departments(viewer) -> frozenset:
    """Départements whose whole queue the viewer reviews (orientation, administration of the département)."""
    return frozenset(
        m.organization.department_id
        for m in viewer.memberships
        if m.profession == Profession.ORIENTATION_OFFICER
        or (m.profession == Profession.ADMINISTRATOR and m.organization.kind == OrganizationKind.DEPARTMENT_SERVICE)
    )


def can_review(viewer) -> bool:
    return bool(reviewer_departments(viewer)) or viewer.has(Profession.AGENCY_HEAD)


def _territory_people(viewer):
    """People an agency head answers for: followed in a managed organisation, or living in their territory."""
    scope = Q(
        pk__in=FollowUp.objects.open().filter(organization__in=managed_organizations(viewer)).values("beneficiary")
    )
    territories = [
        m.organization.territory_id
        for m in viewer.memberships_as(Profession.AGENCY_HEAD)
        if m.organization.territory_id
    ]
    if territories:
        scope |= Q(commune__territory__in=territories)
    return Beneficiary.objects.filter(scope).values("pk")


def _scope(viewer, first: str, second: str) -> Q:
    scope = Q(department_id__in=reviewer_departments(viewer))
    if viewer.has(Profession.AGENCY_HEAD):
        people = _territory_people(viewer)
        scope |= Q(department_id__in=viewer.department_ids) & (
            Q(**{f"{first}__in": people}) | Q(**{f"{second}__in": people})
        )
    return scope


def visible_suspects(viewer):
    return DuplicateSuspect.objects.filter(_scope(viewer, "existing", "incoming"))


def visible_merges(viewer):
    return MergeRecord.objects.filter(_scope(viewer, "survivor", "absorbed"))


# --- The queue ----------------------------------------------------------------------------------------------


def _masked(nir: str) -> str:
    if not nir:
        return ""
    return mask_nir(nir) if len(nir) == 15 else f"{nir[0]} {nir[1:3]} •• •• ••• •••"


@dataclass
class Origin:
    label: str
    source: str
    at: datetime.date | None


@dataclass
class Side:
    person: Beneficiary
    other_department: bool  # a person of another département: only what identifies them is shown
    follow_ups: list = field(default_factory=list)

    @property
    def nir(self) -> str:
        return "" if self.other_department else _masked(self.person.nir)

    @property
    def open_follow_up(self):
        return next((f for f in self.follow_ups if f.end_date is None), None)

    @property
    def origins(self) -> list[Origin]:
        if self.other_department:
            return []
        provenance = self.person.provenance or {}
        rows = []
        for name in ("first_name", "last_name", *SHOWN_FIELDS):
            entry = provenance.get(name)
            if not entry:
                continue
            source = entry.get("source", "")
            at = entry.get("at")
            rows.append(
                Origin(
                    label=str(Beneficiary._meta.get_field(name).verbose_name),
                    source=Source(source).label if source in Source.values else source,
                    at=datetime.datetime.fromisoformat(at).date() if at else None,
                )
            )
        return rows


@dataclass
class Pair:
    suspect: DuplicateSuspect
    left: Side  # the existing file
    right: Side  # the incoming one
    blocker: str = ""

    @property
    def cross_department(self) -> bool:
        return self.left.other_department or self.right.other_department


@dataclass
class QueuePage:
    pairs: list
    total: int
    page: int
    pages: int
    order: str
    history: list


def queue(viewer, *, order: str = "score", page: int = 1) -> QueuePage:
    """Open pairs of the viewer's scope, one page, each side with its follow-ups; and the latest merges."""
    order = order if order in ORDERS else "score"
    suspects = visible_suspects(viewer).filter(status=SuspectStatus.OPEN)
    total = suspects.count()
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    rows = list(
        suspects.select_related(
            "existing__commune",
            "existing__department",
            "existing__merged_into",
            "incoming__commune",
            "incoming__department",
            "incoming__merged_into",
            "batch",
        ).order_by(*ORDERS[order][1])[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    )
    own = {p.pk for s in rows for p in (s.existing, s.incoming) if p.department_id == s.department_id}
    follow_ups = {}
    for f in (
        FollowUp.objects.filter(beneficiary_id__in=own)
        .select_related("organization", "referent")
        .order_by("-start_date", "-pk")
    ):
        follow_ups.setdefault(f.beneficiary_id, []).append(f)
    pairs = []
    for s in rows:
        left, right = (
            Side(p, p.department_id != s.department_id, follow_ups.get(p.pk, [])) for p in (s.existing, s.incoming)
        )
        reason = blocker(
            s.existing,
            s.incoming,
            first_open=left.open_follow_up is not None,
            second_open=right.open_follow_up is not None,
        )
        pairs.append(Pair(s, left, right, reason))
    history = list(
        visible_merges(viewer)
        .select_related("survivor", "absorbed", "merged_by", "undone_by")
        .order_by("-merged_at", "-pk")[:HISTORY_SIZE]
    )
    return QueuePage(pairs, total, page, pages, order, history)


# --- Merged files -------------------------------------------------------------------------------------------


def final_survivor(person: Beneficiary) -> Beneficiary:
    """The file a merged file ended up in (following later merges of the survivor)."""
    seen = {person.pk}
    while person.merged_into_id is not None:
        person = Beneficiary.objects.get(pk=person.merged_into_id)
        if person.pk in seen:  # never expected: a cycle is refused by merge()
            break
        seen.add(person.pk)
    return person


def survivor_shown_to(viewer, person: Beneficiary) -> Beneficiary | None:
    """For a merged file: the survivor, if the viewer may open it (no query for a file that was not merged)."""
    if person.merged_into_id is None:
        return None
    survivor = final_survivor(person)
    return visible_beneficiaries(viewer).filter(pk=survivor.pk).first()


def merged_file_survivor(viewer, public_id) -> Beneficiary | None:
    """The survivor of the merged file at this address, if the viewer may open the survivor."""
    person = Beneficiary.objects.filter(public_id=public_id, merged_into__isnull=False).first()
    return survivor_shown_to(viewer, person) if person is not None else None


def history(person: Beneficiary):
    """Timeline of a file and of the files merged into it (the journal is append-only: its rows never move).

    One indexed query per level of merges (one for a file that absorbed none), then the timeline by its index.
    """
    files, level = [person.pk], [person.pk]
    for _depth in range(MAX_CHAIN):
        level = list(Beneficiary.objects.filter(merged_into__in=level).values_list("pk", flat=True))
        if not level:
            break
        files += level
    return TimelineEvent.objects.filter(beneficiary_id__in=files)
