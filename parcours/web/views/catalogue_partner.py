"""Partners maintain the services of their organisation's structures (« Mes services »)."""

from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from parcours.catalogue import queries
from parcours.catalogue.models import Service
from parcours.catalogue.services import mark_checked, partner_services, partner_structures, save_partner_service
from parcours.web.access import CATALOGUE_PARTNER, allow
from parcours.web.views.catalogue_forms import PartnerServiceForm


@allow(CATALOGUE_PARTNER)
@require_http_methods(["GET"])
@transaction.non_atomic_requests
def partner_service_list(request):
    limit = queries.stale_before()
    rows = [(s, queries.is_stale(s, limit)) for s in queries.partner_rows(request.viewer)]
    structures = list(partner_structures(request.viewer).order_by("name"))
    return render(request, "catalogue/partner_services.html", {"rows": rows, "structures": structures})


def _edit_page(request, service, form, *, status=200):
    return render(request, "catalogue/partner_edit.html", {"service": service, "form": form}, status=status)


@allow(CATALOGUE_PARTNER)
@require_http_methods(["GET", "POST"])
def partner_service_edit(request, service_id):
    service = get_object_or_404(
        partner_services(request.viewer).select_related("structure", "commune"), public_id=service_id
    )
    if request.method == "GET":
        return _edit_page(request, service, PartnerServiceForm(initial=PartnerServiceForm.initial_for(service)))
    form = PartnerServiceForm(request.POST)
    if not form.is_valid():
        return _edit_page(request, service, form, status=400)
    save_partner_service(service, form.service_data(), by=request.user, verified=form.cleaned_data["verified"])
    messages.success(request, f"Service « {service.name} » enregistré.")
    return redirect("web:catalogue-partner-services")


@allow(CATALOGUE_PARTNER)
@require_http_methods(["GET", "POST"])
def partner_service_create(request, structure_id):
    structure = get_object_or_404(partner_structures(request.viewer), public_id=structure_id)
    service = Service(structure=structure)
    if request.method == "GET":
        return _edit_page(request, service, PartnerServiceForm(initial={"commune": str(structure.commune or "")}))
    form = PartnerServiceForm(request.POST)
    if not form.is_valid():
        return _edit_page(request, service, form, status=400)
    save_partner_service(service, form.service_data(), by=request.user, verified=True)
    messages.success(request, f"Service « {service.name} » ajouté au catalogue.")
    return redirect("web:catalogue-partner-services")


@allow(CATALOGUE_PARTNER)
@require_POST
def partner_service_check(request, service_id):
    service = get_object_or_404(partner_services(request.viewer), public_id=service_id)
    mark_checked(service, by=request.user)
    messages.success(request, f"Informations du service « {service.name} » marquées comme vérifiées.")
    return redirect("web:catalogue-partner-services")
