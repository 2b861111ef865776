"""The person's link to an appointment: signed, carrying nothing but the appointment's public id.

A token is `<public id, base64>.<HMAC-SHA256>` (Django signing, salted for this purpose only, so that no other
signed value of Parcours can be replayed here). It is valid while the appointment exists and until the end of
the day after it; a rescheduled appointment keeps its link. Tampered, unknown and expired tokens all read as
None: the caller cannot tell which.
"""

import base64
import binascii
import datetime
import functools
import hashlib
import hmac
import uuid

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from parcours.agenda.models import Appointment

SALT = "parcours.rsvp.appointment-link"
DEFAULT_BASE_URL = "http://127.0.0.1:8000"
# The link stays valid this many days after the appointment's date (to say it is past rather than unknown).
VALID_DAYS_AFTER = 1


def _signer() -> signing.Signer:
    return signing.Signer(salt=SALT, sep=".", algorithm="sha256")


@functools.lru_cache(maxsize=4)
def _hmac_key(secret: str) -> bytes:
    """The key Django's Signer derives (salted_hmac) for every signature, derived once here."""
    return hashlib.sha256((SALT + "signer" + secret).encode()).digest()


def _sign(value: str) -> str:
    """Exactly `_signer().sign(value)` (tests/test_rsvp.py checks it), without re-deriving the key each time:
    10,000 invitations sign 10,000 links in one request (BENCHMARKS W8)."""
    digest = hmac.new(_hmac_key(settings.SECRET_KEY), value.encode(), hashlib.sha256).digest()
    return f"{value}.{signing.b64_encode(digest).decode()}"


def _encode(public_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(public_id.bytes).rstrip(b"=").decode()


def _decode(value: str) -> uuid.UUID | None:
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        return uuid.UUID(bytes=raw)
    except (binascii.Error, ValueError):
        return None


def token_for(appointment) -> str:
    return _sign(_encode(appointment.public_id))


def link_for(appointment) -> str:
    """Absolute URL of the person's page for this appointment (for SMS, e-mails and letters)."""
    base = (getattr(settings, "PUBLIC_BASE_URL", "") or DEFAULT_BASE_URL).rstrip("/")
    return base + reverse("web:rsvp", args=[token_for(appointment)])


def expires_on(appointment) -> datetime.date:
    """Last day on which the link opens."""
    return timezone.localdate(appointment.starts_at) + datetime.timedelta(days=VALID_DAYS_AFTER)


def read_token(token: str) -> Appointment | None:
    """The appointment of a valid, unexpired token; None otherwise (whatever the reason)."""
    if not isinstance(token, str) or len(token) > 200:
        return None
    try:
        value = _signer().unsign(token)
    except signing.BadSignature:
        return None
    public_id = _decode(value)
    if public_id is None:
        return None
    appointment = Appointment.objects.select_related("counselor").filter(public_id=public_id).first()
    if appointment is None or timezone.localdate() > expires_on(appointment):
        return None
    return appointment
