"""Reading dated configuration (cadence, weekly hours, caseload ratio…).

Defaults are written by a data migration with their legal source; a département may override any key
from a date of its own.
"""

import datetime
import time

from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from parcours.core.models import RuleValue

# Rules change a few times a year: each process keeps what it read for a minute, and forgets it at once when a
# rule is saved through the ORM here (other processes within CACHE_SECONDS).
CACHE_SECONDS = 60
_cache: dict = {}


@receiver([post_save, post_delete], sender=RuleValue)
def clear_cache(**kwargs) -> None:
    _cache.clear()


class MissingRule(LookupError):
    pass


def rule_values(keys, *, on: datetime.date, department_id=None) -> dict:
    """Values in force on `on` for each key; a département's own value wins over the national one.

    One query, or none when the same question was answered less than CACHE_SECONDS ago.
    """
    cache_key = (tuple(sorted(keys)), on, department_id)
    hit = _cache.get(cache_key)
    if hit is not None and hit[0] > time.monotonic():
        return dict(hit[1])
    values = _read(keys, on=on, department_id=department_id)
    _cache[cache_key] = (time.monotonic() + CACHE_SECONDS, values)
    return dict(values)


def _read(keys, *, on: datetime.date, department_id) -> dict:
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
