import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from parcours.accounts.enums import Profession
from parcours.core.crypto import EncryptedTextField
from parcours.orientation.enums import ExitReason, NoteVisibility, Parcours, TeamRole


class FollowUpQuerySet(models.QuerySet):
    def open(self):
        return self.filter(end_date__isnull=True)


class FollowUp(models.Model):
    """One accompaniment episode (parcours): start, referent, team, end and exit."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    department = models.ForeignKey("organizations.Department", on_delete=models.PROTECT, related_name="+")
    beneficiary = models.ForeignKey("people.Beneficiary", on_delete=models.CASCADE, related_name="follow_ups")
    parcours = models.CharField("parcours", max_length=20, choices=Parcours.choices)
    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        related_name="follow_ups",
        verbose_name="organisme référent",
    )
    referent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referent_of",
        verbose_name="référent·e",
    )
    start_date = models.DateField("début", default=timezone.localdate)
    end_date = models.DateField("fin", null=True, blank=True)
    exit_reason = models.CharField("motif de sortie", max_length=30, choices=ExitReason.choices, blank=True)

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        verbose_name = "accompagnement"
        ordering = ["-start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["beneficiary"], condition=Q(end_date__isnull=True), name="follow_up_one_open_per_person"
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | ~Q(exit_reason=""), name="follow_up_exit_needs_reason"
            ),
        ]
        indexes = [
            models.Index(fields=["referent", "end_date"], name="follow_up_referent"),
            models.Index(fields=["organization", "end_date"], name="follow_up_org"),
        ]

    def __str__(self):
        return f"Parcours {self.get_parcours_display().lower()} depuis le {self.start_date:%d/%m/%Y}"

    @property
    def is_open(self) -> bool:
        return self.end_date is None


class CareTeamMember(models.Model):
    """A professional of the multidisciplinary team around one person."""

    follow_up = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="team")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="care_teams")
    profession = models.CharField("profession", max_length=30, choices=Profession.choices)
    role = models.CharField("rôle", max_length=20, choices=TeamRole.choices, default=TeamRole.CONTRIBUTOR)
    since = models.DateField("depuis", default=timezone.localdate)
    until = models.DateField("jusqu'au", null=True, blank=True)

    class Meta:
        verbose_name = "membre de l'équipe"
        verbose_name_plural = "équipe pluridisciplinaire"
        ordering = ["follow_up", "since"]
        constraints = [
            models.UniqueConstraint(
                fields=["follow_up", "user", "profession"], condition=Q(until__isnull=True), name="care_team_unique"
            ),
        ]
        indexes = [models.Index(fields=["user", "until"], name="care_team_user")]

    def __str__(self):
        return f"{self.user} ({self.get_profession_display()})"


class Note(models.Model):
    """A note on a person's file: shared with the care team, or private to the author's profession."""

    department = models.ForeignKey("organizations.Department", on_delete=models.PROTECT, related_name="+")
    beneficiary = models.ForeignKey("people.Beneficiary", on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    profession = models.CharField("profession de l'auteur·rice", max_length=30, choices=Profession.choices)
    visibility = models.CharField(
        "visibilité", max_length=20, choices=NoteVisibility.choices, default=NoteVisibility.TEAM
    )
    body = EncryptedTextField("note")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "note"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["beneficiary", "-created_at"], name="note_beneficiary")]

    def __str__(self):
        return f"Note du {self.created_at:%d/%m/%Y} ({self.get_visibility_display().lower()})"
