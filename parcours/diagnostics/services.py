from django.db import transaction
from django.utils import timezone

from parcours.diagnostics.enums import Barrier, BarrierLevel
from parcours.diagnostics.models import BarrierAssessment, Diagnostic
from parcours.journal.models import Section
from parcours.journal.services import record


@transaction.atomic
def grade_barrier(follow_up, *, barrier: str, level: str, by, comment: str = "", intensity: str = "", diagnostic=None):
    """Record a new grade for one frein; the previous one stays in its history."""
    if barrier not in Barrier.values or level not in BarrierLevel.values:
        raise ValueError("Frein ou état inconnu.")
    previous = (
        BarrierAssessment.objects.select_for_update()
        .filter(follow_up=follow_up, barrier=barrier, is_current=True)
        .first()
    )
    if previous is not None:
        previous.is_current = False
        previous.save(update_fields=["is_current"])
    assessment = BarrierAssessment.objects.create(
        department_id=follow_up.department_id,
        follow_up=follow_up,
        diagnostic=diagnostic,
        author=by,
        barrier=barrier,
        level=level,
        intensity=intensity,
        comment=comment,
        assessed_on=timezone.localdate(),
    )
    label = Barrier(barrier).label
    before = f"{BarrierLevel(previous.level).label.lower()} → " if previous else ""
    record(
        follow_up.beneficiary,
        actor=by,
        kind="barrier",
        summary=f"Frein « {label} » : {before}{BarrierLevel(level).label.lower()}",
        section=Section.HEALTH if barrier == Barrier.HEALTH else Section.SOCIO_PRO,
    )
    return assessment


@transaction.atomic
def make_diagnostic(follow_up, *, by, situation="", strengths="", project="", rome_code="", levels=None) -> Diagnostic:
    """A new dated diagnostic; each frein given in `levels` gets a new grade (history kept)."""
    diagnostic = Diagnostic.objects.create(
        department_id=follow_up.department_id,
        follow_up=follow_up,
        author=by,
        situation=situation,
        strengths=strengths,
        project=project,
        rome_code=rome_code.upper(),
    )
    record(
        follow_up.beneficiary,
        actor=by,
        kind="diagnostic",
        summary="Nouveau diagnostic socio-professionnel",
        section=Section.SOCIO_PRO,
    )
    current = {a.barrier: a.level for a in current_barriers(follow_up)}
    for barrier, level in (levels or {}).items():
        if level and current.get(barrier) != level:
            grade_barrier(follow_up, barrier=barrier, level=level, by=by, diagnostic=diagnostic)
    return diagnostic


def current_barriers(follow_up):
    return list(BarrierAssessment.objects.filter(follow_up=follow_up, is_current=True))


def barrier_board(follow_up) -> list[dict]:
    """Every frein with its current grade and its history (oldest first). One query."""
    rows = (
        BarrierAssessment.objects.filter(follow_up=follow_up)
        .select_related("author")
        .order_by("assessed_on", "created_at")
    )
    history: dict = {b: [] for b in Barrier.values}
    for row in rows:
        history[row.barrier].append(row)
    board = []
    for barrier in Barrier:
        entries = history[barrier.value]
        board.append(
            {
                "barrier": barrier,
                "current": entries[-1] if entries else None,
                "history": entries,
            }
        )
    return board
