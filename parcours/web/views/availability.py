"""« Mes disponibilités »: a counselor's own working hours and absences, which the planner reads.

Only one's own rows: another person's range or absence answers 404.
"""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from parcours.accounts.models import Membership
from parcours.scheduling.enums import Weekday
from parcours.scheduling.models import Absence, Place, WorkingHours
from parcours.web.access import ACCOMPANYING, allow


def my_places(user):
    """The places of the organisations where the user has an active membership."""
    orgs = Membership.objects.active().filter(user=user).values("organization_id")
    return Place.objects.filter(organization_id__in=orgs).order_by("name")


class HoursForm(forms.ModelForm):
    class Meta:
        model = WorkingHours
        fields = ["weekday", "start", "end", "place"]
        widgets = {"start": forms.TimeInput(attrs={"type": "time"}), "end": forms.TimeInput(attrs={"type": "time"})}

    def __init__(self, *args, user, **kwargs):
        kwargs.setdefault("auto_id", "hours-%s")
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["weekday"].choices = [c for c in Weekday.choices if c[0] < 5]
        self.fields["place"].queryset = my_places(user)

    def clean(self):
        data = super().clean()
        start, end, weekday = data.get("start"), data.get("end"), data.get("weekday")
        if start and end and end <= start:
            raise forms.ValidationError("L'heure de fin doit suivre l'heure de début.")
        if start and end and weekday is not None:
            overlap = WorkingHours.objects.filter(user=self.user, weekday=weekday, start__lt=end, end__gt=start)
            if overlap.exists():
                raise forms.ValidationError("Cette plage chevauche une plage déjà saisie pour ce jour.")
        return data


class AbsenceForm(forms.ModelForm):
    class Meta:
        model = Absence
        fields = ["starts_at", "ends_at", "reason"]
        widgets = {
            "starts_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "ends_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        }
        labels = {"reason": "Motif (facultatif)"}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "absence-%s")
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        start, end = data.get("starts_at"), data.get("ends_at")
        if start and end and end <= start:
            raise forms.ValidationError("La fin de l'absence doit suivre son début.")
        if end and end <= timezone.now():
            raise forms.ValidationError("Cette absence est déjà passée.")
        return data


@allow(ACCOMPANYING)
@require_http_methods(["GET", "POST"])
def availability(request):
    user = request.user
    hours_form = HoursForm(user=user)
    absence_form = AbsenceForm()
    status = 200
    if request.method == "POST":
        if request.POST.get("form") == "hours":
            hours_form = HoursForm(request.POST, user=user)
            if hours_form.is_valid():
                hours_form.instance.user = user
                hours_form.save()
                messages.success(request, "Plage de travail ajoutée : le prochain planning en tiendra compte.")
                return redirect("web:availability")
        else:
            absence_form = AbsenceForm(request.POST)
            if absence_form.is_valid():
                absence_form.instance.user = user
                absence_form.save()
                messages.success(request, "Absence enregistrée : aucun rendez-vous ne sera proposé pendant celle-ci.")
                return redirect("web:availability")
        status = 400
    context = {
        "hours": WorkingHours.objects.filter(user=user).select_related("place").order_by("weekday", "start"),
        "absences": Absence.objects.filter(user=user, ends_at__gt=timezone.now()).order_by("starts_at"),
        "hours_form": hours_form,
        "absence_form": absence_form,
    }
    return render(request, "planning/availability.html", context, status=status)


@allow(ACCOMPANYING)
@require_POST
def hours_delete(request, hours_id):
    get_object_or_404(WorkingHours, pk=hours_id, user=request.user).delete()
    messages.success(request, "Plage de travail supprimée.")
    return redirect("web:availability")


@allow(ACCOMPANYING)
@require_POST
def absence_delete(request, absence_id):
    get_object_or_404(Absence, pk=absence_id, user=request.user).delete()
    messages.success(request, "Absence supprimée.")
    return redirect("web:availability")
