from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

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
    # Provenance per field: a value typed by a professional is not overwritten by a later import.
    at = timezone.now().isoformat(timespec="seconds")
    provenance = dict(beneficiary.provenance or {})
    for name in fields:
        if name != "nir_index":
            provenance[name] = {"source": "manual", "by": getattr(by, "pk", None), "at": at}
    beneficiary.provenance = provenance
    if {"first_name", "last_name", "birth_name"} & set(fields):
        beneficiary.refresh_name_keys()
        fields += ["last_key", "first_key", "birth_key"]
    save_versioned(beneficiary, expected_version=expected_version, fields=[*fields, "provenance"])
    if {"first_name", "last_name", "birth_name", "birth_date"} & set(fields):
        from parcours.intake.matching import refresh_match_keys  # intake builds on people, not the reverse

        refresh_match_keys([beneficiary])
    labels = ", ".join(
        sorted({type(beneficiary)._meta.get_field(f).verbose_name for f in fields if f in changes or f == "nir"})
    )
    record(
        beneficiary,
        actor=by,
        kind=section,
        summary=f"Section « {section.label} » modifiée : {labels}",
        section=section,
    )
