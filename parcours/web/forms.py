import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from parcours.agenda.enums import AppointmentKind, AppointmentStatus, Mode
from parcours.diagnostics.enums import Barrier, BarrierLevel
from parcours.orientation.enums import ExitReason, NoteVisibility, Parcours, TeamRole
from parcours.people.models import Beneficiary
from parcours.people.validators import clean_nir
from parcours.plans.enums import ActionOwner, ActionStatus, ContractKind, HoursExemption


class LoginForm(forms.Form):
    email = forms.EmailField(label="Adresse e-mail", widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = forms.CharField(
        label="Mot de passe", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class SectionForm(forms.Form):
    """A form of the person's file: several share the page, so each has its own id prefix."""

    id_prefix = "section"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{self.id_prefix}-%s")
        super().__init__(*args, **kwargs)


class VersionedForm(SectionForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class AppointmentOutcomeForm(VersionedForm):
    id_prefix = "outcome"
    status = forms.ChoiceField(label="Le rendez-vous a été", choices=AppointmentStatus.choices)
    report = forms.CharField(label="Compte rendu (court)", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class AppointmentForm(SectionForm):
    id_prefix = "appointment"
    date = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    time = forms.TimeField(label="Heure", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    duration_minutes = forms.IntegerField(label="Durée (minutes)", min_value=10, max_value=480, initial=45)
    kind = forms.ChoiceField(label="Type", choices=AppointmentKind.choices)
    mode = forms.ChoiceField(label="Modalité", choices=Mode.choices)
    place = forms.CharField(label="Lieu", required=False, max_length=200)

    def clean(self):
        data = super().clean()
        if data.get("date") and data.get("time"):
            starts = datetime.datetime.combine(data["date"], data["time"])
            data["starts_at"] = timezone.make_aware(starts)
            if data["starts_at"] < timezone.now() - datetime.timedelta(days=1):
                raise ValidationError("On ne planifie pas un rendez-vous dans le passé : vérifiez la date.")
        return data


class BarrierForm(SectionForm):
    id_prefix = "barrier"
    barrier = forms.ChoiceField(label="Frein", choices=Barrier.choices, widget=forms.HiddenInput)
    level = forms.ChoiceField(label="Nouvel état", choices=BarrierLevel.choices)
    comment = forms.CharField(label="Commentaire", required=False, max_length=300)


class DiagnosticForm(SectionForm):
    id_prefix = "diagnostic"
    situation = forms.CharField(label="Situation", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    strengths = forms.CharField(label="Points d'appui", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    project = forms.CharField(label="Projet professionnel", required=False, max_length=250)
    rome_code = forms.RegexField(
        label="Code ROME du métier visé",
        regex=r"^[A-Na-n][0-9]{4}$",
        required=False,
        error_messages={"invalid": "Le code ROME est une lettre suivie de quatre chiffres (ex. : K1304)."},
    )

    def __init__(self, *args, barriers=tuple(Barrier), **kwargs):
        super().__init__(*args, **kwargs)
        self.barriers = barriers
        for barrier in barriers:
            self.fields[f"level_{barrier.value}"] = forms.ChoiceField(
                label=barrier.label, choices=[("", "— inchangé —"), *BarrierLevel.choices], required=False
            )

    def levels(self) -> dict:
        return {b.value: self.cleaned_data.get(f"level_{b.value}") for b in self.barriers}

    def barrier_fields(self):
        return [self[f"level_{b.value}"] for b in self.barriers]


class ContractForm(VersionedForm):
    id_prefix = "contract"
    kind = forms.ChoiceField(label="Type de contrat", choices=ContractKind.choices)
    signed_on = forms.DateField(
        label="Signé le", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    start_date = forms.DateField(label="Début", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    end_date = forms.DateField(label="Fin", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    weekly_hours = forms.DecimalField(
        label="Heures d'activité par semaine", min_value=0, max_value=60, decimal_places=1
    )
    hours_exemption = forms.ChoiceField(label="Aménagement de la durée", choices=HoursExemption.choices)

    def __init__(self, *args, creating=False, **kwargs):
        super().__init__(*args, **kwargs)
        if creating:
            self.fields["version"].required = False

    def clean(self):
        data = super().clean()
        if data.get("start_date") and data.get("end_date") and data["end_date"] <= data["start_date"]:
            raise ValidationError("La date de fin doit être postérieure à la date de début.")
        return data


class GoalForm(SectionForm):
    id_prefix = "goal"
    title = forms.CharField(label="Objectif", max_length=250)
    barrier = forms.ChoiceField(label="Frein travaillé", choices=[("", "— aucun —"), *Barrier.choices], required=False)


class ActionForm(SectionForm):
    id_prefix = "action"
    goal = forms.TypedChoiceField(label="Objectif", coerce=int)
    title = forms.CharField(label="Action", max_length=250)
    owner = forms.ChoiceField(label="Portée par", choices=ActionOwner.choices)
    due_date = forms.DateField(
        label="Échéance", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args, goals=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["goal"].choices = [(g.pk, g.title) for g in goals]


class ActionStatusForm(SectionForm):
    id_prefix = "action-status"
    status = forms.ChoiceField(label="Statut", choices=ActionStatus.choices)


class NoteForm(SectionForm):
    id_prefix = "note"
    body = forms.CharField(label="Note", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
    visibility = forms.ChoiceField(
        label="Visibilité", choices=NoteVisibility.choices, widget=forms.RadioSelect, initial=NoteVisibility.TEAM
    )


class IdentityForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "identity-%s")
        super().__init__(*args, **kwargs)

    class Meta:
        model = Beneficiary
        fields = [
            "first_name",
            "last_name",
            "birth_name",
            "birth_date",
            "email",
            "phone",
            "address_line",
            "homeless",
            "single_parent",
            "caregiver",
            "education_level",
        ]
        widgets = {"birth_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


class NirForm(VersionedForm):
    id_prefix = "nir"
    nir = forms.CharField(
        label="NIR (numéro de sécurité sociale)",
        max_length=21,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text="15 caractères, espaces acceptés. Laisser vide pour effacer le NIR.",
    )

    def clean_nir(self):
        value = self.cleaned_data["nir"].strip()
        return clean_nir(value) if value else ""


class CaseloadFilterForm(forms.Form):
    q = forms.CharField(label="Rechercher un nom", required=False)
    parcours = forms.ChoiceField(label="Parcours", choices=[("", "Tous"), *Parcours.choices], required=False)
    role = forms.ChoiceField(
        label="Mon rôle",
        choices=[("", "Tous"), ("referent", "Je suis référent·e"), ("team", "Je suis dans l'équipe")],
        required=False,
    )
    late = forms.BooleanField(label="En retard de cadence seulement", required=False)
    sort = forms.ChoiceField(
        label="Trier par",
        choices=[
            ("late", "Retard de cadence"),
            ("name", "Nom"),
            ("next", "Prochain rendez-vous"),
            ("last", "Dernier contact"),
        ],
        required=False,
    )


class TeamMemberForm(SectionForm):
    id_prefix = "team"
    membership = forms.TypedChoiceField(label="Professionnel·le", coerce=int)
    role = forms.ChoiceField(label="Rôle dans l'équipe", choices=TeamRole.choices, initial=TeamRole.CONTRIBUTOR)

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["membership"].choices = [
            (m.pk, f"{m.user.get_full_name()} — {m.get_profession_display()}, {m.organization}") for m in candidates
        ]
        self.fields["role"].choices = [c for c in TeamRole.choices if c[0] != TeamRole.REFERENT]


class ReferentForm(SectionForm):
    id_prefix = "referent"
    referent = forms.TypedChoiceField(label="Référent·e", coerce=int)

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["referent"].choices = [
            (m.user_id, f"{m.user.get_full_name()} — {m.get_profession_display()}") for m in candidates
        ]


class CloseFollowUpForm(SectionForm):
    id_prefix = "close"
    exit_reason = forms.ChoiceField(label="Motif de sortie", choices=[("", "— choisir —"), *ExitReason.choices])
    end_date = forms.DateField(
        label="Date de sortie", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
