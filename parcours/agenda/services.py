import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from parcours.agenda.cadence import cadence_days
from parcours.agenda.enums import AppointmentStatus
from parcours.agenda.models import Appointment
from parcours.core.concurrency import save_versioned
from parcours.jobs.api import enqueue
from parcours.journal.services import record


def _when(dt) -> str:
    return f"{timezone.localtime(dt):%d/%m/%Y à %H:%M}"


@transaction.atomic
def plan_appointment(beneficiary, *, follow_up, counselor, by, starts_at, duration_minutes=45, kind, mode, place=""):
    if starts_at < timezone.now() - datetime.timedelta(days=366):
        raise ValidationError("La date du rendez-vous est trop ancienne.")
    appointment = Appointment.objects.create(
        department_id=beneficiary.department_id,
        beneficiary=beneficiary,
        follow_up=follow_up,
        counselor=counselor,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        kind=kind,
        mode=mode,
        place=place,
    )
    record(
        beneficiary,
        actor=by,
        kind="appointment",
        summary=f"Rendez-vous prévu le {_when(starts_at)} ({appointment.get_mode_display().lower()}) avec {counselor}",
    )
    return appointment


@transaction.atomic
def record_outcome(appointment, *, by, status: str, report: str, expected_version: int) -> None:
    """Set what happened at an appointment; a concurrent edit is refused, never overwritten."""
    if status not in AppointmentStatus.values:
        raise ValidationError("Statut de rendez-vous inconnu.")
    if status == AppointmentStatus.SEEN and appointment.starts_at > timezone.now() + datetime.timedelta(hours=1):
        raise ValidationError("Un rendez-vous à venir ne peut pas encore être marqué comme honoré.")
    appointment.status = status
    appointment.report = report
    save_versioned(appointment, expected_version=expected_version, fields=["status", "report"])
    record(
        appointment.beneficiary,
        actor=by,
        kind="appointment",
        summary=f"Rendez-vous du {_when(appointment.starts_at)} : {appointment.get_status_display().lower()}",
    )
    if status == AppointmentStatus.NO_SHOW:  # the no-show follow-up (parcours.alerts), in this transaction
        enqueue("parcours.alerts.tasks.after_outcome", appointment.pk)


def suggested_next(*, follow_up, after: datetime.datetime | None) -> datetime.datetime:
    """The next appointment at the cadence of the parcours after `after` (same time of day, off week-ends).

    When that date is already past, the next working day at the same time.
    """
    days = cadence_days(on=timezone.localdate(), department_id=follow_up.department_id)[follow_up.parcours]
    now = timezone.localtime()
    base = timezone.localtime(after) if after else now.replace(hour=9, minute=30, second=0, microsecond=0)
    candidate = base + datetime.timedelta(days=days)
    step = -1  # keep within the cadence: a week-end moves the appointment earlier
    if candidate < now:
        tomorrow = now + datetime.timedelta(days=1)
        candidate = candidate.replace(year=tomorrow.year, month=tomorrow.month, day=tomorrow.day)
        step = 1
    while candidate.weekday() >= 5 or candidate < now:
        candidate += datetime.timedelta(days=step if candidate >= now else 1)
    return candidate
