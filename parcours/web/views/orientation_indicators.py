"""« Indicateurs d'orientation »: delays per territory, from entry to orientation and to the first appointment."""

from django.db import transaction
from django.shortcuts import render
from django.views.decorators.http import require_GET

from parcours.orientation.indicators import orientation_indicators as compute
from parcours.web.access import ORIENTATION_INDICATORS, allow
from parcours.web.views.orientation_forms import PeriodForm


@allow(ORIENTATION_INDICATORS)
@require_GET
@transaction.non_atomic_requests
def orientation_indicators(request):
    form = PeriodForm(request.GET or None)
    since, until = form.period()
    if not form.is_bound:
        form = PeriodForm(initial={"du": since, "au": until})
    context = {"form": form, **compute(request.viewer, since=since, until=until)}
    return render(request, "orientation/indicators.html", context)
