from django.db import models


class HouseholdRole(models.TextChoices):
    APPLICANT = "applicant", "Demandeur·se"
    PARTNER = "partner", "Conjoint·e"
    CHILD = "child", "Enfant"
    OTHER = "other", "Autre personne du foyer"


class Sex(models.TextChoices):
    FEMALE = "f", "Femme"
    MALE = "m", "Homme"


class RsaStatus(models.TextChoices):
    """ETATDOSRSA of the CAF/MSA flux (DOMAIN §1.7)."""

    PENDING = "pending", "Demande en attente de décision"
    REFUSED = "refused", "Droit refusé"
    OPEN_PAYABLE = "open_payable", "Droit ouvert et versable"
    OPEN_SUSPENDED = "open_suspended", "Droit ouvert et suspendu"
    OPEN_PAYMENT_SUSPENDED = "open_payment_suspended", "Droit ouvert, versement suspendu"
    CLOSED = "closed", "Droit clos"
    CLOSED_PREVIOUS = "closed_previous", "Droit clos sur mois antérieur"
    NONE = "none", "Pas de droit RSA connu"


class EducationLevel(models.TextChoices):
    NONE = "AFS", "Aucune formation scolaire"
    PRIMARY = "CP4", "Primaire à 4e"
    C3A = "C3A", "BEPC ou 3e achevée"
    CAP = "NV5", "CAP, BEP ou équivalent"
    BAC = "NV4", "Bac ou équivalent"
    BAC2 = "NV3", "Bac+2 ou équivalent"
    BAC34 = "NV2", "Bac+3, Bac+4 ou équivalent"
    BAC5 = "NV1", "Bac+5 et plus"
