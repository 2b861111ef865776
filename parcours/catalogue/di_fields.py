"""Mapping between data·inclusion v1 field names and ours, and the French messages of schema errors."""

from __future__ import annotations

# data·inclusion field → French label shown in rejection reasons.
FIELD_LABELS = {
    "source": "source",
    "id": "identifiant",
    "structure_id": "identifiant de la structure",
    "nom": "nom",
    "description": "description",
    "date_maj": "date de mise à jour",
    "lien_source": "lien source",
    "siret": "SIRET",
    "commune": "commune",
    "code_postal": "code postal",
    "code_insee": "code INSEE",
    "adresse": "adresse",
    "complement_adresse": "complément d'adresse",
    "longitude": "longitude",
    "latitude": "latitude",
    "telephone": "téléphone",
    "courriel": "courriel",
    "site_web": "site web",
    "horaires_accueil": "horaires d'accueil",
    "accessibilite_lieu": "accessibilité du lieu",
    "reseaux_porteurs": "réseaux porteurs",
    "type": "type de service",
    "thematiques": "thématiques",
    "frais": "frais",
    "frais_precisions": "précisions sur les frais",
    "publics": "publics",
    "publics_precisions": "précisions sur les publics",
    "conditions_acces": "conditions d'accès",
    "modes_accueil": "modes d'accueil",
    "zone_eligibilite": "zone d'éligibilité",
    "contact_nom_prenom": "contact",
    "lien_mobilisation": "lien de mobilisation",
    "modes_mobilisation": "modes de mobilisation",
    "mobilisable_par": "mobilisable par",
    "mobilisation_precisions": "précisions sur la mobilisation",
    "volume_horaire_hebdomadaire": "volume horaire hebdomadaire",
    "nombre_semaines": "nombre de semaines",
}

# Fields holding a list (CSV cells are split on , ; or |, or parsed as JSON when they start with « [ »).
LIST_FIELDS = {
    "reseaux_porteurs",
    "thematiques",
    "publics",
    "modes_accueil",
    "zone_eligibilite",
    "modes_mobilisation",
    "mobilisable_par",
}


def _problem(error: dict) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    value = error.get("input")
    if kind == "missing" or (value is None and kind.endswith("_type")):
        return "champ obligatoire manquant"
    if kind in ("string_too_short", "too_short"):
        unit = "caractère" if kind == "string_too_short" else "valeur"
        n = ctx.get("min_length", 1)
        return f"trop court (au moins {n} {unit}{'s' if n > 1 else ''})"
    if kind in ("string_too_long", "too_long"):
        unit = "caractères" if kind == "string_too_long" else "valeurs"
        return f"trop long (au plus {ctx.get('max_length')} {unit})"
    if kind == "string_pattern_mismatch":
        return f"format invalide (« {value} »)"
    if kind == "enum":
        return f"valeur inconnue du référentiel data·inclusion (« {value} »)"
    if kind.startswith("url"):
        return f"lien invalide (« {value} »)"
    if kind.startswith("date"):
        return f"date invalide (« {value} », attendu AAAA-MM-JJ)"
    if kind in ("float_parsing", "float_type"):
        return f"nombre attendu (« {value} »)"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"nombre entier attendu (« {value} »)"
    if kind in ("greater_than_equal", "greater_than"):
        return f"doit être supérieur ou égal à {ctx.get('ge', ctx.get('gt'))}"
    if kind in ("list_type", "set_type"):
        return "liste de valeurs attendue"
    if kind in ("string_type",):
        return "texte attendu"
    if kind in ("literal_error", "union_tag_invalid"):
        return f"valeur non reconnue (« {value} »)"
    if kind == "value_error":
        message = str(ctx.get("error") or error.get("msg", ""))
        if "email" in message.lower():
            return f"adresse e-mail invalide (« {value} »)"
        return message.removeprefix("Value error, ")
    return f"valeur invalide (« {value} »)"


def french_errors(exc) -> list[str]:
    """A pydantic ValidationError → « champ : problème » sentences in French, one per field."""
    reasons: list[str] = []
    for error in exc.errors(include_url=False):
        loc = [part for part in error.get("loc", ()) if isinstance(part, str)]
        field = loc[0] if loc else ""
        label = FIELD_LABELS.get(field, field) or "ligne"
        reason = f"{label} : {_problem(error)}"
        if reason not in reasons and not any(r.startswith(f"{label} :") for r in reasons):
            reasons.append(reason)
    return reasons
