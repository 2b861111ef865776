"""Forms of the import pages: the upload, and the column mapping of a spreadsheet."""

from django import forms

from parcours.intake.enums import BatchKind
from parcours.intake.headers import FIELD_LABELS, FIELDS, IGNORE_LABEL
from parcours.intake.sheets import EXTENSIONS
from parcours.intake.uploads import FLUX_EXTENSIONS, flux_departments, importable_organizations, kind_of, size_limit

ACCEPT = ",".join((*EXTENSIONS, *FLUX_EXTENSIONS))


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Fichier à importer",
        help_text="Tableur CSV ou XLSX (50 Mo au plus), ou flux CAF/MSA au format XML. Le type est reconnu à "
        "l'extension du fichier.",
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )
    organization = forms.ModelChoiceField(
        label="Organisation",
        queryset=None,
        required=False,
        empty_label="— Choisir l'organisation —",
        help_text="Pour un tableur : l'organisation dont ce fichier décrit les personnes. Le flux CAF/MSA concerne "
        "tout le département.",
    )

    def __init__(self, *args, viewer, **kwargs):
        super().__init__(*args, **kwargs)
        self.viewer = viewer
        organizations = importable_organizations(viewer).select_related("department")
        self.fields["organization"].queryset = organizations
        self.fields["organization"].label_from_instance = lambda o: f"{o.name} ({o.department.code})"
        if len(organizations) == 1:
            self.fields["organization"].initial = organizations[0].pk

    def clean(self):
        data = super().clean()
        uploaded = data.get("file")
        if uploaded is None:
            return data
        kind = kind_of(uploaded.name)
        if not kind:
            accepted = ", ".join(e.lstrip(".").upper() for e in (*EXTENSIONS, *FLUX_EXTENSIONS))
            self.add_error("file", f"Format de fichier non pris en charge : importez un fichier {accepted}.")
        elif uploaded.size > size_limit(uploaded.name):
            self.add_error(
                "file", f"Le fichier dépasse la taille maximale ({size_limit(uploaded.name) // 1024 // 1024} Mo)."
            )
        elif kind == BatchKind.CAF_FLUX and not flux_departments(self.viewer):
            self.add_error("file", "Le flux CAF/MSA est importé par les chargé·es d'orientation du département.")
        elif kind == BatchKind.SHEET and data.get("organization") is None:
            self.add_error("organization", "Choisissez l'organisation pour laquelle vous importez ce tableur.")
        data["kind"] = kind
        return data


FIELD_CHOICES = [("", IGNORE_LABEL), *FIELDS]


class MappingForm(forms.Form):
    """One select per column of the file (« Ignorer cette colonne » or a field), and an optional name to save it."""

    columns = forms.IntegerField(widget=forms.HiddenInput)  # the number of columns the form was built for
    save_as = forms.CharField(
        label="Enregistrer cette correspondance sous le nom (facultatif)",
        help_text="Elle sera appliquée d'office aux prochains fichiers de l'organisation qui ont ces colonnes.",
        max_length=100,
        required=False,
    )

    def __init__(self, *args, headers, mapping, samples=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.headers = list(headers)
        samples = samples or {}
        for index, header in enumerate(self.headers):
            example = samples.get(header, "")
            self.fields[f"col_{index}"] = forms.ChoiceField(
                label=header,
                choices=FIELD_CHOICES,
                required=False,
                initial=mapping.get(header, ""),
                help_text=f"Exemple : « {example[:60]} »" if example else "",
            )
        self.fields["columns"].initial = len(self.headers)
        self.order_fields([f"col_{i}" for i in range(len(self.headers))] + ["save_as", "columns"])

    @property
    def column_fields(self):
        return [self[f"col_{i}"] for i in range(len(self.headers))]

    def mapping(self) -> dict:
        return {h: self.cleaned_data.get(f"col_{i}", "") for i, h in enumerate(self.headers)}

    def clean(self):
        data = super().clean()
        if data.get("columns") != len(self.headers):
            raise forms.ValidationError("Le formulaire ne correspond pas aux colonnes du fichier : rechargez la page.")
        chosen = [data.get(f"col_{i}", "") for i in range(len(self.headers))]
        repeated = sorted({c for c in chosen if c and chosen.count(c) > 1}, key=list(FIELD_LABELS).index)
        for name in repeated:
            self.add_error(None, f"« {FIELD_LABELS[name]} » est choisi pour plusieurs colonnes : gardez-en une seule.")
        return data


class StartForm(forms.Form):
    confirm = forms.BooleanField(widget=forms.HiddenInput, initial=True)
