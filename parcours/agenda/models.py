import datetime
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from parcours.agenda.enums import AppointmentKind, AppointmentStatus, Mode
from parcours.core.models import VersionedModel


class Appointment(VersionedModel):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    department = models.ForeignKey("organizations.Department", on_delete=models.PROTECT, related_name="+")
    beneficiary = models.ForeignKey("people.Beneficiary", on_delete=models.CASCADE, related_name="appointments")
    follow_up = models.ForeignKey(
        "orientation.FollowUp", null=True, on_delete=models.SET_NULL, related_name="appointments"
    )
    counselor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="appointments",
        verbose_name="professionnel·le",
    )
    starts_at = models.DateTimeField("début")
    duration_minutes = models.PositiveSmallIntegerField("durée (minutes)", default=45)
    kind = models.CharField("type", max_length=20, choices=AppointmentKind.choices, default=AppointmentKind.FOLLOW_UP)
    mode = models.CharField("modalité", max_length=20, choices=Mode.choices, default=Mode.ON_SITE)
    place = models.CharField("lieu", max_length=200, blank=True)
    status = models.CharField(
        "statut", max_length=20, choices=AppointmentStatus.choices, default=AppointmentStatus.PLANNED
    )
    report = models.TextField("compte rendu", blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "rendez-vous"
        verbose_name_plural = "rendez-vous"
        ordering = ["starts_at"]
        indexes = [
            models.Index(fields=["beneficiary", "status", "starts_at"], name="appointment_person_status"),
            models.Index(fields=["counselor", "starts_at"], name="appointment_counselor"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} le {timezone.localtime(self.starts_at):%d/%m/%Y à %H:%M}"

    @property
    def ends_at(self) -> datetime.datetime:
        return self.starts_at + datetime.timedelta(minutes=self.duration_minutes)
