"""What a person answered through their link, and the counselors' private calendar feeds."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from parcours.core.crypto import EncryptedTextField
from parcours.rsvp.enums import ResponseAction


class Response(models.Model):
    """One answer of the person to one appointment (at most one per action: a second click changes nothing)."""

    appointment = models.ForeignKey("agenda.Appointment", on_delete=models.CASCADE, related_name="responses")
    action = models.CharField("réponse", max_length=20, choices=ResponseAction.choices)
    at = models.DateTimeField("date", default=timezone.now)
    # Free text written by the person (it may mention health or family matters): encrypted at rest.
    reason = EncryptedTextField("motif ou contraintes", blank=True)
    # Keyed hash of the IP address (abuse investigation without keeping the address itself).
    ip_hash = models.CharField("empreinte de l'adresse IP", max_length=64, blank=True)

    class Meta:
        verbose_name = "réponse à un rendez-vous"
        verbose_name_plural = "réponses aux rendez-vous"
        ordering = ["at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["appointment", "action"], name="rsvp_response_once_per_action"),
        ]

    def __str__(self):
        return f"{self.get_action_display()} le {timezone.localtime(self.at):%d/%m/%Y %H:%M}"


class CalendarFeed(models.Model):
    """A counselor's private ICS feed: the secret of its URL is only kept as a SHA-256 hash."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds")
    token_hash = models.CharField("empreinte du jeton", max_length=64, unique=True)
    created_at = models.DateTimeField("créé le", default=timezone.now)
    revoked_at = models.DateTimeField("révoqué le", null=True, blank=True)

    class Meta:
        verbose_name = "flux d'agenda privé"
        verbose_name_plural = "flux d'agenda privés"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(revoked_at__isnull=True), name="calendar_feed_one_active_per_user"
            ),
        ]

    def __str__(self):
        state = "révoqué" if self.revoked_at else "actif"
        return f"Flux d'agenda de {self.user} ({state})"
