"""Forms of the catalogue pages (search, partner's service, moderation)."""

import re

from django import forms

from parcours.catalogue import vocabulary as v
from parcours.organizations.models import Commune

RADIUS_CHOICES = [("2", "2 km"), ("5", "5 km"), ("10", "10 km"), ("20", "20 km"), ("50", "50 km")]


def find_commune(text: str) -> Commune | None:
    """« Bobigny (93008) », « 93008 », « 93000 » or « Bobigny » → the commune (most populated on a tie)."""
    text = (text or "").strip()
    if not text:
        return None
    match = re.search(r"\(([0-9][0-9AB][0-9]{3})\)\s*$", text) or re.fullmatch(r"([0-9][0-9AB][0-9]{3})", text)
    communes = Commune.objects.order_by("-population", "insee_code")
    if match:
        found = communes.filter(insee_code=match.group(1)).first()
        if found or not text.isdigit():
            return found
        return communes.filter(postal_codes__contains=text).first()
    return communes.filter(name__iexact=text).first()


class CommuneField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 120)
        super().__init__(**kwargs)
        self.widget.attrs.update({"list": "commune-options", "autocomplete": "off"})

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        commune = find_commune(value)
        if commune is None:
            raise forms.ValidationError("Commune introuvable : choisissez-la dans la liste proposée.")
        return commune


class ServiceSearchForm(forms.Form):
    commune = CommuneField(
        label="Commune", required=False, help_text="Nom, code postal ou code INSEE ; les services à distance aussi."
    )
    radius = forms.TypedChoiceField(
        label="Rayon", choices=RADIUS_CHOICES, coerce=int, initial="10", required=False, empty_value=10
    )
    themes = forms.MultipleChoiceField(
        label="Thématiques",
        choices=v.grouped_theme_choices,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text="Une catégorie entière couvre toutes ses thématiques ; Ctrl ou Maj pour en choisir plusieurs.",
    )
    mode = forms.ChoiceField(label="Mode d'accueil", required=False, choices=[("", "Tous"), *v.RECEPTION_MODE_CHOICES])
    public = forms.ChoiceField(label="Public", required=False, choices=[("", "Tous"), *v.PUBLIC_CHOICES])
    type = forms.ChoiceField(label="Type de service", required=False, choices=[("", "Tous"), *v.SERVICE_TYPE_CHOICES])
    fees = forms.ChoiceField(label="Frais", required=False, choices=[("", "Tous"), *v.FEE_CHOICES])
    sector = forms.ChoiceField(label="Secteur inclusif", required=False, choices=[("", "Tous"), *v.Sector.choices])
    text = forms.CharField(
        label="Mots-clés", required=False, max_length=100, help_text="Dans le nom ou la description."
    )

    def search_kwargs(self) -> dict:
        d = self.cleaned_data
        return {
            "commune": d.get("commune"),
            "radius_km": d.get("radius") or 10,
            "themes": d.get("themes") or (),
            "reception_modes": [d["mode"]] if d.get("mode") else (),
            "publics": [d["public"]] if d.get("public") else (),
            "types": [d["type"]] if d.get("type") else (),
            "fees": [d["fees"]] if d.get("fees") else (),
            "sectors": [d["sector"]] if d.get("sector") else (),
            "text": d.get("text") or "",
        }

    @property
    def has_criteria(self) -> bool:
        return (
            self.is_bound
            and self.is_valid()
            and any(
                self.cleaned_data.get(k)
                for k in ("commune", "themes", "mode", "public", "type", "fees", "sector", "text")
            )
        )


def _checkboxes(label, choices, **kwargs):
    return forms.MultipleChoiceField(
        label=label, choices=choices, required=False, widget=forms.CheckboxSelectMultiple, **kwargs
    )


class PartnerServiceForm(forms.Form):
    """The partner's description of one of its services, in the data·inclusion vocabulary."""

    name = forms.CharField(label="Nom du service", min_length=3, max_length=150)
    description = forms.CharField(
        label="Description", min_length=5, max_length=10000, widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Idéalement 200 à 2 000 caractères, en phrases courtes.",
    )  # fmt: skip
    themes = forms.MultipleChoiceField(
        label="Thématiques", choices=v.grouped_theme_choices, widget=forms.SelectMultiple(attrs={"size": 10}),
        help_text="Ctrl ou Maj pour en choisir plusieurs.",
    )  # fmt: skip
    service_type = forms.ChoiceField(
        label="Type de service", required=False, choices=[("", "—"), *v.SERVICE_TYPE_CHOICES]
    )
    reception_modes = _checkboxes("Modes d'accueil", v.RECEPTION_MODE_CHOICES)
    publics = _checkboxes("Publics", v.PUBLIC_CHOICES, help_text="« Tous publics » ne se combine pas avec un autre.")
    publics_details = forms.CharField(label="Précisions sur les publics", required=False, max_length=1000)
    fees = forms.ChoiceField(label="Frais", required=False, choices=[("", "—"), *v.FEE_CHOICES])
    fees_details = forms.CharField(label="Précisions sur les frais", required=False, max_length=1000)
    access_conditions = forms.CharField(label="Conditions d'accès", required=False, max_length=2000)
    mobilization_modes = _checkboxes("Modes de mobilisation", v.MOBILIZATION_MODE_CHOICES)
    mobilizable_by = _checkboxes("Mobilisable par", v.MOBILIZER_CHOICES)
    mobilization_url = forms.URLField(
        label="Lien de mobilisation", required=False, max_length=500, assume_scheme="https"
    )
    contact_name = forms.CharField(label="Contact (prénom et nom)", required=False, max_length=150)
    contact_email = forms.EmailField(label="Courriel de contact", required=False)
    phone = forms.CharField(label="Téléphone", required=False, max_length=40)
    address = forms.CharField(label="Adresse", required=False, max_length=300)
    commune = CommuneField(label="Commune", required=False)
    opening_hours = forms.CharField(
        label="Horaires d'accueil", required=False, max_length=500, help_text="Par ex. « Mo-Fr 09:00-12:00 »."
    )
    weekly_hours = forms.FloatField(label="Volume horaire hebdomadaire (heures)", required=False, min_value=0)
    duration_weeks = forms.IntegerField(label="Durée (semaines)", required=False, min_value=1)
    sectors = _checkboxes("Secteurs inclusifs", v.Sector.choices)
    verified = forms.BooleanField(label="J'ai vérifié ces informations", required=False)

    def clean_publics(self):
        publics = self.cleaned_data["publics"]
        if v.ALL_PUBLICS in publics and len(publics) > 1:
            raise forms.ValidationError("« Tous publics » ne peut pas être combiné avec un autre public.")
        return publics

    def service_data(self) -> dict:
        d = dict(self.cleaned_data)
        d.pop("verified")
        d["service_types"] = [d.pop("service_type")] if d.get("service_type") else []
        for name in ("publics_details", "fees_details", "access_conditions", "mobilization_url", "contact_name",
                     "contact_email", "phone", "address", "opening_hours"):  # fmt: skip
            d[name] = d.get(name) or ""
        return d

    @classmethod
    def initial_for(cls, service) -> dict:
        initial = {name: getattr(service, name) for name in cls.base_fields if hasattr(service, name)}
        initial["service_type"] = (service.service_types or [""])[0]
        initial["commune"] = str(service.commune) if service.commune_id else ""
        initial.pop("verified", None)
        return initial


class ModerationForm(forms.Form):
    action = forms.ChoiceField(choices=[("suspend", "Suspendre"), ("publish", "Publier")])
    reason = forms.CharField(
        label="Motif", required=False, max_length=1000, help_text="Obligatoire pour une suspension ; vu du partenaire."
    )
