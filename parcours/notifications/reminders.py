"""Reminders before an appointment: by default 2 days before and the day before (dated rule
`reminders.days_before`, "2,1", a département may set its own), sent once per appointment and offset.

The periodic task runs every 15 minutes; a reminder for day J is due on day J − d from SEND_FROM_HOUR local time
(nobody gets an SMS at midnight) until SEND_UNTIL_HOUR. Only appointments still planned and not yet begun get
one. The unique constraint (appointment, days_before) on reminders makes a concurrent run harmless.
"""

import datetime
import logging

from django.db import IntegrityError
from django.db.models import Exists, OuterRef
from django.utils import timezone

from parcours.agenda.enums import AppointmentStatus
from parcours.agenda.models import Appointment
from parcours.core.rules import MissingRule, rule_values
from parcours.notifications.enums import MessageKind
from parcours.notifications.models import Message
from parcours.notifications.services import create_messages
from parcours.organizations.models import Department

logger = logging.getLogger(__name__)

RULE_KEY = "reminders.days_before"
SEND_FROM_HOUR = 9
SEND_UNTIL_HOUR = 20


def parse_offsets(value) -> list[int]:
    """ "2,1" (or [2, 1]) → [2, 1]; zero, negative and repeated values are dropped."""
    items = value if isinstance(value, list) else str(value).replace(";", ",").split(",")
    offsets = []
    for item in items:
        try:
            days = int(str(item).strip())
        except ValueError:
            continue
        if days > 0 and days not in offsets:
            offsets.append(days)
    return offsets


def offsets_for(department_id, on: datetime.date) -> list[int]:
    try:
        return parse_offsets(rule_values([RULE_KEY], on=on, department_id=department_id)[RULE_KEY])
    except MissingRule:
        return []


def _day_bounds(day: datetime.date):
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    end = timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min))
    return start, end


def due_appointments(department_id, days_before: int, now: datetime.datetime):
    """Planned appointments of the day `days_before` days from today that have no such reminder yet."""
    start, end = _day_bounds(timezone.localdate(now) + datetime.timedelta(days=days_before))
    already = Message.objects.filter(appointment=OuterRef("pk"), kind=MessageKind.REMINDER, days_before=days_before)
    return (
        Appointment.objects.filter(
            department_id=department_id,
            status=AppointmentStatus.PLANNED,
            starts_at__gte=max(start, now),
            starts_at__lt=end,
        )
        .exclude(Exists(already))
        .order_by("starts_at", "pk")
    )


def send_due_reminders(now: datetime.datetime | None = None) -> int:
    """Create and enqueue the reminders due now; returns how many were created."""
    now = now or timezone.now()
    if not SEND_FROM_HOUR <= timezone.localtime(now).hour < SEND_UNTIL_HOUR:
        return 0
    today = timezone.localdate(now)
    created = 0
    for department_id in Department.objects.values_list("pk", flat=True):
        for days in offsets_for(department_id, today):
            appointments = list(due_appointments(department_id, days, now))
            if not appointments:
                continue
            try:
                ids = create_messages(appointments, kind=MessageKind.REMINDER, days_before=days)
            except IntegrityError:
                logger.info("Rappels J-%s du département %s déjà créés par une autre exécution", days, department_id)
                continue
            created += len(ids)
    return created
