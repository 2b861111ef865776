"""Read-only queries behind "Ma file active" and the agency head's team view.

SQL statements are constant whatever the number of rows: one annotated query for the rows, one for the
open freins, one for the cadence rules.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from parcours.agenda.cadence import cadence_days, cadence_state
from parcours.agenda.enums import AppointmentStatus
from parcours.agenda.models import Appointment
from parcours.diagnostics.enums import OPEN_LEVELS, Barrier
from parcours.diagnostics.models import BarrierAssessment
from parcours.orientation.models import CareTeamMember, FollowUp
from parcours.plans.enums import OPEN_ACTION_STATUSES
from parcours.plans.models import Action

SORTS = {
    "name": ("Nom", lambda r: (r.last_name.lower(), r.first_name.lower())),
    "next": ("Prochain rendez-vous", lambda r: (r.next_at is None, r.next_at or timezone.now())),
    "last": ("Dernier contact", lambda r: (r.last_at is not None, r.last_at or timezone.now())),
    "late": ("Retard de cadence", lambda r: (-r.cadence.days_late, r.last_name.lower())),
}


@dataclass
class CaseloadRow:
    follow_up_id: int
    public_id: object
    first_name: str
    last_name: str
    birth_name: str
    parcours: str
    parcours_label: str
    is_referent: bool
    start_date: datetime.date
    next_at: datetime.datetime | None
    last_at: datetime.datetime | None
    open_actions: int
    overdue_actions: int
    cadence: object = None
    days_since_contact: int | None = None
    open_barriers: list = field(default_factory=list)


def _count(qs):
    return Coalesce(
        Subquery(qs.order_by().values("follow_up_id").annotate(c=Count("pk")).values("c")[:1], output_field=IntegerField()),
        Value(0),
    )


def annotated_follow_ups(follow_ups, *, now):
    """Follow-ups with next/last appointment and action counts, as dicts (no model instantiation)."""
    person = OuterRef("beneficiary_id")
    next_at = Appointment.objects.filter(
        beneficiary_id=person, status=AppointmentStatus.PLANNED, starts_at__gte=now
    ).order_by("starts_at")
    last_at = Appointment.objects.filter(beneficiary_id=person, status=AppointmentStatus.SEEN).order_by("-starts_at")
    actions = Action.objects.filter(follow_up_id=OuterRef("pk"), status__in=OPEN_ACTION_STATUSES)
    return follow_ups.annotate(
        next_at=Subquery(next_at.values("starts_at")[:1]),
        last_at=Subquery(last_at.values("starts_at")[:1]),
        open_actions=_count(actions),
        overdue_actions=_count(actions.filter(due_date__lt=now.date())),
    )


def open_barriers_by_follow_up(follow_up_ids) -> dict[int, list]:
    rows = BarrierAssessment.objects.filter(
        follow_up_id__in=follow_up_ids, is_current=True, level__in=OPEN_LEVELS
    ).values_list("follow_up_id", "barrier")
    result: dict[int, list] = {}
    for follow_up_id, barrier in rows:
        result.setdefault(follow_up_id, []).append(Barrier(barrier).label)
    return result


def my_caseload(viewer, *, search="", parcours="", late_only=False, role="", sort="late"):
    user = viewer.user
    now = timezone.now()
    today = timezone.localdate()
    member_of = CareTeamMember.objects.filter(user=user, until__isnull=True).values("follow_up_id")
    follow_ups = FollowUp.objects.open().filter(
        Q(referent=user) | Q(pk__in=member_of), department_id__in=viewer.department_ids
    )
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
    values = annotated_follow_ups(follow_ups, now=now).values_list(
        "pk",
        "beneficiary__public_id",
        "beneficiary__first_name",
        "beneficiary__last_name",
        "beneficiary__birth_name",
        "parcours",
        "referent_id",
        "start_date",
        "next_at",
        "last_at",
        "open_actions",
        "overdue_actions",
        "department_id",
    )
    rows = list(values)
    if not rows:
        return []
    days = cadence_days(on=today, department_id=rows[0][12])
    barriers = open_barriers_by_follow_up([r[0] for r in rows])
    from parcours.orientation.enums import Parcours

    labels = dict(Parcours.choices)
    result = []
    for pk, pid, first, last, birth, parc, referent_id, start, next_at, last_at, n_open, n_overdue, _d in rows:
        last_day = timezone.localtime(last_at).date() if last_at else None
        state = cadence_state(last_contact=last_day, since=start, days=days[parc], today=today)
        if late_only and not state.late:
            continue
        result.append(
            CaseloadRow(
                follow_up_id=pk,
                public_id=pid,
                first_name=first,
                last_name=last,
                birth_name=birth,
                parcours=parc,
                parcours_label=labels[parc],
                is_referent=referent_id == user.pk,
                start_date=start,
                next_at=next_at,
                last_at=last_at,
                open_actions=n_open,
                overdue_actions=n_overdue,
                cadence=state,
                days_since_contact=(today - last_day).days if last_day else None,
                open_barriers=barriers.get(pk, []),
            )
        )
    result.sort(key=SORTS.get(sort, SORTS["late"])[1])
    return result
