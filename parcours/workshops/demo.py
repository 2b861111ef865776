"""Workshops of the demo département: a few series per agency, past sessions with their attendance, coming
sessions with registrations, some full with a waitlist. Deterministic (seeded), bulk inserts only; a département
that already has workshops is left as it is."""

import datetime
import random

from django.db import transaction
from django.utils import timezone

from parcours.accounts.enums import Profession
from parcours.accounts.models import Membership
from parcours.orientation.models import FollowUp
from parcours.scheduling.models import Place
from parcours.workshops.enums import RegistrationStatus, WorkshopKind
from parcours.workshops.models import Registration, Session, WorkshopSeries

SERIES = [
    ("Se présenter à un employeur", WorkshopKind.WORKSHOP, "Se présenter en deux minutes, parler de son parcours."),
    (
        "Rédiger son CV et sa lettre",
        WorkshopKind.WORKSHOP,
        "Un CV à jour à la fin de l'atelier, sur papier et en ligne.",
    ),
    ("Information collective : chantiers d'insertion", WorkshopKind.INFO_SESSION, "Les SIAE du territoire."),
    ("Job dating logistique et propreté", WorkshopKind.JOB_DATING, "Des entreprises qui recrutent, sans CV."),
    ("Les outils numériques de la recherche d'emploi", WorkshopKind.WORKSHOP, "France Travail, messagerie."),
]
MAX_ORGANIZATIONS = 40  # tier M has hundreds of agencies: the first ones (by name) are enough to show
SESSION_HOURS = ((9, 30, 12, 0), (14, 0, 16, 30))


def _at(day: datetime.date, hour: int, minute: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _weekday(day: datetime.date) -> datetime.date:
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return day


@transaction.atomic
def seed_workshops(department, *, seed: int = 1) -> dict:
    """Series, sessions and registrations for the first agencies of `department`; returns counts."""
    if WorkshopSeries.objects.filter(department=department).exists():
        return {"series": 0, "sessions": 0, "registrations": 0}
    rng = random.Random(f"workshops-{seed}-{department.pk}")
    today = timezone.localdate()
    organizers = {}
    for org_id, user_id in (
        Membership.objects.active()
        .filter(organization__department=department, profession=Profession.CIP)
        .order_by("organization__name", "organization_id", "user_id")
        .values_list("organization_id", "user_id")
    ):
        organizers.setdefault(org_id, user_id)
    org_ids = list(organizers)[:MAX_ORGANIZATIONS]
    places = {p.organization_id: p for p in Place.objects.filter(organization_id__in=org_ids).order_by("pk")}
    people: dict = {}
    for org_id, person_id in (
        FollowUp.objects.open()
        .filter(organization_id__in=org_ids)
        .order_by("organization_id", "pk")
        .values_list("organization_id", "beneficiary_id")
    ):
        people.setdefault(org_id, []).append(person_id)

    series = [
        WorkshopSeries(
            department=department,
            organization_id=org_id,
            title=title,
            kind=kind,
            description=description,
            created_by_id=organizers[org_id],
        )
        for org_id in org_ids
        for title, kind, description in rng.sample(SERIES, 3)
    ]
    WorkshopSeries.objects.bulk_create(series)
    sessions = []
    for s in series:
        place = places.get(s.organization_id)
        for offset in (-21, -7, 6, 20):
            day = _weekday(today + datetime.timedelta(days=offset + rng.randint(0, 3)))
            h1, m1, h2, m2 = rng.choice(SESSION_HOURS)
            sessions.append(
                Session(
                    series=s,
                    starts_at=_at(day, h1, m1),
                    ends_at=_at(day, h2, m2),
                    place=place,
                    place_label="" if place else "Salle polyvalente de la mairie",
                    facilitator_id=s.created_by_id,
                    capacity=rng.choice((8, 10, 12, 15)),
                )
            )
    Session.objects.bulk_create(sessions)
    now = timezone.now()
    registrations = []
    for session in sessions:
        pool = people.get(session.series.organization_id, [])
        if not pool:
            continue
        wanted = min(len(pool), session.capacity + rng.choice((-4, -2, 0, 2, 3)))
        past = session.ends_at < now
        for rank, person_id in enumerate(rng.sample(pool, max(wanted, 0))):
            waitlisted = rank >= session.capacity
            if waitlisted and past:
                break  # past sessions ran full: nobody left waiting
            registrations.append(
                Registration(
                    session=session,
                    beneficiary_id=person_id,
                    status=RegistrationStatus.WAITLISTED if waitlisted else RegistrationStatus.REGISTERED,
                    waitlist_rank=rank - session.capacity + 1 if waitlisted else None,
                    attended=(rng.random() < 0.8) if past else None,
                    registered_at=session.starts_at - datetime.timedelta(days=rng.randint(3, 15)),
                    registered_by_id=session.series.created_by_id,
                )
            )
    Registration.objects.bulk_create(registrations, batch_size=2000)
    return {"series": len(series), "sessions": len(sessions), "registrations": len(registrations)}
