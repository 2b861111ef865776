"""Authorisation matrix rows of this area (see tests/matrix/__init__.py).

The queue is for orientation officers (agency heads read it); deciding is for orientation officers only; the
person's orientation history follows the file (Alice: her team, the agency head of T1, the orientation officer;
404 for the other counselors); referent assignment is the agency head's; indicators: orientation, steering, heads.
POSTs are sent empty, hence invalid: a persona let through gets 400 and nothing changes.
"""

import datetime

from django.utils import timezone

from parcours.orientation.enums import Parcours, RequestStatus
from parcours.orientation.models import Orientation, OrientationRequest
from tests.matrix.vocabulary import LOGIN, row
from tests.world import person

ANON = {"anonymous": LOGIN, "inactive": LOGIN}
QUEUE = row(default=403, **ANON, agency_head=200, orientation_officer=200)
OFFICER_GET = row(default=403, **ANON, orientation_officer=200)
OFFICER_POST = row(default=403, **ANON, orientation_officer=400)
HISTORY = row(
    default=403,
    **ANON,
    cip=200,
    social_worker=200,
    psychologist=200,
    digital_advisor=200,
    socio_esthetician=200,
    cip_out=404,
    psychologist_out=404,
    multi=404,
    cip_b=404,
    agency_head=200,
    orientation_officer=200,
)
HEAD_GET = row(default=403, **ANON, agency_head=200)
HEAD_POST = row(default=403, **ANON, agency_head=400)
INDICATORS = row(default=403, **ANON, agency_head=200, orientation_officer=200, steering=200)

EXPECTED = {
    "web:orientation-queue": {"GET": QUEUE},
    "web:orientation-decide": {"GET": OFFICER_GET, "POST": OFFICER_POST},
    "web:orientation-history": {"GET": HISTORY},
    "web:orientation-reorient": {"GET": OFFICER_GET, "POST": OFFICER_POST},
    "web:referent-assignment": {"GET": HEAD_GET, "POST": HEAD_POST},
    "web:orientation-indicators": {"GET": INDICATORS},
}
PARAMS = ("request_id", "person_id")


def objects(world):
    """A new entrant waiting in A's queue, and Alice's orientation decision (so that she can be reoriented)."""
    today = timezone.localdate()
    eve = world.__dict__.get("matrix_eve")
    if eve is None:
        eve = world.matrix_eve = person(world.dept_a, "Eve", "Nouvelle")
    request, _ = OrientationRequest.objects.get_or_create(
        beneficiary=eve,
        status=RequestStatus.WAITING,
        defaults={
            "department": world.dept_a,
            "received_on": today - datetime.timedelta(days=10),
            "source": "caf_flux",
        },
    )
    if not Orientation.objects.filter(beneficiary=world.alice).exists():
        Orientation.objects.create(
            department=world.dept_a,
            beneficiary=world.alice,
            parcours=Parcours.SOCIO_PRO,
            organization=world.org_x,
            reason="Freins de mobilité et de garde d'enfants à lever avant la recherche d'emploi.",
            decided_on=world.follow_up.start_date,
            decided_by=world["orientation_officer"],
            follow_up=world.follow_up,
        )
    return {"request_id": request.pk, "person_id": world.alice.public_id}
