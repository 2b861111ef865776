"""The orientation queue (issue 4 §4): who must be oriented, oldest first, with the days left before the legal delay.

The delay is the dated rule `orientation.delay_days` (6 weeks, CASF D262-65-2) in force on the day the information
was received, for the person's département (a département's own value wins, as in parcours.core.rules). The whole
history of the rule is read in one query, so that the days left of every row and the "overdue" filter (in SQL) need
no query per row: the SQL cost of a page does not depend on its rows.
"""

import datetime
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.utils import timezone

from parcours.accounts.enums import Profession
from parcours.core.models import RuleValue
from parcours.intake.enums import Source
from parcours.intake.models import ImportBatch
from parcours.organizations.models import Territory
from parcours.orientation.enums import RequestStatus
from parcours.orientation.models import OrientationRequest

DELAY_KEY = "orientation.delay_days"
PAGE_SIZE = 50
SOURCE_LABELS = dict(Source.choices)


class DelaySchedule:
    """The values of `orientation.delay_days` over time for one département, read once.

    Same precedence as parcours.core.rules: on a given day, the latest row of the département in force wins over
    any national row; without one, the latest national row in force.
    """

    def __init__(self, rows, department_id):
        self.department_id = department_id
        own = sorted((since, value) for since, value, dept in rows if dept == department_id)
        national = sorted((since, value) for since, value, dept in rows if dept is None)
        self.own, self.national = own, national
        self.breakpoints = sorted({since for since, _v in own} | {since for since, _v in national})

    @staticmethod
    def _latest(pairs, on):
        found = None
        for since, value in pairs:
            if since <= on:
                found = value
        return found

    def days_on(self, on: datetime.date) -> int | None:
        value = self._latest(self.own, on)
        if value is None:
            value = self._latest(self.national, on)
        return None if value is None else int(value)

    def segments(self):
        """[(from, until (excluded) or None, days)] covering every date from the first rule on."""
        result = []
        for i, start in enumerate(self.breakpoints):
            end = self.breakpoints[i + 1] if i + 1 < len(self.breakpoints) else None
            days = self.days_on(start)
            if days is None:
                continue
            if result and result[-1][2] == days and result[-1][1] == start:
                result[-1] = (result[-1][0], end, days)
            else:
                result.append((start, end, days))
        return result

    def due_on(self, received_on: datetime.date) -> datetime.date | None:
        days = self.days_on(received_on)
        return None if days is None else received_on + datetime.timedelta(days=days)

    def overdue_q(self, today: datetime.date, prefix: str = "") -> Q:
        """Requests of this département whose delay is passed on `today` (received_on + days < today)."""
        q = Q(pk__in=[])
        for start, end, days in self.segments():
            segment = Q(**{f"{prefix}received_on__gte": start, f"{prefix}received_on__lt": today - _days(days)})
            if end is not None:
                segment &= Q(**{f"{prefix}received_on__lt": end})
            q |= segment
        return Q(**{f"{prefix}department_id": self.department_id}) & q


def _days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def delay_schedules(department_ids) -> dict[int, DelaySchedule]:
    """One query for every département given."""
    department_ids = list(department_ids)
    rows = list(
        RuleValue.objects.filter(Q(department__isnull=True) | Q(department_id__in=department_ids), key=DELAY_KEY)
        .order_by()
        .values_list("effective_from", "value", "department_id")
    )
    return {dept: DelaySchedule(rows, dept) for dept in department_ids}


def overdue_q(schedules: dict, today: datetime.date, prefix: str = "") -> Q:
    q = Q(pk__in=[])
    for schedule in schedules.values():
        q |= schedule.overdue_q(today, prefix)
    return q


# --- Who sees which requests ------------------------------------------------------------------------------


def queue_departments(viewer) -> set:
    return {m.organization.department_id for m in viewer.memberships_as(Profession.ORIENTATION_OFFICER)}


def head_territory_ids(viewer) -> set:
    return {
        m.organization.territory_id
        for m in viewer.memberships_as(Profession.AGENCY_HEAD)
        if m.organization.territory_id
    }


def can_decide(viewer) -> bool:
    return bool(queue_departments(viewer))


def visible_requests(viewer):
    """Requests the viewer sees: those of their départements for an orientation officer; for an agency head (read
    only), those of people living in the communes of their territory."""
    scope = Q(pk__in=[])
    departments = queue_departments(viewer)
    if departments:
        scope |= Q(department_id__in=departments)
    territories = head_territory_ids(viewer)
    if territories:
        communes = Territory.communes.through.objects.filter(territory_id__in=territories).values("commune_id")
        scope |= Q(beneficiary__commune_id__in=communes)
    return OrientationRequest.objects.filter(scope)


def waiting_requests(viewer):
    return visible_requests(viewer).filter(status=RequestStatus.WAITING, beneficiary__merged_into__isnull=True)


# --- The queue page --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueFilters:
    territory: int | None = None
    overdue_only: bool = False
    source: str = ""
    batch: int | None = None


@dataclass(slots=True)
class QueueRow:
    request: OrientationRequest
    due_on: datetime.date | None
    days_left: int | None

    @property
    def overdue(self) -> bool:
        return self.days_left is not None and self.days_left < 0

    @property
    def overdue_by(self) -> int:
        return -self.days_left if self.overdue else 0

    @property
    def source_label(self) -> str:
        return SOURCE_LABELS.get(self.request.source, self.request.source)


@dataclass
class QueuePage:
    rows: list
    page: object  # django.core.paginator.Page
    total: int  # waiting, all filters applied
    overdue: int  # waiting and overdue, all filters applied except "overdue only"
    all_waiting: int  # before filters
    all_overdue: int


def queue_page(viewer, filters: QueueFilters = QueueFilters(), *, page: int = 1, today=None) -> QueuePage:
    """One page of the queue, oldest first. Queries: rules, counts, page rows (the count does not grow with rows)."""
    today = today or timezone.localdate()
    base = waiting_requests(viewer)
    departments = queue_departments(viewer) | set(_departments_of_heads(viewer))
    schedules = delay_schedules(departments)
    late = overdue_q(schedules, today)
    filtered = base.filter(_as_q(filters))
    counts = base.aggregate(
        all_waiting=Count("pk"),
        all_overdue=Count("pk", filter=late),
        total=Count("pk", filter=_as_q(filters)),
        overdue=Count("pk", filter=_as_q(filters) & late),
    )
    listed = filtered.filter(late) if filters.overdue_only else filtered
    listed = listed.select_related("beneficiary__commune", "batch").order_by("received_on", "pk")
    paginator = Paginator(listed, PAGE_SIZE)
    paginator.count = counts["overdue"] if filters.overdue_only else counts["total"]  # already counted above
    current = paginator.get_page(page)
    rows = []
    for request in current.object_list:
        schedule = schedules.get(request.department_id)
        due = schedule.due_on(request.received_on) if schedule else None
        rows.append(QueueRow(request, due, (due - today).days if due else None))
    return QueuePage(
        rows=rows,
        page=current,
        total=counts["total"],
        overdue=counts["overdue"],
        all_waiting=counts["all_waiting"],
        all_overdue=counts["all_overdue"],
    )


def _as_q(filters: QueueFilters) -> Q:
    """The filters as a condition on OrientationRequest (for the counts computed in the same query)."""
    q = Q()
    if filters.territory:
        communes = Territory.communes.through.objects.filter(territory_id=filters.territory).values("commune_id")
        q &= Q(beneficiary__commune_id__in=communes)
    if filters.source:
        q &= Q(source=filters.source)
    if filters.batch:
        q &= Q(batch_id=filters.batch)
    return q


def _departments_of_heads(viewer):
    return [m.organization.department_id for m in viewer.memberships_as(Profession.AGENCY_HEAD)]


def overdue_count(viewer, *, today=None) -> int:
    """Waiting requests past the legal delay: the alert shown to orientation officers (two queries)."""
    departments = queue_departments(viewer)
    if not departments:
        return 0
    today = today or timezone.localdate()
    late = overdue_q(delay_schedules(departments), today)
    return waiting_requests(viewer).filter(late).count()


def filter_choices(viewer) -> dict:
    """Territories of the viewer's départements and the import batches that brought waiting requests."""
    departments = queue_departments(viewer) | set(_departments_of_heads(viewer))
    territories = list(
        Territory.objects.filter(department_id__in=departments).order_by("name").values_list("pk", "name")
    )
    batch_ids = waiting_requests(viewer).filter(batch__isnull=False).values("batch_id")
    batches = list(ImportBatch.objects.filter(pk__in=batch_ids).order_by("-created_at")[:50])
    return {"territories": territories, "batches": [(b.pk, str(b)) for b in batches]}
