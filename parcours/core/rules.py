"""Reading dated configuration (cadence, weekly hours, caseload ratio…).

Defaults are written by a data migration with their legal source; a département may override any key
from a date of its own.
"""

import datetime

from django.db.models import Q

from parcours.core.models import RuleValue


class MissingRule(LookupError):
    pass


def rule_values(keys, *, on: datetime.date, department_id=None) -> dict:
    """Values in force on `on` for each key; a département's own value wins over the national one. One query."""
    scope = Q(department__isnull=True)
    if department_id is not None:
        scope |= Q(department_id=department_id)
    rows = RuleValue.objects.filter(scope, key__in=list(keys), effective_from__lte=on).values_list(
        "key", "value", "effective_from", "department_id"
    )
    best: dict = {}
    for key, value, since, dept in rows:
        rank = (dept is not None, since)
        if key not in best or rank > best[key][0]:
            best[key] = (rank, value)
    missing = set(keys) - set(best)
    if missing:
        raise MissingRule(f"Règle(s) sans valeur au {on:%d/%m/%Y} : {', '.join(sorted(missing))}")
    return {key: value for key, (_rank, value) in best.items()}


def rule_value(key: str, *, on: datetime.date, department_id=None):
    return rule_values([key], on=on, department_id=department_id)[key]
