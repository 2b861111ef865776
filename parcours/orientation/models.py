import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from parcours.accounts.enums import Profession
from parcours.core.crypto import EncryptedTextField
from parcours.orientation.enums import ExitReason, NoteVisibility, Parcours, RequestStatus, TeamRole


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


class OrientationRequest(models.Model):
    """An entry of the orientation queue: this person must be oriented (legal delay from `received_on`)."""

    department = models.ForeignKey("organizations.Department", on_delete=models.PROTECT, related_name="+")
    beneficiary = models.ForeignKey(
        "people.Beneficiary", on_delete=models.CASCADE, related_name="orientation_requests"
    )
    received_on = models.DateField("information reçue le")  # RSA opening or arrival in the département
    source = models.CharField("origine", max_length=20)  # intake.enums.Source value
    batch = models.ForeignKey("intake.ImportBatch", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField("statut", max_length=20, choices=RequestStatus.choices, default=RequestStatus.WAITING)
    closed_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField("motif d'annulation", max_length=300, blank=True)

    class Meta:
        verbose_name = "personne à orienter"
        verbose_name_plural = "file d'orientation"
        ordering = ["received_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["beneficiary"], condition=Q(status="waiting"), name="orientation_request_one_waiting"
            ),
        ]
        indexes = [models.Index(fields=["department", "status", "received_on"], name="orientation_queue")]

    def __str__(self):
        return f"À orienter depuis le {self.received_on:%d/%m/%Y}"


class Orientation(models.Model):
    """An orientation decision: parcours and organisme référent, with its reason. A réorientation is a new
    decision pointing to the one it replaces; decisions are never edited."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    department = models.ForeignKey("organizations.Department", on_delete=models.PROTECT, related_name="+")
    beneficiary = models.ForeignKey("people.Beneficiary", on_delete=models.CASCADE, related_name="orientations")
    request = models.ForeignKey(
        OrientationRequest, null=True, blank=True, on_delete=models.SET_NULL, related_name="decisions"
    )
    parcours = models.CharField("parcours", max_length=20, choices=Parcours.choices)
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.PROTECT, related_name="+", verbose_name="organisme référent"
    )
    reason = models.TextField("motif")
    decided_on = models.DateField("date de la décision", default=timezone.localdate)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    replaces = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by"
    )
    follow_up = models.ForeignKey(FollowUp, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "décision d'orientation"
        ordering = ["-decided_on", "-pk"]
        indexes = [models.Index(fields=["beneficiary", "-decided_on"], name="orientation_beneficiary")]

    def __str__(self):
        return f"Orientation {self.get_parcours_display().lower()} du {self.decided_on:%d/%m/%Y}"
