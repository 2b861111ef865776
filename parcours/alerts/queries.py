"""Read side of the work queue: who sees which alerts, procedures and review panel cases.

A counselor sees the alerts of the people they are the referent of; an agency head those of the follow-ups of
the organisations they manage (the territory of their agency). Every list is one query, whatever its length.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from parcours.accounts.enums import Profession
from parcours.alerts.enums import AlertKind, AlertStatus, CaseStatus, ProcedureStatus, ProcedureStep
from parcours.alerts.models import Alert, NoShowProcedure, ReviewPanelCase
from parcours.alerts.rules import ANSWER_DAYS, LETTER_DAYS, alert_rules
from parcours.caseload.team import managed_organizations

PER_KIND = 100  # rows shown per kind of alert; the count says how many there are
DECIDED_SHOWN_DAYS = 60


def is_head(viewer) -> bool:
    return viewer.has(Profession.AGENCY_HEAD)


def follow_up_scope(viewer, prefix: str = "follow_up__") -> Q:
    """Follow-ups whose alerts and procedures this viewer handles (as referent, or as agency head)."""
    scope = Q(pk__in=[])
    if viewer.accompanies:
        scope |= Q(**{f"{prefix}referent": viewer.user, f"{prefix}department_id__in": viewer.department_ids})
    if is_head(viewer):
        scope |= Q(**{f"{prefix}organization__in": managed_organizations(viewer)})
    return scope


def head_scope(viewer) -> Q:
    if not is_head(viewer):
        return Q(pk__in=[])
    return Q(follow_up__organization__in=managed_organizations(viewer))


def visible_alerts(viewer):
    return Alert.objects.filter(follow_up_scope(viewer))


def visible_procedures(viewer):
    return NoShowProcedure.objects.filter(follow_up_scope(viewer))


def visible_cases(viewer):
    """Review panel cases: the agency head's, for the organisations they manage."""
    return ReviewPanelCase.objects.filter(head_scope(viewer))


@dataclass
class AlertGroup:
    kind: str
    label: str
    count: int
    alerts: list = field(default_factory=list)

    @property
    def more(self) -> int:
        return self.count - len(self.alerts)


@dataclass
class ProcedureRow:
    procedure: NoShowProcedure
    next_step: str


def open_alerts(viewer, *, kind: str = "") -> list[AlertGroup]:
    """Open alerts grouped by kind (in the order of AlertKind), oldest first. Two queries."""
    alerts = visible_alerts(viewer).filter(status=AlertStatus.OPEN, follow_up__end_date__isnull=True)
    if kind:
        alerts = alerts.filter(kind=kind)
    counts = dict(alerts.order_by().values("kind").annotate(n=Count("pk")).values_list("kind", "n"))
    rows = (
        alerts.annotate(
            rank=Window(RowNumber(), partition_by=[F("kind")], order_by=[F("raised_at").asc(), F("pk").asc()])
        )
        .filter(rank__lte=PER_KIND)
        .select_related("beneficiary", "follow_up__referent")
        .order_by("raised_at", "pk")
    )
    groups = {k: AlertGroup(k, label, counts.get(k, 0)) for k, label in AlertKind.choices if counts.get(k)}
    for alert in rows:
        groups[alert.kind].alerts.append(alert)
    return list(groups.values())


def open_alert_count(viewer) -> int:
    """Open alerts of the people this viewer is the referent of (the badge of "Ma file active"). One query."""
    return Alert.objects.filter(
        status=AlertStatus.OPEN,
        follow_up__referent=viewer.user,
        follow_up__department_id__in=viewer.department_ids,
        follow_up__end_date__isnull=True,
    ).count()


def _next_step(procedure, rules) -> str:
    if procedure.step == ProcedureStep.INVITATION:
        on = procedure.step_since + datetime.timedelta(days=rules[ANSWER_DAYS])
        return f"Courrier de relance le {timezone.localtime(on):%d/%m/%Y} si la personne ne vient pas d'ici là."
    if procedure.step == ProcedureStep.LETTER:
        on = procedure.step_since + datetime.timedelta(days=rules[LETTER_DAYS])
        return f"Proposition à l'équipe pluridisciplinaire le {timezone.localtime(on):%d/%m/%Y} sans nouvelles."
    return "Examen de la situation par l'équipe pluridisciplinaire."


def procedures_in_progress(viewer) -> list[ProcedureRow]:
    rows = list(
        visible_procedures(viewer)
        .filter(status=ProcedureStatus.OPEN)
        .select_related("beneficiary", "follow_up__referent")
        .order_by("started_at", "pk")
    )
    today = timezone.localdate()
    rules = {d: alert_rules(on=today, department_id=d) for d in {p.department_id for p in rows}}
    return [ProcedureRow(p, _next_step(p, rules[p.department_id])) for p in rows]


def review_cases(viewer) -> list[ReviewPanelCase]:
    """Cases waiting for the panel, then those decided in the last DECIDED_SHOWN_DAYS days."""
    if not is_head(viewer):
        return []
    recent = timezone.now() - datetime.timedelta(days=DECIDED_SHOWN_DAYS)
    cases = (
        visible_cases(viewer)
        .filter(~Q(status=CaseStatus.DECIDED) | Q(decided_at__gte=recent))
        .select_related("beneficiary", "follow_up__referent")
        .order_by("proposed_at", "pk")
    )
    return sorted(cases, key=lambda c: c.status == CaseStatus.DECIDED)


def letter_facts(procedure) -> dict:
    """What the relance letter says: the appointments missed since the procedure began, the next one planned,
    and the delay left before the review panel."""
    from parcours.agenda.enums import AppointmentStatus
    from parcours.agenda.models import Appointment

    appointments = Appointment.objects.filter(beneficiary_id=procedure.beneficiary_id)
    return {
        "missed": list(
            appointments.filter(status=AppointmentStatus.NO_SHOW, starts_at__gte=procedure.missed_at).order_by(
                "starts_at"
            )
        ),
        "next_appointment": appointments.filter(status=AppointmentStatus.PLANNED, starts_at__gte=timezone.now())
        .order_by("starts_at")
        .first(),
        "letter_days": alert_rules(on=timezone.localdate(), department_id=procedure.department_id)[LETTER_DAYS],
    }
