"""Background work of the referrals: the e-mails, and the periodic expiry and reminders.

`run_periodic` (parcours.jobs.periodic, hourly, BULK queue):
- a referral still unanswered at `expires_at` (sent + `referrals.expiry_days`) expires: status, history, timeline
  and the referent's e-mail, in bulk (a few statements per 500 referrals, never one per row);
- a partner who still has something to do (answer, start, end) and whose link expires within
  `referrals.reminder_days_before` days gets one reminder with the link.
"""

import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from parcours.jobs.api import job
from parcours.jobs.queues import BULK
from parcours.journal.models import Section, TimelineEvent
from parcours.referrals import notify
from parcours.referrals.enums import AWAITING_PARTNER, EventKind, ReferralStatus, Via
from parcours.referrals.models import Referral, ReferralEvent
from parcours.referrals.services import rules_for

CHUNK = 500


@job(max_attempts=6, queue=BULK)
def send_event_email(event_id: int) -> int:
    """The e-mails of one step of a referral (an SMTP outage makes the task come back later)."""
    return notify.send(event_id)


def run_periodic() -> dict:
    return {"expired": expire_due(), "reminded": remind_partners()}


def expire_due(now=None) -> int:
    """Expire the referrals sent and unanswered at their `expires_at`; returns how many."""
    now = now or timezone.now()
    total = 0
    while True:
        with transaction.atomic():
            rows = list(
                Referral.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(status=ReferralStatus.SENT, expires_at__lte=now)
                .order_by("pk")
                .values("pk", "beneficiary_id", "department_id", "service__name", "service__structure__name")[:CHUNK]
            )
            if not rows:
                return total
            Referral.objects.filter(pk__in=[r["pk"] for r in rows], status=ReferralStatus.SENT).update(
                status=ReferralStatus.EXPIRED, closed_at=now, last_event_at=now
            )
            events = ReferralEvent.objects.bulk_create(
                ReferralEvent(referral_id=r["pk"], kind=EventKind.EXPIRED, via=Via.SYSTEM, at=now) for r in rows
            )
            TimelineEvent.objects.bulk_create(
                TimelineEvent(
                    department_id=r["department_id"],
                    beneficiary_id=r["beneficiary_id"],
                    actor=None,
                    kind="referral",
                    section=Section.SOCIO_PRO,
                    at=now,
                    summary=(
                        f"Orientation vers « {r['service__name']} » ({r['service__structure__name']}) expirée "
                        "sans réponse de la structure"
                    )[:300],
                )
                for r in rows
            )
            notify.enqueue([e.pk for e in events])
        total += len(rows)


def _with_partner_email():
    return Q(service__contact_email__gt="") | Q(service__structure__email__gt="")


def remind_partners(now=None) -> int:
    """One reminder per link, `reminder_days_before` days before it expires, to partners with a step to do."""
    now = now or timezone.now()
    waiting = Referral.objects.filter(
        _with_partner_email(), status__in=AWAITING_PARTNER, link_reminded_at__isnull=True, link_expires_at__gt=now
    )
    total = 0
    for department_id in waiting.values_list("department_id", flat=True).distinct().order_by():
        days = rules_for(department_id, timezone.localdate(now))["reminder_days_before"]
        due = waiting.filter(department_id=department_id, link_expires_at__lte=now + datetime.timedelta(days=days))
        while True:
            with transaction.atomic():
                ids = list(
                    due.select_for_update(skip_locked=True, of=("self",))
                    .order_by("pk")
                    .values_list("pk", flat=True)[:CHUNK]
                )
                if not ids:
                    break
                Referral.objects.filter(pk__in=ids).update(link_reminded_at=now)
                events = ReferralEvent.objects.bulk_create(
                    ReferralEvent(referral_id=pk, kind=EventKind.REMINDER, via=Via.SYSTEM, at=now) for pk in ids
                )
                notify.enqueue([e.pk for e in events])
            total += len(ids)
    return total
