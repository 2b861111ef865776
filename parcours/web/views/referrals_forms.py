"""Forms of the referral pages: sending (what is shared, the person's consent) and the partner's answers."""

from django import forms
from django.utils import timezone

from parcours.referrals.enums import OPTIONAL_SHARES, AbandonReason, RefusalReason, SharedItem
from parcours.referrals.services import DETAIL_MAX_LENGTH, MAX_DAILY_HOURS, MESSAGE_MAX_LENGTH

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ReferralForm(forms.Form):
    shared = forms.MultipleChoiceField(
        label="Informations partagées en plus du prénom et de l'initiale du nom",
        choices=[(item.value, item.label) for item in OPTIONAL_SHARES],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Par défaut, le partenaire ne voit que le prénom et l'initiale du nom : cochez seulement ce qui "
        "lui est utile.",
    )
    message = forms.CharField(
        label="Message au partenaire (facultatif, partagé)",
        required=False,
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": f"Le message est trop long ({MESSAGE_MAX_LENGTH} caractères au plus)."},
    )
    consent = forms.BooleanField(
        label="La personne est d'accord pour être orientée vers ce service et pour le partage des informations "
        "cochées",
        error_messages={"required": "Recueillez l'accord de la personne avant d'envoyer l'orientation."},
    )


class _DayForm(forms.Form):
    on = forms.DateField(
        label="Date",
        widget=DATE_WIDGET,
        error_messages={"required": "Indiquez la date.", "invalid": "Date invalide (jj/mm/aaaa)."},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"on": timezone.localdate()})
        super().__init__(*args, **kwargs)


class AcceptForm(forms.Form):
    title = "Accepter l'orientation"
    button = "J'accepte l'orientation"


class RefuseForm(forms.Form):
    title = "Refuser l'orientation"
    button = "Je refuse l'orientation"
    reason = forms.ChoiceField(
        label="Motif du refus",
        choices=RefusalReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Indiquez le motif du refus.", "invalid_choice": "Motif inconnu."},
    )
    detail = forms.CharField(
        label="Précision (obligatoire pour « Autre motif »)", required=False, max_length=DETAIL_MAX_LENGTH
    )


class StartForm(_DayForm):
    title = "La personne a commencé"
    button = "Enregistrer le démarrage"
    on = forms.DateField(
        label="Date de démarrage",
        widget=DATE_WIDGET,
        error_messages={"required": "Indiquez la date de démarrage.", "invalid": "Date invalide (jj/mm/aaaa)."},
    )


class CompleteForm(_DayForm):
    title = "L'action est terminée"
    button = "Enregistrer la fin de l'action"
    on = forms.DateField(
        label="Date de fin",
        widget=DATE_WIDGET,
        error_messages={"required": "Indiquez la date de fin.", "invalid": "Date invalide (jj/mm/aaaa)."},
    )


class AbandonForm(_DayForm):
    title = "La personne ne vient pas ou a arrêté"
    button = "Enregistrer l'abandon"
    reason = forms.ChoiceField(
        label="Motif de l'abandon",
        choices=[("", "— choisir —"), *AbandonReason.choices],
        error_messages={"required": "Indiquez le motif de l'abandon.", "invalid_choice": "Motif inconnu."},
    )
    detail = forms.CharField(
        label="Précision (obligatoire pour « Autre motif »)", required=False, max_length=DETAIL_MAX_LENGTH
    )
    on = forms.DateField(
        label="Date de l'abandon",
        widget=DATE_WIDGET,
        error_messages={"required": "Indiquez la date de l'abandon.", "invalid": "Date invalide (jj/mm/aaaa)."},
    )


class AttendanceForm(_DayForm):
    title = "Présence d'un jour"
    button = "Enregistrer la présence"
    on = forms.DateField(
        label="Jour",
        widget=DATE_WIDGET,
        error_messages={"required": "Indiquez le jour.", "invalid": "Date invalide (jj/mm/aaaa)."},
    )
    present = forms.TypedChoiceField(
        label="Présence",
        choices=[("1", "Présente"), ("0", "Absente")],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
        error_messages={"required": "Indiquez si la personne était présente."},
    )
    hours = forms.FloatField(
        label="Heures (facultatif)",
        required=False,
        min_value=0,
        max_value=MAX_DAILY_HOURS,
        error_messages={
            "invalid": "Indiquez un nombre d'heures.",
            "min_value": "Le nombre d'heures ne peut pas être négatif.",
            "max_value": f"{MAX_DAILY_HOURS} heures au plus par jour.",
        },
    )


# The partner's actions: POST "action" → (form class, prefix). The prefix keeps the ids unique on the page.
ACTION_FORMS = {
    "accept": AcceptForm,
    "refuse": RefuseForm,
    "start": StartForm,
    "complete": CompleteForm,
    "abandon": AbandonForm,
    "attendance": AttendanceForm,
}
# Which actions each status offers.
ACTIONS_BY_STATUS = {
    "sent": ("accept", "refuse"),
    "accepted": ("start", "abandon"),
    "started": ("attendance", "complete", "abandon"),
    "completed": ("attendance",),
    "abandoned": (),
}


def action_forms(status: str, *, bound=None) -> dict:
    """Blank forms of the actions the status offers; `bound` = (action, form) replaces the blank one."""
    result = {name: ACTION_FORMS[name](prefix=name) for name in ACTIONS_BY_STATUS.get(status, ())}
    if bound is not None and bound[0] in result:
        result[bound[0]] = bound[1]
    return result


SHARED_LABELS = dict(SharedItem.choices)


class NewLinkForm(forms.Form):
    """The version of the link on screen: two clicks (or two people) send one new link, not two."""

    link_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
