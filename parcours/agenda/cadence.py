"""The appointment cadence of each parcours (dated configuration; no national legal cadence, DOMAIN §1.8)."""

import datetime
from dataclasses import dataclass

from parcours.core.rules import rule_values
from parcours.orientation.enums import Parcours

CADENCE_KEYS = {p: f"cadence.days.{p}" for p in Parcours.values}


def cadence_days(*, on: datetime.date, department_id=None) -> dict[str, int]:
    """Days between two appointments, per parcours, in force on `on`. One query."""
    values = rule_values(CADENCE_KEYS.values(), on=on, department_id=department_id)
    return {p: int(values[key]) for p, key in CADENCE_KEYS.items()}


@dataclass(frozen=True)
class CadenceState:
    due_on: datetime.date
    late: bool
    days_late: int


def cadence_state(*, last_contact: datetime.date | None, since: datetime.date, days: int, today: datetime.date):
    """Next appointment is due `days` after the last appointment seen (or after the start of the follow-up)."""
    due_on = (last_contact or since) + datetime.timedelta(days=days)
    late_by = (today - due_on).days
    return CadenceState(due_on=due_on, late=late_by > 0, days_late=max(late_by, 0))
