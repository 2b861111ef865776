from django.db import models


class ContractKind(models.TextChoices):
    ENGAGEMENT = "engagement", "Contrat d'engagement (loi plein emploi)"
    CER = "cer", "Contrat d'engagement réciproque (CER)"
    PPAE = "ppae", "Projet personnalisé d'accès à l'emploi (PPAE)"
    PIIS = "piis", "Projet individualisé d'intégration sociale (PIIS)"


class HoursExemption(models.TextChoices):
    """CT L5411-6 II: 15 h reducible (never to zero) or, on request, none for proven difficulties."""

    NONE = "none", "Durée hebdomadaire de droit commun"
    REDUCED = "reduced", "Durée réduite au vu de la situation"
    HEALTH = "health", "Sans durée : santé"
    DISABILITY = "disability", "Sans durée : handicap"
    INVALIDITY = "invalidity", "Sans durée : invalidité"
    SINGLE_PARENT = "single_parent", "Sans durée : parent isolé sans solution de garde (enfant de moins de 12 ans)"


NO_HOURS_EXEMPTIONS = frozenset(
    {HoursExemption.HEALTH, HoursExemption.DISABILITY, HoursExemption.INVALIDITY, HoursExemption.SINGLE_PARENT}
)


class ActionStatus(models.TextChoices):
    PLANNED = "planned", "Prévue"
    IN_PROGRESS = "in_progress", "En cours"
    DONE = "done", "Réalisée"
    ABANDONED = "abandoned", "Abandonnée"
    CANCELLED = "cancelled", "Annulée"


OPEN_ACTION_STATUSES = frozenset({ActionStatus.PLANNED, ActionStatus.IN_PROGRESS})


class ActionOwner(models.TextChoices):
    BENEFICIARY = "beneficiary", "La personne"
    REFERENT = "referent", "Le ou la référent·e"
    PARTNER = "partner", "Un partenaire"
