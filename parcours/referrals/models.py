"""A referral (orientation vers un service du catalogue) and what happened to it, up to the end of the action.

Status changes go through parcours.referrals.services only (state machine, timeline, notifications).
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from parcours.core.crypto import EncryptedTextField
from parcours.referrals.enums import (
    AbandonReason,
    EventKind,
    ReferralStatus,
    RefusalReason,
    SharedItem,
    Via,
)


class Referral(models.Model):
    """One person sent to one service, with her consent, and the partner's answers.

    `shared_data` is what the partner sees, frozen when the referral is sent (only the items of `shared`):
    {"first_name", "initial", "phone", "email", "barriers": [labels], "goals": [titles]}.
    `link_version` is part of the partner's signed link: sending a new link increments it and kills the old one.
    `last_event_at` > `referent_seen_at`: something happened that the referent has not looked at yet.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    department = models.ForeignKey("organizations.Department", on_delete=models.PROTECT, related_name="+")
    beneficiary = models.ForeignKey(
        "people.Beneficiary", on_delete=models.CASCADE, related_name="referrals", verbose_name="personne"
    )
    follow_up = models.ForeignKey(
        "orientation.FollowUp", null=True, blank=True, on_delete=models.SET_NULL, related_name="referrals"
    )
    service = models.ForeignKey(
        "catalogue.Service", on_delete=models.PROTECT, related_name="referrals", verbose_name="service"
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="envoyée par"
    )
    status = models.CharField("statut", max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.SENT)

    shared = models.JSONField("informations partagées", default=list, blank=True)  # SharedItem slugs
    shared_data = models.JSONField("informations transmises au partenaire", default=dict, blank=True)
    message = EncryptedTextField("message au partenaire", blank=True)
    consent_at = models.DateTimeField("accord de la personne recueilli le")
    consent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="accord recueilli par"
    )

    sent_at = models.DateTimeField("envoyée le", default=timezone.now)
    expires_at = models.DateTimeField("expire le (sans réponse)")
    answered_at = models.DateTimeField("réponse le", null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    refusal_reason = models.CharField("motif du refus", max_length=20, choices=RefusalReason.choices, blank=True)
    refusal_detail = models.CharField("précision sur le refus", max_length=500, blank=True)
    started_on = models.DateField("démarrée le", null=True, blank=True)
    completed_on = models.DateField("terminée le", null=True, blank=True)
    ended_on = models.DateField("fin (terminée ou abandonnée) le", null=True, blank=True)
    abandon_reason = models.CharField("motif de l'abandon", max_length=20, choices=AbandonReason.choices, blank=True)
    abandon_detail = models.CharField("précision sur l'abandon", max_length=500, blank=True)
    closed_at = models.DateTimeField("close le", null=True, blank=True)

    link_version = models.PositiveSmallIntegerField("version du lien partenaire", default=1)
    link_expires_at = models.DateTimeField("lien partenaire valable jusqu'au")
    link_reminded_at = models.DateTimeField("rappel avant expiration du lien envoyé le", null=True, blank=True)

    last_event_at = models.DateTimeField("dernier événement le", default=timezone.now)
    referent_seen_at = models.DateTimeField("vue par le ou la référent·e le", null=True, blank=True)

    class Meta:
        verbose_name = "orientation vers un service"
        verbose_name_plural = "orientations vers des services"
        ordering = ["-sent_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=ReferralStatus.REFUSED) | ~Q(refusal_reason=""), name="referral_refusal_reason"
            ),
            models.CheckConstraint(
                condition=~Q(status=ReferralStatus.ABANDONED) | ~Q(abandon_reason=""),
                name="referral_abandon_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[ReferralStatus.STARTED, ReferralStatus.COMPLETED])
                | Q(started_on__isnull=False),
                name="referral_started_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status=ReferralStatus.COMPLETED) | Q(completed_on__isnull=False),
                name="referral_completed_has_date",
            ),
            models.CheckConstraint(
                condition=Q(completed_on__isnull=True) | Q(started_on__lte=models.F("completed_on")),
                name="referral_completed_after_start",
            ),
            models.UniqueConstraint(
                fields=["beneficiary", "service"],
                condition=Q(status__in=[ReferralStatus.SENT, ReferralStatus.ACCEPTED, ReferralStatus.STARTED]),
                name="referral_one_open_per_person_and_service",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "expires_at"], name="referral_status_expiry"),
            models.Index(fields=["status", "link_expires_at"], name="referral_status_link"),
            models.Index(fields=["department", "sent_at"], name="referral_department_sent"),
            models.Index(fields=["beneficiary", "-sent_at"], name="referral_person"),
        ]

    def __str__(self):
        return f"Orientation vers {self.service_id} ({self.get_status_display().lower()})"

    @property
    def shares(self) -> frozenset:
        return frozenset(self.shared or ())

    @property
    def person_label(self) -> str:
        """What the partner calls the person: first name and initial of the last name."""
        data = self.shared_data or {}
        return f"{data.get('first_name', '')} {data.get('initial', '')}".strip()

    @property
    def has_news(self) -> bool:
        return self.referent_seen_at is None or self.last_event_at > self.referent_seen_at

    def shows(self, item: str) -> bool:
        return item in self.shares or item == SharedItem.IDENTITY


class ReferralEvent(models.Model):
    """The referral's own history: each step, who recorded it and how (account, link, automatic)."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField("date", default=timezone.now)
    kind = models.CharField("étape", max_length=20, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    via = models.CharField("par", max_length=10, choices=Via.choices, default=Via.ACCOUNT)
    detail = models.CharField("précision", max_length=500, blank=True)

    class Meta:
        verbose_name = "étape d'une orientation"
        verbose_name_plural = "étapes des orientations"
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.at:%d/%m/%Y})"


class Attendance(models.Model):
    """The person came (or not) on one day of the action; one mark per referral and day, corrected in place."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="attendance")
    on = models.DateField("jour")
    present = models.BooleanField("présente")
    hours = models.FloatField("heures", null=True, blank=True)
    recorded_at = models.DateTimeField("enregistrée le", default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    via = models.CharField("par", max_length=10, choices=Via.choices, default=Via.ACCOUNT)

    class Meta:
        verbose_name = "présence"
        verbose_name_plural = "présences"
        ordering = ["on"]
        constraints = [
            models.UniqueConstraint(fields=["referral", "on"], name="referral_attendance_one_per_day"),
            models.CheckConstraint(
                condition=Q(hours__isnull=True) | Q(hours__gte=0), name="referral_attendance_hours"
            ),
        ]

    def __str__(self):
        return f"{self.on:%d/%m/%Y} : {'présente' if self.present else 'absente'}"
