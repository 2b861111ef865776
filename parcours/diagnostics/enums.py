from django.db import models


class Barrier(models.TextChoices):
    """Freins périphériques: the 7 France Travail contraintes (codes 23–29) and digital (DOMAIN §1.6 F)."""

    MOBILITY = "mobility", "Mobilité"
    FAMILY = "family", "Contraintes familiales"
    HEALTH = "health", "Santé"
    LITERACY = "literacy", "Maîtrise de la langue, lecture, écriture, calcul"
    HOUSING = "housing", "Logement"
    FINANCIAL = "financial", "Difficultés financières"
    ADMINISTRATIVE = "administrative", "Difficultés administratives ou juridiques"
    DIGITAL = "digital", "Numérique"


# France Travail contrainte codes, for exchanges.
FRANCE_TRAVAIL_CODES = {
    Barrier.MOBILITY: "23",
    Barrier.FAMILY: "24",
    Barrier.HEALTH: "25",
    Barrier.LITERACY: "26",
    Barrier.HOUSING: "27",
    Barrier.FINANCIAL: "28",
    Barrier.ADMINISTRATIVE: "29",
}


class BarrierLevel(models.TextChoices):
    NOT_ADDRESSED = "not_addressed", "Non abordé"
    TO_WORK_ON = "to_work_on", "À travailler"
    BEING_LIFTED = "being_lifted", "En cours de levée"
    LIFTED = "lifted", "Levé"
    NONE = "none", "Pas de frein"


OPEN_LEVELS = frozenset({BarrierLevel.TO_WORK_ON, BarrierLevel.BEING_LIFTED})

# France Travail Contrainte.valeur → our level.
FROM_FRANCE_TRAVAIL = {
    "NON_ABORDEE": BarrierLevel.NOT_ADDRESSED,
    "OUI": BarrierLevel.TO_WORK_ON,
    "CLOTUREE": BarrierLevel.LIFTED,
}


class Intensity(models.TextChoices):
    """Grading of the national orientation référentiel (fort / moyen / sans impact)."""

    HIGH = "high", "Fort"
    MEDIUM = "medium", "Moyen"
    NO_IMPACT = "no_impact", "Sans impact"
