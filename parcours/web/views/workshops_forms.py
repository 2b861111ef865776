"""Forms of the workshop pages (validation of the input only; the rules are in parcours.workshops.services)."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from parcours.accounts.models import Membership, User
from parcours.catalogue.models import Service
from parcours.organizations.models import Organization
from parcours.scheduling.models import Place
from parcours.workshops.enums import WorkshopKind


class SeriesForm(forms.Form):
    organization = forms.ModelChoiceField(label="Organisation qui anime", queryset=Organization.objects.none())
    title = forms.CharField(label="Intitulé", max_length=200)
    kind = forms.ChoiceField(label="Type", choices=WorkshopKind.choices)
    description = forms.CharField(
        label="Description", required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    service = forms.ModelChoiceField(
        label="Service du catalogue (facultatif)",
        queryset=Service.objects.none(),
        required=False,
        help_text="Les personnes orientées vers ce service y sont rattachées à leur inscription.",
    )

    def __init__(self, *args, organizations, **kwargs):
        kwargs.setdefault("auto_id", "workshop-%s")
        super().__init__(*args, **kwargs)
        ids = [o.pk for o in organizations]
        self.fields["organization"].queryset = Organization.objects.filter(pk__in=ids).order_by("name")
        if len(ids) == 1:
            self.fields["organization"].initial = ids[0]
        self.fields["service"].queryset = Service.objects.filter(structure__organization_id__in=ids).order_by("name")


class SessionForm(forms.Form):
    date = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    start = forms.TimeField(label="Début", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    end = forms.TimeField(label="Fin", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    capacity = forms.IntegerField(label="Nombre de places", min_value=1, max_value=500, initial=12)
    place = forms.ModelChoiceField(label="Lieu d'accueil", queryset=Place.objects.none(), required=False)
    place_label = forms.CharField(
        label="Autre lieu (adresse)", required=False, max_length=250, help_text="Si le lieu n'est pas dans la liste."
    )
    facilitator = forms.ModelChoiceField(label="Animateur·rice", queryset=User.objects.none(), required=False)
    facilitator_name = forms.CharField(
        label="Autre animateur·rice (nom)", required=False, max_length=150, help_text="Un intervenant extérieur."
    )

    def __init__(self, *args, series, **kwargs):
        kwargs.setdefault("auto_id", "session-%s")
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = Place.objects.filter(organization_id=series.organization_id)
        self.fields["facilitator"].queryset = User.objects.filter(
            pk__in=Membership.objects.active().filter(organization_id=series.organization_id).values("user_id"),
            is_active=True,
        ).order_by("last_name", "first_name")

    def clean(self):
        data = super().clean()
        if not data.get("place") and not data.get("place_label"):
            self.add_error("place_label", "Choisissez un lieu d'accueil ou indiquez une adresse.")
        if data.get("date") and data.get("start") and data.get("end"):
            data["starts_at"] = timezone.make_aware(datetime.datetime.combine(data["date"], data["start"]))
            data["ends_at"] = timezone.make_aware(datetime.datetime.combine(data["date"], data["end"]))
            if data["ends_at"] <= data["starts_at"]:
                raise ValidationError("L'heure de fin doit suivre l'heure de début.")
            if data["ends_at"] <= timezone.now():
                raise ValidationError("Cette séance serait déjà terminée : vérifiez la date.")
        return data


class RegisterForm(forms.Form):
    person = forms.UUIDField(widget=forms.HiddenInput)


class ConfirmForm(forms.Form):
    """A POST that acts on one object carries this field: an empty POST is refused (400), nothing changes."""

    confirm = forms.BooleanField(widget=forms.HiddenInput)
