from django import forms

from parcours.alerts.enums import AlertKind, PanelDecision


class AlertFilterForm(forms.Form):
    type = forms.ChoiceField(label="Type d'alerte", required=False, choices=[("", "Toutes"), *AlertKind.choices])


class ReviewDecisionForm(forms.Form):
    """The agency head records the examination of a case by the panel, or its decision."""

    action = forms.ChoiceField(choices=[("examine", "Examiné"), ("decide", "Décidé")])
    version = forms.IntegerField(widget=forms.HiddenInput)
    decision_kind = forms.ChoiceField(
        label="Décision", required=False, choices=[("", "—"), *PanelDecision.choices], widget=forms.RadioSelect
    )
    decision = forms.CharField(
        label="Motivation de la décision",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Quelques lignes, reprises au dossier de la personne.",
    )

    def clean(self):
        data = super().clean()
        if data.get("action") == "decide":
            if not data.get("decision_kind"):
                self.add_error("decision_kind", "Choisissez la décision de l'équipe pluridisciplinaire.")
            if not (data.get("decision") or "").strip():
                self.add_error("decision", "Motivez la décision en quelques lignes.")
        return data
