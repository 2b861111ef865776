"""SMS providers: one interface, one real HTTP adapter (Brevo's transactional SMS API), configured by settings.

Settings (config/settings.py, from the environment): SMS_PROVIDER ("brevo", or "fake" for the local fake provider
of `manage.py fake_sms_provider`, which speaks the same API), SMS_API_URL, SMS_API_KEY, SMS_SENDER,
SMS_RATE_PER_SECOND. Standard library HTTP only (urllib).

Brevo API v3 (developers.brevo.com): `POST /v3/transactionalSMS/send` with an `api-key` header and a JSON body
{sender, recipient, content, type, tag, webUrl, unicodeEnabled} answers 201 {"messageId": …}; 429 when the
rate is exceeded; `GET /v3/transactionalSMS/statistics/events?tags=…` lists the events of the messages carrying a
tag. Our client reference (a UUID) is the tag: it is how a message is found again after a crash.
"""

import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from django.conf import settings

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10


class ProviderError(Exception):
    """Base of provider failures; `message` is in French, for the Message's error field."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class Rejected(ProviderError):
    """The provider refused this message for good (invalid number, content…): do not try again."""


class Unavailable(ProviderError):
    """The provider could not be reached or failed: the message may or may not have been received."""


class RateLimited(ProviderError):
    """HTTP 429: the message was not accepted; try again after `retry_after` seconds."""

    def __init__(self, message: str, retry_after: float):
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class SmsToSend:
    client_ref: str
    recipient: str  # E.164
    content: str


@dataclass(frozen=True)
class Found:
    provider_ref: str
    event: str


class SmsProvider:
    """What sending needs from a provider."""

    name = "abstract"
    rate_per_second: float = 1.0

    def send(self, sms: SmsToSend) -> str:
        """Hand the message to the provider; returns the provider's reference. Raises ProviderError."""
        raise NotImplementedError

    def lookup(self, client_ref: str) -> Found | None:
        """The message carrying our client reference, if the provider ever received it. Raises Unavailable."""
        raise NotImplementedError


class BrevoSms(SmsProvider):
    """Brevo transactional SMS (a French provider), over HTTPS with urllib."""

    name = "brevo"

    def __init__(self, *, api_url: str, api_key: str, sender: str, rate_per_second: float, webhook_url: str = ""):
        self.api_url = api_url.rstrip("/")
        self.api_key = api_key
        self.sender = sender[:11]
        self.rate_per_second = rate_per_second
        self.webhook_url = webhook_url

    def _request(self, method: str, path: str, body: dict | None = None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.api_url + path,
            data=data,
            method=method,
            headers={"api-key": self.api_key, "accept": "application/json", "content-type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 (https/http URL from settings)
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            try:
                payload = json.loads(error.read() or b"{}")
            except ValueError:
                payload = {}
            return error.code, payload | {"_retry_after": error.headers.get("Retry-After")}
        except OSError as error:  # URLError, timeouts and refused connections
            reason = getattr(error, "reason", error)
            raise Unavailable(f"Fournisseur SMS injoignable ({reason}).") from error

    def send(self, sms: SmsToSend) -> str:
        if not self.api_key:
            raise Unavailable("Aucune clé d'API SMS n'est configurée (SMS_API_KEY).")
        body = {
            "sender": self.sender,
            "recipient": sms.recipient.lstrip("+"),
            "content": sms.content,
            "type": "transactional",
            "tag": sms.client_ref,
            "unicodeEnabled": False,
        }
        if self.webhook_url:
            body["webUrl"] = self.webhook_url
        status, payload = self._request("POST", "/v3/transactionalSMS/send", body)
        if status in (200, 201) and payload.get("messageId") is not None:
            return str(payload["messageId"])
        detail = str(payload.get("message") or payload.get("code") or "")[:150]
        if status == 429:
            try:
                retry_after = float(payload.get("_retry_after") or 1)
            except ValueError:
                retry_after = 1.0
            raise RateLimited("Débit maximal du fournisseur SMS atteint.", retry_after=max(retry_after, 0.05))
        if status in (400, 402, 403, 404, 422):
            raise Rejected(f"SMS refusé par le fournisseur (HTTP {status}) : {detail or 'sans précision'}.")
        if status == 401:
            raise Unavailable("Clé d'API SMS refusée par le fournisseur (HTTP 401).")
        raise Unavailable(f"Erreur du fournisseur SMS (HTTP {status}) : {detail or 'sans précision'}.")

    def lookup(self, client_ref: str) -> Found | None:
        query = urllib.parse.urlencode({"tags": client_ref, "limit": 10, "sort": "asc"})
        status, payload = self._request("GET", f"/v3/transactionalSMS/statistics/events?{query}")
        if status != 200:
            raise Unavailable(f"Impossible de vérifier un envoi auprès du fournisseur SMS (HTTP {status}).")
        for event in payload.get("events") or []:
            tags = event.get("tag")
            tags = tags if isinstance(tags, list) else [tags]
            if client_ref in tags and event.get("messageId") is not None:
                return Found(provider_ref=str(event["messageId"]), event=str(event.get("event", "")))
        return None


def webhook_url() -> str:
    from django.urls import reverse

    base = (getattr(settings, "PUBLIC_BASE_URL", "") or "").rstrip("/")
    return base + reverse("web:sms-delivery-status") if base else ""


def get_provider() -> SmsProvider:
    name = getattr(settings, "SMS_PROVIDER", "fake")
    if name not in ("brevo", "fake"):
        raise ValueError(f"SMS_PROVIDER inconnu : {name!r} (brevo ou fake)")
    key = settings.SMS_API_KEY or ("fake-key" if name == "fake" else "")
    return BrevoSms(
        api_url=settings.SMS_API_URL,
        api_key=key,
        sender=getattr(settings, "SMS_SENDER", "Parcours"),
        rate_per_second=float(settings.SMS_RATE_PER_SECOND),
        webhook_url=webhook_url(),
    )
