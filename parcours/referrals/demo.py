"""Demo referrals: some of the people followed in a département sent to published services of its catalogue, in
every status, with their history, attendance and timeline entries (bulk; run after the catalogue's demo).
"""

import datetime
import random

from django.db import transaction
from django.utils import timezone

from parcours.catalogue.models import Service, ServiceStatus
from parcours.journal.models import Section, TimelineEvent
from parcours.orientation.models import FollowUp
from parcours.referrals.enums import EventKind, ReferralStatus, SharedItem, Via
from parcours.referrals.models import Attendance, Referral, ReferralEvent

SHARE_RATE = 0.12  # share of the people followed who have a referral
# (status, weight): most referrals are answered, a few wait, some expire.
OUTCOMES = [
    (ReferralStatus.SENT, 10),
    (ReferralStatus.ACCEPTED, 10),
    (ReferralStatus.REFUSED, 10),
    (ReferralStatus.EXPIRED, 6),
    (ReferralStatus.STARTED, 24),
    (ReferralStatus.COMPLETED, 30),
    (ReferralStatus.ABANDONED, 10),
]
SHARES = [
    [SharedItem.IDENTITY],
    [SharedItem.IDENTITY, SharedItem.CONTACT],
    [SharedItem.IDENTITY, SharedItem.CONTACT, SharedItem.BARRIERS],
]
BATCH = 2000


def _pick(rng, weighted):
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights)[0]


def _plan(rng, follow_up, service, now):
    """A referral of one person in a random status, with the dates and history that lead there."""
    status = _pick(rng, OUTCOMES)
    age = rng.randint(2, 25) if status == ReferralStatus.SENT else rng.randint(31, 200)
    sent_at = now - datetime.timedelta(days=age, hours=rng.randint(0, 8))
    person = follow_up.beneficiary
    shared = rng.choice(SHARES)
    referral = Referral(
        department_id=follow_up.department_id,
        beneficiary=person,
        follow_up=follow_up,
        service=service,
        sent_by_id=follow_up.referent_id,
        status=status,
        shared=[str(s) for s in shared],
        shared_data={"first_name": person.first_name, "initial": f"{person.last_name[:1].upper()}."}
        | ({"phone": person.phone, "email": person.email} if SharedItem.CONTACT in shared else {})
        | ({"barriers": ["Mobilité"]} if SharedItem.BARRIERS in shared else {}),
        consent_at=sent_at,
        consent_by_id=follow_up.referent_id,
        sent_at=sent_at,
        expires_at=sent_at + datetime.timedelta(days=30),
        link_expires_at=sent_at + datetime.timedelta(days=8),
        last_event_at=sent_at,
        referent_seen_at=sent_at,
    )
    events = [(EventKind.SENT, sent_at, "")]
    marks = []
    if status == ReferralStatus.EXPIRED:
        referral.closed_at = referral.last_event_at = referral.expires_at
        events.append((EventKind.EXPIRED, referral.expires_at, ""))
    elif status != ReferralStatus.SENT:
        answered = sent_at + datetime.timedelta(days=rng.randint(0, 9), hours=rng.randint(1, 6))
        referral.answered_at = referral.last_event_at = answered
        if status == ReferralStatus.REFUSED:
            referral.refusal_reason = rng.choice(["service_full", "not_eligible", "unreachable"])
            referral.closed_at = answered
            events.append((EventKind.REFUSED, answered, ""))
        else:
            events.append((EventKind.ACCEPTED, answered, ""))
    if status in (ReferralStatus.STARTED, ReferralStatus.COMPLETED) or (
        status == ReferralStatus.ABANDONED and rng.random() < 0.6
    ):
        started = timezone.localdate(referral.answered_at) + datetime.timedelta(days=rng.randint(2, 14))
        started = min(started, timezone.localdate(now))
        referral.started_on = started
        events.append((EventKind.STARTED, _at(started), ""))
        weeks = service.duration_weeks or rng.randint(4, 12)
        end = min(started + datetime.timedelta(weeks=weeks), timezone.localdate(now))
        day = started
        while day <= end and len(marks) < 40:
            if day.weekday() < 5 and rng.random() < 0.4:
                marks.append((day, rng.random() < 0.85))
            day += datetime.timedelta(days=1)
        if status == ReferralStatus.COMPLETED:
            referral.completed_on = referral.ended_on = end
            referral.closed_at = referral.last_event_at = _at(end)
            events.append((EventKind.COMPLETED, _at(end), ""))
    if status == ReferralStatus.ABANDONED:
        floor = referral.started_on or timezone.localdate(referral.answered_at)
        ended = min(floor + datetime.timedelta(days=rng.randint(3, 30)), timezone.localdate(now))
        referral.abandon_reason = rng.choice(["person_stopped", "repeated_absences", "job_or_training"])
        if referral.started_on is None:
            referral.abandon_reason = "never_came"
        referral.ended_on = ended
        referral.closed_at = referral.last_event_at = _at(ended)
        events.append((EventKind.ABANDONED, _at(ended), ""))
        marks = [m for m in marks if m[0] <= ended]
    return referral, events, marks


def _at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(17, 0)))


@transaction.atomic
def seed_referrals(department, *, seed: int = 1) -> int:
    """Referrals for about one person in eight followed in `department`; returns how many (0 when seeded)."""
    if Referral.objects.filter(department=department).exists():
        return 0
    services = list(
        Service.objects.filter(status=ServiceStatus.PUBLISHED, structure__organization__department=department)
        .select_related("structure")
        .order_by("pk")
    ) or list(
        Service.objects.filter(status=ServiceStatus.PUBLISHED, insee_code__startswith=department.code[:2])
        .select_related("structure")
        .order_by("pk")[:500]
    )
    if not services:
        return 0
    rng = random.Random(seed)
    now = timezone.now()
    follow_ups = (
        FollowUp.objects.open()
        .filter(department=department, referent__isnull=False)
        .select_related("beneficiary")
        .order_by("pk")
    )
    total = 0
    batch = []
    for follow_up in follow_ups.iterator(chunk_size=BATCH):
        if rng.random() >= SHARE_RATE:
            continue
        batch.append(_plan(rng, follow_up, rng.choice(services), now))
        if len(batch) >= BATCH:
            total += _write(batch)
            batch = []
    if batch:
        total += _write(batch)
    return total


def _write(batch) -> int:
    referrals = Referral.objects.bulk_create([r for r, _e, _m in batch], batch_size=BATCH)
    ReferralEvent.objects.bulk_create(
        (
            ReferralEvent(
                referral=r,
                kind=kind,
                at=at,
                actor_id=r.sent_by_id if kind == EventKind.SENT else None,
                via=Via.ACCOUNT if kind == EventKind.SENT else (Via.SYSTEM if kind == EventKind.EXPIRED else Via.LINK),
                detail=detail,
            )
            for r, (_r, events, _m) in zip(referrals, batch, strict=True)
            for kind, at, detail in events
        ),
        batch_size=BATCH,
    )
    Attendance.objects.bulk_create(
        (
            Attendance(referral=r, on=day, present=present, hours=3.0 if present else None, recorded_at=_at(day))
            for r, (_r, _e, marks) in zip(referrals, batch, strict=True)
            for day, present in marks
        ),
        batch_size=BATCH,
    )
    TimelineEvent.objects.bulk_create(
        (
            TimelineEvent(
                department_id=r.department_id,
                beneficiary_id=r.beneficiary_id,
                actor_id=r.sent_by_id if kind == EventKind.SENT else None,
                at=at,
                kind="referral",
                section=Section.SOCIO_PRO,
                summary=f"{EventKind(kind).label} : « {r.service.name} » ({r.service.structure.name})"[:300],
            )
            for r, (_r, events, _m) in zip(referrals, batch, strict=True)
            for kind, at, _d in events
        ),
        batch_size=BATCH,
    )
    return len(referrals)
