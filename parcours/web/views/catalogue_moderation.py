"""Moderation of the catalogue by administrators: suspend or publish a service, with a reason."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from parcours.catalogue import queries
from parcours.catalogue.models import ServiceStatus
from parcours.catalogue.services import moderate, moderated_services
from parcours.web.access import CATALOGUE_MODERATOR, allow
from parcours.web.views.catalogue_forms import ModerationForm


@allow(CATALOGUE_MODERATOR)
@require_GET
@transaction.non_atomic_requests
def moderation(request):
    return _page(request)


def _page(request, *, status_code=200):
    status = request.GET.get("statut", "")
    status = status if status in ServiceStatus.values else ""
    stale = request.GET.get("a_verifier") == "1"
    text = request.GET.get("q", "").strip()[:100]
    rows, more = queries.moderation_rows(request.viewer, status=status, stale=stale, text=text)
    context = {
        "rows": rows,
        "more": more,
        "status": status,
        "stale": stale,
        "q": text,
        "statuses": ServiceStatus.choices,
        "freshness_days": queries.freshness_days(),
        "sectors": queries.sector_counts(request.viewer),
    }
    return render(request, "catalogue/moderation.html", context, status=status_code)


@allow(CATALOGUE_MODERATOR)
@require_POST
def moderation_action(request, service_id):
    service = get_object_or_404(moderated_services(request.viewer), public_id=service_id)
    form = ModerationForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Action de modération invalide.")
        return _page(request, status_code=400)
    try:
        moderate(service, action=form.cleaned_data["action"], reason=form.cleaned_data["reason"], by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _page(request, status_code=400)
    verb = "suspendu" if service.status == ServiceStatus.SUSPENDED else "publié"
    messages.success(request, f"Service « {service.name} » {verb}.")
    return redirect("web:catalogue-moderation")
