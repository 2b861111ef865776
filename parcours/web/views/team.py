from django.db import transaction
from django.shortcuts import render
from django.views.decorators.http import require_GET

from parcours.caseload.team import team_overview
from parcours.orientation.referents import over_capacity
from parcours.web.access import AGENCY_HEAD, allow


@allow(AGENCY_HEAD)
@require_GET
@transaction.non_atomic_requests
def team(request):
    context = team_overview(request.viewer)
    context["over_capacity"] = over_capacity(context["organizations"])  # weighted caseloads (orientation)
    return render(request, "web/team.html", context)
