import datetime

from django.db import transaction
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from parcours.agenda.models import Appointment
from parcours.alerts.queries import open_alert_count
from parcours.caseload.queries import my_caseload
from parcours.web.access import ACCOMPANYING, allow
from parcours.web.components.caseload_table import caseload_rows
from parcours.web.forms import CaseloadFilterForm


@allow(ACCOMPANYING)
@require_GET
@transaction.non_atomic_requests
def caseload(request):
    form = CaseloadFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = my_caseload(
        request.viewer,
        search=filters.get("q", ""),
        parcours=filters.get("parcours", ""),
        late_only=filters.get("late", False),
        role=filters.get("role", ""),
        sort=filters.get("sort") or "late",
    )
    context = {
        "form": form,
        "rows": rows,
        "rows_html": caseload_rows(rows),
        "late_count": sum(1 for r in rows if r.late),
        "alert_count": 0 if request.htmx else open_alert_count(request.viewer),
        "today": timezone.localdate(),
    }
    template = "web/caseload.html#results" if request.htmx else "web/caseload.html"
    return render(request, template, context)


def _parse_day(value: str | None) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value) if value else timezone.localdate()
    except ValueError:
        return timezone.localdate()


@allow(ACCOMPANYING)
@require_GET
@transaction.non_atomic_requests
def agenda(request):
    """My appointments, by week (default) or for one day (`?jour=AAAA-MM-JJ`)."""
    today = timezone.localdate()
    by_day = "jour" in request.GET
    first = _parse_day(request.GET.get("jour") if by_day else request.GET.get("semaine"))
    if not by_day:
        first -= datetime.timedelta(days=first.weekday())
    span = 1 if by_day else 7
    start = timezone.make_aware(datetime.datetime.combine(first, datetime.time.min))
    appointments = (
        Appointment.objects.filter(
            counselor=request.user, starts_at__gte=start, starts_at__lt=start + datetime.timedelta(days=span)
        )
        .select_related("beneficiary")
        .order_by("starts_at")
    )
    days = {first + datetime.timedelta(days=i): [] for i in range(span)}
    for appointment in appointments:
        days[timezone.localtime(appointment.starts_at).date()].append(appointment)
    step = datetime.timedelta(days=span)
    context = {
        "by_day": by_day,
        "first": first,
        "days": [(day, items) for day, items in days.items() if by_day or day.weekday() < 5 or items],
        "previous": first - step,
        "next": first + step,
        "today": today,
        "count": len(appointments),
    }
    return render(request, "web/agenda.html", context)
