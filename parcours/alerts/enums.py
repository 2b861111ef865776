from django.db import models


class AlertKind(models.TextChoices):
    """Why a person may be getting lost (issue 3 §4). The order is the order of the work queue."""

    TWO_NO_SHOWS = "two_no_shows", "Deux absences de suite"
    NO_SHOW = "no_show", "Absence à un rendez-vous"
    RSA_SUSPENDED = "rsa_suspended", "Droit RSA suspendu"
    RSA_CLOSED = "rsa_closed", "Droit RSA clos"
    MOVED_OUT = "moved_out", "Déménagement hors du département"
    NO_CONTACT = "no_contact", "Sans contact depuis longtemps"
    CADENCE_MISSED = "cadence_missed", "Rendez-vous en retard sur la cadence"
    CONTRACT_ENDING = "contract_ending", "Contrat bientôt échu"
    HOURS_BELOW_TARGET = "hours_below_target", "Heures d'activité très en dessous de la cible"


class AlertStatus(models.TextChoices):
    OPEN = "open", "À traiter"
    RESOLVED = "resolved", "Résolue (la cause a disparu)"
    DISMISSED = "dismissed", "Traitée"


class ProcedureStep(models.TextChoices):
    INVITATION = "invitation", "Nouvelle convocation"
    LETTER = "letter", "Courrier de relance"
    REVIEW_PANEL = "review_panel", "Proposition à l'équipe pluridisciplinaire"


class ProcedureStatus(models.TextChoices):
    OPEN = "open", "En cours"
    CLOSED = "closed", "Close"


class CloseReason(models.TextChoices):
    SEEN = "seen", "La personne est revenue (rendez-vous honoré)"
    FOLLOW_UP_ENDED = "follow_up_ended", "Accompagnement terminé"
    DECIDED = "decided", "Décision de l'équipe pluridisciplinaire"


class CaseStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposé"
    EXAMINED = "examined", "Examiné"
    DECIDED = "decided", "Décidé"


class PanelDecision(models.TextChoices):
    MAINTAIN = "maintain", "Maintien de l'accompagnement"
    REORIENT = "reorient", "Réorientation"
    SANCTION = "sanction", "Proposition de suspension-remobilisation au président du conseil départemental"
    NO_ACTION = "no_action", "Classement sans suite"
