"""Hours of activity: a person's week by source against the target, and the weekly view of « Ma file active »."""

import datetime
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from parcours.activity import services
from parcours.activity.enums import ActivityKind
from parcours.activity.hours import parse_week, week_summary
from parcours.activity.queries import caseload_week, week_entries
from parcours.journal.models import Section
from parcours.web.access import ACCOMPANYING, FILE_READERS, allow
from parcours.web.views.person import get_file
from parcours.web.views.workshops_forms import ConfirmForm


class ActivityEntryForm(forms.Form):
    kind = forms.ChoiceField(label="Activité", choices=ActivityKind.choices)
    date = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    planned_hours = forms.DecimalField(
        label="Heures prévues", min_value=0, max_value=24, decimal_places=1, initial=0, required=False, localize=True
    )
    done_hours = forms.DecimalField(
        label="Heures réalisées", min_value=0, max_value=24, decimal_places=1, initial=0, required=False, localize=True
    )
    label = forms.CharField(label="Précision (entreprise, organisme…)", required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "activity-%s")
        super().__init__(*args, **kwargs)
        for name in ("planned_hours", "done_hours"):
            self.fields[name].widget.attrs["inputmode"] = "decimal"


def _week_links(week: datetime.date, today: datetime.date) -> dict:
    return {
        "week": week,
        "week_end": week + datetime.timedelta(days=6),
        "previous": week - datetime.timedelta(days=7),
        "next": week + datetime.timedelta(days=7),
        "this_week": parse_week(None, today=today),
        "today": today,
    }


@allow(ACCOMPANYING)
@require_GET
@transaction.non_atomic_requests
def activity_caseload(request):
    today = timezone.localdate()
    week = parse_week(request.GET.get("semaine"), today=today)
    rows = caseload_week(request.viewer, week, today=today)
    context = {"rows": rows, "far_below": sum(1 for r in rows if r.week.far_below), **_week_links(week, today)}
    return render(request, "activity/caseload.html", context)


def _person(request, hours_person_id):
    beneficiary, access = get_file(request, hours_person_id)
    if not access.can_read(Section.SOCIO_PRO):
        raise PermissionDenied
    return beneficiary, access


def _person_page(request, beneficiary, access, week, form=None, *, status=200):
    today = timezone.localdate()
    if form is None and access.can_edit_socio_pro:
        form = ActivityEntryForm(initial={"date": min(max(today, week), week + datetime.timedelta(days=6))})
    context = {
        "b": beneficiary,
        "access": access,
        "summary": week_summary(beneficiary, week, today=today),
        "entries": week_entries(beneficiary, week),
        "form": form,
        **_week_links(week, today),
    }
    return render(request, "activity/person.html", context, status=status)


@allow(FILE_READERS)
@require_GET
@transaction.non_atomic_requests
def activity_person(request, hours_person_id):
    beneficiary, access = _person(request, hours_person_id)
    week = parse_week(request.GET.get("semaine"), today=timezone.localdate())
    return _person_page(request, beneficiary, access, week)


def _week_url(beneficiary, day: datetime.date) -> str:
    return f"{reverse('web:activity-person', args=[beneficiary.public_id])}?semaine={day:%Y-%m-%d}"


@allow(FILE_READERS)
@require_POST
def activity_entry_create(request, hours_person_id):
    beneficiary, access = _person(request, hours_person_id)
    if not access.can_edit_socio_pro:
        raise PermissionDenied
    form = ActivityEntryForm(request.POST)
    week = parse_week(request.POST.get("semaine"), today=timezone.localdate())
    if not form.is_valid():
        return _person_page(request, beneficiary, access, week, form, status=400)
    data = form.cleaned_data
    try:
        entry = services.add_entry(
            beneficiary,
            by=request.user,
            kind=data["kind"],
            date=data["date"],
            planned_hours=data["planned_hours"] or Decimal(0),
            done_hours=data["done_hours"] or Decimal(0),
            label=data["label"],
        )
    except ValidationError as error:
        form.add_error(None, " ".join(error.messages))
        return _person_page(request, beneficiary, access, week, form, status=400)
    messages.success(request, f"Activité du {entry.date:%d/%m/%Y} ajoutée.")
    return redirect(_week_url(beneficiary, entry.date))


@allow(FILE_READERS)
@require_POST
def activity_entry_delete(request, hours_person_id, activity_entry_id):
    beneficiary, access = _person(request, hours_person_id)
    if not access.can_edit_socio_pro:
        raise PermissionDenied
    entry = get_object_or_404(beneficiary.activity_entries.all(), pk=activity_entry_id)
    if not ConfirmForm(request.POST).is_valid():
        return _person_page(request, beneficiary, access, parse_week(None, today=entry.date), status=400)
    day = entry.date
    services.delete_entry(entry, by=request.user)
    messages.success(request, f"Activité du {day:%d/%m/%Y} supprimée.")
    return redirect(_week_url(beneficiary, day))
