"""The agency head's view: caseloads against the target ratio, people without a referent, cadence kept."""

from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from parcours.accounts.enums import ACCOMPANYING, Profession
from parcours.accounts.models import Membership
from parcours.agenda.cadence import cadence_days, cadence_state
from parcours.caseload.queries import appointment_marks
from parcours.organizations.models import Organization
from parcours.orientation.models import CareTeamMember, FollowUp

# Professions whose caseload is held against the target ratio (the référent·es).
REFERENT_PROFESSIONS = frozenset({Profession.CIP})


@dataclass
class CounselorLoad:
    user_id: int
    name: str
    organization: str
    profession: str
    caseload: int
    target: int | None  # only professions that are referents carry the target ratio
    late: int
    in_teams: int = 0

    @property
    def ratio(self) -> float:
        return self.caseload / self.target if self.target else 0.0

    @property
    def load_percent(self) -> int:
        return round(100 * self.ratio)

    @property
    def cadence_kept_percent(self) -> int | None:
        return None if not self.caseload else round(100 * (self.caseload - self.late) / self.caseload)

    @property
    def load_state(self) -> str:
        if not self.target:
            return ""
        if self.ratio > 1.1:
            return "over"
        if self.ratio < 0.8:
            return "under"
        return "ok"


def managed_organizations(viewer):
    scope = Q(pk__in=[])
    for m in viewer.memberships_as(Profession.AGENCY_HEAD):
        if m.organization.territory_id:
            scope |= Q(territory_id=m.organization.territory_id)
        else:
            scope |= Q(pk=m.organization_id)
    return Organization.objects.filter(scope)


def team_overview(viewer) -> dict:
    organizations = list(managed_organizations(viewer))
    org_ids = [o.pk for o in organizations]
    today = timezone.localdate()
    now = timezone.now()
    follow_ups = FollowUp.objects.open().filter(organization_id__in=org_ids)
    counselors = (
        Membership.objects.active()
        .filter(organization_id__in=org_ids, profession__in=ACCOMPANYING)
        .select_related("user", "organization")
        .order_by("user__last_name", "user__first_name")
    )
    rows = list(
        follow_ups.filter(referent__isnull=False)
        .order_by()
        .values_list("referent_id", "parcours", "start_date", "beneficiary_id", "department_id")
    )
    in_teams = dict(
        CareTeamMember.objects.filter(follow_up__in=follow_ups, until__isnull=True)
        .order_by()
        .values("user_id")
        .annotate(n=Count("pk"))
        .values_list("user_id", "n")
    )
    loads: dict[int, list] = {}
    if rows:
        marks = appointment_marks([r[3] for r in rows], now=now)
        days = cadence_days(on=today, department_id=rows[0][4])
        for referent_id, parcours, start, person_id, _dept in rows:
            last_at = marks.get(person_id, (None, None))[1]
            last_day = timezone.localtime(last_at).date() if last_at else None
            late = cadence_state(last_contact=last_day, since=start, days=days[parcours], today=today).late
            count = loads.setdefault(referent_id, [0, 0])
            count[0] += 1
            count[1] += int(late)
    table = []
    seen = set()
    for m in counselors:
        if m.user_id in seen:
            continue
        seen.add(m.user_id)
        caseload, late = loads.get(m.user_id, [0, 0])
        table.append(
            CounselorLoad(
                user_id=m.user_id,
                name=m.user.get_full_name(),
                organization=m.organization.name,
                profession=m.get_profession_display(),
                caseload=caseload,
                target=m.organization.target_caseload if m.profession in REFERENT_PROFESSIONS or caseload else None,
                late=late,
                in_teams=in_teams.get(m.user_id, 0),
            )
        )
    without_referent = list(
        follow_ups.filter(referent__isnull=True)
        .select_related("beneficiary", "organization")
        .order_by("start_date")[:200]
    )
    totals = follow_ups.aggregate(total=Count("pk"), unassigned=Count("pk", filter=Q(referent__isnull=True)))
    return {
        "organizations": organizations,
        "counselors": table,
        "without_referent": without_referent,
        "total": totals["total"],
        "unassigned": totals["unassigned"],
        "late_total": sum(c.late for c in table),
    }
