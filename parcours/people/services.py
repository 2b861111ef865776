from django.core.exceptions import ValidationError
from django.db import transaction

from parcours.core.concurrency import save_versioned
from parcours.journal.services import record


@transaction.atomic
def update_beneficiary(beneficiary, *, by, expected_version: int, changes: dict, section) -> None:
    """Save a section of the person's file if nobody changed it meanwhile, and write one timeline entry."""
    fields = []
    for name, value in changes.items():
        if name == "nir":
            beneficiary.set_nir(value)
            twins = type(beneficiary).objects.filter(
                department_id=beneficiary.department_id, nir_index=beneficiary.nir_index
            )
            if value and twins.exclude(pk=beneficiary.pk).exists():
                raise ValidationError("Ce NIR est déjà celui d'une autre personne du département.")
            fields += ["nir", "nir_index"]
        else:
            setattr(beneficiary, name, value)
            fields.append(name)
    save_versioned(beneficiary, expected_version=expected_version, fields=fields)
    labels = ", ".join(sorted({type(beneficiary)._meta.get_field(f).verbose_name for f in fields if f != "nir_index"}))
    record(
        beneficiary,
        actor=by,
        kind=section,
        summary=f"Section « {section.label} » modifiée : {labels}",
        section=section,
    )
