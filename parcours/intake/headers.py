"""Spreadsheet columns → fields of a person: header normalisation and the synonym table (issue 4 §2).

Real headers are messy (« N° CAF », « Nom\\nbénéficiaire », « CP Ville », « Né(e) le »): a header is first
normalised (accents, case, line breaks, punctuation, « N° »/« No »/« Numéro »), then looked up among the exact
synonyms of each field, then among keyword rules (all of these words, none of those). A column nothing matches
is ignored (mapped to "") and shown to the user, who may correct the mapping.
"""

import re
import unicodedata

# Fields a column may be mapped to, in the order of the mapping form, with their French labels.
FIELDS = (
    ("last_name", "Nom d'usage"),
    ("birth_name", "Nom de naissance"),
    ("first_name", "Prénom"),
    ("full_name", "Nom et prénom (dans la même colonne)"),
    ("birth_date", "Date de naissance"),
    ("sex", "Sexe ou civilité"),
    ("nir", "NIR (numéro de sécurité sociale)"),
    ("caf_number", "Matricule CAF/MSA (numéro allocataire)"),
    ("household_role", "Rôle dans le foyer (demandeur·se, conjoint·e)"),
    ("france_travail_id", "Identifiant France Travail"),
    ("internal_id", "Identifiant interne du département"),
    ("email", "Adresse e-mail"),
    ("phone", "Téléphone"),
    ("address_line", "Adresse"),
    ("postal_code", "Code postal"),
    ("town", "Ville"),
    ("postal_code_town", "Code postal et ville (dans la même colonne)"),
    ("commune_insee", "Code INSEE de la commune"),
    ("rights_and_duties", "Soumis·e aux droits et devoirs"),
    ("rsa_status", "État du droit RSA"),
    ("rsa_since", "Droit RSA ouvert depuis"),
    ("homeless", "Sans domicile stable"),
)
FIELD_LABELS = dict(FIELDS)
IGNORE_LABEL = "Ignorer cette colonne"

_NUMBER_SIGN = re.compile(r"\b(n|no)\s*[°º]|[°º]", re.IGNORECASE)
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
# Words that mean "number" once punctuation is gone: « N. CAF », « No allocataire », « Num. dossier ».
_TOKEN_ALIASES = {
    "n": "numero",
    "no": "numero",
    "num": "numero",
    "nr": "numero",
    "nro": "numero",
    "numeros": "numero",
    "tel": "telephone",
    "tels": "telephone",
    "e": "",  # « né(e) », « e-mail » leftovers
    "s": "",  # « prénom(s) »
}


def normalise(header) -> str:
    """« N° CAF » → « numero caf », « Nom\\nbénéficiaire » → « nom beneficiaire », « Né(e) le » → « ne le »."""
    text = _NUMBER_SIGN.sub(" numero ", str(header or ""))
    text = text.replace("e-mail", "email").replace("E-mail", "email").replace("E-MAIL", "email")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    words = (_TOKEN_ALIASES.get(w, w) for w in _NOT_ALNUM.sub(" ", text).split())
    return " ".join(w for w in words if w)


# Exact synonyms (written naturally, normalised when the module loads).
_SYNONYMS = {
    "last_name": (
        "nom",
        "nom d'usage",
        "nom usuel",
        "nom marital",
        "nom de famille",
        "nom bénéficiaire",
        "nom du bénéficiaire",
        "nom de la personne",
        "nom allocataire",
        "nom de l'allocataire",
        "nom demandeur",
        "nom usage",
        "NOMNAI usage",
        "patronyme",
    ),
    "birth_name": (
        "nom de naissance",
        "nom de jeune fille",
        "nom jeune fille",
        "nom patronymique",
        "nom naissance",
        "NOMNAI",
    ),
    "first_name": ("prénom", "prénoms", "prénom(s)", "prenom usuel", "prénom du bénéficiaire", "PRENOM"),
    "full_name": ("nom prénom", "nom et prénom", "nom, prénom", "nom - prénom", "identité", "nom complet"),
    "birth_date": (
        "date de naissance",
        "date naissance",
        "date de naiss",
        "date naiss",
        "DDN",
        "né le",
        "née le",
        "né(e) le",
        "DTNAI",
        "naissance",
    ),
    "sex": ("sexe", "civilité", "genre", "M/Mme", "qual"),
    "nir": (
        "NIR",
        "NSS",
        "n° sécurité sociale",
        "numéro de sécurité sociale",
        "n° de sécurité sociale",
        "n° SS",
        "numéro SS",
        "n° INSEE",
        "numéro INSEE",
        "sécurité sociale",
        "n° sécu",
        "numéro de sécu",
    ),
    "caf_number": (
        "n° CAF",
        "numéro CAF",
        "matricule",
        "matricule CAF",
        "matricule MSA",
        "matricule CAF/MSA",
        "n° allocataire",
        "numéro allocataire",
        "numéro d'allocataire",
        "n° dossier CAF",
        "MATRICULE",
        "CAF",
        "num CAF",
    ),
    "household_role": ("rôle", "qualité", "rôle dans le foyer", "ROLEPERS", "rôle personne", "statut dans le foyer"),
    "france_travail_id": (
        "identifiant France Travail",
        "id France Travail",
        "n° France Travail",
        "France Travail",
        "identifiant Pôle emploi",
        "id Pôle emploi",
        "n° Pôle emploi",
        "Pôle emploi",
        "IDE",
        "identifiant PE",
        "id PE",
        "n° PE",
        "identifiant FT",
        "id FT",
        "n° FT",
        "n° demandeur d'emploi",
        "identifiant demandeur d'emploi",
    ),
    "internal_id": (
        "identifiant interne",
        "id interne",
        "identifiant",
        "ID",
        "id département",
        "identifiant département",
        "identifiant du département",
        "référence interne",
        "n° dossier",
        "numéro de dossier",
        "id bénéficiaire",
        "identifiant bénéficiaire",
    ),
    "email": ("email", "e-mail", "mail", "courriel", "adresse mail", "adresse e-mail", "adresse électronique", "mél"),
    "phone": (
        "téléphone",
        "tél",
        "tel.",
        "portable",
        "tél portable",
        "téléphone portable",
        "mobile",
        "téléphone mobile",
        "n° de téléphone",
        "numéro de téléphone",
        "GSM",
    ),
    "address_line": ("adresse", "adresse postale", "rue", "voie", "adresse 1", "ligne adresse", "adr"),
    "postal_code": ("code postal", "CP", "C.P.", "code post"),
    "town": ("ville", "commune", "localité", "commune de résidence", "ville de résidence", "LIBCOM"),
    "postal_code_town": (
        "CP Ville",
        "CP / Ville",
        "CP - Ville",
        "code postal ville",
        "code postal et ville",
        "CP commune",
        "code postal commune",
        "CP localité",
        "ville (CP)",
        "commune (CP)",
    ),
    "commune_insee": (
        "code INSEE",
        "code commune",
        "code INSEE commune",
        "INSEE commune",
        "code officiel géographique",
    ),
    "rights_and_duties": (
        "droits et devoirs",
        "soumis DD",
        "soumis aux droits et devoirs",
        "soumis·e aux droits et devoirs",
        "SDD",
        "DD",
        "TOPPERSDRODEVORSA",
    ),
    "rsa_status": (
        "état du droit",
        "état du droit RSA",
        "statut RSA",
        "état RSA",
        "état dossier RSA",
        "ETATDOSRSA",
        "situation RSA",
        "droit RSA",
    ),
    "rsa_since": ("date d'ouverture du droit", "date ouverture droit", "droit ouvert depuis", "date ouverture RSA"),
    "homeless": ("SDF", "sans domicile", "sans domicile fixe", "sans domicile stable", "sans résidence stable"),
}
SYNONYMS = {normalise(text): name for name, texts in _SYNONYMS.items() for text in texts}

# Keyword rules, tried in order after the exact synonyms: (field, all of these words, none of those words).
_NAME_NOISE = {
    "prenom",
    "naissance",
    "jeune",
    "referent",
    "conseiller",
    "structure",
    "organisme",
    "ville",
    "commune",
    "agent",
    "accompagnateur",
    "rue",
    "voie",
    "fichier",
    "employeur",
}
RULES = (
    ("rsa_since", {"date", "ouverture"}, {"naissance"}),
    ("rsa_since", {"droit", "depuis"}, set()),
    ("birth_date", {"date", "naissance"}, set()),
    ("birth_date", {"date", "naiss"}, set()),
    ("birth_date", {"ddn"}, set()),
    ("birth_date", {"ne", "le"}, set()),
    ("birth_date", {"nee", "le"}, set()),
    ("birth_name", {"nom", "naissance"}, set()),
    ("birth_name", {"jeune", "fille"}, set()),
    ("birth_name", {"nom", "patronymique"}, set()),
    ("full_name", {"nom", "prenom"}, {"referent", "conseiller", "agent"}),
    ("first_name", {"prenom"}, {"referent", "conseiller", "agent"}),
    ("postal_code_town", {"cp", "ville"}, set()),
    ("postal_code_town", {"cp", "commune"}, set()),
    ("postal_code_town", {"postal", "ville"}, set()),
    ("postal_code_town", {"postal", "commune"}, set()),
    ("postal_code_town", {"cp", "localite"}, set()),
    ("nir", {"nir"}, set()),
    ("nir", {"securite", "sociale"}, set()),
    ("nir", {"nss"}, set()),
    ("nir", {"numero", "insee"}, set()),
    ("nir", {"secu"}, set()),
    ("commune_insee", {"insee"}, set()),
    ("commune_insee", {"code", "commune"}, set()),
    ("france_travail_id", {"france", "travail"}, {"date", "inscription"}),
    ("france_travail_id", {"pole", "emploi"}, {"date", "inscription"}),
    ("france_travail_id", {"ide"}, {"date"}),
    ("france_travail_id", {"demandeur", "emploi"}, {"date", "inscription"}),
    ("caf_number", {"matricule"}, set()),
    ("caf_number", {"numero", "allocataire"}, set()),
    ("caf_number", {"numero", "caf"}, set()),
    ("caf_number", {"caf"}, {"nom", "prenom", "date", "organisme"}),
    ("caf_number", {"msa"}, {"nom", "prenom", "date", "organisme"}),
    ("internal_id", {"identifiant"}, {"date"}),
    ("internal_id", {"id", "departement"}, set()),
    ("internal_id", {"reference", "interne"}, set()),
    ("email", {"mail"}, set()),
    ("email", {"email"}, set()),
    ("email", {"courriel"}, set()),
    ("phone", {"telephone"}, set()),
    ("phone", {"portable"}, set()),
    ("phone", {"mobile"}, set()),
    ("rights_and_duties", {"droits", "devoirs"}, set()),
    ("rights_and_duties", {"soumis"}, set()),
    ("rsa_status", {"etat", "droit"}, set()),
    ("rsa_status", {"etat", "rsa"}, set()),
    ("rsa_status", {"statut", "rsa"}, set()),
    ("rsa_status", {"etatdosrsa"}, set()),
    ("homeless", {"sdf"}, set()),
    ("homeless", {"sans", "domicile"}, set()),
    ("household_role", {"role"}, {"referent"}),
    ("household_role", {"qualite"}, set()),
    ("sex", {"sexe"}, set()),
    ("sex", {"civilite"}, set()),
    ("postal_code", {"code", "postal"}, set()),
    ("postal_code", {"cp"}, set()),
    ("town", {"ville"}, {"naissance"}),
    ("town", {"commune"}, {"naissance"}),
    ("town", {"localite"}, {"naissance"}),
    ("address_line", {"adresse"}, {"mail", "email", "electronique"}),
    ("last_name", {"nom"}, _NAME_NOISE),
)


def guess_field(header) -> str:
    """The field a header names on its own ("" when nothing matches)."""
    key = normalise(header)
    if key in SYNONYMS:
        return SYNONYMS[key]
    return _rule_field(key)


def _rule_field(key: str) -> str:
    words = set(key.split())
    for name, all_of, none_of in RULES:
        if all_of <= words and not (none_of & words):
            return name
    return ""


def guess_mapping(headers) -> dict:
    """{header: field or ""}: exact synonyms first, then keyword rules; each field goes to one column at most."""
    mapping = dict.fromkeys(headers, "")
    taken = set()
    for header in headers:
        name = SYNONYMS.get(normalise(header), "")
        if name and name not in taken:
            mapping[header] = name
            taken.add(name)
    for header in headers:
        if mapping[header]:
            continue
        name = _rule_field(normalise(header))
        if name and name not in taken:
            mapping[header] = name
            taken.add(name)
    return mapping


def mapping_problems(mapping: dict) -> list[str]:
    """French sentences for what a mapping misses or repeats (the import cannot start while there are some)."""
    chosen = [name for name in mapping.values() if name]
    problems = []
    unknown = sorted({name for name in chosen if name not in FIELD_LABELS})
    if unknown:
        problems.append(f"Champ inconnu : {', '.join(unknown)}.")
    for name in FIELD_LABELS:
        if chosen.count(name) > 1:
            problems.append(f"« {FIELD_LABELS[name]} » est choisi pour plusieurs colonnes : gardez-en une seule.")
    has = set(chosen)
    if not ({"last_name", "full_name"} & has):
        problems.append("Aucune colonne n'est associée au nom de la personne.")
    if not ({"first_name", "full_name"} & has):
        problems.append("Aucune colonne n'est associée au prénom de la personne.")
    if "birth_date" not in has:
        problems.append("Aucune colonne n'est associée à la date de naissance.")
    return problems
