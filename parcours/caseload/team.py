"""The agency head's view: caseloads against the target ratio, people without a referent, cadence kept, and per
counselor the share of their people seen within 15 days and their no-show rate (issue 3 §4).
"""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from parcours.accounts.enums import ACCOMPANYING, Profession
from parcours.accounts.models import Membership
from parcours.agenda.cadence import cadence_days, cadence_state
from parcours.agenda.enums import AppointmentStatus
from parcours.agenda.models import Appointment
from parcours.caseload.queries import appointment_marks
from parcours.organizations.models import Organization
from parcours.orientation.models import CareTeamMember, FollowUp

# Professions whose caseload is held against the target ratio (the référent·es).
REFERENT_PROFESSIONS = frozenset({Profession.CIP})
# Indicator windows: "seen within 15 days" is the France Travail reform's target (ANCHORS §1.2, rdv-insertion #1728).
SEEN_WITHIN = datetime.timedelta(days=15)
NO_SHOW_WINDOW = datetime.timedelta(days=90)
OUTCOMES = (AppointmentStatus.SEEN, AppointmentStatus.EXCUSED, AppointmentStatus.NO_SHOW)


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
    seen_recently: int = 0  # people of their caseload with an appointment seen within SEEN_WITHIN
    no_shows: int = 0  # their past appointments in NO_SHOW_WINDOW marked no-show…
    outcomes: int = 0  # …out of those with an outcome (seen, excused, no-show)

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
    def seen_recently_percent(self) -> int | None:
        return None if not self.caseload else round(100 * self.seen_recently / self.caseload)

    @property
    def no_show_percent(self) -> int | None:
        return None if not self.outcomes else round(100 * self.no_shows / self.outcomes)

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


def no_show_counts(counselor_ids, *, now) -> dict[int, tuple[int, int]]:
    """Per counselor: (no-shows, appointments with an outcome) over the last NO_SHOW_WINDOW. One grouped query."""
    rows = (
        Appointment.objects.filter(
            counselor_id__in=counselor_ids, starts_at__gte=now - NO_SHOW_WINDOW, starts_at__lt=now, status__in=OUTCOMES
        )
        .order_by()
        .values("counselor_id")
        .annotate(outcomes=Count("pk"), no_shows=Count("pk", filter=Q(status=AppointmentStatus.NO_SHOW)))
        .values_list("counselor_id", "no_shows", "outcomes")
    )
    return {pk: (n_no_shows, n_outcomes) for pk, n_no_shows, n_outcomes in rows}


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
            count = loads.setdefault(referent_id, [0, 0, 0])
            count[0] += 1
            count[1] += int(late)
            count[2] += int(last_at is not None and last_at >= now - SEEN_WITHIN)
    no_shows = no_show_counts(counselors.values("user_id"), now=now)
    table = []
    seen = set()
    for m in counselors:
        if m.user_id in seen:
            continue
        seen.add(m.user_id)
        caseload, late, seen_recently = loads.get(m.user_id, [0, 0, 0])
        n_no_shows, n_outcomes = no_shows.get(m.user_id, (0, 0))
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
                seen_recently=seen_recently,
                no_shows=n_no_shows,
                outcomes=n_outcomes,
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
