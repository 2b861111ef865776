"""Read-only queries behind "Ma file active" and the agency head's team view.

The number of SQL statements is constant whatever the number of rows: one query for the follow-ups, then
one grouped query each for appointments, actions and open freins over those rows (plus the cadence rules,
cached). Simple grouped queries are cheaper to build and to run than one query with correlated subqueries.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Exists, Max, Min, OuterRef, Q
from django.utils import timezone

from parcours.agenda.cadence import cadence_days, cadence_state
from parcours.agenda.enums import AppointmentStatus
from parcours.agenda.models import Appointment
from parcours.diagnostics.enums import OPEN_LEVELS, Barrier
from parcours.diagnostics.models import BarrierAssessment
from parcours.orientation.enums import Parcours
from parcours.orientation.models import CareTeamMember, FollowUp
from parcours.orientation.perms import HEALTH_PROFESSIONS, referent_professions
from parcours.plans.enums import OPEN_ACTION_STATUSES
from parcours.plans.models import Action

FAR_FUTURE = datetime.datetime.max.replace(tzinfo=datetime.UTC)
SORTS = {
    "name": lambda r: (r.last_name.lower(), r.first_name.lower()),
    "next": lambda r: (r.next_at is None, r.next_at or FAR_FUTURE),
    "last": lambda r: (r.last_at is not None, r.last_at or FAR_FUTURE),
    "late": lambda r: (-r.days_late, r.last_name.lower()),
}
DAYS = ["lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."]


@dataclass(slots=True)
class CaseloadRow:
    """One line of "Ma file active", with its display values computed once."""

    follow_up_id: int
    public_id: object
    first_name: str
    last_name: str
    parcours_label: str
    is_referent: bool
    next_at: datetime.datetime | None
    last_at: datetime.datetime | None
    next_label: str
    last_label: str
    days_since_contact: int | None
    late: bool
    days_late: int
    due_label: str
    open_actions: int
    overdue_actions: int
    open_barriers: list = field(default_factory=list)


def appointment_marks(beneficiary_ids, *, now) -> dict[int, tuple]:
    """Per person: (next planned appointment, last appointment seen). One grouped query."""
    rows = (
        Appointment.objects.filter(beneficiary_id__in=beneficiary_ids)
        .filter(Q(status=AppointmentStatus.SEEN) | Q(status=AppointmentStatus.PLANNED, starts_at__gte=now))
        .order_by()
        .values("beneficiary_id")
        .annotate(
            next_at=Min("starts_at", filter=Q(status=AppointmentStatus.PLANNED)),
            last_at=Max("starts_at", filter=Q(status=AppointmentStatus.SEEN)),
        )
        .values_list("beneficiary_id", "next_at", "last_at")
    )
    return {pk: (next_at, last_at) for pk, next_at, last_at in rows}


def action_counts(follow_up_ids, *, today) -> dict[int, tuple]:
    """Per follow-up: (open actions, open actions past their due date). One grouped query."""
    rows = (
        Action.objects.filter(follow_up_id__in=follow_up_ids, status__in=OPEN_ACTION_STATUSES)
        .order_by()
        .values("follow_up_id")
        .annotate(open=Count("pk"), overdue=Count("pk", filter=Q(due_date__lt=today)))
        .values_list("follow_up_id", "open", "overdue")
    )
    return {pk: (n_open, n_overdue) for pk, n_open, n_overdue in rows}


def open_barriers_by_follow_up(follow_up_ids) -> dict[int, list]:
    rows = (
        BarrierAssessment.objects.filter(follow_up_id__in=follow_up_ids, is_current=True, level__in=OPEN_LEVELS)
        .order_by("barrier")
        .values_list("follow_up_id", "barrier")
    )
    labels = dict(Barrier.choices)
    result: dict[int, list] = {}
    for follow_up_id, barrier in rows:
        result.setdefault(follow_up_id, []).append(labels[barrier])
    return result


def caseload_follow_ups(viewer):
    """Open follow-ups where the viewer is referent or member of the care team."""
    user = viewer.user
    as_referent = FollowUp.objects.open().filter(referent=user, department_id__in=viewer.department_ids)
    in_team = CareTeamMember.objects.filter(
        user=user,
        until__isnull=True,
        follow_up__end_date__isnull=True,
        follow_up__department_id__in=viewer.department_ids,
    )
    ids = as_referent.order_by().values("pk").union(in_team.order_by().values("follow_up_id"))
    return FollowUp.objects.filter(pk__in=ids)


def my_caseload(viewer, *, search="", parcours="", late_only=False, role="", sort="late"):
    user = viewer.user
    now = timezone.now()
    today = timezone.localdate()
    tz = timezone.get_current_timezone()
    follow_ups = caseload_follow_ups(viewer)
    if role == "referent":
        follow_ups = follow_ups.filter(referent=user)
    elif role == "team":
        follow_ups = follow_ups.exclude(referent=user)
    if parcours:
        follow_ups = follow_ups.filter(parcours=parcours)
    for word in search.split():
        follow_ups = follow_ups.filter(
            Q(beneficiary__last_name__icontains=word)
            | Q(beneficiary__first_name__icontains=word)
            | Q(beneficiary__birth_name__icontains=word)
        )
    # Health is read through a health profession held in *that* care team (perms.file_access), not anywhere.
    health_member = CareTeamMember.objects.filter(
        follow_up_id=OuterRef("pk"), user=user, until__isnull=True, profession__in=HEALTH_PROFESSIONS
    )
    rows = list(
        follow_ups.annotate(health_in_team=Exists(health_member))
        .order_by()
        .values_list(
            "pk",
            "beneficiary_id",
            "beneficiary__public_id",
            "beneficiary__first_name",
            "beneficiary__last_name",
            "parcours",
            "referent_id",
            "start_date",
            "organization_id",
            "health_in_team",
        )
    )
    if not rows:
        return []
    follow_up_ids = [r[0] for r in rows]
    marks = appointment_marks([r[1] for r in rows], now=now)
    actions = action_counts(follow_up_ids, today=today)
    barriers = open_barriers_by_follow_up(follow_up_ids)
    health_label = Barrier.HEALTH.label
    days = cadence_days(on=today, department_id=min(viewer.department_ids))
    labels = dict(Parcours.choices)
    result = []
    for pk, person_id, pid, first, last, parc, referent_id, start, org_id, health_in_team in rows:
        as_referent = referent_id == user.pk and bool(referent_professions(viewer, org_id) & HEALTH_PROFESSIONS)
        reads_health = health_in_team or as_referent
        open_barriers = barriers.get(pk, [])
        if not reads_health:
            open_barriers = [label for label in open_barriers if label != health_label]
        next_at, last_at = marks.get(person_id, (None, None))
        last_day = last_at.astimezone(tz).date() if last_at else None
        state = cadence_state(last_contact=last_day, since=start, days=days[parc], today=today)
        if late_only and not state.late:
            continue
        next_local = next_at.astimezone(tz) if next_at else None
        n_open, n_overdue = actions.get(pk, (0, 0))
        result.append(
            CaseloadRow(
                follow_up_id=pk,
                public_id=pid,
                first_name=first,
                last_name=last,
                parcours_label=labels[parc],
                is_referent=referent_id == user.pk,
                next_at=next_at,
                last_at=last_at,
                next_label=f"{DAYS[next_local.weekday()]} {next_local:%d/%m %H:%M}" if next_local else "",
                last_label=f"{last_day:%d/%m/%Y}" if last_day else "",
                days_since_contact=(today - last_day).days if last_day else None,
                late=state.late,
                days_late=state.days_late,
                due_label=f"{state.due_on:%d/%m}",
                open_actions=n_open,
                overdue_actions=n_overdue,
                open_barriers=open_barriers,
            )
        )
    result.sort(key=SORTS.get(sort, SORTS["late"]))
    return result
