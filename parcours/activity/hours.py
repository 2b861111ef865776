"""Weekly hours of activity of a person, by source, against the contract's target (issue 5 §5).

CT L5411-6 II: the plan d'action of the contrat d'engagement carries a weekly activity of at least 15 hours
(a dated rule, `contract.weekly_hours`), reducible but never to zero, or none at the person's request for proven
difficulties (health, handicap, invalidity, parent isolé without childcare). Hours come from:

- appointments (agenda): planned = not cancelled, done = seen, at their duration;
- workshop sessions: planned = registered (not waitlisted), done = attended, at the session's duration;
- services in progress (referrals started): the service's `weekly_hours`, pro rata of the working days (Monday to
  Friday) of the week between `started_on` and `completed_on` / `ended_on` (or still open); done = the days already
  past, minus the days the partner marked absent, a present mark with hours counting those hours;
- activities entered by hand (immersion, SIAE work, training, other): their planned and done hours.

Everything is computed for many people at once with a constant number of queries (one per source, one for the
contracts, the dated rules cached): `summaries(people, week_start)` serves the person's page and the caseload.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, Sum
from django.utils import timezone

from parcours.activity.enums import HoursSource
from parcours.activity.models import ActivityEntry
from parcours.agenda.enums import AppointmentStatus
from parcours.agenda.models import Appointment
from parcours.core.rules import rule_value, rule_values
from parcours.plans.enums import NO_HOURS_EXEMPTIONS, HoursExemption
from parcours.plans.models import Contract
from parcours.referrals.models import Attendance, Referral
from parcours.workshops.enums import RegistrationStatus
from parcours.workshops.models import Registration

LEGAL_HOURS = "contract.weekly_hours"
RATIO = "activity.far_below_ratio"
ALERT_WEEKS = "activity.alert_weeks"
WORKING_DAYS = 5  # a service's weekly volume is spread over Monday to Friday
SOURCES = tuple(HoursSource)
LAW = "CT L5411-6 II"


def monday(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def parse_week(value: str | None, *, today: datetime.date) -> datetime.date:
    """The Monday of the week of `value` (AAAA-MM-JJ), or of this week when missing or invalid."""
    try:
        day = datetime.date.fromisoformat(value) if value else today
    except ValueError:
        day = today
    return monday(day)


def _aware(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _hours(value) -> float:
    return round(float(value or 0), 2)


def _fmt(hours: float) -> str:
    text = f"{hours:.1f}".replace(".", ",")
    return text[:-2] if text.endswith(",0") else text


# --- Targets ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    hours: float
    reason: str  # French, with the legal ground
    exemption: str = ""  # HoursExemption value of the contract, "" without contract
    from_contract: bool = False


@dataclass(frozen=True)
class ContractHours:
    start_date: datetime.date
    end_date: datetime.date
    weekly_hours: Decimal
    exemption: str


def _contracts(person_ids, first: datetime.date, last: datetime.date) -> dict[int, list[ContractHours]]:
    """Contracts of the open follow-ups in force on at least one day of [first, last], oldest first. One query."""
    rows = (
        Contract.objects.filter(
            follow_up__beneficiary_id__in=person_ids,
            follow_up__end_date__isnull=True,
            start_date__lte=last,
            end_date__gte=first,
        )
        .order_by("start_date", "pk")
        .values_list("follow_up__beneficiary_id", "start_date", "end_date", "weekly_hours", "hours_exemption")
    )
    result: dict[int, list] = defaultdict(list)
    for person_id, *values in rows:
        result[person_id].append(ContractHours(*values))
    return result


def _contract_for_week(contracts: list[ContractHours], week_start: datetime.date) -> ContractHours | None:
    """The contract in force during the week (the latest started one when two overlap it)."""
    week_end = week_start + datetime.timedelta(days=6)
    found = None
    for contract in contracts:
        if contract.start_date <= week_end and contract.end_date >= week_start:
            found = contract
    return found


def target_for(
    contract: ContractHours | None, *, week_start: datetime.date, department_id, rights_and_duties: bool = True
) -> Target:
    if contract is not None:
        hours = float(contract.weekly_hours)
        period = f"contrat du {contract.start_date:%d/%m/%Y} au {contract.end_date:%d/%m/%Y}"
        if contract.exemption in NO_HOURS_EXEMPTIONS:
            label = HoursExemption(contract.exemption).label
            return Target(
                0.0,
                f"{label} : plan d'action sans durée hebdomadaire, à la demande de la personne ({LAW} ; {period}).",
                contract.exemption,
                True,
            )
        if contract.exemption == HoursExemption.REDUCED:
            return Target(
                hours,
                f"Durée réduite au vu de la situation de la personne : {_fmt(hours)} h par semaine "
                f"({LAW} ; {period}).",
                contract.exemption,
                True,
            )
        return Target(hours, f"{_fmt(hours)} h par semaine inscrites au {period} ({LAW}).", contract.exemption, True)
    if not rights_and_duties:
        return Target(0.0, "Non soumis·e aux droits et devoirs : pas d'obligation d'activité (CT R5411-15-2).")
    legal = float(rule_value(LEGAL_HOURS, on=week_start, department_id=department_id))
    return Target(legal, f"Pas de contrat en cours : durée de droit commun de {_fmt(legal)} h par semaine ({LAW}).")


# --- Hours by source ----------------------------------------------------------------------------------------


def _working_days(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    days, day = [], first
    while day <= last:
        if day.weekday() < WORKING_DAYS:
            days.append(day)
        day += datetime.timedelta(days=1)
    return days


def hours_by_person(person_ids, start: datetime.date, end: datetime.date, *, today: datetime.date) -> dict:
    """{person id: {source: [planned, done]}} for the days [start, end). `person_ids`: ids or a subquery.

    Five queries whatever the number of people: appointments, workshop registrations, referrals, their
    attendance marks, manual entries.
    """
    result: dict = defaultdict(lambda: {s: [0.0, 0.0] for s in SOURCES})
    start_at, end_at = _aware(start), _aware(end)

    appointments = (
        Appointment.objects.filter(beneficiary_id__in=person_ids, starts_at__gte=start_at, starts_at__lt=end_at)
        .exclude(status=AppointmentStatus.CANCELLED)
        .order_by()
        .values("beneficiary_id")
        .annotate(
            planned=Sum("duration_minutes"), done=Sum("duration_minutes", filter=Q(status=AppointmentStatus.SEEN))
        )
        .values_list("beneficiary_id", "planned", "done")
    )
    for person_id, planned, done in appointments:
        row = result[person_id][HoursSource.APPOINTMENTS]
        row[0] += (planned or 0) / 60
        row[1] += (done or 0) / 60

    registrations = Registration.objects.filter(
        beneficiary_id__in=person_ids,
        status=RegistrationStatus.REGISTERED,
        session__starts_at__gte=start_at,
        session__starts_at__lt=end_at,
    ).values_list("beneficiary_id", "session__starts_at", "session__ends_at", "attended")
    for person_id, starts_at, ends_at, attended in registrations:
        hours = (ends_at - starts_at).total_seconds() / 3600
        row = result[person_id][HoursSource.WORKSHOPS]
        row[0] += hours
        if attended:
            row[1] += hours

    last = end - datetime.timedelta(days=1)
    referrals = list(
        Referral.objects.filter(
            beneficiary_id__in=person_ids, started_on__isnull=False, started_on__lte=last, service__weekly_hours__gt=0
        )
        .filter(
            Q(completed_on__isnull=True, ended_on__isnull=True) | Q(completed_on__gte=start) | Q(ended_on__gte=start)
        )
        .values_list("pk", "beneficiary_id", "started_on", "completed_on", "ended_on", "service__weekly_hours")
    )
    marks: dict = defaultdict(dict)
    if referrals:
        rows = Attendance.objects.filter(
            referral_id__in=[r[0] for r in referrals], on__gte=start, on__lte=last
        ).values_list("referral_id", "on", "present", "hours")
        for referral_id, on, present, hours in rows:
            marks[referral_id][on] = (present, hours)
    for pk, person_id, started_on, completed_on, ended_on, weekly in referrals:
        stop = min(d for d in (completed_on, ended_on, last) if d is not None)
        days = _working_days(max(started_on, start), stop)
        daily = weekly / WORKING_DAYS
        row = result[person_id][HoursSource.SERVICES]
        row[0] += daily * len(days)
        for day in days:
            present, hours = marks[pk].get(day, (None, None))
            if present is False:
                continue
            if present and hours is not None:
                row[1] += hours
            elif day < today:
                row[1] += daily

    entries = (
        ActivityEntry.objects.filter(beneficiary_id__in=person_ids, date__gte=start, date__lt=end)
        .order_by()
        .values("beneficiary_id", "kind")
        .annotate(planned=Sum("planned_hours"), done=Sum("done_hours"))
        .values_list("beneficiary_id", "kind", "planned", "done")
    )
    for person_id, kind, planned, done in entries:
        row = result[person_id][HoursSource(kind)]
        row[0] += float(planned or 0)
        row[1] += float(done or 0)
    return result


# --- One week, for one person or a caseload -----------------------------------------------------------------


@dataclass(frozen=True)
class SourceHours:
    source: str
    label: str
    planned: float
    done: float


@dataclass
class WeekSummary:
    person_id: int
    week_start: datetime.date
    target: Target
    ratio: float
    today: datetime.date
    rows: list = field(default_factory=list)  # SourceHours, in the order of HoursSource

    @property
    def week_end(self) -> datetime.date:
        return self.week_start + datetime.timedelta(days=6)

    @property
    def planned(self) -> float:
        return round(sum(r.planned for r in self.rows), 2)

    @property
    def done(self) -> float:
        return round(sum(r.done for r in self.rows), 2)

    @property
    def is_past(self) -> bool:
        return self.week_end < self.today

    @property
    def measured(self) -> float:
        """What is compared with the target: the hours done once the week is over, the plan before."""
        return self.done if self.is_past else self.planned

    @property
    def far_below(self) -> bool:
        return self.target.hours > 0 and self.measured < self.ratio * self.target.hours

    @property
    def gap(self) -> float:
        return round(max(self.target.hours - self.measured, 0.0), 2)


@dataclass(frozen=True)
class Person:
    pk: int
    department_id: int
    rights_and_duties: bool = True


def summaries(people: list[Person], week_start: datetime.date, *, today=None) -> dict[int, WeekSummary]:
    """The week of each person: hours by source and target. Six queries plus the dated rules (cached)."""
    today = today or timezone.localdate()
    if not people:
        return {}
    ids = [p.pk for p in people]
    end = week_start + datetime.timedelta(days=7)
    hours = hours_by_person(ids, week_start, end, today=today)
    contracts = _contracts(ids, week_start, end - datetime.timedelta(days=1))
    labels = dict(HoursSource.choices)
    ratios: dict = {}
    result = {}
    for p in people:
        if p.department_id not in ratios:
            ratios[p.department_id] = float(rule_value(RATIO, on=today, department_id=p.department_id))
        contract = _contract_for_week(contracts.get(p.pk, []), week_start)
        target = target_for(
            contract, week_start=week_start, department_id=p.department_id, rights_and_duties=p.rights_and_duties
        )
        by_source = hours.get(p.pk) or {s: [0.0, 0.0] for s in SOURCES}
        rows = [SourceHours(s, labels[s], _hours(by_source[s][0]), _hours(by_source[s][1])) for s in SOURCES]
        result[p.pk] = WeekSummary(p.pk, week_start, target, ratios[p.department_id], today, rows)
    return result


def week_summary(beneficiary, week_start: datetime.date, *, today=None) -> WeekSummary:
    """Planned and done hours of one person for the week starting on `week_start` (a Monday), against the target."""
    person = Person(beneficiary.pk, beneficiary.department_id, beneficiary.rights_and_duties)
    return summaries([person], monday(week_start), today=today)[beneficiary.pk]


# --- The alert ----------------------------------------------------------------------------------------------


def below_target(follow_ups_qs, *, today: datetime.date, department_id) -> dict[int, str]:
    """{follow-up id: French detail} of the people whose done hours over the last full weeks (2 by default) are
    below ratio × target (0.5 by default). Only people with a contract in force in that window (the hours are the
    contract's plan d'action, CT L5411-6 II) whose follow-up began before it; a zero target never alerts.

    Six queries for a whole département, whatever the number of people (none when nobody has a contract).
    """
    rules = rule_values([RATIO, ALERT_WEEKS], on=today, department_id=department_id)
    ratio, weeks = float(rules[RATIO]), int(rules[ALERT_WEEKS])
    window_end = monday(today)
    window_start = window_end - datetime.timedelta(days=7 * weeks)
    last_day = window_end - datetime.timedelta(days=1)
    eligible = follow_ups_qs.filter(start_date__lte=window_start)
    rows = (
        Contract.objects.filter(
            follow_up__in=eligible.values("pk"), start_date__lte=last_day, end_date__gte=window_start
        )
        .order_by("start_date", "pk")
        .values_list(
            "follow_up_id",
            "follow_up__beneficiary_id",
            "follow_up__beneficiary__rights_and_duties",
            "start_date",
            "end_date",
            "weekly_hours",
            "hours_exemption",
        )
    )
    people: dict = {}
    contracts: dict = defaultdict(list)
    for follow_up_id, person_id, rights_and_duties, *values in rows:
        people[follow_up_id] = (person_id, rights_and_duties)
        contracts[person_id].append(ContractHours(*values))
    if not people:
        return {}
    hours = hours_by_person(eligible.values("beneficiary_id"), window_start, window_end, today=today)
    found = {}
    starts = [window_start + datetime.timedelta(days=7 * i) for i in range(weeks)]
    for follow_up_id, (person_id, rights_and_duties) in people.items():
        target = sum(
            target_for(
                _contract_for_week(contracts[person_id], week),
                week_start=week,
                department_id=department_id,
                rights_and_duties=rights_and_duties,
            ).hours
            for week in starts
        )
        done = sum(v[1] for v in hours[person_id].values()) if person_id in hours else 0.0
        if target > 0 and done < ratio * target:
            found[follow_up_id] = (
                f"{_fmt(done)} h d'activité réalisées du {window_start:%d/%m} au {last_day:%d/%m/%Y} "
                f"pour une cible de {_fmt(target)} h ({weeks} semaines) : moins de {round(ratio * 100)} % de la cible."
            )
    return found
