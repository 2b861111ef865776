"""Referrals, the accompanying side: send a person to a service, « Mes orientations », the agency's view and
statistics, one referral's detail (its history, attendance, a new link for the partner)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from parcours.catalogue.models import Service, ServiceStatus
from parcours.journal.models import Section
from parcours.orientation.perms import file_access
from parcours.referrals import queries
from parcours.referrals.services import mark_seen, send_new_link, send_referral
from parcours.web.access import ACCOMPANYING, AGENCY_HEAD, FILE_READERS, allow
from parcours.web.views.person import get_file
from parcours.web.views.referrals_forms import SHARED_LABELS, NewLinkForm, ReferralForm


def _service(service_id):
    return get_object_or_404(
        Service.objects.select_related("structure").filter(status=ServiceStatus.PUBLISHED), public_id=service_id
    )


@allow(ACCOMPANYING)
@require_http_methods(["GET", "POST"])
def referral_create(request, person_id, service_id):
    """« Orienter vers ce service »: what is shared, the person's consent, then the referral leaves."""
    beneficiary, access = get_file(request, person_id)
    if not access.can_edit_socio_pro:
        raise Http404("Dossier introuvable.")
    service = _service(service_id)
    form = ReferralForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                send_referral(
                    beneficiary=beneficiary,
                    service=service,
                    by=request.user,
                    consent=form.cleaned_data["consent"],
                    shared=form.cleaned_data["shared"],
                    message=form.cleaned_data["message"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, f"Orientation envoyée à « {service.name} » ({service.structure.name}).")
                return redirect(f"{_file_url(beneficiary)}#referrals")
        status = 400
    context = {"b": beneficiary, "service": service, "form": form, "follow_up": access.follow_up}
    return render(request, "referrals/create.html", context, status=status)


def _file_url(beneficiary) -> str:
    return reverse("web:person", args=[beneficiary.public_id])


@allow(ACCOMPANYING)
@require_GET
@transaction.non_atomic_requests
def referrals_mine(request):
    viewer = request.viewer
    groups = queries.groups(queries.mine(viewer), department_ids=viewer.department_ids)
    news = sum(
        1 for g in groups for r in g.rows if r.follow_up and r.follow_up.referent_id == request.user.pk and r.has_news
    )
    return render(request, "referrals/mine.html", {"groups": groups, "news": news})


@allow(AGENCY_HEAD)
@require_GET
@transaction.non_atomic_requests
def referrals_agency(request):
    viewer = request.viewer
    referrals = queries.agency(viewer)
    context = {
        "groups": queries.groups(referrals, department_ids=viewer.department_ids, limit=100),
        "stats": queries.partner_stats(referrals),
        "stats_days": queries.STATS_DAYS,
    }
    return render(request, "referrals/agency.html", context)


def _visible(request, referral_id):
    referral = queries.detail(queries.visible_referrals(request.viewer), referral_id)
    if referral is None:
        raise Http404("Orientation introuvable.")
    access = file_access(request.viewer, referral.beneficiary)
    if not access.can_read(Section.SOCIO_PRO):
        raise Http404("Orientation introuvable.")
    return referral, access


@allow(FILE_READERS)
@require_GET
def referral_detail(request, referral_id):
    referral, access = _visible(request, referral_id)
    mark_seen(referral, by=request.user)
    context = {
        "r": referral,
        "can_send_link": access.can_edit_socio_pro and queries.waiting_on_partner(referral),
        "shared_labels": [SHARED_LABELS[item] for item in referral.shared],
    }
    return render(request, "referrals/detail.html", context)


@allow(ACCOMPANYING)
@require_POST
def referral_new_link(request, referral_id):
    referral, access = _visible(request, referral_id)
    if not access.can_edit_socio_pro:
        raise Http404("Orientation introuvable.")
    form = NewLinkForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest("Formulaire incomplet : rechargez la page de l'orientation.")
    if form.cleaned_data["link_version"] != referral.link_version:
        messages.info(request, "Un nouveau lien venait déjà d'être envoyé à la structure.")
        return redirect("web:referral-detail", referral_id=referral.public_id)
    try:
        send_new_link(referral, by=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, "Un nouveau lien a été envoyé à la structure ; l'ancien ne fonctionne plus.")
    return redirect("web:referral-detail", referral_id=referral.public_id)
