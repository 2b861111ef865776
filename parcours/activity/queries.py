"""The weekly hours of « Ma file active »: one line per person, in a constant number of queries."""

import datetime
from dataclasses import dataclass

from parcours.activity.hours import Person, WeekSummary, summaries
from parcours.activity.models import ActivityEntry
from parcours.caseload.queries import caseload_follow_ups


@dataclass(frozen=True)
class CaseloadHours:
    public_id: object
    first_name: str
    last_name: str
    is_referent: bool
    week: WeekSummary


def caseload_week(viewer, week_start: datetime.date, *, today=None) -> list[CaseloadHours]:
    """The viewer's people (referent or care team) with their planned / done hours and target for the week;
    the people far below their target first. One query for the people, then `summaries` (six, rules cached)."""
    rows = list(
        caseload_follow_ups(viewer)
        .order_by()
        .values_list(
            "beneficiary_id",
            "beneficiary__public_id",
            "beneficiary__first_name",
            "beneficiary__last_name",
            "beneficiary__department_id",
            "beneficiary__rights_and_duties",
            "referent_id",
        )
    )
    people = {r[0]: Person(r[0], r[4], r[5]) for r in rows}
    weeks = summaries(list(people.values()), week_start, today=today)
    result = [
        CaseloadHours(public_id, first, last, referent_id == viewer.user.pk, weeks[person_id])
        for person_id, public_id, first, last, _dept, _rd, referent_id in rows
        if person_id in weeks
    ]
    result.sort(key=lambda r: (not r.week.far_below, r.last_name.lower(), r.first_name.lower()))
    return result


def week_entries(beneficiary, week_start: datetime.date) -> list[ActivityEntry]:
    """The activities entered by hand for the week, by date. One query."""
    end = week_start + datetime.timedelta(days=6)
    return list(
        ActivityEntry.objects.filter(beneficiary=beneficiary, date__gte=week_start, date__lte=end)
        .select_related("created_by")
        .order_by("date", "pk")
    )
