from django.db import models


class Channel(models.TextChoices):
    SMS = "sms", "SMS"
    EMAIL = "email", "E-mail"
    POSTAL = "postal", "Courrier postal"


class MessageKind(models.TextChoices):
    CONVOCATION = "convocation", "Convocation"
    REMINDER = "reminder", "Rappel"
    CANCELLATION_ACK = "cancellation_ack", "Confirmation d'annulation"
    RESCHEDULE = "reschedule", "Changement de rendez-vous"
    LETTER = "letter", "Courrier"


class MessageStatus(models.TextChoices):
    QUEUED = "queued", "En attente d'envoi"
    SENDING = "sending", "Envoi en cours"
    SENT = "sent", "Envoyé"
    DELIVERED = "delivered", "Distribué"
    FAILED = "failed", "Échec de l'envoi"
    UNDELIVERABLE = "undeliverable", "Non distribuable"


# A message in one of these states will not change any more through sending (only a delivery report may
# still turn "sent" into "delivered" or "undeliverable").
FINAL_STATUSES = frozenset(
    {MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.FAILED, MessageStatus.UNDELIVERABLE}
)
