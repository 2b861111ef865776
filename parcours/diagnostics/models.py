from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from parcours.diagnostics.enums import Barrier, BarrierLevel, Intensity


class Diagnostic(models.Model):
    """One diagnostic socio-professionnel, dated. A new one never overwrites the previous ones."""

    department = models.ForeignKey("organizations.Department", on_delete=models.PROTECT, related_name="+")
    follow_up = models.ForeignKey("orientation.FollowUp", on_delete=models.CASCADE, related_name="diagnostics")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    made_on = models.DateField("date", default=timezone.localdate)
    situation = models.TextField("situation", blank=True)
    strengths = models.TextField("points d'appui", blank=True)
    project = models.CharField("projet professionnel", max_length=250, blank=True)
    rome_code = models.CharField(
        "code ROME",
        max_length=5,
        blank=True,
        help_text="Code du métier visé dans le répertoire ROME (une lettre et quatre chiffres, ex. : K1304).",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "diagnostic"
        ordering = ["-made_on", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rome_code="") | Q(rome_code__regex=r"^[A-N][0-9]{4}$"), name="diagnostic_rome_code"
            ),
        ]

    def __str__(self):
        return f"Diagnostic du {self.made_on:%d/%m/%Y}"


class BarrierAssessment(models.Model):
    """The grade of one frein at one date. The latest per frein is `is_current`; older ones make its history."""

    department = models.ForeignKey("organizations.Department", on_delete=models.PROTECT, related_name="+")
    follow_up = models.ForeignKey("orientation.FollowUp", on_delete=models.CASCADE, related_name="barriers")
    diagnostic = models.ForeignKey(
        Diagnostic, null=True, blank=True, on_delete=models.CASCADE, related_name="assessments"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    barrier = models.CharField("frein", max_length=20, choices=Barrier.choices)
    level = models.CharField("état", max_length=20, choices=BarrierLevel.choices)
    intensity = models.CharField("intensité", max_length=20, choices=Intensity.choices, blank=True)
    comment = models.CharField("commentaire", max_length=300, blank=True)
    assessed_on = models.DateField("date", default=timezone.localdate)
    created_at = models.DateTimeField(default=timezone.now)
    is_current = models.BooleanField(default=True, editable=False)

    class Meta:
        verbose_name = "évaluation d'un frein"
        ordering = ["barrier", "-assessed_on", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["follow_up", "barrier"], condition=Q(is_current=True), name="barrier_one_current"
            ),
        ]
        indexes = [models.Index(fields=["follow_up", "is_current", "level"], name="barrier_current")]

    def __str__(self):
        return f"{self.get_barrier_display()} : {self.get_level_display()}"
