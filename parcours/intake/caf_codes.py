"""Codes of the CAF/MSA "bénéficiaires" flux (vrsb0801.xsd) and their French labels (DOMAIN §1.7).

The engine and the pages show these labels; the flux reader checks the codes against these tables.
"""

from parcours.people.enums import RsaStatus

# ETATDOSRSA — état du droit (the spec detects the codes in the order 0, 1, 5, 3, 4, 2, 6).
RSA_STATUS_LABELS = {
    "0": "Nouvelle demande en attente de décision du CD pour ouverture du droit",
    "1": "Droit refusé",
    "2": "Droit ouvert et versable",
    "3": "Droit ouvert et suspendu (montant calculable, existence du droit remise en cause)",
    "4": "Droit ouvert mais versement suspendu (montant non calculable)",
    "5": "Droit clos",
    "6": "Droit clos sur mois antérieur ayant eu un contrôle dans le mois de référence pour une période antérieure",
}

RSA_STATUS = {
    "0": RsaStatus.PENDING,
    "1": RsaStatus.REFUSED,
    "2": RsaStatus.OPEN_PAYABLE,
    "3": RsaStatus.OPEN_SUSPENDED,
    "4": RsaStatus.OPEN_PAYMENT_SUSPENDED,
    "5": RsaStatus.CLOSED,
    "6": RsaStatus.CLOSED_PREVIOUS,
}
RSA_STATUS_CODE = {status: code for code, status in RSA_STATUS.items()}

# MOTISUSVERSRSA — motif de suspension du versement.
SUSPENSION_REASONS = {
    "01": "Ressources trop élevées",
    "02": "Moins de 25 ans sans enfant ni autre personne à charge",
    "03": "Activité non conforme",
    "04": "Titre de séjour non valide",
    "05": "RSA inférieur au seuil",
    "06": "Déclaration trimestrielle ressources non fournie",
    "09": "Résidence non conforme",
    "19": "Pas d'isolement",
    "31": "Prestation exclue affiliation partielle",
    "34": "Régime non conforme",
    "35": "Demande avantage vieillesse absent ou tardif",
    "36": "Titre de séjour absent",
    "44": "Hospitalisation",
    "70": "Action non engagée",
    "78": "Surface pondérée supérieure au plafond ou inconnue",
    "84": "Droit éteint ou autre cas",
    "85": "Pas d'allocataire",
    "97": "Bénéficiaire AAH réduite",
    "AB": "Allocataire absent du foyer",
    "CV": "Attente décision PCG (le droit reste théorique jusqu'au retour)",
    "CZ": "Activité antérieure insuffisante",
    "DA": "Activité antérieure absente",
    "DB": "Étudiant rémunération insuffisante",
    "DC": "Activité antérieure non conforme",
}

# MOTICLORSA — motif de clôture.
CLOSURE_REASONS = {
    "PCG": "Clôture suite décision du Président du Conseil général",
    "ECH": "Clôture suite à échéance (4 mois sans droits)",
    "EFF": "Clôture suite à l'annulation de la bascule RMI/API",
    "MUT": "Clôture suite à mutation du dossier dans un autre organisme",
    "RGD": "Clôture pour regroupement de dossier",
    "RFD": "Radié fin de droit",
    "RAU": "Radié autre motif",
    "RST": "Radié option RSTA DOM",
    "RSO": "Radié option RSO DOM",
}

# ROLEPERS of the RSA benefit (Prestations with NATPREST = RSA): only these two are people to accompany.
ROLE_LABELS = {
    "DEM": "Demandeur·se",
    "CJT": "Conjoint·e",
    "ENF": "Enfant",
    "AUT": "Autre personne",
    "RDO": "Responsable du dossier",
}

# TYPEFLUX / NATFLUX of IdentificationFlux (labels of the CNAF reader betagouv/analyse-flux-insertion; "J" is
# accepted as a daily flux too).
FLUX_TYPES = {"I": "Flux quotidien", "J": "Flux quotidien", "M": "Flux mensuel", "R": "Reprise (stock complet)"}
FLUX_NATURES = {"D": "Bénéficiaires", "I": "Instructions", "R": "Nouveau recueil"}

# FONORG: the paying body.
BODIES = {"CAF": "Caisse d'allocations familiales", "MSA": "Mutualité sociale agricole"}


def suspension_label(code: str) -> str:
    return SUSPENSION_REASONS.get(code, code)


def closure_label(code: str) -> str:
    return CLOSURE_REASONS.get(code, code)
