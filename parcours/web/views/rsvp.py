"""The person's page behind their link (no account), and the counselor's private calendar feed.

Both are reached by a secret in the URL: their answers are never cached nor sent as a Referer, and an unknown,
tampered or expired secret gets the same 404 whatever the reason.
"""

import datetime

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET, require_http_methods

from parcours.rsvp import feeds
from parcours.rsvp.enums import ResponseAction
from parcours.rsvp.services import (
    REASON_MAX_LENGTH,
    Refused,
    choose_slot,
    offered_slots,
    page_state,
    respond,
    what_to_bring,
)
from parcours.rsvp.tokens import read_token
from parcours.web.access import ACCOMPANYING, PUBLIC, allow


class RsvpForm(forms.Form):
    action = forms.ChoiceField(
        choices=ResponseAction.choices,
        error_messages={
            "required": "Choisissez l'un des trois boutons.",
            "invalid_choice": "Réponse inconnue : choisissez l'un des trois boutons.",
        },
    )
    reason = forms.CharField(
        required=False,
        max_length=REASON_MAX_LENGTH,
        error_messages={"max_length": f"Votre message est trop long ({REASON_MAX_LENGTH} caractères au plus)."},
    )


def _private(response, *, referrer="same-origin"):
    """A secret-bearing page: not stored by the browser or a proxy, no Referer to other sites, not indexed.

    Pages with forms keep "same-origin": with "no-referrer", Chromium posts `Origin: null`, which Django's CSRF
    check refuses (found by tests/browser/test_agenda_engine.py). Other sites never see the URL either way.
    """
    add_never_cache_headers(response)  # Cache-Control: max-age=0, no-cache, no-store, must-revalidate, private
    response["Referrer-Policy"] = referrer
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _choose(request, appointment) -> tuple[str, int]:
    """The person picked one of the offered slots (a radio button carrying its ISO date and time)."""
    try:
        starts_at = datetime.datetime.fromisoformat(request.POST.get("slot", ""))
    except ValueError:
        return "Choisissez l'un des créneaux proposés.", 400
    if starts_at.tzinfo is None:
        return "Choisissez l'un des créneaux proposés.", 400
    try:
        return choose_slot(appointment, starts_at=starts_at, ip=request.META.get("REMOTE_ADDR", "")), 200
    except Refused as exc:
        return exc.message, 409


@allow(PUBLIC)
@require_http_methods(["GET", "POST"])
def rsvp(request, rsvp_token):
    appointment = read_token(rsvp_token)
    if appointment is None:
        return _private(render(request, "rsvp/invalid.html", status=404))
    notice, status = "", 200
    if request.method == "POST" and request.POST.get("action") == ResponseAction.CHOSEN_SLOT:
        notice, status = _choose(request, appointment)
        appointment.refresh_from_db()
    elif request.method == "POST":
        form = RsvpForm(request.POST)
        if not form.is_valid():
            notice, status = next(iter(form.errors.values()))[0], 400
        else:
            try:
                notice = respond(
                    appointment,
                    action=form.cleaned_data["action"],
                    reason=form.cleaned_data["reason"],
                    ip=request.META.get("REMOTE_ADDR", ""),
                )
            except Refused as exc:
                notice, status = exc.message, 409
            appointment.refresh_from_db()
    state = page_state(appointment)
    context = {
        "appointment": appointment,
        "state": state,
        "slots": offered_slots(appointment) if state.can_act else [],
        "to_bring": what_to_bring(appointment),
        "notice": notice,
        "notice_ok": status == 200,
        "reason_max": REASON_MAX_LENGTH,
    }
    return _private(render(request, "rsvp/appointment.html", context, status=status))


@allow(PUBLIC)
@require_GET
@transaction.non_atomic_requests
def calendar_feed(request, feed_token):
    user = feeds.owner_of(feed_token)
    if user is None:
        response = HttpResponse("Flux d'agenda introuvable.", status=404, content_type="text/plain; charset=utf-8")
        return _private(response, referrer="no-referrer")
    response = HttpResponse(feeds.calendar_for(user), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="agenda-parcours.ics"'
    return _private(response, referrer="no-referrer")


@allow(ACCOMPANYING)
@require_http_methods(["GET", "POST"])
def calendar_feed_manage(request):
    """Create, regenerate or revoke my private feed; a new address is shown once, then only its hash is kept."""
    new_url, error, status = "", "", 200
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create":
            new_url = feeds.feed_url(feeds.create_feed(request.user))
        elif action == "revoke":
            if feeds.revoke_feed(request.user):
                messages.success(request, "Votre flux d'agenda est révoqué : l'ancienne adresse ne fonctionne plus.")
            else:
                messages.info(request, "Vous n'aviez pas de flux d'agenda actif.")
            return redirect("web:calendar-feed-manage")
        else:
            error, status = "Action inconnue : utilisez l'un des boutons de la page.", 400
    context = {"feed": feeds.active_feed(request.user), "new_url": new_url, "error": error}
    return _private(render(request, "rsvp/calendar_feed.html", context, status=status))
