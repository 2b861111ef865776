"""Referent assignment (issue 4 §4): suggest, within the organisme référent, the counselor with the most room under
the target caseload, weighted by the intensity of each parcours, respecting the territory; assign one, or a whole
set at once (e.g. everyone oriented from one import) by water-filling the room.

- load of a counselor = Σ weight(parcours) of the open accompaniments they are referent of (weights: dated rules
  `caseload.weight.<parcours>`, a local parameter);
- capacity = the organisation's target caseload (`Organization.target_caseload`, 90 by default);
- territory: a counselor whose organisations' territories contain the person's commune comes first.

Every function here costs a fixed number of queries, whatever the number of people or counselors.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, Count, IntegerField, Value, When
from django.utils import timezone

from parcours.accounts.enums import Profession
from parcours.accounts.models import Membership
from parcours.core.rules import rule_values
from parcours.demo.fastinsert import insert_rows
from parcours.journal.models import TimelineEvent
from parcours.organizations.models import Territory
from parcours.orientation.enums import Parcours, TeamRole
from parcours.orientation.models import CareTeamMember, FollowUp
from parcours.orientation.services import add_team_member, assign_referent

REFERENT_PROFESSIONS = (Profession.CIP, Profession.SOCIAL_WORKER)


class OverCapacity(ValidationError):
    """The assignment would take a counselor beyond their capacity: it needs an explicit confirmation."""


def caseload_weights(*, department_id, on: datetime.date | None = None) -> dict[str, float]:
    keys = {p: f"caseload.weight.{p}" for p in Parcours.values}
    values = rule_values(keys.values(), on=on or timezone.localdate(), department_id=department_id)
    return {p: float(values[key]) for p, key in keys.items()}


def _fmt(value: float) -> str:
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


@dataclass
class Suggestion:
    user: object
    profession: str
    load: float
    capacity: int
    same_territory: bool = False
    organization_id: int | None = None
    follow_ups: int = 0  # people followed as referent (unweighted)
    organization_name: str = ""

    @property
    def room(self) -> float:
        return self.capacity - self.load

    @property
    def over_capacity(self) -> bool:
        return self.load > self.capacity

    @property
    def load_label(self) -> str:
        return f"{_fmt(self.load)} / {self.capacity}"

    @property
    def percent(self) -> int:
        return round(100 * self.load / self.capacity) if self.capacity else 0

    @property
    def option_label(self) -> str:
        flags = " — au-delà de la capacité" if self.over_capacity else ""
        where = " — même territoire" if self.same_territory else ""
        return f"{self.user.get_full_name()} ({self.get_profession_label()}, charge {self.load_label}){where}{flags}"

    def get_profession_label(self) -> str:
        return Profession(self.profession).label


def _rank(s: Suggestion):
    return (not s.same_territory, -s.room, s.user.last_name.lower(), s.user.first_name.lower(), s.user.pk)


# --- Reading the state (one query each) -----------------------------------------------------------------------


def _loads(user_ids, weights_by_department) -> tuple[dict, dict]:
    """Weighted load and number of people of each user, over their open accompaniments as referent."""
    rows = (
        FollowUp.objects.open()
        .filter(referent_id__in=list(user_ids))
        .order_by()
        .values("referent_id", "parcours", "department_id")
        .annotate(n=Count("pk"))
        .values_list("referent_id", "parcours", "department_id", "n")
    )
    loads: dict = defaultdict(float)
    counts: dict = defaultdict(int)
    default = next(iter(weights_by_department.values()), {})
    for user_id, parcours, department_id, n in rows:
        weights = weights_by_department.get(department_id) or default
        loads[user_id] += weights.get(parcours, 1.0) * n
        counts[user_id] += n
    return loads, counts


def _memberships(org_ids):
    """{organization id: {user id: (user, profession)}}: CIP first when a user holds both professions."""
    result: dict = defaultdict(dict)
    rows = (
        Membership.objects.active()
        .filter(organization_id__in=list(org_ids), profession__in=REFERENT_PROFESSIONS)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user_id", "profession")
    )
    for m in rows:
        if m.user_id not in result[m.organization_id] or m.profession == Profession.CIP:
            result[m.organization_id][m.user_id] = (m.user, m.profession)
    return result


def _territories(user_ids) -> dict[int, set]:
    """Territories of every organisation where each user is active."""
    result: dict = defaultdict(set)
    rows = (
        Membership.objects.active()
        .filter(user_id__in=list(user_ids), organization__territory__isnull=False)
        .values_list("user_id", "organization__territory_id")
    )
    for user_id, territory_id in rows:
        result[user_id].add(territory_id)
    return result


def _covered(territory_ids, commune_ids) -> set[tuple[int, int]]:
    """(territory, commune) pairs among those given."""
    commune_ids = [c for c in commune_ids if c]
    if not commune_ids or not territory_ids:
        return set()
    return set(
        Territory.communes.through.objects.filter(
            territory_id__in=list(territory_ids), commune_id__in=commune_ids
        ).values_list("territory_id", "commune_id")
    )


def _weights_for(department_ids) -> dict[int, dict]:
    return {d: caseload_weights(department_id=d) for d in set(department_ids)}


# --- One accompaniment ---------------------------------------------------------------------------------------


def suggest(follow_up) -> list[Suggestion]:
    """The counselors of the organisme référent, best first (same territory, then most room)."""
    organization = follow_up.organization
    members = _memberships([organization.pk])[organization.pk]
    if not members:
        return []
    weights = _weights_for([follow_up.department_id])
    loads, counts = _loads(members, weights)
    territories = _territories(members)
    commune_id = follow_up.beneficiary.commune_id
    covered = _covered({t for ts in territories.values() for t in ts}, [commune_id])
    result = [
        Suggestion(
            user=user,
            profession=profession,
            load=loads.get(user_id, 0.0),
            capacity=organization.target_caseload,
            same_territory=any((t, commune_id) in covered for t in territories.get(user_id, ())),
            organization_id=organization.pk,
            follow_ups=counts.get(user_id, 0),
        )
        for user_id, (user, profession) in members.items()
    ]
    return sorted(result, key=_rank)


@transaction.atomic
def assign(follow_up, *, by, referent, allow_over_capacity: bool = False) -> str:
    """Make `referent` the referent of `follow_up` (and a member of its team). Returns a warning ("" if none).

    Beyond capacity, raises OverCapacity unless `allow_over_capacity`, and then warns."""
    follow_up = FollowUp.objects.select_for_update().select_related("beneficiary", "organization").get(pk=follow_up.pk)
    if not follow_up.is_open:
        raise ValidationError("Cet accompagnement est clos.")
    suggestion = next((s for s in suggest(follow_up) if s.user.pk == referent.pk), None)
    if suggestion is None:
        raise ValidationError("Le ou la référent·e doit être CIP ou assistant·e social·e de l'organisme référent.")
    if follow_up.referent_id == referent.pk:
        return ""
    after = suggestion.load + caseload_weights(department_id=follow_up.department_id)[follow_up.parcours]
    warning = ""
    if after > suggestion.capacity:
        message = (
            f"{referent.get_full_name()} dépasserait sa capacité (charge {_fmt(after)} pour une cible de "
            f"{suggestion.capacity})."
        )
        if not allow_over_capacity:
            raise OverCapacity(f"{message} Confirmez pour attribuer au-delà de la capacité.")
        warning = f"Attention : {message}"
    assign_referent(follow_up, by=by, referent=referent)
    add_team_member(follow_up, by=by, user=referent, profession=suggestion.profession, role=TeamRole.REFERENT)
    return warning


# --- A whole set at once -------------------------------------------------------------------------------------


@dataclass
class PlanItem:
    follow_up_id: int
    beneficiary_id: int
    public_id: object
    first_name: str
    last_name: str
    parcours: str
    start_date: datetime.date
    organization_id: int
    organization_name: str
    user_id: int | None = None  # the suggested referent (None: nobody has room left)
    same_territory: set = field(default_factory=set)  # users of the organisation in the person's territory
    candidates: list = field(default_factory=list)  # the organisation's counselors (loads before the plan)

    @property
    def parcours_label(self) -> str:
        return Parcours(self.parcours).label


@dataclass
class Plan:
    items: list
    counselors: dict  # organization id -> [Suggestion] (loads before the plan)
    planned_load: dict  # user id -> load once the plan is applied

    def over_capacity_after(self) -> list:
        return [s for subs in self.counselors.values() for s in subs if self.planned_load[s.user.pk] > s.capacity]


FOLLOW_UP_FIELDS = (
    "pk",
    "beneficiary_id",
    "beneficiary__public_id",
    "beneficiary__first_name",
    "beneficiary__last_name",
    "parcours",
    "start_date",
    "organization_id",
    "organization__name",
    "organization__target_caseload",
    "department_id",
    "beneficiary__commune_id",
)


def bulk_suggest(follow_ups) -> Plan:
    """Distribute `follow_ups` (a queryset of open accompaniments without referent), oldest first: each goes to the
    counselor of its organisation with the most room that can still take it, in the person's territory first.

    Nobody goes beyond capacity while someone of the organisation has room for the person; when nobody has, the
    item stays without suggestion. Queries: follow-ups, memberships, loads, territories, communes, weights."""
    rows = list(
        follow_ups.filter(end_date__isnull=True, referent__isnull=True)
        .order_by("start_date", "pk")
        .values_list(*FOLLOW_UP_FIELDS)
    )
    if not rows:
        return Plan([], {}, {})
    org_ids = {r[7] for r in rows}
    capacity = {r[7]: r[9] for r in rows}
    members = _memberships(org_ids)
    user_ids = {u for users in members.values() for u in users}
    weights = _weights_for(r[10] for r in rows)
    loads, counts = _loads(user_ids, weights)
    territories = _territories(user_ids)
    covered = _covered({t for ts in territories.values() for t in ts}, {r[11] for r in rows})
    counselors = {
        org_id: [
            Suggestion(
                user=user,
                profession=profession,
                load=loads.get(user_id, 0.0),
                capacity=capacity[org_id],
                organization_id=org_id,
                follow_ups=counts.get(user_id, 0),
            )
            for user_id, (user, profession) in members[org_id].items()
        ]
        for org_id in org_ids
    }
    planned = {user_id: loads.get(user_id, 0.0) for user_id in user_ids}
    items = []
    for pk, person_id, public_id, first, last, parcours, start, org_id, org_name, cap, dept, commune_id in rows:
        item = PlanItem(pk, person_id, public_id, first, last, parcours, start, org_id, org_name)
        item.candidates = counselors[org_id]
        item.same_territory = {
            s.user.pk for s in counselors[org_id] if any((t, commune_id) in covered for t in territories[s.user.pk])
        }
        weight = weights[dept][parcours]
        fitting = [s for s in counselors[org_id] if planned[s.user.pk] + weight <= cap]
        if fitting:
            best = min(
                fitting,
                key=lambda s: (
                    s.user.pk not in item.same_territory,
                    planned[s.user.pk] - cap,
                    s.user.last_name.lower(),
                    s.user.first_name.lower(),
                    s.user.pk,
                ),
            )
            item.user_id = best.user.pk
            planned[best.user.pk] += weight
        items.append(item)
    return Plan(items, counselors, planned)


@dataclass
class BulkResult:
    assigned: int = 0
    skipped: int = 0  # already assigned meanwhile, or closed
    warnings: list = field(default_factory=list)


@transaction.atomic
def bulk_assign(plan, by, *, allow_over_capacity: bool = False) -> BulkResult:
    """Apply `plan`: (follow-up id, user id) pairs, or a Plan (its suggested items). Accompaniments assigned
    meanwhile are skipped. A fixed number of queries, whatever the number of people and counselors."""
    if isinstance(plan, Plan):
        plan = [(item.follow_up_id, item.user_id) for item in plan.items if item.user_id]
    wanted = dict(plan)
    if not wanted:
        return BulkResult()
    rows = list(
        FollowUp.objects.select_for_update()
        .filter(pk__in=list(wanted), end_date__isnull=True, referent__isnull=True)
        .order_by("pk")
        .values_list(
            "pk",
            "organization_id",
            "organization__target_caseload",
            "parcours",
            "department_id",
            "beneficiary_id",
            "beneficiary__first_name",
            "beneficiary__last_name",
        )
    )
    result = BulkResult(skipped=len(wanted) - len(rows))
    if not rows:
        return result
    members = _memberships({r[1] for r in rows})
    errors = [
        f"Le ou la référent·e choisi·e pour {r[6]} {r[7].upper()} doit être CIP ou assistant·e social·e de "
        "l'organisme référent."
        for r in rows
        if wanted[r[0]] not in members[r[1]]
    ]
    if errors:
        raise ValidationError(errors)
    people = {user_id: user for users in members.values() for user_id, (user, _p) in users.items()}
    weights = _weights_for(r[4] for r in rows)
    user_ids = {wanted[r[0]] for r in rows}
    loads, _counts = _loads(user_ids, weights)
    after = dict(loads)
    capacity = {}
    for pk, _org, cap, parcours, dept, *_rest in rows:
        user_id = wanted[pk]
        after[user_id] = after.get(user_id, 0.0) + weights[dept][parcours]
        capacity[user_id] = min(cap, capacity.get(user_id, cap))
    beyond = sorted((people[u].get_full_name(), after[u], capacity[u]) for u in user_ids if after[u] > capacity[u])
    if beyond:
        message = "; ".join(f"{name} (charge {_fmt(load)} pour une cible de {cap})" for name, load, cap in beyond)
        if not allow_over_capacity:
            raise OverCapacity(f"Au-delà de la capacité : {message}. Confirmez pour attribuer au-delà de la capacité.")
        result.warnings.append(f"Attention, au-delà de la capacité : {message}.")
    by_user: dict = defaultdict(list)
    for r in rows:
        by_user[wanted[r[0]]].append(r[0])
    FollowUp.objects.filter(pk__in=[r[0] for r in rows]).update(
        referent_id=Case(
            *(When(pk__in=ids, then=Value(user_id)) for user_id, ids in by_user.items()),
            output_field=IntegerField(),
        )
    )
    existing = set(
        CareTeamMember.objects.filter(follow_up_id__in=[r[0] for r in rows], until__isnull=True).values_list(
            "follow_up_id", "user_id", "profession"
        )
    )
    today = timezone.localdate()
    now = timezone.now()
    team, events = [], []
    for pk, org_id, _cap, _parcours, dept, person_id, _first, _last in rows:
        user_id = wanted[pk]
        user, profession = members[org_id][user_id]
        if (pk, user_id, profession) not in existing:
            team.append(
                CareTeamMember(
                    follow_up_id=pk, user_id=user_id, profession=profession, role=TeamRole.REFERENT, since=today
                )
            )
        events.append(
            TimelineEvent(
                department_id=dept,
                beneficiary_id=person_id,
                actor=by,
                at=now,
                kind="team",
                summary=f"Référent·e désigné·e : {user} (rejoint l'équipe, {Profession(profession).label})",
            )
        )
    insert_rows(CareTeamMember, team)  # leaf rows: one prepared statement, far cheaper than bulk_create's SQL
    insert_rows(TimelineEvent, events)
    result.assigned = len(rows)
    return result


# --- Boards and flags ----------------------------------------------------------------------------------------


def counselor_board(organizations) -> list[Suggestion]:
    """Every referent counselor of these organisations with their load against the capacity (a user in two
    organisations appears once per organisation). Four queries."""
    organizations = list(organizations)
    if not organizations:
        return []
    members = _memberships(o.pk for o in organizations)
    user_ids = {u for users in members.values() for u in users}
    loads, counts = _loads(user_ids, _weights_for(o.department_id for o in organizations))
    board = [
        Suggestion(
            user=user,
            profession=profession,
            load=loads.get(user_id, 0.0),
            capacity=o.target_caseload,
            organization_id=o.pk,
            follow_ups=counts.get(user_id, 0),
            organization_name=o.name,
        )
        for o in organizations
        for user_id, (user, profession) in members.get(o.pk, {}).items()
    ]
    return sorted(board, key=lambda s: (-s.percent, s.user.last_name.lower(), s.user.first_name.lower()))


def over_capacity(organizations) -> dict[int, Suggestion]:
    """{user id: their row} for the counselors of these organisations whose load exceeds the capacity."""
    return {s.user.pk: s for s in counselor_board(organizations) if s.over_capacity}
