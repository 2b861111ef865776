"""Background tasks of the alerts (parcours/jobs/periodic.py runs `scan_all` every hour)."""

import logging

from django.db import transaction
from django.utils import timezone

from parcours.agenda.enums import AppointmentStatus
from parcours.agenda.models import Appointment
from parcours.alerts import procedure, scan
from parcours.alerts.rules import alert_rules
from parcours.jobs.api import first_time, job
from parcours.organizations.models import Department

logger = logging.getLogger(__name__)


def scan_department(department_id: int, *, now=None) -> dict:
    """Move the no-show procedures on, then raise and resolve the alerts of one département."""
    now = now or timezone.now()
    rules = alert_rules(on=timezone.localdate(now), department_id=department_id)
    with transaction.atomic():
        counts = procedure.advance_due(department_id, now=now, rules=rules)
        result = scan.sync_alerts(department_id, now=now, rules=rules)
    return {**counts, "raised": result.raised, "resolved": result.resolved}


@job(max_attempts=3)
def scan_all() -> dict:
    """Every département, each in its own transaction. Idempotent: a second run right after changes nothing."""
    totals: dict = {}
    for department_id in Department.objects.order_by("pk").values_list("pk", flat=True):
        for key, value in scan_department(department_id).items():
            totals[key] = totals.get(key, 0) + value
    logger.info("Alertes : %s", totals)
    return totals


@job(max_attempts=5)
def after_outcome(appointment_id: int) -> None:
    """Enqueued by `record_outcome` on a no-show: start or move on the procedure, refresh that person's alerts."""
    appointment = Appointment.objects.select_related("beneficiary", "follow_up").filter(pk=appointment_id).first()
    if appointment is None or appointment.follow_up is None:
        return
    now = timezone.now()
    follow_up = appointment.follow_up
    with transaction.atomic():
        if appointment.status == AppointmentStatus.NO_SHOW and first_time(f"alerts.no_show:{appointment_id}"):
            procedure.on_no_show(appointment, now=now)
        rules = alert_rules(on=timezone.localdate(now), department_id=follow_up.department_id)
        scan.sync_alerts(follow_up.department_id, now=now, rules=rules, follow_up_ids=[follow_up.pk])
