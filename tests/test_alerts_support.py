"""Helpers of the alerts tests (tests/test_alerts*.py) and of the permission matrix's alert URLs. No tests here."""

import datetime
from contextlib import contextmanager

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_q.models import OrmQ

from parcours.agenda.models import Appointment
from parcours.agenda.services import plan_appointment, record_outcome
from parcours.alerts import procedure
from parcours.alerts.enums import AlertKind
from parcours.alerts.models import NoShowProcedure, ReviewPanelCase
from parcours.alerts.rules import alert_rules
from parcours.alerts.services import raise_alert
from parcours.orientation.enums import Parcours
from parcours.orientation.services import open_follow_up
from tests.world import person


def follow(world, counselor, first, last, *, parcours=Parcours.PRO, started=None, organization=None):
    """A new person followed by `counselor` in org X (A) since `started` (default: today)."""
    someone = person(world.dept_a, first, last)
    follow_up = open_follow_up(
        someone,
        by=counselor,
        parcours=parcours,
        organization=organization or world.org_x,
        referent=counselor,
        start_date=started or timezone.localdate(),
    )
    return someone, follow_up


def meet(someone, follow_up, counselor, starts_at, status=None) -> Appointment:
    """An appointment at `starts_at`, with its outcome when `status` is given (through the agenda services)."""
    appointment = plan_appointment(
        someone,
        follow_up=follow_up,
        counselor=counselor,
        by=counselor,
        starts_at=starts_at,
        kind="follow_up",
        mode="on_site",
    )
    if status:
        record_outcome(appointment, by=counselor, status=status, report="", expected_version=appointment.version)
        appointment.refresh_from_db()
    return appointment


# The real date when the tests started: `at()` keeps counting from it while time_machine moves the clock.
TODAY = timezone.localdate()


def at(days: int = 0, hour: int = 10) -> datetime.datetime:
    """TODAY + `days`, at `hour` local time."""
    day = TODAY + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


@contextmanager
def travel(when: datetime.datetime):
    with time_machine.travel(when, tick=False):
        yield


def queued(func: str) -> list[dict]:
    """Tasks waiting in the queues for `func` (their args and kwargs)."""
    return [q.task for q in OrmQ.objects.all() if q.task.get("func") == func]


def kinds(follow_up, status="open") -> set:
    return set(follow_up.alerts.filter(status=status).values_list("kind", flat=True))


def count_queries(func):
    with CaptureQueriesContext(connection) as ctx:
        result = func()
    return result, [q["sql"] for q in ctx.captured_queries]


def matrix_objects(world) -> dict:
    """An alert, a procedure at the letter step and a review panel case, all about Alice (for the matrix)."""
    now = timezone.now()
    alert = raise_alert(world.follow_up, AlertKind.CADENCE_MISSED, detail="Rendez-vous attendu.")
    missed = world.appointment_past
    proc = NoShowProcedure.objects.filter(follow_up=world.follow_up).first() or NoShowProcedure.objects.create(
        department=world.dept_a,
        follow_up=world.follow_up,
        beneficiary=world.alice,
        appointment=missed,
        last_missed=missed,
        missed_at=missed.starts_at,
        step="letter",
        letter_at=now,
    )
    case = ReviewPanelCase.objects.filter(procedure=proc).first() or ReviewPanelCase.objects.create(
        department=world.dept_a,
        follow_up=world.follow_up,
        beneficiary=world.alice,
        procedure=proc,
        reason="Absences répétées.",
        snapshot=procedure.snapshot(proc, now=now),
    )
    return {"alert_id": alert.pk, "procedure_id": proc.pk, "case_id": case.pk}


def rules_for(world):
    return alert_rules(on=timezone.localdate(), department_id=world.dept_a.pk)
