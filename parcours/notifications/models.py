"""Contact preferences and consent, the messages sent to people, and the shared SMS rate limit."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from parcours.notifications.enums import Channel, MessageKind, MessageStatus


class ContactPreference(models.Model):
    """How a person wants to be reached, and what they consented to (dated, for the record)."""

    beneficiary = models.OneToOneField(
        "people.Beneficiary", on_delete=models.CASCADE, related_name="contact_preference", verbose_name="personne"
    )
    channel = models.CharField("canal préféré", max_length=10, choices=Channel.choices, default=Channel.SMS)
    sms_consent = models.BooleanField("accepte les SMS", default=False)
    sms_consent_at = models.DateTimeField("date du consentement SMS", null=True, blank=True)
    email_consent = models.BooleanField("accepte les e-mails", default=False)
    email_consent_at = models.DateTimeField("date du consentement e-mail", null=True, blank=True)
    updated_at = models.DateTimeField("mis à jour le", default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "préférence de contact"
        verbose_name_plural = "préférences de contact"

    def __str__(self):
        return f"{self.beneficiary_id} : {self.get_channel_display()}"


class Message(models.Model):
    """One invitation, reminder or letter to one person about one appointment, and what became of it.

    `client_ref` is our idempotency key: sent to the SMS provider as the message's tag, and as the e-mail's
    Message-ID, so that a message found `sending` after a crash is looked up before being sent again.
    """

    client_ref = models.UUIDField("référence interne", default=uuid.uuid4, unique=True, editable=False)
    # No index of their own on department, beneficiary (led by message_person) and created_by: each index costs
    # its share of the 10,000-row insert of a burst (W8).
    department = models.ForeignKey(
        "organizations.Department", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    beneficiary = models.ForeignKey(
        "people.Beneficiary",
        on_delete=models.CASCADE,
        related_name="messages",
        verbose_name="personne",
        db_index=False,
    )
    appointment = models.ForeignKey(
        "agenda.Appointment", null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    channel = models.CharField("canal", max_length=10, choices=Channel.choices)
    kind = models.CharField("type", max_length=20, choices=MessageKind.choices)
    # Reminders only: how many days before the appointment (one reminder per appointment and offset).
    days_before = models.PositiveSmallIntegerField("jours avant le rendez-vous", null=True, blank=True)
    recipient = models.CharField("destinataire", max_length=254, blank=True)  # E.164 number or e-mail address
    subject = models.CharField("objet", max_length=200, blank=True)
    body = models.TextField("texte")
    status = models.CharField(
        "statut", max_length=20, choices=MessageStatus.choices, default=MessageStatus.QUEUED, db_index=True
    )
    provider_ref = models.CharField("référence du fournisseur", max_length=100, blank=True, db_index=True)
    attempts = models.PositiveSmallIntegerField("tentatives", default=0)
    error = models.CharField("erreur", max_length=300, blank=True)
    created_at = models.DateTimeField("créé le", default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    sent_at = models.DateTimeField("envoyé le", null=True, blank=True)
    delivered_at = models.DateTimeField("distribué le", null=True, blank=True)
    updated_at = models.DateTimeField("mis à jour le", default=timezone.now)

    class Meta:
        verbose_name = "message"
        verbose_name_plural = "messages"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["appointment", "days_before"],
                condition=Q(kind=MessageKind.REMINDER),
                name="message_one_reminder_per_offset",
            ),
        ]
        indexes = [models.Index(fields=["beneficiary", "-created_at"], name="message_person")]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.get_channel_display()}) — {self.get_status_display()}"


class RateLimit(models.Model):
    """A rate shared by every worker (GCRA): the earliest time, in epoch seconds, of the next free slot."""

    name = models.CharField(max_length=50, primary_key=True)
    next_at = models.FloatField(default=0.0)

    class Meta:
        verbose_name = "limite de débit"
        verbose_name_plural = "limites de débit"

    def __str__(self):
        return self.name
