"""Set-based computation of the alerts of a whole département (issue 3 §4 "Nobody lost").

For one département: one query for the open follow-ups, one grouped query per appointment-based cause, one for
the contracts, one for the no-show procedures, one for the live alerts; then one insert for the new alerts and one
update per kind of change. The number of statements does not depend on the number of people.
"""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Exists, F, Max, OuterRef, Q, Subquery
from django.utils import timezone

from parcours.agenda.cadence import cadence_days, cadence_state
from parcours.agenda.enums import AppointmentStatus
from parcours.agenda.models import Appointment
from parcours.alerts.enums import AlertKind, AlertStatus, ProcedureStatus
from parcours.alerts.models import Alert, NoShowProcedure
from parcours.alerts.rules import CONTRACT_ENDING_DAYS, NO_CONTACT_DAYS
from parcours.orientation.models import FollowUp
from parcours.people.enums import RsaStatus
from parcours.plans.models import Contract

SUSPENDED = (RsaStatus.OPEN_SUSPENDED, RsaStatus.OPEN_PAYMENT_SUSPENDED)
CLOSED = (RsaStatus.CLOSED, RsaStatus.CLOSED_PREVIOUS)
CHUNK = 2000


@dataclass(frozen=True)
class Person:
    follow_up_id: int
    beneficiary_id: int
    referent_id: int | None
    parcours: str
    start_date: datetime.date
    rsa_status: str | None
    commune_department: str | None = None  # département code of the person's commune
    department_code: str = ""


@dataclass
class ScanResult:
    raised: int = 0
    resolved: int = 0
    updated: int = 0


def _day(value) -> str:
    return f"{timezone.localtime(value):%d/%m/%Y}" if isinstance(value, datetime.datetime) else f"{value:%d/%m/%Y}"


def _people(department_id, follow_up_ids) -> dict[int, Person]:
    follow_ups = FollowUp.objects.open().filter(department_id=department_id)
    if follow_up_ids is not None:
        follow_ups = follow_ups.filter(pk__in=follow_up_ids)
    rows = follow_ups.order_by().values_list(
        "pk",
        "beneficiary_id",
        "referent_id",
        "parcours",
        "start_date",
        "beneficiary__household__rsa_status",
        "beneficiary__commune__department_code",
        "department__code",
    )
    return {row[1]: Person(*row) for row in rows}


def _last_seen(people_qs, now) -> dict[int, datetime.datetime]:
    rows = (
        Appointment.objects.filter(
            beneficiary_id__in=people_qs,
            status=AppointmentStatus.SEEN,
            starts_at__lt=now + datetime.timedelta(hours=1),
        )
        .order_by()
        .values("beneficiary_id")
        .annotate(last=Max("starts_at"))
        .values_list("beneficiary_id", "last")
    )
    return dict(rows)


def _no_shows_in_a_row(people_qs, now) -> dict[int, tuple[int, datetime.datetime]]:
    """People whose past appointments with an outcome end with at least two no-shows: {person: (count, last)}."""
    last_other = (
        Appointment.objects.filter(
            beneficiary_id=OuterRef("beneficiary_id"),
            status__in=(AppointmentStatus.SEEN, AppointmentStatus.EXCUSED),
            starts_at__lt=now,
        )
        .order_by("-starts_at")
        .values("starts_at")[:1]
    )
    rows = (
        Appointment.objects.filter(beneficiary_id__in=people_qs, status=AppointmentStatus.NO_SHOW, starts_at__lt=now)
        .annotate(last_other=Subquery(last_other))
        .filter(Q(last_other__isnull=True) | Q(starts_at__gt=F("last_other")))
        .order_by()
        .values("beneficiary_id")
        .annotate(n=Count("pk"), last=Max("starts_at"))
        .filter(n__gte=2)
        .values_list("beneficiary_id", "n", "last")
    )
    return {person: (n, last) for person, n, last in rows}


def _contracts_ending(follow_ups_qs, today, limit) -> dict[int, datetime.date]:
    """Follow-ups whose contract in force ends within the limit, with no contract running beyond it."""
    renewed = Contract.objects.filter(follow_up_id=OuterRef("follow_up_id"), end_date__gt=limit)
    rows = (
        Contract.objects.filter(
            follow_up_id__in=follow_ups_qs, start_date__lte=today, end_date__gte=today, end_date__lte=limit
        )
        .exclude(Exists(renewed))
        .order_by()
        .values_list("follow_up_id", "end_date")
    )
    return dict(rows)


def _open_procedures(follow_ups_qs) -> dict[int, datetime.datetime]:
    rows = NoShowProcedure.objects.filter(follow_up_id__in=follow_ups_qs, status=ProcedureStatus.OPEN).values_list(
        "follow_up_id", "missed_at"
    )
    return dict(rows)


def causes(department_id, *, now, rules, follow_up_ids=None) -> tuple[dict, dict[int, Person]]:
    """{(follow_up_id, kind): French detail} of every alert whose cause is present now, and the people scanned."""
    today = timezone.localdate(now)
    people = _people(department_id, follow_up_ids)
    if not people:
        return {}, {}
    by_follow_up = {p.follow_up_id: p for p in people.values()}
    follow_ups_qs = FollowUp.objects.open().filter(department_id=department_id)
    if follow_up_ids is not None:
        follow_ups_qs = follow_ups_qs.filter(pk__in=follow_up_ids)
    people_qs = follow_ups_qs.values("beneficiary_id")
    found: dict = {}

    days = cadence_days(on=today, department_id=department_id)
    no_contact_days = rules[NO_CONTACT_DAYS]
    last_seen = _last_seen(people_qs, now)
    for person_id, p in people.items():
        last_at = last_seen.get(person_id)
        last_day = timezone.localtime(last_at).date() if last_at else None
        state = cadence_state(last_contact=last_day, since=p.start_date, days=days[p.parcours], today=today)
        if state.late:
            since = f"dernier rendez-vous honoré le {_day(last_day)}" if last_day else "aucun rendez-vous honoré"
            found[(p.follow_up_id, AlertKind.CADENCE_MISSED)] = (
                f"Rendez-vous attendu au plus tard le {_day(state.due_on)} ({since})."
            )
        reference = last_day or p.start_date
        if (today - reference).days > no_contact_days:
            found[(p.follow_up_id, AlertKind.NO_CONTACT)] = (
                f"Aucun rendez-vous honoré depuis le {_day(reference)}."
                if last_day
                else f"Aucun rendez-vous honoré depuis le début de l'accompagnement ({_day(reference)})."
            )
        if p.rsa_status in SUSPENDED:
            found[(p.follow_up_id, AlertKind.RSA_SUSPENDED)] = (
                f"État du droit transmis par la CAF/MSA : {RsaStatus(p.rsa_status).label.lower()}."
            )
        if p.rsa_status in CLOSED:
            found[(p.follow_up_id, AlertKind.RSA_CLOSED)] = (
                f"État du droit transmis par la CAF/MSA : {RsaStatus(p.rsa_status).label.lower()}."
            )
        if p.commune_department and p.commune_department != p.department_code:
            found[(p.follow_up_id, AlertKind.MOVED_OUT)] = (
                f"Adresse hors du département (commune du {p.commune_department}) : vérifier un déménagement."
            )
    for person_id, (n, last) in _no_shows_in_a_row(people_qs, now).items():
        if person_id in people:
            found[(people[person_id].follow_up_id, AlertKind.TWO_NO_SHOWS)] = (
                f"{n} absences sans excuse de suite, la dernière le {_day(last)}."
            )
    limit = today + datetime.timedelta(days=rules[CONTRACT_ENDING_DAYS])
    for follow_up_id, end_date in _contracts_ending(follow_ups_qs.values("pk"), today, limit).items():
        if follow_up_id in by_follow_up:
            found[(follow_up_id, AlertKind.CONTRACT_ENDING)] = (
                f"Le contrat se termine le {_day(end_date)} : préparer son renouvellement ou la sortie."
            )
    for follow_up_id, missed_at in _open_procedures(follow_ups_qs.values("pk")).items():
        if follow_up_id in by_follow_up:
            found[(follow_up_id, AlertKind.NO_SHOW)] = (
                f"Absence au rendez-vous du {_day(missed_at)} : relance en cours, contactez la personne."
            )
    # Hours of activity far below the contract's target (parcours.activity.hours, issue 5 §5).
    from parcours.activity.hours import below_target  # late: the hours read the workshops and referrals

    for follow_up_id, detail in below_target(follow_ups_qs, today=today, department_id=department_id).items():
        if follow_up_id in by_follow_up:
            found[(follow_up_id, AlertKind.HOURS_BELOW_TARGET)] = detail
    return found, by_follow_up


def _chunks(items):
    items = list(items)
    for i in range(0, len(items), CHUNK):
        yield items[i : i + CHUNK]


@transaction.atomic
def sync_alerts(department_id, *, now, rules, follow_up_ids=None) -> ScanResult:
    """Raise the alerts whose cause appeared, resolve those whose cause is gone. Idempotent."""
    found, by_follow_up = causes(department_id, now=now, rules=rules, follow_up_ids=follow_up_ids)
    live_qs = Alert.objects.filter(department_id=department_id, resolved_at__isnull=True)
    if follow_up_ids is not None:
        live_qs = live_qs.filter(follow_up_id__in=follow_up_ids)
    rows = live_qs.values_list("pk", "follow_up_id", "kind", "status", "detail", "assigned_to_id")
    live = {(f, k): (pk, status, detail, assigned) for pk, f, k, status, detail, assigned in rows}
    result = ScanResult()
    new = [
        Alert(
            department_id=department_id,
            follow_up_id=follow_up_id,
            beneficiary_id=by_follow_up[follow_up_id].beneficiary_id,
            assigned_to_id=by_follow_up[follow_up_id].referent_id,
            kind=kind,
            detail=detail[:300],
            raised_at=now,
        )
        for (follow_up_id, kind), detail in found.items()
        if (follow_up_id, kind) not in live
    ]
    # A concurrent raise_alert() may have inserted the same live alert: the unique constraint keeps one.
    Alert.objects.bulk_create(new, ignore_conflicts=True, batch_size=CHUNK)
    result.raised = len(new)
    gone = [value for key, value in live.items() if key not in found]
    for chunk in _chunks(pk for pk, status, *_ in gone if status == AlertStatus.OPEN):
        result.resolved += Alert.objects.filter(pk__in=chunk, status=AlertStatus.OPEN).update(
            status=AlertStatus.RESOLVED, resolved_at=now
        )
    for chunk in _chunks(pk for pk, status, *_ in gone if status != AlertStatus.OPEN):
        Alert.objects.filter(pk__in=chunk, resolved_at__isnull=True).update(resolved_at=now)
    # Open alerts keep a current detail, and follow the referent when the person changes referent.
    changed = []
    for key, detail in found.items():
        if key not in live or live[key][1] != AlertStatus.OPEN:
            continue
        pk, _status, old_detail, assigned = live[key]
        referent_id = by_follow_up[key[0]].referent_id
        if old_detail != detail[:300] or assigned != referent_id:
            changed.append(Alert(pk=pk, detail=detail[:300], assigned_to_id=referent_id))
    if changed:
        Alert.objects.bulk_update(changed, ["detail", "assigned_to"], batch_size=CHUNK)
    result.updated = len(changed)
    return result
