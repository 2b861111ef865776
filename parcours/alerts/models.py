"""Alerts of the work queue, the no-show follow-up procedure and the review panel cases (issue 3 §4)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from parcours.alerts.enums import (
    AlertKind,
    AlertStatus,
    CaseStatus,
    CloseReason,
    PanelDecision,
    ProcedureStatus,
    ProcedureStep,
)
from parcours.core.models import VersionedModel


class Alert(models.Model):
    """One reason to look at a person, assigned to their referent.

    An alert is *live* while its cause lasts (`resolved_at` empty): open, or marked handled by the counselor
    (dismissed), in which case the scan does not raise it again until the cause has gone and come back.
    """

    department = models.ForeignKey("organizations.Department", on_delete=models.PROTECT, related_name="+")
    follow_up = models.ForeignKey("orientation.FollowUp", on_delete=models.CASCADE, related_name="alerts")
    beneficiary = models.ForeignKey("people.Beneficiary", on_delete=models.CASCADE, related_name="alerts")
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="alerts",
        verbose_name="attribuée à",
    )
    kind = models.CharField("type", max_length=30, choices=AlertKind.choices)
    status = models.CharField("statut", max_length=20, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    detail = models.CharField("précision", max_length=300, blank=True)
    raised_at = models.DateTimeField("levée le", default=timezone.now)
    resolved_at = models.DateTimeField("cause disparue le", null=True, blank=True)
    handled_at = models.DateTimeField("traitée le", null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "alerte"
        ordering = ["raised_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["follow_up", "kind"], condition=Q(resolved_at__isnull=True), name="alert_one_live_per_kind"
            ),
            models.CheckConstraint(
                condition=~Q(status=AlertStatus.OPEN) | Q(resolved_at__isnull=True), name="alert_open_is_live"
            ),
        ]
        indexes = [
            models.Index(fields=["department", "resolved_at"], name="alert_department_live"),
            models.Index(fields=["assigned_to", "status"], name="alert_assigned_status"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.get_status_display().lower()})"


class NoShowProcedure(models.Model):
    """After a no-show: a new convocation, then a letter, then a proposal to the review panel.

    `history` lists what happened, oldest first: [{"at": ISO datetime, "step": ..., "text": French sentence}].
    """

    department = models.ForeignKey("organizations.Department", on_delete=models.PROTECT, related_name="+")
    follow_up = models.ForeignKey("orientation.FollowUp", on_delete=models.CASCADE, related_name="no_show_procedures")
    beneficiary = models.ForeignKey("people.Beneficiary", on_delete=models.CASCADE, related_name="+")
    appointment = models.ForeignKey(
        "agenda.Appointment",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="rendez-vous manqué à l'origine",
    )
    last_missed = models.ForeignKey(
        "agenda.Appointment", null=True, on_delete=models.SET_NULL, related_name="+", verbose_name="dernière absence"
    )
    missed_at = models.DateTimeField("date du rendez-vous manqué")
    step = models.CharField("étape", max_length=20, choices=ProcedureStep.choices, default=ProcedureStep.INVITATION)
    status = models.CharField("statut", max_length=20, choices=ProcedureStatus.choices, default=ProcedureStatus.OPEN)
    started_at = models.DateTimeField("engagée le", default=timezone.now)
    step_since = models.DateTimeField("étape depuis le", default=timezone.now)
    letter_at = models.DateTimeField("courrier le", null=True, blank=True)
    closed_at = models.DateTimeField("close le", null=True, blank=True)
    close_reason = models.CharField("motif de clôture", max_length=20, choices=CloseReason.choices, blank=True)
    history = models.JSONField("historique", default=list, blank=True)

    class Meta:
        verbose_name = "relance après absence"
        verbose_name_plural = "relances après absence"
        ordering = ["started_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["follow_up"], condition=Q(status=ProcedureStatus.OPEN), name="no_show_one_open_per_follow_up"
            ),
        ]
        indexes = [models.Index(fields=["department", "status"], name="no_show_department_status")]

    def __str__(self):
        return f"Relance ({self.get_step_display().lower()}, {self.get_status_display().lower()})"


class ReviewPanelCase(VersionedModel):
    """A person's situation proposed to the équipe pluridisciplinaire, with a frozen copy of the history."""

    department = models.ForeignKey("organizations.Department", on_delete=models.PROTECT, related_name="+")
    follow_up = models.ForeignKey("orientation.FollowUp", on_delete=models.CASCADE, related_name="review_cases")
    beneficiary = models.ForeignKey("people.Beneficiary", on_delete=models.CASCADE, related_name="+")
    procedure = models.OneToOneField(
        NoShowProcedure, null=True, blank=True, on_delete=models.SET_NULL, related_name="review_case"
    )
    reason = models.CharField("motif", max_length=300)
    snapshot = models.JSONField("historique joint (figé à la proposition)", default=dict)
    status = models.CharField("statut", max_length=20, choices=CaseStatus.choices, default=CaseStatus.PROPOSED)
    proposed_at = models.DateTimeField("proposé le", default=timezone.now)
    examined_at = models.DateTimeField("examiné le", null=True, blank=True)
    examined_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_kind = models.CharField("décision", max_length=20, choices=PanelDecision.choices, blank=True)
    decision = models.TextField("motivation de la décision", blank=True)
    decided_at = models.DateTimeField("décidé le", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "dossier pour l'équipe pluridisciplinaire"
        verbose_name_plural = "dossiers pour l'équipe pluridisciplinaire"
        ordering = ["proposed_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=CaseStatus.DECIDED) | ~Q(decision_kind=""), name="review_case_decided_has_kind"
            ),
        ]
        indexes = [models.Index(fields=["department", "status"], name="review_case_department_status")]

    def __str__(self):
        return f"Dossier EP du {timezone.localtime(self.proposed_at):%d/%m/%Y} ({self.get_status_display().lower()})"
