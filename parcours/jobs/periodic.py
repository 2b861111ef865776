"""Periodic tasks, declared here and written to django-q2's schedules after each migration (idempotent)."""

from dataclasses import dataclass

from parcours.jobs.queues import BULK, INTERACTIVE


@dataclass(frozen=True)
class Periodic:
    name: str
    func: str
    minutes: int
    queue: str


PERIODIC = [
    Periodic("Rappels de rendez-vous", "parcours.notifications.tasks.send_due_reminders", 15, BULK),
    Periodic("Alertes : personnes à ne pas perdre", "parcours.alerts.tasks.scan_all", 60, INTERACTIVE),
    Periodic(
        "Orientations : expiration et rappels aux partenaires", "parcours.referrals.tasks.run_periodic", 60, BULK
    ),
    Periodic(
        "Catalogue : rappel aux partenaires des services à vérifier",
        "parcours.catalogue.freshness.send_freshness_reminders",
        24 * 60,
        BULK,
    ),
]


def ensure_schedules(sender=None, using="default", **kwargs):
    from django_q.models import Schedule

    for p in PERIODIC:
        Schedule.objects.using(using).update_or_create(
            name=p.name,
            defaults={
                "func": p.func,
                "schedule_type": Schedule.MINUTES,
                "minutes": p.minutes,
                "cluster": p.queue,
                "repeats": -1,
            },
        )
