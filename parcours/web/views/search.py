from django.db import transaction
from django.shortcuts import render
from django.views.decorators.http import require_GET

from parcours.orientation.perms import visible_beneficiaries
from parcours.web.access import FILE_READERS, allow

MAX_RESULTS = 50


@allow(FILE_READERS)
@require_GET
@transaction.non_atomic_requests
def person_search(request):
    """Find a person among the files the viewer may open (name, birth name, CAF matricule)."""
    query = request.GET.get("q", "").strip()[:100]
    results = []
    if len(query) >= 2:
        results = list(
            visible_beneficiaries(request.viewer)
            .search(query)
            .select_related("commune")
            .order_by("last_name", "first_name")[: MAX_RESULTS + 1]
        )
    context = {"query": query, "results": results[:MAX_RESULTS], "truncated": len(results) > MAX_RESULTS}
    template = "web/search.html#results" if request.htmx else "web/search.html"
    return render(request, template, context)
