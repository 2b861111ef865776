"""Vocabulary of referrals (orientations vers un service): statuses, reasons, what is shared, who acted.

Stored values are English slugs; labels are French. No model is imported here (forms and other apps import it).
"""

from django.db import models


class ReferralStatus(models.TextChoices):
    SENT = "sent", "Envoyée, en attente de réponse"
    ACCEPTED = "accepted", "Acceptée"
    REFUSED = "refused", "Refusée"
    EXPIRED = "expired", "Expirée sans réponse"
    STARTED = "started", "Action démarrée"
    COMPLETED = "completed", "Action terminée"
    ABANDONED = "abandoned", "Abandonnée"


# The transitions of the state machine: status → statuses it may go to.
TRANSITIONS = {
    ReferralStatus.SENT: frozenset({ReferralStatus.ACCEPTED, ReferralStatus.REFUSED, ReferralStatus.EXPIRED}),
    ReferralStatus.ACCEPTED: frozenset({ReferralStatus.STARTED, ReferralStatus.ABANDONED}),
    ReferralStatus.STARTED: frozenset({ReferralStatus.COMPLETED, ReferralStatus.ABANDONED}),
    ReferralStatus.REFUSED: frozenset(),
    ReferralStatus.EXPIRED: frozenset(),
    ReferralStatus.COMPLETED: frozenset(),
    ReferralStatus.ABANDONED: frozenset(),
}
# Statuses in which the partner still has something to do (answer, record the start, the end, the attendance).
AWAITING_PARTNER = frozenset({ReferralStatus.SENT, ReferralStatus.ACCEPTED, ReferralStatus.STARTED})
FINAL = frozenset(s for s, targets in TRANSITIONS.items() if not targets)
# Attendance is recorded once the action started (and afterwards, for the days it lasted).
ATTENDANCE_STATUSES = frozenset({ReferralStatus.STARTED, ReferralStatus.COMPLETED, ReferralStatus.ABANDONED})


class RefusalReason(models.TextChoices):
    SERVICE_FULL = "service_full", "Le service est complet"
    NOT_ELIGIBLE = "not_eligible", "La personne ne remplit pas les conditions d'accès"
    UNREACHABLE = "unreachable", "La personne est injoignable"
    OTHER = "other", "Autre motif (à préciser)"


class AbandonReason(models.TextChoices):
    PERSON_STOPPED = "person_stopped", "Arrêt à l'initiative de la personne"
    NEVER_CAME = "never_came", "La personne ne s'est jamais présentée"
    REPEATED_ABSENCES = "repeated_absences", "Absences répétées"
    JOB_OR_TRAINING = "job_or_training", "Reprise d'emploi ou entrée en formation"
    MOVED = "moved", "Déménagement"
    SERVICE_STOPPED = "service_stopped", "Arrêt du service par la structure"
    OTHER = "other", "Autre motif (à préciser)"


class SharedItem(models.TextChoices):
    """What the partner sees. The first name and the initial of the last name are always shared (the minimum)."""

    IDENTITY = "identity", "Prénom et initiale du nom (toujours partagés)"
    CONTACT = "contact", "Téléphone et e-mail, pour la contacter"
    BARRIERS = "barriers", "Freins concernés (hors santé)"
    GOALS = "goals", "Objectifs du contrat"
    MESSAGE = "message", "Message libre au partenaire"


MINIMAL_SHARE = (SharedItem.IDENTITY,)
OPTIONAL_SHARES = (SharedItem.CONTACT, SharedItem.BARRIERS, SharedItem.GOALS)


class Via(models.TextChoices):
    """How a step was recorded."""

    ACCOUNT = "account", "Compte Parcours"
    LINK = "link", "Lien sécurisé envoyé au partenaire"
    SYSTEM = "system", "Traitement automatique"


class EventKind(models.TextChoices):
    """Entries of a referral's own history (and of the e-mails they trigger)."""

    SENT = "sent", "Orientation envoyée"
    ACCEPTED = "accepted", "Orientation acceptée"
    REFUSED = "refused", "Orientation refusée"
    EXPIRED = "expired", "Orientation expirée sans réponse"
    STARTED = "started", "Action démarrée"
    COMPLETED = "completed", "Action terminée"
    ABANDONED = "abandoned", "Action abandonnée"
    ATTENDANCE = "attendance", "Présence enregistrée"
    LINK_SENT = "link_sent", "Nouveau lien envoyé au partenaire"
    REMINDER = "reminder", "Rappel envoyé au partenaire"


STATUS_EVENT = {
    ReferralStatus.ACCEPTED: EventKind.ACCEPTED,
    ReferralStatus.REFUSED: EventKind.REFUSED,
    ReferralStatus.EXPIRED: EventKind.EXPIRED,
    ReferralStatus.STARTED: EventKind.STARTED,
    ReferralStatus.COMPLETED: EventKind.COMPLETED,
    ReferralStatus.ABANDONED: EventKind.ABANDONED,
}
# Events e-mailed to the partner (with the link); the others are e-mailed to the referent.
PARTNER_EVENTS = frozenset({EventKind.SENT, EventKind.LINK_SENT, EventKind.REMINDER})
