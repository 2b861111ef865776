"""Availability of the demo département: places and rooms, working hours, a few absences and constraints.

Deterministic (seeded), bulk inserts only: a few seconds at tier M (1,111 counselors, 100,000 people).
"""

import datetime
import random

from django.db import transaction
from django.utils import timezone

from parcours.accounts.enums import ACCOMPANYING
from parcours.accounts.models import Membership
from parcours.agenda.enums import Mode
from parcours.orientation.models import FollowUp
from parcours.scheduling.enums import DayPart, Preference
from parcours.scheduling.models import Absence, PersonConstraints, Place, Room, WorkingHours

T = datetime.time
MORNING, AFTERNOON = (T(9, 0), T(12, 30)), (T(13, 30), T(17, 0))
# (weight, ranges per weekday): most work Monday to Friday 9:00–12:30 / 13:30–17:00, some differently.
WEEKS = [
    (70, {d: [MORNING, AFTERNOON] for d in range(5)}),
    (10, {**{d: [MORNING, AFTERNOON] for d in range(5)}, 2: [MORNING]}),  # Wednesday afternoon off
    (10, {d: [(T(8, 30), T(12, 15)), (T(13, 15), T(16, 30))] for d in range(5)}),  # early
    (10, {d: [MORNING, AFTERNOON] for d in range(4)}),  # four days a week
]
ABSENCE_REASONS = ["Formation", "Congé", "Réunion d'équipe pluridisciplinaire", "Récupération"]


def _weighted(rng, weighted):
    return rng.choices([v for _, v in weighted], [w for w, _ in weighted])[0]


@transaction.atomic
def seed_availability(department, *, seed: int = 1) -> dict:
    """Create the availability of every accompanying professional of `department` (idempotent per person)."""
    rng = random.Random(seed)
    members = list(
        Membership.objects.active()
        .filter(organization__department=department, profession__in=list(ACCOMPANYING))
        .select_related("organization__territory")
        .order_by("user_id", "organization_id")
    )
    already = set(
        WorkingHours.objects.filter(place__organization__department=department).values_list("user_id", flat=True)
    )
    per_org: dict = {}
    first_org = {}
    for m in members:
        if m.user_id in already or m.user_id in first_org:
            continue
        first_org[m.user_id] = m.organization
        per_org.setdefault(m.organization.pk, (m.organization, []))[1].append(m.user_id)

    existing = {p.organization_id: p for p in Place.objects.filter(organization__department=department)}
    new_places = []
    for org, _users in per_org.values():
        if org.pk not in existing:
            commune = org.territory.communes.order_by("-population").first() if org.territory else None
            address = f"{rng.randint(1, 120)} avenue de la République, {commune.name}" if commune else ""
            new_places.append(Place(organization=org, name=org.name, address=address, commune=commune))
    Place.objects.bulk_create(new_places)
    places = {p.organization_id: p for p in Place.objects.filter(organization__department=department)}

    rooms = []
    for org_id, (_org, users) in per_org.items():
        place = places[org_id]
        if place.pk in {p.pk for p in existing.values()}:
            continue
        count = max(2, round(len(users) * 0.8))  # about one room for five counselors out of four: rooms bind
        rooms += [Room(place=place, name=f"Bureau {n + 1}") for n in range(count)]
    Room.objects.bulk_create(rooms, batch_size=2000)

    hours, absences = [], []
    today = timezone.localdate()
    for org_id, (_org, users) in per_org.items():
        place = places[org_id]
        for user_id in users:
            week = _weighted(rng, WEEKS)
            for weekday, ranges in week.items():
                hours += [
                    WorkingHours(user_id=user_id, weekday=weekday, start=s, end=e, place=place) for s, e in ranges
                ]
            if rng.random() < 0.08:
                day = today + datetime.timedelta(days=rng.randint(1, 13))
                length = rng.choice([1, 1, 2])
                starts = timezone.make_aware(datetime.datetime.combine(day, T(0, 0)))
                absences.append(
                    Absence(
                        user_id=user_id,
                        starts_at=starts,
                        ends_at=starts + datetime.timedelta(days=length),
                        reason=rng.choice(ABSENCE_REASONS),
                    )
                )
    WorkingHours.objects.bulk_create(hours, batch_size=5000)
    Absence.objects.bulk_create(absences, batch_size=2000)

    people = list(
        FollowUp.objects.open()
        .filter(department=department)
        .exclude(beneficiary__planning_constraints__isnull=False)
        .values_list("beneficiary_id", flat=True)
    )
    constraints = []
    for person in people:
        r = rng.random()
        if r >= 0.18:
            continue
        c = PersonConstraints(beneficiary_id=person)
        if r < 0.05:
            c.day_part = DayPart.MORNING
        elif r < 0.08:
            c.day_part = DayPart.AFTERNOON
        elif r < 0.11:
            c.unavailable_from, c.unavailable_until = T(11, 30), T(13, 30)  # childcare
        elif r < 0.13:
            c.weekdays_off = [2]  # Wednesdays with the children
        elif r < 0.16:
            c.prefers = rng.choice([Preference.MORNING, Preference.AFTERNOON])
        else:
            c.preferred_mode = rng.choice([Mode.PHONE, Mode.VIDEO])
        constraints.append(c)
    PersonConstraints.objects.bulk_create(constraints, batch_size=5000)
    return {
        "places": len(new_places),
        "rooms": len(rooms),
        "working_hours": len(hours),
        "absences": len(absences),
        "constraints": len(constraints),
    }
