"""Timeline of every change to a person's file, and the log of reads of its sensitive sections.

Both are append-only: a database trigger (see migrations) refuses UPDATE and DELETE.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Section(models.TextChoices):
    IDENTITY = "identity", "Identité et situation"
    SOCIO_PRO = "socio_pro", "Accompagnement socio-professionnel"
    NIR = "nir", "NIR"
    HEALTH = "health", "Santé et handicap"
    JUSTICE = "justice", "Justice"
    PRIVATE_NOTES = "private_notes", "Notes privées de la profession"


SENSITIVE_SECTIONS = frozenset({Section.NIR, Section.HEALTH, Section.JUSTICE, Section.PRIVATE_NOTES})


class TimelineEvent(models.Model):
    department = models.ForeignKey("organizations.Department", on_delete=models.PROTECT)
    beneficiary = models.ForeignKey("people.Beneficiary", on_delete=models.CASCADE, related_name="timeline")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField("date", default=timezone.now)
    kind = models.CharField("type", max_length=50)
    section = models.CharField("section", max_length=30, choices=Section.choices, default=Section.IDENTITY)
    summary = models.CharField("résumé", max_length=300)

    class Meta:
        verbose_name = "événement du fil"
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["beneficiary", "-at"], name="timeline_beneficiary_at")]

    def __str__(self):
        return f"{self.at:%d/%m/%Y %H:%M} {self.summary}"


class AccessLog(models.Model):
    department = models.ForeignKey("organizations.Department", on_delete=models.PROTECT)
    beneficiary = models.ForeignKey("people.Beneficiary", on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    profession = models.CharField("profession", max_length=30, blank=True)
    section = models.CharField("section", max_length=30, choices=Section.choices)
    at = models.DateTimeField("date", default=timezone.now)
    path = models.CharField("page", max_length=300, blank=True)

    class Meta:
        verbose_name = "consultation d'une section sensible"
        verbose_name_plural = "consultations de sections sensibles"
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["beneficiary", "-at"], name="access_beneficiary_at")]

    def __str__(self):
        return f"{self.at:%d/%m/%Y %H:%M} {self.actor_id} a lu {self.get_section_display()}"
