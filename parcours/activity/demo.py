"""Activity hours of the demo département: immersions, SIAE work and training entered for part of the people
followed, over the last three weeks and this one. Deterministic (seeded), bulk inserts only; a département that
already has entries is left as it is."""

import datetime
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from parcours.activity.enums import ActivityKind
from parcours.activity.hours import monday
from parcours.activity.models import ActivityEntry
from parcours.orientation.models import FollowUp

# (weight, kind, hours a day, days a week, label)
PROFILES = [
    (35, ActivityKind.TRAINING, Decimal("3.5"), (2, 4), "Atelier sociolinguistique"),
    (25, ActivityKind.SIAE_WORK, Decimal(6), (3, 5), "Chantier d'insertion espaces verts"),
    (20, ActivityKind.IMMERSION, Decimal(7), (3, 5), "Immersion en entreprise (PMSMP)"),
    (20, ActivityKind.OTHER, Decimal(2), (1, 3), "Démarches de recherche d'emploi accompagnées"),
]
SHARE = 0.35  # of the people followed


@transaction.atomic
def seed_activity(department, *, seed: int = 1, batch_size: int = 5000) -> int:
    """Entries for about a third of the people followed in `department`; returns the number of rows created."""
    if ActivityEntry.objects.filter(department=department).exists():
        return 0
    rng = random.Random(f"activity-{seed}-{department.pk}")
    today = timezone.localdate()
    this_week = monday(today)
    people = (
        FollowUp.objects.open()
        .filter(department=department)
        .order_by("pk")
        .values_list("beneficiary_id", "referent_id")
    )
    rows = []
    for person_id, referent_id in people.iterator(chunk_size=batch_size):
        if rng.random() >= SHARE:
            continue
        _weight, kind, hours, (low, high), label = rng.choices(PROFILES, [p[0] for p in PROFILES])[0]
        for weeks_ago in range(3, -1, -1):
            week = this_week - datetime.timedelta(days=7 * weeks_ago)
            for weekday in sorted(rng.sample(range(5), rng.randint(low, high))):
                day = week + datetime.timedelta(days=weekday)
                came = rng.random() < 0.85
                rows.append(
                    ActivityEntry(
                        department=department,
                        beneficiary_id=person_id,
                        kind=kind,
                        label=label,
                        date=day,
                        planned_hours=hours,
                        done_hours=hours if came and day < today else Decimal(0),
                        created_by_id=referent_id,
                    )
                )
    ActivityEntry.objects.bulk_create(rows, batch_size=batch_size)
    return len(rows)
