"""Merging two files of the same person, from the review queue of probable duplicates, and undoing it.

A merge never loses anything and can be undone:
- the surviving file keeps its own values; each of its empty fields is filled from the absorbed file (NIR, CAF
  number, France Travail id, internal id, birth name, phone, e-mail, address…), with the provenance "merge";
- the absorbed file keeps its names and history, its identifiers are cleared (the NIR is unique per
  département) and it points to the survivor (`merged_into`);
- every row pointing to the absorbed file (follow-ups, with their diagnostics and contracts, appointments, notes,
  alerts, messages…, also those of apps added later: the relations are discovered from the model) is re-pointed
  to the survivor, and its pk recorded in MergeRecord.moved;
- the journal (timeline, access log) is append-only: its rows stay on the absorbed file and the survivor's
  timeline reads the history of the files merged into it (`parcours.intake.review.history`);
- MergeRecord.snapshot holds the values before and after, so that `undo` restores both files, and refuses when
  a later change would be lost.

A person is never merged across départements, nor when both files have an open follow-up or different NIRs.
"""

import datetime
import importlib
import uuid
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone

from parcours.core.crypto import EncryptedTextField, decrypt, encrypt
from parcours.intake.enums import Source, SuspectStatus
from parcours.intake.models import DuplicateSuspect, MergeRecord
from parcours.journal.models import Section
from parcours.journal.services import record
from parcours.orientation.enums import RequestStatus
from parcours.orientation.models import FollowUp, OrientationRequest
from parcours.people.models import Beneficiary, MatchKey

CROSS_DEPARTMENT = "Personne connue dans un autre département : fusion impossible, vérifiez un déménagement."
TWO_OPEN_FOLLOW_UPS = (
    "Clôturez d'abord l'un des deux accompagnements : une personne n'a qu'un accompagnement en cours."
)
NIR_CONFLICT = "Les deux fiches portent des NIR différents : ce ne sont pas les mêmes personnes, fusion impossible."
ALREADY_DECIDED = "Ce rapprochement a déjà été traité."

# Cleared on the absorbed file: the exact keys of matching (the NIR is unique per département).
IDENTIFIERS = ("nir", "nir_index", "caf_number", "france_travail_id", "internal_id")
# Never copied from one file to the other.
OWN_FIELDS = frozenset(
    {
        "id",
        "public_id",
        "department",
        "version",
        "created_at",
        "last_key",
        "first_key",
        "birth_key",
        "provenance",
        "merged_into",
        "nir_index",  # follows the NIR
    }
)
# Rows that are not moved: keys recomputed, append-only journal (linked instead), the review's own tables.
NOT_MOVED = frozenset(
    {"people.matchkey", "people.beneficiary", "journal.timelineevent", "journal.accesslog"}
    | {"intake.duplicatesuspect", "intake.mergerecord"}
)
# Fields of a sensitive section: named only in a timeline entry of that section.
SENSITIVE = {"nir": Section.NIR, "health_notes": Section.HEALTH, "justice_notes": Section.JUSTICE}
REQUEST_CANCELLED = "Doublon : fiche fusionnée avec une autre fiche de la même personne"


# --- Values of a file, as JSON (encrypted fields stay encrypted) ----------------------------------------------


def _field(name):
    return Beneficiary._meta.get_field(name)


def _to_json(name, value):
    field = _field(name)
    if isinstance(field, EncryptedTextField) and value:
        return {"encrypted": encrypt(value)}
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    return value


def _from_json(name, value):
    field = _field(name)
    if isinstance(value, dict) and isinstance(field, EncryptedTextField):
        return decrypt(value["encrypted"])
    if isinstance(field, models.ForeignKey):
        return field.target_field.to_python(value)
    return field.to_python(value)


def _value(person, name):
    return getattr(person, _field(name).attname)


def _dump(person, names) -> dict:
    return {name: _to_json(name, _value(person, name)) for name in names}


def _empty(value) -> bool:
    return value is None or value == ""


def fillable_fields() -> list[str]:
    """Fields of the survivor that the absorbed file may fill when empty (every non-boolean data field)."""
    return [
        f.name
        for f in Beneficiary._meta.concrete_fields
        if f.name not in OWN_FIELDS and not isinstance(f, models.BooleanField)
    ]


def _labels(names) -> str:
    return ", ".join(str(_field(n).verbose_name) for n in names if n != "nir_index")


# --- Rules --------------------------------------------------------------------------------------------------


def blocker(first, second, *, first_open: bool, second_open: bool) -> str:
    """Why these two files cannot be merged (French), or "" when they can. `*_open`: has an open follow-up."""
    if first.department_id != second.department_id:
        return CROSS_DEPARTMENT
    for person in (first, second):
        if person.merged_into_id:
            return f"La fiche de {person.full_name} a déjà été fusionnée dans une autre fiche."
    if first_open and second_open:
        return TWO_OPEN_FOLLOW_UPS
    if first.nir and second.nir and first.nir_index != second.nir_index:
        return NIR_CONFLICT
    return ""


def _pair(suspect_or_pair):
    if isinstance(suspect_or_pair, DuplicateSuspect):
        return suspect_or_pair, (suspect_or_pair.existing_id, suspect_or_pair.incoming_id)
    first, second = suspect_or_pair
    return None, (first.pk, second.pk)


def _lock(ids) -> dict:
    """Both files, read again under a row lock (in pk order: two merges never wait on each other in a cycle)."""
    return {p.pk: p for p in Beneficiary.objects.select_for_update().filter(pk__in=sorted(ids)).order_by("pk")}


# --- Moving the rows of the absorbed file ---------------------------------------------------------------------


def relations() -> list[tuple[type, models.ForeignKey]]:
    """Every (model, field) pointing to a person, except those not moved (NOT_MOVED)."""
    found = []
    for rel in Beneficiary._meta.get_fields(include_hidden=True):
        if not (rel.auto_created and not rel.concrete and rel.is_relation) or rel.many_to_many:
            continue  # a many-to-many is reached through the foreign key of its through model
        model = rel.related_model
        if model._meta.label_lower in NOT_MOVED or model._meta.proxy or not model._meta.managed:
            continue
        found.append((model, rel.field))
    return found


def _key(model, field, fields_of_model) -> str:
    return model._meta.label if fields_of_model == 1 else f"{model._meta.label}:{field.name}"


def _resolve(key):
    from django.apps import apps

    label, _, name = key.partition(":")
    model = apps.get_model(label)
    if name:
        return model, model._meta.get_field(name)
    return model, next(f for m, f in relations() if m is model)


def _move_rows(absorbed, survivor) -> tuple[dict, dict]:
    """Re-point every row of the absorbed file to the survivor: {key: [pk…]} moved, and kept (conflicts)."""
    moved, kept = {}, {}
    found = relations()
    per_model = {}
    for model, _field in found:
        per_model[model] = per_model.get(model, 0) + 1
    for model, field in found:
        key = _key(model, field, per_model[model])
        rows = model._base_manager.filter(**{field.attname: absorbed.pk})
        pks = sorted(rows.values_list("pk", flat=True))
        if not pks:
            continue
        if field.unique and model._base_manager.filter(**{field.attname: survivor.pk}).exists():
            kept[key] = pks  # one per person (a one-to-one): the survivor's own stays
            continue
        try:
            with transaction.atomic():
                model._base_manager.filter(pk__in=pks).update(**{field.attname: survivor.pk})
            moved[key] = pks
            continue
        except IntegrityError:
            pass
        # A uniqueness of the model refuses some rows (the survivor already has their like): those stay.
        for pk in pks:
            try:
                with transaction.atomic():
                    model._base_manager.filter(pk=pk).update(**{field.attname: survivor.pk})
                moved.setdefault(key, []).append(pk)
            except IntegrityError:
                kept.setdefault(key, []).append(pk)
    return moved, kept


def _one_waiting_request(absorbed, survivor, now) -> list[dict]:
    """Both files waiting for an orientation: the earliest request stays (the legal delay runs from it)."""
    waiting = list(
        OrientationRequest.objects.filter(
            beneficiary_id__in=(absorbed.pk, survivor.pk), status=RequestStatus.WAITING
        ).order_by("received_on", "pk")
    )
    cancelled = []
    for request in waiting[1:]:
        cancelled.append(
            {
                "pk": request.pk,
                "status": request.status,
                "closed_at": request.closed_at and request.closed_at.isoformat(),
                "cancel_reason": request.cancel_reason,
            }
        )
        request.status, request.closed_at, request.cancel_reason = RequestStatus.CANCELLED, now, REQUEST_CANCELLED
        request.save(update_fields=["status", "closed_at", "cancel_reason"])
    return cancelled


# --- Matching keys ------------------------------------------------------------------------------------------


def _refresh_match_keys(people) -> bool:
    """Recompute the blocking keys with the matcher's own function when it exists (parcours.intake.matching)."""
    try:
        matching = importlib.import_module("parcours.intake.matching")
    except ImportError:
        return False
    refresh = getattr(matching, "refresh_match_keys", None)
    if refresh is None:
        return False
    refresh(list(people))
    return True


def _keys_of(people) -> dict:
    keys = {str(p.pk): [] for p in people}
    for beneficiary_id, block in MatchKey.objects.filter(beneficiary__in=people).values_list(
        "beneficiary_id", "block"
    ):
        keys[str(beneficiary_id)].append(block)
    return {pk: sorted(blocks) for pk, blocks in keys.items()}


def _restore_keys(people, saved: dict) -> None:
    MatchKey.objects.filter(beneficiary__in=people).delete()
    MatchKey.objects.bulk_create(
        MatchKey(department_id=p.department_id, beneficiary=p, block=block)
        for p in people
        for block in saved.get(str(p.pk), [])
    )


# --- Merge --------------------------------------------------------------------------------------------------


def _save(person, changes: dict) -> None:
    for name, value in changes.items():
        setattr(person, _field(name).attname, value)
    person.version += 1
    person.save(update_fields=[*changes, "version"])


@transaction.atomic
def merge(suspect_or_pair, *, by, survivor) -> MergeRecord:
    """Merge the other file of the pair into `survivor`, in one transaction. French ValidationError if refused."""
    suspect, ids = _pair(suspect_or_pair)
    people = _lock(ids)
    if survivor.pk not in people or len(people) != 2:
        raise ValidationError("La fiche à garder doit être l'une des deux fiches du rapprochement.")
    survivor = people[survivor.pk]
    absorbed = next(p for pk, p in people.items() if pk != survivor.pk)
    suspects = DuplicateSuspect.objects.select_for_update().filter(
        Q(existing=absorbed, incoming=survivor) | Q(existing=survivor, incoming=absorbed)
    )
    if suspect is not None and not suspects.filter(pk=suspect.pk, status=SuspectStatus.OPEN).exists():
        raise ValidationError(ALREADY_DECIDED)
    open_ids = set(FollowUp.objects.open().filter(beneficiary__in=ids).values_list("beneficiary_id", flat=True))
    refused = blocker(survivor, absorbed, first_open=survivor.pk in open_ids, second_open=absorbed.pk in open_ids)
    if refused:
        raise ValidationError(refused)

    now = timezone.now()
    merge_record = MergeRecord.objects.create(
        department_id=survivor.department_id,
        survivor=survivor,
        absorbed=absorbed,
        suspect=suspect,
        merged_by=by,
        merged_at=now,
    )
    # The survivor keeps its values; its empty fields are filled from the absorbed file.
    filled = [
        name for name in fillable_fields() if _empty(_value(survivor, name)) and not _empty(_value(absorbed, name))
    ]
    survivor_changes = {name: _value(absorbed, name) for name in filled}
    if "nir" in survivor_changes:
        survivor_changes["nir_index"] = absorbed.nir_index
    absorbed_changes = {name: "" for name in IDENTIFIERS if not _empty(_value(absorbed, name))}
    absorbed_changes["merged_into"] = survivor.pk
    # Identifiers of the absorbed file that differ from the survivor's (kept in the snapshot and the timeline).
    other_ids = {
        name: _value(absorbed, name)
        for name in ("caf_number", "france_travail_id", "internal_id")
        if name not in survivor_changes
        and not _empty(_value(absorbed, name))
        and _value(absorbed, name) != _value(survivor, name)
    }
    snapshot = {
        "survivor": _dump(survivor, survivor_changes),
        "absorbed": _dump(absorbed, absorbed_changes),
        "match_keys": _keys_of([survivor, absorbed]),
    }
    provenance_before = {name: survivor.provenance.get(name) for name in filled}
    stamp = now.isoformat()
    for name in filled:
        survivor.provenance[name] = {
            "source": Source.MERGE.value,
            "batch": None,
            "at": stamp,
            "merge": merge_record.pk,
            "from": (absorbed.provenance or {}).get(name),
        }
    _save(absorbed, absorbed_changes)  # first: the NIR is unique per département
    _save(survivor, {**survivor_changes, "provenance": survivor.provenance})
    snapshot["provenance"] = {"before": provenance_before, "after": {n: survivor.provenance[n] for n in filled}}
    snapshot["after"] = {"survivor": _dump(survivor, survivor_changes), "absorbed": _dump(absorbed, absorbed_changes)}
    snapshot["other_identifiers"] = other_ids

    snapshot["requests"] = _one_waiting_request(absorbed, survivor, now)
    moved, kept = _move_rows(absorbed, survivor)
    snapshot["kept"] = kept
    MatchKey.objects.filter(beneficiary=absorbed).delete()  # a merged file is never matched again
    _refresh_match_keys([survivor])
    snapshot["suspects"] = list(suspects.filter(status=SuspectStatus.OPEN).values_list("pk", flat=True))
    suspects.filter(status=SuspectStatus.OPEN).update(status=SuspectStatus.MERGED, decided_by=by, decided_at=now)

    merge_record.snapshot, merge_record.moved = snapshot, moved
    merge_record.save(update_fields=["snapshot", "moved"])
    _record_merge(survivor, absorbed, by=by, filled=filled, other_ids=other_ids, moved=moved)
    return merge_record


def _record_merge(survivor, absorbed, *, by, filled, other_ids, moved) -> None:
    rows = sum(len(pks) for pks in moved.values())
    summary = (
        f"Fusion : la fiche de {absorbed.full_name} (créée le {absorbed.created_at:%d/%m/%Y}) rejoint ce dossier, "
        f"avec son historique et {rows} élément{'s' if rows > 1 else ''} (accompagnements, rendez-vous, notes…)."
    )
    plain = [name for name in filled if name not in SENSITIVE]
    if plain:
        summary += f" Repris : {_labels(plain)}."
    if other_ids:
        labels = {
            "caf_number": "matricule CAF",
            "france_travail_id": "id. France Travail",
            "internal_id": "id. interne",
        }
        summary += " Autres identifiants : " + ", ".join(f"{labels[n]} {v}" for n, v in other_ids.items()) + "."
    record(survivor, actor=by, kind="merge", summary=summary)
    for section in sorted({SENSITIVE[name] for name in filled if name in SENSITIVE}):
        labels = _labels(name for name in filled if SENSITIVE.get(name) == section)
        record(
            survivor, actor=by, kind="merge", section=section, summary=f"Fusion : repris de l'autre fiche : {labels}."
        )
    record(absorbed, actor=by, kind="merge", summary=f"Fiche fusionnée dans celle de {survivor.full_name}.")


# --- Undo ---------------------------------------------------------------------------------------------------


def _changed_since(person, after: dict) -> list[str]:
    return [name for name, value in after.items() if _value(person, name) != _from_json(name, value)]


@transaction.atomic
def undo(merge_record, *, by) -> None:
    """Give both files back what they were before the merge. French ValidationError when it would lose a later
    change (the files were edited, merged again, or moved rows changed file since)."""
    merge_record = MergeRecord.objects.select_for_update().get(pk=merge_record.pk)
    if merge_record.undone_at is not None:
        raise ValidationError("Cette fusion a déjà été annulée.")
    people = _lock((merge_record.survivor_id, merge_record.absorbed_id))
    survivor, absorbed = people[merge_record.survivor_id], people[merge_record.absorbed_id]
    later = MergeRecord.objects.filter(undone_at__isnull=True, pk__gt=merge_record.pk).filter(
        Q(survivor__in=people.values()) | Q(absorbed__in=people.values())
    )
    if later.exists() or survivor.merged_into_id is not None:
        raise ValidationError("Une fusion plus récente concerne ces fiches : annulez-la d'abord.")
    snapshot = merge_record.snapshot
    for person, side in ((survivor, "survivor"), (absorbed, "absorbed")):
        changed = _changed_since(person, snapshot["after"][side])
        if changed:
            raise ValidationError(
                f"La fiche de {person.full_name} a été modifiée depuis la fusion ({_labels(changed)}) : "
                "l'annulation effacerait ces modifications. Corrigez la fiche à la main."
            )
    for key, pks in merge_record.moved.items():
        model, field = _resolve(key)
        if model._base_manager.filter(pk__in=pks).exclude(**{field.attname: survivor.pk}).exists():
            raise ValidationError(
                f"Des éléments repris par la fusion ({model._meta.verbose_name_plural}) ont changé de dossier "
                "depuis : annulation impossible."
            )
    try:
        with transaction.atomic():
            _give_back(merge_record, survivor, absorbed, by=by)
    except IntegrityError:
        raise ValidationError(
            "Annulation impossible : la situation des deux fiches a changé depuis la fusion (par exemple un "
            "nouvel accompagnement ou une nouvelle demande d'orientation). Rien n'a été modifié."
        ) from None


def _give_back(merge_record, survivor, absorbed, *, by) -> None:
    snapshot = merge_record.snapshot
    provenance = dict(survivor.provenance)
    for name, entry in snapshot["provenance"]["after"].items():
        if provenance.get(name) == entry:  # a later import may have written its own: keep it
            before = snapshot["provenance"]["before"].get(name)
            if before is None:
                provenance.pop(name, None)
            else:
                provenance[name] = before
    survivor_before = {n: _from_json(n, v) for n, v in snapshot["survivor"].items()}
    _save(survivor, {**survivor_before, "provenance": provenance})  # first: the NIR goes back
    _save(absorbed, {n: _from_json(n, v) for n, v in snapshot["absorbed"].items()})
    for key, pks in merge_record.moved.items():
        model, field = _resolve(key)
        model._base_manager.filter(pk__in=pks).update(**{field.attname: absorbed.pk})
    for saved in snapshot.get("requests", []):
        request = OrientationRequest.objects.get(pk=saved["pk"])
        if request.status == RequestStatus.CANCELLED and request.cancel_reason == REQUEST_CANCELLED:
            request.status, request.cancel_reason = saved["status"], saved["cancel_reason"]
            request.closed_at = saved["closed_at"] and datetime.datetime.fromisoformat(saved["closed_at"])
            request.save(update_fields=["status", "closed_at", "cancel_reason"])
    if not _refresh_match_keys([survivor, absorbed]):
        _restore_keys([survivor, absorbed], snapshot.get("match_keys", {}))
    DuplicateSuspect.objects.filter(pk__in=snapshot.get("suspects", []), status=SuspectStatus.MERGED).update(
        status=SuspectStatus.OPEN, decided_by=None, decided_at=None
    )
    now = timezone.now()
    merge_record.undone_by, merge_record.undone_at = by, now
    merge_record.save(update_fields=["undone_by", "undone_at"])
    record(
        survivor,
        actor=by,
        kind="merge_undone",
        summary=f"Fusion annulée : la fiche de {absorbed.full_name} redevient un dossier distinct, avec ce qu'elle "
        "avait apporté.",
    )
    record(absorbed, actor=by, kind="merge_undone", summary=f"Fusion dans la fiche de {survivor.full_name} annulée.")


# --- Different people ---------------------------------------------------------------------------------------


@transaction.atomic
def mark_distinct(suspect, *, by) -> DuplicateSuspect:
    """The reviewer says these are two different people: the pair leaves the queue (nothing else changes)."""
    suspect = DuplicateSuspect.objects.select_for_update().get(pk=suspect.pk)
    if suspect.status != SuspectStatus.OPEN:
        raise ValidationError(ALREADY_DECIDED)
    suspect.status, suspect.decided_by, suspect.decided_at = SuspectStatus.DISTINCT, by, timezone.now()
    suspect.save(update_fields=["status", "decided_by", "decided_at"])
    return suspect
