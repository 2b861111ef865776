"""Forms of the orientation pages: queue filters, decision, indicators period."""

import datetime

from django import forms
from django.utils import timezone

from parcours.intake.enums import Source
from parcours.orientation.decisions import LEGAL_WORDING
from parcours.orientation.enums import Parcours
from parcours.orientation.queue import QueueFilters


class QueueFilterForm(forms.Form):
    territoire = forms.TypedChoiceField(label="Territoire (commune de la personne)", required=False, coerce=int)
    origine = forms.ChoiceField(label="Origine", required=False, choices=[("", "Toutes"), *Source.choices])
    lot = forms.TypedChoiceField(label="Import", required=False, coerce=int)
    retard = forms.BooleanField(label="Délai dépassé seulement", required=False)

    def __init__(self, *args, territories=(), batches=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["territoire"].choices = [("", "Tous"), *territories]
        self.fields["lot"].choices = [("", "Tous"), *batches]

    def filters(self) -> QueueFilters:
        if not self.is_valid():
            return QueueFilters()
        data = self.cleaned_data
        return QueueFilters(
            territory=data.get("territoire") or None,
            overdue_only=bool(data.get("retard")),
            source=data.get("origine") or "",
            batch=data.get("lot") or None,
        )


class DecisionForm(forms.Form):
    parcours = forms.ChoiceField(
        label="Parcours",
        choices=[(p.value, f"{p.label} — {LEGAL_WORDING[p]}") for p in Parcours],
        widget=forms.RadioSelect,
        error_messages={"required": "Choisissez le parcours : professionnel, socio-professionnel ou social."},
    )
    organization = forms.ModelChoiceField(
        label="Organisme référent",
        queryset=None,
        empty_label="— Choisir l'organisme —",
        error_messages={
            "required": "Choisissez l'organisme référent.",
            "invalid_choice": "Cet organisme ne peut pas être choisi : il n'est pas organisme référent de votre "
            "département.",
        },
    )
    reason = forms.CharField(
        label="Motif de la décision",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Les éléments qui fondent le choix du parcours : situation, freins, souhaits de la personne.",
        error_messages={"required": "Indiquez le motif de la décision."},
    )
    decided_on = forms.DateField(
        label="Date de la décision",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "Indiquez la date de la décision.", "invalid": "Date illisible."},
    )

    def __init__(self, *args, organizations, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("decided_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations


class PeriodForm(forms.Form):
    du = forms.DateField(
        label="Décisions du", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    au = forms.DateField(label="au", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def period(self) -> tuple[datetime.date, datetime.date]:
        today = timezone.localdate()
        data = self.cleaned_data if self.is_valid() else {}
        until = data.get("au") or today
        since = data.get("du") or until - datetime.timedelta(days=365)
        if since > until:
            since, until = until, since
        return since, until
