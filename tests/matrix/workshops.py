"""Authorisation matrix rows of the workshops (see tests/matrix/__init__.py).

The pages are for the accompanying professions, agency heads, administrators and partners. A series of X is seen
by the professionals of département A (all members of X here, hence its organisers: they may add sessions, record
attendance, cancel and download certificates) and answers 404 to cip_b (département B) and to the partner (Y).
POSTs are sent empty, hence invalid: a persona let through gets 400 and nothing changes.
"""

import datetime

from django.utils import timezone

from parcours.workshops.enums import RegistrationStatus
from parcours.workshops.models import Registration, Session, WorkshopSeries
from tests.matrix.vocabulary import LOGIN, row

ANON = {"anonymous": LOGIN, "inactive": LOGIN}
ALLOWED = (
    "cip",
    "social_worker",
    "psychologist",
    "digital_advisor",
    "socio_esthetician",
    "cip_out",
    "psychologist_out",
    "multi",
    "cip_b",
    "agency_head",
    "administrator",
    "partner",
)
IN_A = tuple(p for p in ALLOWED if p not in ("cip_b", "partner"))


def everyone_allowed(value):
    return row(default=403, **ANON, **dict.fromkeys(ALLOWED, value))


def scoped(value):
    """`value` for the professionals of A; 404 for cip_b and the partner, who do not see the series of X."""
    return row(default=403, **ANON, **dict.fromkeys(IN_A, value), cip_b=404, partner=404)


EXPECTED = {
    "web:workshop-list": {"GET": everyone_allowed(200)},
    "web:workshop-series-create": {"GET": everyone_allowed(405), "POST": everyone_allowed(400)},
    "web:workshop-series": {"GET": scoped(200)},
    "web:workshop-session-create": {"GET": everyone_allowed(405), "POST": scoped(400)},
    "web:workshop-session": {"GET": scoped(200)},
    "web:workshop-register": {"GET": everyone_allowed(405), "POST": scoped(400)},
    "web:workshop-attendance": {"GET": everyone_allowed(405), "POST": scoped(400)},
    "web:workshop-cancel": {"GET": everyone_allowed(405), "POST": scoped(400)},
    "web:workshop-certificate": {"GET": scoped(200)},
}
PARAMS = ("workshop_id", "workshop_session_id", "workshop_registration_id", "attendee_id")


def objects(world):
    """A series of X with a session under way, where Alice is registered and was marked present."""
    series, _ = WorkshopSeries.objects.get_or_create(
        title="Atelier de la matrice",
        organization=world.org_x,
        defaults={"department": world.dept_a, "created_by": world["cip"]},
    )
    session = Session.objects.filter(series=series).first()
    if session is None:
        now = timezone.now()
        session = Session.objects.create(
            series=series,
            starts_at=now - datetime.timedelta(hours=1),
            ends_at=now + datetime.timedelta(hours=2),
            capacity=5,
            place_label="Agence T1",
        )
    registration, _ = Registration.objects.get_or_create(
        session=session,
        beneficiary=world.alice,
        defaults={"status": RegistrationStatus.REGISTERED, "attended": True, "registered_by": world["cip"]},
    )
    return {
        "workshop_id": series.public_id,
        "workshop_session_id": session.public_id,
        "workshop_registration_id": registration.public_id,
        "attendee_id": world.alice.public_id,
    }
