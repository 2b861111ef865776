"""A person's constraints for appointments (when she can come), as the counselor records them."""

from django.core.exceptions import ValidationError

from parcours.scheduling.models import PersonConstraints

FIELDS = ("day_part", "prefers", "weekdays_off", "unavailable_from", "unavailable_until", "preferred_mode")


def set_constraints(beneficiary, **values) -> PersonConstraints:
    """Record the person's constraints (all of FIELDS); an unavailability needs both ends, in order."""
    start, end = values.get("unavailable_from"), values.get("unavailable_until")
    if bool(start) != bool(end):
        raise ValidationError("Indiquez le début et la fin de l'indisponibilité, ou aucun des deux.")
    if start and end and end <= start:
        raise ValidationError("La fin de l'indisponibilité doit suivre son début.")
    constraints, _ = PersonConstraints.objects.update_or_create(
        beneficiary=beneficiary, defaults={field: values[field] for field in FIELDS}
    )
    return constraints
