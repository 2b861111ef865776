"""The no-show follow-up: a new convocation, then a letter, then a proposal to the review panel.

A no-show (through `tasks.after_outcome`) starts the procedure, or moves it on when the new appointment is missed
too. The hourly scan (`advance_due`) closes the procedures of people seen again, and moves on those left without
an answer for the number of days of the dated rules. Every step is a conditional update of the step: run twice,
the second run changes nothing; the side effects of a step (timeline, letter, review panel case) are written in
the same transaction as the step.
"""

import datetime

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from parcours.agenda.enums import AppointmentStatus
from parcours.agenda.models import Appointment
from parcours.alerts.enums import CaseStatus, CloseReason, ProcedureStatus, ProcedureStep
from parcours.alerts.models import NoShowProcedure, ReviewPanelCase
from parcours.alerts.rules import ANSWER_DAYS, LETTER_DAYS
from parcours.journal.services import record
from parcours.plans.models import Contract

NEXT_STEP = {ProcedureStep.INVITATION: ProcedureStep.LETTER, ProcedureStep.LETTER: ProcedureStep.REVIEW_PANEL}
TIMELINE_KIND = "no_show_procedure"


def _when(value: datetime.datetime) -> str:
    return f"{timezone.localtime(value):%d/%m/%Y à %H:%M}"


def _day(value: datetime.datetime) -> str:
    return f"{timezone.localtime(value):%d/%m/%Y}"


def _log(procedure, now, text: str) -> None:
    entry = {"at": timezone.localtime(now).isoformat(), "when": _day(now), "step": procedure.step, "text": text}
    procedure.history = [*procedure.history, entry]
    NoShowProcedure.objects.filter(pk=procedure.pk).update(history=procedure.history)
    record(procedure.beneficiary, actor=None, kind=TIMELINE_KIND, summary=f"Relance après absence : {text}")


def _request_new_slot(procedure, appointment) -> None:
    from parcours.scheduling.services import request_replan

    counselor_id = procedure.follow_up.referent_id or appointment.counselor_id
    request_replan(counselor_id, reason="no_show", beneficiary_id=procedure.beneficiary_id)


def start(appointment, *, now) -> NoShowProcedure | None:
    """Open the procedure of this no-show's follow-up (None when one is already open)."""
    follow_up = appointment.follow_up
    try:
        with transaction.atomic():
            procedure = NoShowProcedure.objects.create(
                department_id=follow_up.department_id,
                follow_up=follow_up,
                beneficiary=appointment.beneficiary,
                appointment=appointment,
                last_missed=appointment,
                missed_at=appointment.starts_at,
                started_at=now,
                step_since=now,
            )
    except IntegrityError:  # opened meanwhile by another worker
        return None
    _log(
        procedure,
        now,
        f"absence au rendez-vous du {_when(appointment.starts_at)}, une nouvelle convocation est demandée.",
    )
    _request_new_slot(procedure, appointment)
    return procedure


def on_no_show(appointment, *, now) -> NoShowProcedure | None:
    """A no-show was recorded: start the procedure, or move it on when this absence follows the last step."""
    follow_up = appointment.follow_up
    if follow_up is None or not follow_up.is_open:
        return None
    seen_since = Appointment.objects.filter(
        beneficiary_id=appointment.beneficiary_id, status=AppointmentStatus.SEEN, starts_at__gt=appointment.starts_at
    )
    if seen_since.exists():  # an old absence recorded late: the person has come since
        return None
    procedure = (
        NoShowProcedure.objects.filter(follow_up=follow_up, status=ProcedureStatus.OPEN)
        .select_related("beneficiary", "follow_up")
        .first()
    )
    if procedure is None:
        return start(appointment, now=now)
    if appointment.starts_at <= procedure.missed_at or appointment.pk == procedure.last_missed_id:
        return procedure  # an older absence, already known
    NoShowProcedure.objects.filter(pk=procedure.pk).update(last_missed=appointment)
    procedure.last_missed = appointment
    if procedure.step == ProcedureStep.INVITATION:
        advance(procedure, now=now, reason=f"nouvelle absence au rendez-vous du {_when(appointment.starts_at)}")
    elif (
        procedure.step == ProcedureStep.LETTER and procedure.letter_at and appointment.starts_at > procedure.letter_at
    ):
        advance(
            procedure, now=now, reason=f"absence au rendez-vous du {_when(appointment.starts_at)} après le courrier"
        )
    else:
        _log(procedure, now, f"nouvelle absence au rendez-vous du {_when(appointment.starts_at)}.")
    return procedure


def advance(procedure, *, now, reason: str) -> bool:
    """Move the procedure to its next step; False when another run already did (or it is closed)."""
    target = NEXT_STEP.get(procedure.step)
    if target is None:
        return False
    changes = {"step": target, "step_since": now}
    if target == ProcedureStep.LETTER:
        changes["letter_at"] = now
    moved = NoShowProcedure.objects.filter(pk=procedure.pk, step=procedure.step, status=ProcedureStatus.OPEN).update(
        **changes
    )
    if not moved:
        return False
    for name, value in changes.items():
        setattr(procedure, name, value)
    if target == ProcedureStep.LETTER:
        _send_letter(procedure, now=now, reason=reason)
    else:
        _propose_to_panel(procedure, now=now, reason=reason)
    return True


def _send_letter(procedure, *, now, reason: str) -> None:
    from parcours.notifications.services import notify_person

    missed = procedure.last_missed or procedure.appointment
    _log(procedure, now, f"{reason} ; un courrier de relance est adressé à la personne.")
    if missed is not None:
        notify_person(missed, kind="letter", by=None)


def _propose_to_panel(procedure, *, now, reason: str) -> ReviewPanelCase:
    case, _created = ReviewPanelCase.objects.get_or_create(
        procedure=procedure,
        defaults={
            "department_id": procedure.department_id,
            "follow_up_id": procedure.follow_up_id,
            "beneficiary_id": procedure.beneficiary_id,
            "reason": f"Absences répétées aux rendez-vous malgré la relance ({reason})."[:300],
            "snapshot": {},
            "proposed_at": now,
        },
    )
    _log(procedure, now, f"{reason} ; la situation est proposée à l'équipe pluridisciplinaire.")
    case.snapshot = snapshot(procedure, now=now)
    ReviewPanelCase.objects.filter(pk=case.pk).update(snapshot=case.snapshot)
    return case


def close(procedure, *, now, reason: str, text: str) -> bool:
    closed = NoShowProcedure.objects.filter(pk=procedure.pk, status=ProcedureStatus.OPEN).update(
        status=ProcedureStatus.CLOSED, closed_at=now, close_reason=reason
    )
    if closed:
        procedure.status, procedure.closed_at, procedure.close_reason = ProcedureStatus.CLOSED, now, reason
        _log(procedure, now, text)
    return bool(closed)


def advance_due(department_id, *, now, rules) -> dict[str, int]:
    """Close the procedures of people seen again (or no longer followed); move on those left unanswered.

    Four queries find the procedures to change, whatever their number; each change is then written with its step.
    """
    counts = {"closed": 0, "letters": 0, "panels": 0}
    open_procedures = NoShowProcedure.objects.filter(department_id=department_id, status=ProcedureStatus.OPEN)
    seen_again = Appointment.objects.filter(
        beneficiary_id=OuterRef("beneficiary_id"), status=AppointmentStatus.SEEN, starts_at__gt=OuterRef("missed_at")
    )
    for procedure in open_procedures.filter(Exists(seen_again)).select_related("beneficiary", "follow_up"):
        counts["closed"] += close(
            procedure,
            now=now,
            reason=CloseReason.SEEN,
            text="la personne est revenue à un rendez-vous, relance close.",
        )
    for procedure in open_procedures.filter(follow_up__end_date__isnull=False).select_related("beneficiary"):
        counts["closed"] += close(
            procedure, now=now, reason=CloseReason.FOLLOW_UP_ENDED, text="l'accompagnement est terminé, relance close."
        )
    coming = Appointment.objects.filter(
        beneficiary_id=OuterRef("beneficiary_id"), status=AppointmentStatus.PLANNED, starts_at__gte=now
    )
    waiting = (
        open_procedures.filter(follow_up__end_date__isnull=True).exclude(Exists(coming)).exclude(Exists(seen_again))
    )
    answer = now - datetime.timedelta(days=rules[ANSWER_DAYS])
    for procedure in waiting.filter(step=ProcedureStep.INVITATION, step_since__lt=answer).select_related(
        "beneficiary", "follow_up", "last_missed", "appointment"
    ):
        days = rules[ANSWER_DAYS]
        counts["letters"] += advance(
            procedure, now=now, reason=f"pas de venue ni de rendez-vous prévu après {days} jours"
        )
    after_letter = now - datetime.timedelta(days=rules[LETTER_DAYS])
    for procedure in waiting.filter(step=ProcedureStep.LETTER, step_since__lt=after_letter).select_related(
        "beneficiary", "follow_up"
    ):
        days = rules[LETTER_DAYS]
        counts["panels"] += advance(procedure, now=now, reason=f"pas de nouvelles {days} jours après le courrier")
    return counts


def snapshot(procedure, *, now) -> dict:
    """The history attached to the review panel case, frozen: appointments, no-shows, messages, contract."""
    from parcours.notifications.models import Message

    follow_up = procedure.follow_up
    appointments = list(
        Appointment.objects.filter(beneficiary_id=procedure.beneficiary_id, starts_at__gte=_start(follow_up))
        .select_related("counselor")
        .order_by("starts_at")
    )
    messages = (
        Message.objects.filter(beneficiary_id=procedure.beneficiary_id, created_at__gte=_start(follow_up))
        .order_by("created_at")
        .only("created_at", "sent_at", "channel", "kind", "status")
    )
    contract = Contract.objects.filter(follow_up=follow_up).order_by("-start_date", "-pk").first()
    referent = follow_up.referent
    return {
        "taken_at": timezone.localtime(now).isoformat(),
        "follow_up": {
            "parcours": follow_up.get_parcours_display(),
            "start_date": f"{follow_up.start_date:%d/%m/%Y}",
            "organization": str(follow_up.organization),
            "referent": referent.get_full_name() if referent else "",
        },
        "appointments": [
            {
                "starts_at": timezone.localtime(a.starts_at).isoformat(),
                "when": _when(a.starts_at),
                "kind": a.get_kind_display(),
                "mode": a.get_mode_display(),
                "status": a.status,
                "status_label": a.get_status_display(),
                "counselor": a.counselor.get_full_name(),
            }
            for a in appointments
        ],
        "no_shows": sum(1 for a in appointments if a.status == AppointmentStatus.NO_SHOW),
        "messages": [
            {
                "at": timezone.localtime(m.sent_at or m.created_at).isoformat(),
                "when": _when(m.sent_at or m.created_at),
                "channel": m.get_channel_display(),
                "kind": m.get_kind_display(),
                "status": m.get_status_display(),
            }
            for m in messages
        ],
        "contract": {
            "label": str(contract),
            "start_date": f"{contract.start_date:%d/%m/%Y}",
            "end_date": f"{contract.end_date:%d/%m/%Y}",
            "signed_on": f"{contract.signed_on:%d/%m/%Y}" if contract.signed_on else "",
            "weekly_hours": str(contract.weekly_hours),
        }
        if contract
        else None,
        "procedure": list(procedure.history),
    }


def _start(follow_up) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(follow_up.start_date, datetime.time.min))


def case_decided(case, *, now) -> None:
    """The panel's decision ends the procedure that proposed the case."""
    if case.status == CaseStatus.DECIDED and case.procedure_id:
        procedure = NoShowProcedure.objects.select_related("beneficiary").get(pk=case.procedure_id)
        close(
            procedure,
            now=now,
            reason=CloseReason.DECIDED,
            text=f"décision de l'équipe pluridisciplinaire : {case.get_decision_kind_display().lower()}.",
        )
