"""Alerts and review panel cases: what the pages and the other areas call."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from parcours.alerts import procedure as procedures
from parcours.alerts.enums import AlertKind, AlertStatus, CaseStatus, PanelDecision
from parcours.alerts.models import Alert, ReviewPanelCase
from parcours.core.concurrency import save_versioned
from parcours.journal.services import record


def raise_alert(follow_up, kind: str, *, detail: str = "") -> Alert:
    """The live alert of this kind for this follow-up, created when there is none (idempotent).

    A live alert is an open one, or one marked handled whose cause has not gone yet: it is returned as is.
    """
    if kind not in AlertKind.values:
        raise ValueError(f"Unknown alert kind {kind!r}")
    live = Alert.objects.filter(follow_up=follow_up, kind=kind, resolved_at__isnull=True)
    existing = live.first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Alert.objects.create(
                department_id=follow_up.department_id,
                follow_up=follow_up,
                beneficiary_id=follow_up.beneficiary_id,
                assigned_to_id=follow_up.referent_id,
                kind=kind,
                detail=detail[:300],
            )
    except IntegrityError:  # raised meanwhile by the scan or another worker
        return live.get()


@transaction.atomic
def handle_alert(alert, *, by) -> bool:
    """The counselor dealt with the alert; it is not raised again while its cause lasts. False if already closed."""
    now = timezone.now()
    done = Alert.objects.filter(pk=alert.pk, status=AlertStatus.OPEN).update(
        status=AlertStatus.DISMISSED, handled_at=now, handled_by=by
    )
    if not done:
        alert.refresh_from_db()
        return False
    alert.status, alert.handled_at, alert.handled_by = AlertStatus.DISMISSED, now, by
    record(
        alert.beneficiary,
        actor=by,
        kind="alert",
        summary=f"Alerte « {alert.get_kind_display()} » marquée comme traitée",
    )
    return True


@transaction.atomic
def examine_case(case, *, by, expected_version: int) -> None:
    if case.status != CaseStatus.PROPOSED:
        raise ValidationError("Ce dossier a déjà été examiné.")
    case.status, case.examined_at, case.examined_by = CaseStatus.EXAMINED, timezone.now(), by
    save_versioned(case, expected_version=expected_version, fields=["status", "examined_at", "examined_by"])
    record(
        case.beneficiary, actor=by, kind="review_panel", summary="Situation examinée par l'équipe pluridisciplinaire"
    )


@transaction.atomic
def decide_case(case, *, by, decision_kind: str, decision: str, expected_version: int) -> None:
    """Record the panel's decision (examining the case if that was not recorded), and end the procedure."""
    if case.status == CaseStatus.DECIDED:
        raise ValidationError("La décision de ce dossier est déjà enregistrée.")
    if decision_kind not in PanelDecision.values:
        raise ValidationError("Choisissez la décision de l'équipe pluridisciplinaire.")
    if not decision.strip():
        raise ValidationError("Motivez la décision en quelques lignes.")
    now = timezone.now()
    if case.examined_at is None:
        case.examined_at, case.examined_by = now, by
    case.status, case.decision_kind, case.decision = CaseStatus.DECIDED, decision_kind, decision.strip()
    case.decided_at, case.decided_by = now, by
    save_versioned(
        case,
        expected_version=expected_version,
        fields=["status", "examined_at", "examined_by", "decision_kind", "decision", "decided_at", "decided_by"],
    )
    record(
        case.beneficiary,
        actor=by,
        kind="review_panel",
        summary=f"Décision de l'équipe pluridisciplinaire : {case.get_decision_kind_display()}",
    )
    procedures.case_decided(case, now=now)


__all__ = ["ReviewPanelCase", "decide_case", "examine_case", "handle_alert", "raise_alert"]
