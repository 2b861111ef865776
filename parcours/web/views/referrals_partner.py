"""Referrals, the partner's side: « Orientations reçues » with an account, or one referral through the signed
link (no account). Both show only what the person agreed to share, and offer the same actions.

The link carries its credential in the path: its pages are never cached nor sent as a Referer, an unknown,
tampered, superseded or expired link gets the same 404 page whatever the reason, and the answer to an action is
rendered in place (never a redirect: the token would be in a Location header). parcours.referrals.logs masks
the token in the request logs.
"""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET, require_http_methods

from parcours.referrals import queries, services
from parcours.referrals.enums import Via
from parcours.referrals.links import read_token
from parcours.web.access import PUBLIC, REFERRAL_PARTNER, allow
from parcours.web.views.referrals_forms import ACTION_FORMS, ACTIONS_BY_STATUS, action_forms


def _private(response):
    """A secret-bearing page: not stored by the browser or a proxy, no Referer to other sites, not indexed
    ("same-origin": with "no-referrer", Chromium posts `Origin: null`, which the CSRF check refuses)."""
    add_never_cache_headers(response)
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _apply(action: str, referral, data: dict, *, by, via):
    if action == "accept":
        return services.accept(referral, by=by, via=via)
    if action == "refuse":
        return services.refuse(referral, reason=data["reason"], detail=data["detail"], by=by, via=via)
    if action == "start":
        return services.start(referral, on=data["on"], by=by, via=via)
    if action == "complete":
        return services.complete(referral, on=data["on"], by=by, via=via)
    if action == "abandon":
        return services.abandon(referral, reason=data["reason"], detail=data["detail"], on=data["on"], by=by, via=via)
    return services.record_attendance(
        referral, on=data["on"], present=data["present"], hours=data["hours"], by=by, via=via
    )


NOTICES = {
    "accept": "Orientation acceptée : la personne et son ou sa référent·e en sont informé·es.",
    "refuse": "Refus enregistré : le ou la référent·e en est informé·e.",
    "start": "Démarrage enregistré.",
    "complete": "Fin de l'action enregistrée. Merci !",
    "abandon": "Abandon enregistré : le ou la référent·e en est informé·e.",
    "attendance": "Présence enregistrée.",
}


def _act(request, referral, *, by, via) -> tuple[int, str, tuple | None]:
    """(status, notice, bound form) of a POSTed action."""
    action = request.POST.get("action", "")
    if action not in ACTION_FORMS:
        return 400, "Action inconnue.", None
    form = ACTION_FORMS[action](request.POST, prefix=action)
    if not form.is_valid():
        return 400, "Le formulaire contient des erreurs.", (action, form)
    try:
        _apply(action, referral, form.cleaned_data, by=by, via=via)
    except ValidationError as error:
        return 409, error.messages[0], None
    return 200, NOTICES[action], None


def _page(request, referral, *, template, status=200, notice="", bound=None, **extra):
    referral.refresh_from_db()
    context = {
        "r": referral,
        "forms": action_forms(referral.status, bound=bound),
        "offers": ACTIONS_BY_STATUS.get(referral.status, ()),
        "events": list(referral.events.select_related("actor")),
        "attendance": list(referral.attendance.all()),
        "notice": notice,
        "notice_ok": status == 200,
        **extra,
    }
    return render(request, template, context, status=status)


@allow(PUBLIC)
@require_http_methods(["GET", "POST"])
def referral_link(request, referral_token):
    referral = read_token(referral_token)
    if referral is None:
        return _private(render(request, "referrals/link_invalid.html", status=404))
    status, notice, bound = 200, "", None
    if request.method == "POST":
        status, notice, bound = _act(request, referral, by=None, via=Via.LINK)
    response = _page(
        request, referral, template="referrals/link.html", status=status, notice=notice, bound=bound, via_link=True
    )
    return _private(response)


@allow(REFERRAL_PARTNER)
@require_GET
def referrals_received(request):
    return render(request, "referrals/received.html", queries.received(request.viewer))


@allow(REFERRAL_PARTNER)
@require_http_methods(["GET", "POST"])
def referral_received(request, referral_id):
    referral = (
        queries.received_referrals(request.viewer)
        .select_related("service__structure", "follow_up__referent", "follow_up__organization")
        .filter(public_id=referral_id)
        .first()
    )
    if referral is None:
        raise Http404("Orientation introuvable.")
    status, notice, bound = 200, "", None
    if request.method == "POST":
        status, notice, bound = _act(request, referral, by=request.user, via=Via.ACCOUNT)
    return _page(
        request, referral, template="referrals/received_detail.html", status=status, notice=notice, bound=bound
    )
