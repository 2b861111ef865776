"""« Trouver un service »: the search page (htmx refresh of the results), a service's page, the communes list."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from parcours.catalogue import queries
from parcours.catalogue.search import search
from parcours.orientation.perms import file_access, visible_beneficiaries
from parcours.web.access import CATALOGUE_SEARCH, allow
from parcours.web.views.catalogue_forms import ServiceSearchForm

LIMIT = 50


def _person(request):
    """The person a counselor is looking for a service for (?personne=<uuid>), when they may open the file."""
    public_id = request.GET.get("personne", "")
    if not public_id:
        return None, None
    try:
        b = visible_beneficiaries(request.viewer).select_related("commune").filter(public_id=public_id).first()
    except ValidationError:
        return None, None
    return (b, file_access(request.viewer, b)) if b is not None else (None, None)


@allow(CATALOGUE_SEARCH)
@require_GET
@transaction.non_atomic_requests
def service_search(request):
    b, access = _person(request)
    data = request.GET.copy()
    if b is not None and b.commune_id and "commune" not in data:
        data["commune"] = f"{b.commune.name} ({b.commune.insee_code})"
    form = ServiceSearchForm(data or None)
    hits = search(**form.search_kwargs(), limit=LIMIT) if form.has_criteria else []
    context = {"form": form, "hits": hits, "searched": form.has_criteria, "limit": LIMIT, "b": b, "access": access}
    if request.htmx and request.htmx.target == "results":
        return render(request, "catalogue/search.html#results", context)
    return render(request, "catalogue/search.html", context)


@allow(CATALOGUE_SEARCH)
@require_GET
@transaction.non_atomic_requests
def service_detail(request, service_id):
    service = queries.service_for_page(request.viewer, service_id)
    if service is None:
        raise Http404("Service introuvable.")
    b, access = _person(request)
    context = {
        "b": b,
        "access": access,
        "service": service,
        "structure": service.structure,
        "labels": queries.vocabulary_labels(service),
        "stale": queries.is_stale(service, queries.stale_before()),
    }
    return render(request, "catalogue/detail.html", context)


@allow(CATALOGUE_SEARCH)
@require_GET
@transaction.non_atomic_requests
def commune_options(request):
    """The <option>s of the communes datalist (htmx, while typing)."""
    communes = queries.commune_options(request.GET.get("commune", ""))
    return render(request, "catalogue/_commune_options.html", {"communes": communes})


@allow(CATALOGUE_SEARCH)
@require_GET
@transaction.non_atomic_requests
def barrier_themes(request):
    """Read-only: which thématiques are suggested for each frein (administrators edit it in the administration)."""
    return render(request, "catalogue/barrier_themes.html", {"rows": queries.barrier_theme_table()})


def suggested_services(beneficiary, access) -> list:
    """For the person's file: services near home for the open freins the viewer may read."""
    from parcours.catalogue.suggest import for_person

    return for_person(beneficiary, limit=5, barriers=access.readable_barriers)
