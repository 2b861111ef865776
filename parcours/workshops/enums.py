from django.db import models


class WorkshopKind(models.TextChoices):
    WORKSHOP = "workshop", "Atelier"
    INFO_SESSION = "info_session", "Information collective"
    JOB_DATING = "job_dating", "Job dating"
    OTHER = "other", "Autre"


class RegistrationStatus(models.TextChoices):
    REGISTERED = "registered", "Inscrit·e"
    WAITLISTED = "waitlisted", "En liste d'attente"
    CANCELLED = "cancelled", "Annulée"


ACTIVE_STATUSES = frozenset({RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED})
