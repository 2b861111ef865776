"""Column mappings saved per organisation (SheetMapping), keyed by normalised header, and the batch's own mapping.

When a file comes in, the saved mapping of the organisation that knows most of its headers is applied first (its
choices win, « ignore » included); the columns it does not know are guessed from the synonyms.
"""

from django.db import transaction
from django.utils import timezone

from parcours.intake.enums import BatchStatus
from parcours.intake.headers import FIELD_LABELS, guess_mapping, normalise
from parcours.intake.models import ImportBatch, SheetMapping

MIN_OVERLAP = 0.5  # share of a file's headers a saved mapping must know to be applied


def load_mapping(organization, name: str) -> SheetMapping | None:
    return SheetMapping.objects.filter(organization=organization, name=name).first()


def save_mapping(organization, name: str, columns: dict, by=None) -> SheetMapping:
    """Save (or replace) the mapping `name` of the organisation; `columns` may be keyed by headers as read."""
    name = " ".join(name.split())[:100]
    if not name:
        raise ValueError("Donnez un nom à la correspondance.")
    keyed = {normalise(header): field for header, field in columns.items() if normalise(header)}
    unknown = sorted({f for f in keyed.values() if f and f not in FIELD_LABELS})
    if unknown:
        raise ValueError(f"Champ inconnu : {', '.join(unknown)}.")
    saved, _created = SheetMapping.objects.update_or_create(
        organization=organization,
        name=name,
        defaults={"columns": keyed, "updated_by": by, "updated_at": timezone.now()},
    )
    return saved


def best_saved_mapping(headers, organization) -> SheetMapping | None:
    """The organisation's saved mapping that knows the most of these headers (at least half), newest first."""
    keys = {normalise(h) for h in headers} - {""}
    if not keys or organization is None:
        return None
    best, best_known = None, 0
    for saved in SheetMapping.objects.filter(organization=organization).order_by("-updated_at", "pk"):
        known = len(keys & set(saved.columns))
        if known > best_known:
            best, best_known = saved, known
    return best if best is not None and best_known >= MIN_OVERLAP * len(keys) else None


def suggest_mapping(headers, organization) -> tuple[dict, SheetMapping | None]:
    """({header: field or ""}, the saved mapping applied or None)."""
    saved = best_saved_mapping(headers, organization)
    if saved is None:
        return guess_mapping(headers), None
    return apply_saved(headers, saved), saved


def apply_saved(headers, saved: SheetMapping) -> dict:
    """The saved choices for the headers it knows (« ignore » included), the synonyms for the others."""
    guessed = guess_mapping(headers)
    mapping = {h: saved.columns[normalise(h)] for h in headers if normalise(h) in saved.columns}
    taken = {f for f in mapping.values() if f}
    for header in headers:
        if header not in mapping:
            field = guessed.get(header, "")
            mapping[header] = field if field not in taken else ""
            taken.add(mapping[header])
    return {h: mapping[h] for h in headers}


def set_batch_mapping(batch: ImportBatch, mapping: dict) -> bool:
    """Change the mapping of a batch not started yet (its preview is then stale). False when it already runs."""
    with transaction.atomic():
        updated = ImportBatch.objects.filter(pk=batch.pk, status=BatchStatus.PREVIEWED, chunks__isnull=True).update(
            mapping=mapping, preview={}, error=""
        )
    if updated:
        batch.mapping, batch.preview, batch.error = mapping, {}, ""
    return bool(updated)
