"""The orientation queue of the demo département: new RSA entrants, not followed yet, waiting for a decision.

Deterministic for a given seed; bulk inserts only (a handful of queries whatever `count`).
"""

import datetime
import random

from django.db import transaction
from django.utils import timezone
from faker import Faker

from parcours.intake.enums import Source
from parcours.journal.models import TimelineEvent
from parcours.organizations.models import Commune
from parcours.orientation.enums import RequestStatus
from parcours.orientation.models import OrientationRequest
from parcours.people.enums import EducationLevel, HouseholdRole, RsaStatus, Sex
from parcours.people.models import Beneficiary, Household

# Days since the information was received: fresh ones, some close to the 6 weeks, some well past them.
PERSON_FIELDS = ("first_name", "last_name", "sex", "birth_date", "address_line", "commune", "caf_number")
AGES = [(0, 14, 35), (15, 34, 30), (35, 42, 15), (43, 90, 20)]


def _age(rng) -> int:
    low, high, _w = rng.choices(AGES, [w for *_r, w in AGES])[0]
    return rng.randint(low, high)


def _adult(fake, rng, sex, department, household, role, commune, last_name=None):
    first = fake.first_name_female() if sex == Sex.FEMALE else fake.first_name_male()
    last = last_name or fake.last_name()
    return Beneficiary(
        department=department,
        household=household,
        household_role=role,
        first_name=first,
        last_name=last,
        sex=sex,
        birth_date=fake.date_of_birth(minimum_age=19, maximum_age=62),
        phone="06 " + " ".join(f"{rng.randint(10, 99)}" for _ in range(4)) if rng.random() < 0.85 else "",
        address_line=f"{rng.randint(1, 180)} {fake.street_name()}",
        commune=commune,
        caf_number=household.caf_number,
        education_level=rng.choice(EducationLevel.values),
        homeless=rng.random() < 0.06,
        rights_and_duties=True,
        provenance=dict.fromkeys(
            PERSON_FIELDS, {"source": Source.CAF_FLUX.value, "batch": None, "at": timezone.now().isoformat()}
        ),
    )


def _caf_numbers(rng, department, count: int) -> list[str]:
    """Matricules not used yet in the département (one query per draw, rarely more than one)."""
    numbers: list[str] = []
    while len(numbers) < count:
        draw = {f"9{rng.randint(100000, 999999)}" for _ in range(count - len(numbers))} - set(numbers)
        taken = set(
            Household.objects.filter(department=department, caf_number__in=draw).values_list("caf_number", flat=True)
        )
        numbers.extend(sorted(draw - taken))
    return numbers[:count]


@transaction.atomic
def seed_queue(department, *, seed: int = 1, count: int = 24) -> int:
    """Create `count` households of new RSA beneficiaries (one or two adults each), every adult waiting for an
    orientation since a few days to three months. Returns the number of people put in the queue."""
    rng = random.Random(seed)
    fake = Faker("fr_FR")
    fake.seed_instance(seed)
    today = timezone.localdate()
    communes = list(Commune.objects.filter(department_code=department.code).order_by("insee_code"))
    weights = [c.population or 1 for c in communes]
    households, people, ages = [], [], []
    for caf_number in _caf_numbers(rng, department, count):
        age = _age(rng)
        received = today - datetime.timedelta(days=age)
        household = Household(
            department=department,
            caf_number=caf_number,
            caf_body="CAF",
            rsa_status=RsaStatus.OPEN_PAYABLE if rng.random() < 0.85 else RsaStatus.PENDING,
            rsa_since=received - datetime.timedelta(days=rng.randint(0, 10)),
            provenance=dict.fromkeys(
                ("caf_number", "caf_body", "rsa_status", "rsa_since"),
                {"source": Source.CAF_FLUX.value, "batch": None, "at": timezone.now().isoformat()},
            ),
        )
        commune = rng.choices(communes, weights)[0] if communes else None
        sex = rng.choice([Sex.FEMALE, Sex.MALE])
        members = [_adult(fake, rng, sex, department, household, HouseholdRole.APPLICANT, commune)]
        if rng.random() < 0.3:  # a couple: the conjoint·e is subject to rights and duties too
            other = Sex.MALE if sex == Sex.FEMALE else Sex.FEMALE
            partner = _adult(fake, rng, other, department, household, HouseholdRole.PARTNER, commune)
            partner.address_line = members[0].address_line
            members.append(partner)
        households.append(household)
        for person in members:
            people.append((person, household))
            ages.append(received)
    Household.objects.bulk_create(households)
    for person, household in people:
        person.household = household
        person.refresh_name_keys()
    created = Beneficiary.objects.bulk_create([p for p, _h in people])
    OrientationRequest.objects.bulk_create(
        OrientationRequest(
            department=department,
            beneficiary=person,
            received_on=received,
            source=Source.CAF_FLUX,
            status=RequestStatus.WAITING,
        )
        for person, received in zip(created, ages, strict=True)
    )
    TimelineEvent.objects.bulk_create(
        TimelineEvent(
            department=department,
            beneficiary=person,
            actor=None,
            kind="orientation",
            summary=f"Ouverture de droit RSA reçue le {received:%d/%m/%Y} (flux CAF) : personne à orienter",
        )
        for person, received in zip(created, ages, strict=True)
    )
    return len(created)
