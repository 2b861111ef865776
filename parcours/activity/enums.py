from django.db import models


class ActivityKind(models.TextChoices):
    """Activities entered by hand on the person's week (the others come from appointments, workshops, services)."""

    IMMERSION = "immersion", "Immersion professionnelle (PMSMP)"
    SIAE_WORK = "siae_work", "Travail en SIAE"
    TRAINING = "training", "Formation"
    OTHER = "other", "Autre activité"


class HoursSource(models.TextChoices):
    """Where the hours of a week come from, in the order of the weekly table."""

    APPOINTMENTS = "appointments", "Rendez-vous d'accompagnement"
    WORKSHOPS = "workshops", "Ateliers collectifs"
    SERVICES = "services", "Services en cours (orientations)"
    IMMERSION = "immersion", "Immersions professionnelles"
    SIAE_WORK = "siae_work", "Travail en SIAE"
    TRAINING = "training", "Formations"
    OTHER = "other", "Autres activités"
