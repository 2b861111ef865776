"""The partner's link to one referral: signed, expiring, opening that referral only.

A token is `<public id + link version, base64>.<HMAC-SHA256>` (Django signing, salted for this purpose only, so
that no other signed value of Parcours — the person's appointment link among them — can be replayed here). It
opens the referral while `link_expires_at` is ahead (the database says when, not the token: the expiry cannot
be forged) and while its version is the referral's current one (sending a new link kills the previous one).
Tampered, unknown, superseded and expired tokens all read as None: the caller cannot tell which.
"""

import base64
import binascii
import uuid

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from parcours.referrals.models import Referral

SALT = "parcours.referrals.partner-link"
DEFAULT_BASE_URL = "http://127.0.0.1:8000"
MAX_TOKEN_LENGTH = 200


def _signer() -> signing.Signer:
    return signing.Signer(salt=SALT, sep=".", algorithm="sha256")


def _encode(public_id: uuid.UUID, version: int) -> str:
    raw = public_id.bytes + int(version).to_bytes(2, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _decode(value: str) -> tuple[uuid.UUID, int] | None:
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        return None
    if len(raw) != 18:
        return None
    return uuid.UUID(bytes=raw[:16]), int.from_bytes(raw[16:], "big")


def token_for(referral: Referral) -> str:
    return _signer().sign(_encode(referral.public_id, referral.link_version))


def link_for(referral: Referral) -> str:
    """Absolute URL of the partner's page for this referral (for the e-mails)."""
    base = (getattr(settings, "PUBLIC_BASE_URL", "") or DEFAULT_BASE_URL).rstrip("/")
    return base + reverse("web:referral-link", args=[token_for(referral)])


def read_token(token: str, *, now=None) -> Referral | None:
    """The referral of a valid, current, unexpired token; None otherwise (whatever the reason)."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        return None
    try:
        value = _signer().unsign(token)
    except signing.BadSignature:
        return None
    decoded = _decode(value)
    if decoded is None:
        return None
    public_id, version = decoded
    referral = (
        Referral.objects.select_related("service__structure", "follow_up__referent", "follow_up__organization")
        .filter(public_id=public_id, link_version=version)
        .first()
    )
    if referral is None or (now or timezone.now()) >= referral.link_expires_at:
        return None
    return referral
