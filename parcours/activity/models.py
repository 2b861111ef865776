"""Hours of activity entered by hand (immersion, SIAE work, training, other): one row per activity and day."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from parcours.activity.enums import ActivityKind


class ActivityEntry(models.Model):
    """Planned and done hours of one activity on one day (CT L5411-6 II, R5411-15: the weekly activity)."""

    department = models.ForeignKey("organizations.Department", on_delete=models.PROTECT, related_name="+")
    beneficiary = models.ForeignKey(
        "people.Beneficiary", on_delete=models.CASCADE, related_name="activity_entries", verbose_name="personne"
    )
    kind = models.CharField("type d'activité", max_length=20, choices=ActivityKind.choices)
    label = models.CharField("précision", max_length=200, blank=True, help_text="Par exemple l'entreprise d'accueil.")
    date = models.DateField("date")
    planned_hours = models.DecimalField("heures prévues", max_digits=4, decimal_places=1, default=0)
    done_hours = models.DecimalField("heures réalisées", max_digits=4, decimal_places=1, default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "activité"
        ordering = ["date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_hours__gte=0, planned_hours__lte=24, done_hours__gte=0, done_hours__lte=24),
                name="activity_entry_hours_range",
            ),
            models.CheckConstraint(
                condition=Q(planned_hours__gt=0) | Q(done_hours__gt=0), name="activity_entry_some_hours"
            ),
        ]
        indexes = [models.Index(fields=["beneficiary", "date"], name="activity_entry_person_date")]

    def __str__(self):
        return f"{self.get_kind_display()} le {self.date:%d/%m/%Y}"
