import datetime

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from parcours.agenda.models import Appointment
from parcours.caseload.queries import my_caseload
from parcours.web.access import ACCOMPANYING, allow
from parcours.web.components.caseload_table import caseload_rows
from parcours.web.forms import CaseloadFilterForm


@allow(ACCOMPANYING)
@require_GET
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
        "today": timezone.localdate(),
    }
    template = "web/caseload.html#results" if request.htmx else "web/caseload.html"
    return render(request, template, context)


def _week_start(value: str | None) -> datetime.date:
    today = timezone.localdate()
    try:
        day = datetime.date.fromisoformat(value) if value else today
    except ValueError:
        day = today
    return day - datetime.timedelta(days=day.weekday())


@allow(ACCOMPANYING)
@require_GET
def agenda(request):
    monday = _week_start(request.GET.get("semaine"))
    start = timezone.make_aware(datetime.datetime.combine(monday, datetime.time.min))
    end = start + datetime.timedelta(days=7)
    appointments = (
        Appointment.objects.filter(counselor=request.user, starts_at__gte=start, starts_at__lt=end)
        .select_related("beneficiary")
        .order_by("starts_at")
    )
    days = {monday + datetime.timedelta(days=i): [] for i in range(7)}
    for appointment in appointments:
        days[timezone.localtime(appointment.starts_at).date()].append(appointment)
    context = {
        "monday": monday,
        "days": [(day, items) for day, items in days.items() if day.weekday() < 5 or items],
        "previous_week": monday - datetime.timedelta(days=7),
        "next_week": monday + datetime.timedelta(days=7),
        "today": timezone.localdate(),
        "count": len(appointments),
    }
    return render(request, "web/agenda.html", context)
