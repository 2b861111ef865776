"""The SMS provider's delivery reports (public URL, authenticated by a shared secret, never by a session)."""

import hashlib
import hmac
import json
import logging

from django.conf import settings
from django.http import HttpResponse, HttpResponseForbidden, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from parcours.notifications.services import apply_delivery_report
from parcours.web.access import PUBLIC, allow

logger = logging.getLogger(__name__)

MAX_BODY = 256 * 1024
MAX_EVENTS = 1000


def signature_ok(request) -> bool:
    """HMAC-SHA256 of the body under SMS_WEBHOOK_SECRET (header X-Parcours-Signature: sha256=<hex>, as the fake
    provider signs), or the secret itself as a Bearer token (Brevo's webhook authentication). Constant-time."""
    secret = getattr(settings, "SMS_WEBHOOK_SECRET", "")
    if not secret:
        return False
    signature = request.headers.get("X-Parcours-Signature", "")
    if signature:
        expected = "sha256=" + hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(signature.encode(), expected.encode())
    authorization = request.headers.get("Authorization", "")
    if authorization.startswith("Bearer "):
        return hmac.compare_digest(authorization[7:].strip().encode(), secret.encode())
    return False


@allow(PUBLIC)
@csrf_exempt
@require_POST
def sms_delivery_status(request):
    if len(request.body) > MAX_BODY or not signature_ok(request):
        logger.warning("Accusé de réception SMS refusé : signature absente ou invalide")
        return HttpResponseForbidden("Signature invalide.", content_type="text/plain; charset=utf-8")
    try:
        payload = json.loads(request.body)
    except ValueError:
        return HttpResponse("Contenu JSON invalide.", status=400, content_type="text/plain; charset=utf-8")
    events = payload if isinstance(payload, list) else [payload]
    if len(events) > MAX_EVENTS or not all(isinstance(e, dict) for e in events):
        return HttpResponse("Contenu inattendu.", status=400, content_type="text/plain; charset=utf-8")
    applied = 0
    for event in events:
        tag = event.get("tag") or ""
        applied += apply_delivery_report(
            event=str(event.get("msg_status") or event.get("event") or ""),
            provider_ref=str(event.get("messageId") or ""),
            client_ref=str(tag[0] if isinstance(tag, list) and tag else tag),
            reason=str(event.get("reason") or event.get("description") or "")[:100],
        )
    return JsonResponse({"received": len(events), "applied": applied})
