"""Orientation indicators per territory (issue 4 §4, DOMAIN §7 « délai moyen d'orientation »).

For the first orientations decided in a period (réorientations excluded), per territory of the person's commune:
- days from entry (the information received: `OrientationRequest.received_on`) to the decision (`decided_on`);
- days from the decision to the first appointment **held** (status « honoré ») of the accompaniment it opened — a
  planned appointment is not counted: the person must have come;
- the median and the 90th percentile (nearest rank) of each, and how many are waiting now, and past the delay.

Six queries whatever the number of people; the percentiles are computed in Python on the period's rows.
"""

import datetime
import math
import statistics
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Min
from django.utils import timezone

from parcours.accounts.enums import Profession
from parcours.agenda.enums import AppointmentStatus
from parcours.agenda.models import Appointment
from parcours.organizations.models import Territory
from parcours.orientation.enums import RequestStatus
from parcours.orientation.models import Orientation, OrientationRequest
from parcours.orientation.queue import delay_schedules, overdue_q

INDICATOR_PROFESSIONS = (Profession.ORIENTATION_OFFICER, Profession.STEERING, Profession.AGENCY_HEAD)
OUTSIDE = None  # the row of people whose commune is in no territory (or unknown)


def percentile(values, p: int) -> int | None:
    """Nearest-rank percentile: the smallest value with at least p % of the values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


def median(values) -> float | None:
    return statistics.median(values) if values else None


@dataclass
class Delays:
    days: list = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.days)

    @property
    def median(self):
        return median(self.days)

    @property
    def p90(self):
        return percentile(self.days, 90)


@dataclass
class TerritoryRow:
    territory_id: int | None
    name: str
    to_orientation: Delays = field(default_factory=Delays)
    to_appointment: Delays = field(default_factory=Delays)
    oriented: int = 0
    waiting: int = 0
    overdue: int = 0

    @property
    def without_appointment(self) -> int:
        return self.oriented - self.to_appointment.count


def scope(viewer):
    """(départements, territories or None for all): steering and orientation see their départements whole; an
    agency head alone, the territories of their organisations."""
    departments = {m.organization.department_id for p in INDICATOR_PROFESSIONS for m in viewer.memberships_as(p)}
    if viewer.has(Profession.ORIENTATION_OFFICER, Profession.STEERING):
        return departments, None
    territories = {
        m.organization.territory_id
        for m in viewer.memberships_as(Profession.AGENCY_HEAD)
        if m.organization.territory_id
    }
    return departments, territories


def orientation_indicators(viewer, *, since: datetime.date, until: datetime.date, today=None) -> dict:
    today = today or timezone.localdate()
    departments, only = scope(viewer)
    territories = Territory.objects.filter(department_id__in=departments).order_by("name")
    if only is not None:
        territories = territories.filter(pk__in=only)
    names = dict(territories.values_list("pk", "name"))
    by_commune: dict = defaultdict(set)
    for commune_id, territory_id in Territory.communes.through.objects.filter(
        territory_id__in=list(names)
    ).values_list("commune_id", "territory_id"):
        by_commune[commune_id].add(territory_id)

    rows = {t: TerritoryRow(t, name) for t, name in names.items()}
    if only is None:
        rows[OUTSIDE] = TerritoryRow(OUTSIDE, "Hors territoire ou commune inconnue")
    total = TerritoryRow(None, "Ensemble")

    def targets(commune_id):
        found = [rows[t] for t in by_commune.get(commune_id, ())]
        if not found and only is None:
            found = [rows[OUTSIDE]]
        return found

    decisions = Orientation.objects.filter(
        department_id__in=departments,
        replaces__isnull=True,
        request__isnull=False,
        decided_on__gte=since,
        decided_on__lte=until,
    )
    facts = list(
        decisions.values_list("beneficiary__commune_id", "request__received_on", "decided_on", "follow_up_id")
    )
    first_seen = dict(
        Appointment.objects.filter(
            follow_up_id__in=decisions.filter(follow_up__isnull=False).values("follow_up_id"),
            status=AppointmentStatus.SEEN,
        )
        .order_by()
        .values("follow_up_id")
        .annotate(first=Min("starts_at"))
        .values_list("follow_up_id", "first")
    )
    for commune_id, received_on, decided_on, follow_up_id in facts:
        where = targets(commune_id)
        if not where:
            continue
        first = first_seen.get(follow_up_id)
        to_appointment = max(0, (timezone.localtime(first).date() - decided_on).days) if first else None
        for row in [*where, total]:
            row.oriented += 1
            row.to_orientation.days.append((decided_on - received_on).days)
            if to_appointment is not None:
                row.to_appointment.days.append(to_appointment)

    late = overdue_q(delay_schedules(departments), today)
    waiting = (
        OrientationRequest.objects.filter(
            department_id__in=departments, status=RequestStatus.WAITING, beneficiary__merged_into__isnull=True
        )
        .order_by()
        .values("beneficiary__commune_id")
        .annotate(n=Count("pk"), late=Count("pk", filter=late))
        .values_list("beneficiary__commune_id", "n", "late")
    )
    for commune_id, n, n_late in waiting:
        where = targets(commune_id)
        if not where:
            continue
        for row in [*where, total]:
            row.waiting += n
            row.overdue += n_late

    listed = [rows[t] for t in names] + ([rows[OUTSIDE]] if only is None else [])
    return {"rows": listed, "total": total, "since": since, "until": until}
