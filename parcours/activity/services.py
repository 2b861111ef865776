"""Writing the activities entered by hand (immersion, SIAE work, training, other), with the person's timeline."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from parcours.activity.enums import ActivityKind
from parcours.activity.models import ActivityEntry
from parcours.journal.models import Section
from parcours.journal.services import record

MAX_HOURS = Decimal("24")


def _hours_text(value: Decimal) -> str:
    return f"{value:g}".replace(".", ",")


@transaction.atomic
def add_entry(
    beneficiary,
    *,
    by,
    kind: str,
    date: datetime.date,
    planned_hours: Decimal = Decimal(0),
    done_hours: Decimal = Decimal(0),
    label: str = "",
) -> ActivityEntry:
    if kind not in ActivityKind.values:
        raise ValidationError("Type d'activité inconnu.")
    planned_hours, done_hours = Decimal(planned_hours or 0), Decimal(done_hours or 0)
    for value in (planned_hours, done_hours):
        if not 0 <= value <= MAX_HOURS:
            raise ValidationError("Les heures d'une journée sont comprises entre 0 et 24.")
    if not planned_hours and not done_hours:
        raise ValidationError("Indiquez des heures prévues ou réalisées.")
    entry = ActivityEntry.objects.create(
        department_id=beneficiary.department_id,
        beneficiary=beneficiary,
        kind=kind,
        label=label.strip(),
        date=date,
        planned_hours=planned_hours,
        done_hours=done_hours,
        created_by=by,
    )
    detail = f" ({entry.label})" if entry.label else ""
    record(
        beneficiary,
        actor=by,
        kind="activity",
        summary=(
            f"Activité ajoutée : {entry.get_kind_display().lower()}{detail} le {date:%d/%m/%Y}, "
            f"{_hours_text(planned_hours)} h prévues, {_hours_text(done_hours)} h réalisées."
        ),
        section=Section.SOCIO_PRO,
    )
    return entry


@transaction.atomic
def delete_entry(entry, *, by) -> None:
    beneficiary = entry.beneficiary
    summary = f"Activité supprimée : {entry.get_kind_display().lower()} du {entry.date:%d/%m/%Y}."
    entry.delete()
    record(beneficiary, actor=by, kind="activity", summary=summary, section=Section.SOCIO_PRO)
