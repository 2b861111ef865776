from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from parcours.core.models import VersionedModel
from parcours.diagnostics.enums import Barrier
from parcours.plans.enums import ActionOwner, ActionStatus, ContractKind, HoursExemption


class Contract(VersionedModel):
    """Contrat d'engagement (or CER / PPAE / PIIS): dates, weekly hours, goals and actions."""

    department = models.ForeignKey("organizations.Department", on_delete=models.PROTECT, related_name="+")
    follow_up = models.ForeignKey("orientation.FollowUp", on_delete=models.CASCADE, related_name="contracts")
    kind = models.CharField("type", max_length=20, choices=ContractKind.choices, default=ContractKind.ENGAGEMENT)
    signed_on = models.DateField("signé le", null=True, blank=True)
    start_date = models.DateField("début")
    end_date = models.DateField("fin")
    weekly_hours = models.DecimalField("heures d'activité par semaine", max_digits=4, decimal_places=1, default=15)
    hours_exemption = models.CharField(
        "aménagement de la durée", max_length=20, choices=HoursExemption.choices, default=HoursExemption.NONE
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "contrat"
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gt=models.F("start_date")), name="contract_dates_order"),
            models.CheckConstraint(condition=Q(weekly_hours__gte=0), name="contract_hours_positive"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} du {self.start_date:%d/%m/%Y} au {self.end_date:%d/%m/%Y}"


class Goal(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="goals")
    title = models.CharField("objectif", max_length=250)
    barrier = models.CharField("frein travaillé", max_length=20, choices=Barrier.choices, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = "objectif"
        ordering = ["contract", "position", "pk"]

    def __str__(self):
        return self.title


class Action(models.Model):
    department = models.ForeignKey("organizations.Department", on_delete=models.PROTECT, related_name="+")
    follow_up = models.ForeignKey("orientation.FollowUp", on_delete=models.CASCADE, related_name="actions")
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="actions")
    title = models.CharField("action", max_length=250)
    status = models.CharField("statut", max_length=20, choices=ActionStatus.choices, default=ActionStatus.PLANNED)
    owner = models.CharField("porteur", max_length=20, choices=ActionOwner.choices, default=ActionOwner.BENEFICIARY)
    owner_detail = models.CharField("précision sur le porteur", max_length=150, blank=True)
    due_date = models.DateField("échéance", null=True, blank=True)
    weekly_hours = models.DecimalField("heures par semaine", max_digits=4, decimal_places=1, null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "action"
        ordering = ["due_date", "pk"]
        indexes = [models.Index(fields=["follow_up", "status"], name="action_follow_up_status")]

    def __str__(self):
        return self.title
