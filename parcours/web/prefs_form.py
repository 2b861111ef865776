"""The form of « Convocations » on the person's file (kept apart from the views: the file page builds it too)."""

from django import forms

from parcours.agenda.enums import Mode
from parcours.notifications.enums import Channel
from parcours.scheduling.enums import DayPart, Preference, Weekday
from parcours.web.forms import SectionForm


class PreferencesForm(SectionForm):
    id_prefix = "prefs"
    channel = forms.ChoiceField(label="Canal des convocations", choices=Channel.choices)
    sms_consent = forms.BooleanField(label="La personne accepte les SMS", required=False)
    email_consent = forms.BooleanField(label="La personne accepte les e-mails", required=False)
    day_part = forms.ChoiceField(label="Peut venir", choices=DayPart.choices)
    prefers = forms.ChoiceField(label="Préférence", choices=Preference.choices)
    weekdays_off = forms.TypedMultipleChoiceField(
        label="Jours impossibles",
        choices=[c for c in Weekday.choices if c[0] < 5],
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    unavailable_from = forms.TimeField(
        label="Indisponible de", required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    unavailable_until = forms.TimeField(
        label="jusqu'à", required=False, widget=forms.TimeInput(attrs={"type": "time"}), help_text="Ex. 11:30–13:30"
    )
    preferred_mode = forms.ChoiceField(
        label="Modalité préférée", choices=[("", "Celle des derniers rendez-vous"), *Mode.choices], required=False
    )


def initial_for(beneficiary) -> dict:
    pref = getattr(beneficiary, "contact_preference", None)
    cons = getattr(beneficiary, "planning_constraints", None)
    initial = {"channel": pref.channel if pref else Channel.POSTAL}
    if pref:
        initial.update(sms_consent=pref.sms_consent, email_consent=pref.email_consent)
    if cons:
        initial.update(
            {f: getattr(cons, f) for f in ("day_part", "prefers", "weekdays_off", "unavailable_from")}
            | {"unavailable_until": cons.unavailable_until, "preferred_mode": cons.preferred_mode}
        )
    return initial
