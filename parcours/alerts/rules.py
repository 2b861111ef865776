"""Dated rules of the alerts and of the no-show procedure (defaults in migrations/0002_default_rules.py)."""

import datetime

from parcours.core.rules import rule_values

NO_CONTACT_DAYS = "alerts.no_contact_days"
CONTRACT_ENDING_DAYS = "alerts.contract_ending_days"
ANSWER_DAYS = "alerts.no_show.answer_days"
LETTER_DAYS = "alerts.no_show.letter_days"
KEYS = (NO_CONTACT_DAYS, CONTRACT_ENDING_DAYS, ANSWER_DAYS, LETTER_DAYS)


def alert_rules(*, on: datetime.date, department_id) -> dict[str, int]:
    return {key: int(value) for key, value in rule_values(KEYS, on=on, department_id=department_id).items()}
