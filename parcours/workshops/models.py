"""Collective workshops (issue 5 §4): a series, its sessions, and the registrations with their waitlist."""

import datetime
import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from parcours.workshops.enums import RegistrationStatus, WorkshopKind


class WorkshopSeries(models.Model):
    """A workshop offered by an organisation (« Se présenter à un employeur », an information collective…)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    department = models.ForeignKey("organizations.Department", on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.CASCADE,
        related_name="workshop_series",
        verbose_name="organisation",
    )
    title = models.CharField("intitulé", max_length=200)
    kind = models.CharField("type", max_length=20, choices=WorkshopKind.choices, default=WorkshopKind.WORKSHOP)
    description = models.TextField("description", blank=True)
    service = models.ForeignKey(
        "catalogue.Service",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="workshop_series",
        verbose_name="service du catalogue",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "atelier"
        verbose_name_plural = "ateliers"
        ordering = ["title", "pk"]
        indexes = [models.Index(fields=["department", "organization"], name="workshop_series_scope")]

    def __str__(self):
        return self.title


class Session(models.Model):
    """One date of a series, with its place, its facilitator and its number of seats."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    series = models.ForeignKey(
        WorkshopSeries, on_delete=models.CASCADE, related_name="sessions", verbose_name="atelier"
    )
    starts_at = models.DateTimeField("début")
    ends_at = models.DateTimeField("fin")
    place = models.ForeignKey(
        "scheduling.Place", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="lieu"
    )
    place_label = models.CharField("lieu (texte libre)", max_length=250, blank=True)
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="facilitated_sessions",
        verbose_name="animateur·rice",
    )
    facilitator_name = models.CharField("animateur·rice (texte libre)", max_length=150, blank=True)
    capacity = models.PositiveSmallIntegerField("nombre de places")

    class Meta:
        verbose_name = "séance"
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="session_ends_after_start"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="session_capacity_positive"),
        ]
        indexes = [models.Index(fields=["series", "starts_at"], name="session_series_start")]

    def __str__(self):
        return f"{self.series} — {timezone.localtime(self.starts_at):%d/%m/%Y %H:%M}"

    @property
    def duration(self) -> datetime.timedelta:
        return self.ends_at - self.starts_at

    @property
    def hours(self) -> float:
        return self.duration.total_seconds() / 3600

    @property
    def where(self) -> str:
        if self.place_id:
            return self.place.label
        return self.place_label

    @property
    def facilitated_by(self) -> str:
        if self.facilitator_id:
            return self.facilitator.get_full_name() or str(self.facilitator)
        return self.facilitator_name


class Registration(models.Model):
    """A person on a session: registered (a seat) or waitlisted (by rank), or cancelled; attendance once held."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="registrations", verbose_name="séance")
    beneficiary = models.ForeignKey(
        "people.Beneficiary", on_delete=models.CASCADE, related_name="workshop_registrations", verbose_name="personne"
    )
    referral = models.ForeignKey(
        "referrals.Referral",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="workshop_registrations",
        verbose_name="orientation d'origine",
    )
    status = models.CharField(
        "statut", max_length=20, choices=RegistrationStatus.choices, default=RegistrationStatus.REGISTERED
    )
    waitlist_rank = models.PositiveIntegerField("rang en liste d'attente", null=True, blank=True)
    attended = models.BooleanField("présent·e", null=True, blank=True)
    registered_at = models.DateTimeField("inscrit·e le", default=timezone.now)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    promoted_at = models.DateTimeField("sortie de la liste d'attente le", null=True, blank=True)
    cancelled_at = models.DateTimeField("annulée le", null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "inscription"
        ordering = ["session", "status", "waitlist_rank", "registered_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "beneficiary"],
                condition=~Q(status=RegistrationStatus.CANCELLED),
                name="registration_one_active_per_person",
            ),
            models.CheckConstraint(
                condition=Q(status=RegistrationStatus.WAITLISTED, waitlist_rank__isnull=False)
                | (~Q(status=RegistrationStatus.WAITLISTED) & Q(waitlist_rank__isnull=True)),
                name="registration_rank_iff_waitlisted",
            ),
        ]
        indexes = [
            models.Index(fields=["session", "status"], name="registration_session_status"),
            models.Index(fields=["beneficiary", "status"], name="registration_person_status"),
        ]

    def __str__(self):
        return f"{self.beneficiary} — {self.session} ({self.get_status_display().lower()})"
