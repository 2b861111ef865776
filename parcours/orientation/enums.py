from django.db import models


class Parcours(models.TextChoices):
    """Orientation types of CT L5411-5-1 (DOMAIN §1.2)."""

    PRO = "pro", "Professionnel"
    SOCIO_PRO = "socio_pro", "Socio-professionnel"
    SOCIAL = "social", "Social"


class ExitReason(models.TextChoices):
    SUSTAINABLE_JOB = "sustainable_job", "Emploi durable (CDI, CDD de 6 mois et plus)"
    TRANSITION_JOB = "transition_job", "Emploi de transition"
    TRAINING = "training", "Formation qualifiante"
    OTHER_POSITIVE = "other_positive", "Autre sortie positive"
    REORIENTED = "reoriented", "Réorientation vers un autre organisme"
    MOVED = "moved", "Déménagement hors du département"
    END_OF_RIGHTS = "end_of_rights", "Fin des droits RSA"
    DROPPED_OUT = "dropped_out", "Abandon / perte de contact"
    OTHER = "other", "Autre motif"


class TeamRole(models.TextChoices):
    REFERENT = "referent", "Référent·e unique"
    BINOME = "binome", "Binôme social"
    CONTRIBUTOR = "contributor", "Intervenant·e"


class NoteVisibility(models.TextChoices):
    TEAM = "team", "Partagée avec l'équipe"
    PROFESSION = "profession", "Privée à ma profession dans l'équipe"


class RequestStatus(models.TextChoices):
    WAITING = "waiting", "À orienter"
    ORIENTED = "oriented", "Orientée"
    CANCELLED = "cancelled", "Sortie de la file"
