"""Field encryption (Fernet: AES-128-CBC + HMAC-SHA256, authenticated) and HMAC blind indexes.

Keys come from settings.FIELD_ENCRYPTION_KEYS (first one encrypts, all decrypt: rotation), or are
derived from SECRET_KEY when none is configured.
"""

import base64
import functools
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


def _derived(purpose: str) -> bytes:
    return hashlib.sha256(f"parcours:{purpose}:{settings.SECRET_KEY}".encode()).digest()


@functools.cache
def _fernet() -> MultiFernet:
    keys = settings.FIELD_ENCRYPTION_KEYS or [base64.urlsafe_b64encode(_derived("fields")).decode()]
    return MultiFernet([Fernet(k) for k in keys])


def encrypt(text: str) -> str:
    return _fernet().encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("Donnée chiffrée illisible avec les clés configurées.") from exc


def blind_index(value: str) -> str:
    """Deterministic keyed hash, for lookup and uniqueness without storing the clear value."""
    return hmac.new(_derived("blind-index"), value.encode(), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """Text stored encrypted; the clear value only exists in Python."""

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return encrypt(value)
