"""Optimistic locking for editable sections: the second writer is told, nothing is overwritten."""

from django.db.models import F


class EditConflict(Exception):
    """Raised when the record changed since the form was displayed."""

    message = (
        "Cette section a été modifiée par une autre personne depuis que vous l'avez ouverte. "
        "Vos changements n'ont pas été enregistrés : rechargez la page pour voir la nouvelle version."
    )


def save_versioned(instance, *, expected_version: int, fields: list[str]) -> None:
    """Write `fields` only if the stored version is still `expected_version`; bump it."""
    model = type(instance)
    values = {name: getattr(instance, name) for name in fields}
    # Run each value through the field's own preparation (encryption, etc.) via a normal update().
    updated = model.objects.filter(pk=instance.pk, version=expected_version).update(version=F("version") + 1, **values)
    if not updated:
        raise EditConflict(EditConflict.message)
    instance.version = expected_version + 1
