from django.db import models


class TerritoryKind(models.TextChoices):
    LOCAL_AGENCY = "local_agency", "Agence locale d'insertion"
    DISTRICT = "district", "Circonscription d'action sociale"
    SOCIAL_CENTER = "social_center", "Centre médico-social (CMS)"


class OrganizationKind(models.TextChoices):
    DEPARTMENT_SERVICE = "department_service", "Service du département"
    CCAS = "ccas", "CCAS / CIAS"
    CPAS = "cpas", "CPAS"
    SIAE = "siae", "SIAE"
    ASSOCIATION = "association", "Association"
    TRAINING_BODY = "training_body", "Organisme de formation"
    FRANCE_TRAVAIL = "france_travail", "Agence France Travail"
