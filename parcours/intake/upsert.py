"""One chunk of an import: match, create or update people and households, and turn what the file says into work.

Everything here is set-based: a chunk of a few thousand rows costs a constant number of SQL statements (W1b: at
most 10 per 1,000 rows), whatever the mix of new, changed and unchanged people.
"""

import json
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from parcours.intake import matching
from parcours.intake.enums import BatchKind, RowOutcome, Source
from parcours.intake.models import DuplicateSuspect, ImportIssue
from parcours.intake.records import Record, Rejection
from parcours.intake.rows import insert_rows, update_rows
from parcours.journal.models import Section, TimelineEvent
from parcours.orientation.enums import RequestStatus
from parcours.orientation.models import OrientationRequest
from parcours.people.enums import HouseholdRole, RsaStatus
from parcours.people.identity import name_key
from parcours.people.models import Beneficiary, Household, nir_index

# Person fields an import may write (anything else in a record is ignored: no mass assignment).
PERSON_FIELDS = (
    "first_name",
    "last_name",
    "birth_name",
    "sex",
    "birth_date",
    "email",
    "phone",
    "address_line",
    "commune_id",
    "caf_number",
    "household_role",
    "france_travail_id",
    "internal_id",
    "rights_and_duties",
    "homeless",
)
HOUSEHOLD_FIELDS = (
    "caf_body",
    "rsa_status",
    "rsa_since",
    "rsa_request_number",
    "suspension_reason",
    "suspended_since",
    "closure_reason",
    "closed_on",
)
IDENTITY_FIELDS = {"first_name", "last_name", "birth_name", "birth_date"}
# A right that is open or being decided: the person must be oriented (CASF L262-28, DOMAIN §1.1).
RIGHT_OPEN = {RsaStatus.PENDING, RsaStatus.OPEN_PAYABLE, RsaStatus.OPEN_SUSPENDED, RsaStatus.OPEN_PAYMENT_SUSPENDED}
SUSPENDED = {RsaStatus.OPEN_SUSPENDED, RsaStatus.OPEN_PAYMENT_SUSPENDED}
CLOSED = {RsaStatus.CLOSED, RsaStatus.CLOSED_PREVIOUS, RsaStatus.REFUSED}
PROBABLE_THRESHOLD = 0.9
MAX_EXAMPLES = 20


class Communes:
    """INSEE code → (commune id, département code), read chunk by chunk for the codes a chunk names (one query),
    and kept for the rest of the run."""

    def __init__(self):
        self.by_insee: dict = {}
        self.by_postcode_town: dict = {}
        self.postcodes_seen: set = set()

    @classmethod
    def load(cls):
        return cls()

    def prefetch(self, persons) -> None:
        from parcours.organizations.models import Commune

        codes = {p["commune_insee"] for p in persons if p.get("commune_insee")} - self.by_insee.keys()
        postcodes = {
            p["postal_code"] for p in persons if not p.get("commune_insee") and p.get("postal_code") and p.get("town")
        } - self.postcodes_seen
        if not codes and not postcodes:
            return
        query = Q(insee_code__in=codes)
        for code in postcodes:
            query |= Q(postal_codes__contains=code)
        for pk, insee, dept, known_postcodes, name in Commune.objects.filter(query).values_list(
            "pk", "insee_code", "department_code", "postal_codes", "name"
        ):
            self.by_insee[insee] = (pk, dept)
            for code in known_postcodes.replace(";", " ").replace(",", " ").split():
                if code in postcodes:
                    self.by_postcode_town[(code, name_key(name))] = insee
        self.by_insee.update((code, (None, None)) for code in codes - self.by_insee.keys())
        self.postcodes_seen |= postcodes

    def resolve(self, person: dict):
        """(commune id, département code) of a record, or (None, None) when it names no known commune."""
        insee = person.get("commune_insee")
        if not insee and person.get("postal_code") and person.get("town"):
            insee = self.by_postcode_town.get((person["postal_code"], name_key(person["town"])))
        return self.by_insee.get(insee, (None, None)) if insee else (None, None)


@dataclass
class ChunkResult:
    counts: dict = field(default_factory=lambda: dict.fromkeys(RowOutcome.values, 0))
    examples: dict = field(default_factory=dict)
    affected: set = field(default_factory=set)  # people whose rights, address or status changed (alerts scan)

    def add(self, outcome, row, place, text):
        self.counts[outcome] += 1
        shown = self.examples.setdefault(outcome, [])
        if len(shown) < MAX_EXAMPLES:
            shown.append({"row": row, "place": place, "text": text})


class ChunkImport:
    """Apply one chunk of records of `batch` (inside the caller's transaction)."""

    def __init__(self, batch, communes: Communes, *, now=None):
        self.batch = batch
        self.department = batch.department
        self.communes = communes
        self.now = now or timezone.now()
        self.source = Source.CAF_FLUX if batch.kind == BatchKind.CAF_FLUX else Source.SHEET
        self.origin = {"source": self.source, "batch": batch.pk, "at": self.now.isoformat(timespec="seconds")}
        self.label = (
            f"flux CAF/MSA du {batch.reference_date:%d/%m/%Y}"
            if batch.kind == BatchKind.CAF_FLUX and batch.reference_date
            else f"import « {batch.filename[:60]} »"
        )
        self.result = ChunkResult()
        self.issues: list[dict] = []
        self.events: list[dict] = []

    # --- entry point ---------------------------------------------------------------------------------------

    def apply(self, items) -> ChunkResult:
        records = []
        for item in items:
            if isinstance(item, Rejection):
                self.reject(item.row, item.place, item.reason, item.raw)
            else:
                records.append(item)
        self.communes.prefetch([r.person for r in records])
        records = [self.normalise(r) for r in records]
        records = self.fold_repeats(records)
        households = self.households(records)
        incomings = [self.incoming(r) for r in records]
        exact = matching.match_exact(self.department.pk, incomings) if incomings else {}
        existing = self.load_existing(exact)
        new, changed, review = [], [], []
        for record, incoming in zip(records, incomings, strict=True):
            found = exact.get(record.row)
            if found and found.conflict:
                self.to_review(record, f"Identifiants contradictoires : {found.conflict}")
            elif found:
                self.update(existing[found.beneficiary_id], record, households, changed)
            else:
                new.append((record, incoming))
        created = self.create(new, households, review)
        self.write(created, changed, review)
        return self.result

    # --- reading records ---------------------------------------------------------------------------------------

    def normalise(self, record: Record) -> Record:
        person = record.person
        if "commune_insee" in person or "postal_code" in person:
            commune_id, dept = self.communes.resolve(person)
            person["commune_id"] = commune_id
            person["_commune_department"] = dept
        if person.get("nir"):
            person["nir"] = "".join(person["nir"].split()).upper()
        if record.household.get("caf_number") and not person.get("caf_number"):
            person["caf_number"] = record.household["caf_number"]
        return record

    def fold_repeats(self, records):
        """The same person twice in one chunk (same NIR, or same CAF number and role): the later row wins."""
        seen, kept = {}, []
        for record in records:
            key = self.key_of(record)
            if key and key in seen:
                first = seen[key]
                first.person.update(record.person)
                first.household.update(record.household)
                self.result.add(
                    RowOutcome.UNCHANGED, record.row, record.place, "Même personne plus haut dans le fichier"
                )
                continue
            if key:
                seen[key] = record
            kept.append(record)
        return kept

    @staticmethod
    def key_of(record):
        p = record.person
        if p.get("nir"):
            return ("nir", p["nir"][:13])
        if p.get("caf_number"):
            return ("caf", p["caf_number"], p.get("household_role", HouseholdRole.APPLICANT))
        if p.get("france_travail_id"):
            return ("ft", p["france_travail_id"])
        if p.get("internal_id"):
            return ("internal", p["internal_id"])
        return None

    def incoming(self, record):
        p = record.person
        return matching.Incoming(
            row=record.row,
            nir_index=nir_index(p.get("nir", "")),
            caf_number=p.get("caf_number", ""),
            household_role=p.get("household_role", HouseholdRole.APPLICANT),
            france_travail_id=p.get("france_travail_id", ""),
            internal_id=p.get("internal_id", ""),
            last_key=name_key(p.get("last_name", "")),
            first_key=name_key(p.get("first_name", "")),
            birth_key=name_key(p.get("birth_name", "")),
            birth_date=p.get("birth_date"),
            sex=p.get("sex", ""),
        )

    # --- households ---------------------------------------------------------------------------------------

    def households(self, records) -> dict:
        """caf_number → household dict (pk, fields, _changed), created or updated from the chunk (≤ 3 statements)."""
        facts = {}
        for r in records:
            number = r.household.get("caf_number") or r.person.get("caf_number")
            if number:
                facts.setdefault(number, {}).update({k: v for k, v in r.household.items() if k in HOUSEHOLD_FIELDS})
        if not facts:
            return {}
        found = {
            h["caf_number"]: {**h, "_changed": set()}
            for h in Household.objects.filter(department=self.department, caf_number__in=facts).values(
                "pk", "caf_number", "provenance", *HOUSEHOLD_FIELDS
            )
        }
        to_create, to_update, fields = [], [], set()
        for number, values in facts.items():
            household = found.get(number)
            if household is None:
                row = {**HOUSEHOLD_DEFAULTS, **values, "department_id": self.department.pk, "caf_number": number}
                row["provenance"] = dict.fromkeys(values, self.origin)
                to_create.append(row)
                found[number] = {**row, "pk": None, "_changed": set()}
                continue
            diff = {n: v for n, v in values.items() if household[n] != v}
            if diff:
                household.update(diff)
                household["provenance"] = {**(household["provenance"] or {}), **dict.fromkeys(diff, self.origin)}
                household["_changed"] = set(diff)
                fields.update(diff)
                to_update.append(household)
        if to_create:
            insert_rows(Household, to_create)
            ids = Household.objects.filter(
                department=self.department, caf_number__in=[h["caf_number"] for h in to_create]
            ).values_list("caf_number", "pk")
            for number, pk in ids:
                found[number]["pk"] = pk
        if to_update:
            update_rows(Household, to_update, sorted(fields | {"provenance"}))
        return found

    # --- people ---------------------------------------------------------------------------------------

    def person_values(self, record) -> dict:
        p = record.person
        return {name: p[name] for name in PERSON_FIELDS if name in p and p[name] not in (None, "")}

    def load_existing(self, exact) -> dict:
        ids = {m.beneficiary_id for m in exact.values() if not m.conflict}
        if not ids:
            return {}
        rows = Beneficiary.objects.filter(pk__in=ids).values(
            "pk", "household_id", "nir_index", "provenance", *PERSON_FIELDS
        )
        return {row["pk"]: row for row in rows}

    def update(self, person, record, households, changed):
        values = self.person_values(record)
        number = record.household.get("caf_number") or values.get("caf_number")
        household = households.get(number) if number else None
        manual = {f for f, origin in (person["provenance"] or {}).items() if origin.get("source") == Source.MANUAL}
        diff = {n: v for n, v in values.items() if prov_key(n) not in manual and person[n] != v}
        nir = record.person.get("nir")
        if nir and not person["nir_index"]:
            diff["nir"] = nir
        if household is not None and household["pk"] and person["household_id"] != household["pk"]:
            diff["household_id"] = household["pk"]
        household_changed = household["_changed"] if household is not None else set()
        name = display_name(values or person)
        if not diff and not household_changed:
            self.result.add(RowOutcome.UNCHANGED, record.row, record.place, display_name(person))
            return
        if diff:
            provenance = dict(person["provenance"] or {})
            for field_name in diff:
                provenance[prov_key(field_name)] = self.origin
            person.update(diff)
            person["provenance"] = provenance
            if "nir" in diff:
                person["nir_index"] = nir_index(nir)
            person["_diff"] = diff
            changed.append(person)
        summary = self.change_summary(diff, household, record)
        self.events.append(self.event(person["pk"], "intake", f"Mise à jour depuis le {self.label} : {summary}"))
        if household_changed & {"rsa_status", "suspension_reason", "closure_reason"} or "commune_id" in diff:
            self.result.affected.add(person["pk"])
        self.result.add(RowOutcome.UPDATED, record.row, record.place, f"{name} : {summary}")

    def change_summary(self, diff, household, record) -> str:
        parts = [str(Beneficiary._meta.get_field(n).verbose_name) for n in diff if n != "household_id"]
        if "household_id" in diff:
            parts.append("foyer")
        household_changed = household["_changed"] if household is not None else set()
        if "rsa_status" in household_changed:
            parts.append(rights_sentence(household))
        elif household_changed:
            labels = sorted(str(Household._meta.get_field(n).verbose_name) for n in household_changed)
            parts.append(f"foyer ({', '.join(labels)})")
        dept = record.person.get("_commune_department")
        if "commune_id" in diff and dept and dept != self.department.code:
            parts.append(f"déménagement hors du département ({dept})")
        return ", ".join(parts) or "foyer"

    def create(self, new, households, review) -> list:
        """Insert the new people (one executemany) and return them as dicts with their pk."""
        if not new:
            return []
        incomings = [inc for _r, inc in new]
        probable = matching.match_probable(self.department.pk, incomings, threshold=PROBABLE_THRESHOLD)
        elsewhere = matching.files_elsewhere(self.department.pk, [inc.nir_index for inc in incomings])
        people = []
        for record, incoming in new:
            values = self.person_values(record)
            number = record.household.get("caf_number") or values.get("caf_number")
            household = households.get(number) if number else None
            row = person_defaults(self.now)
            row.update(values, department_id=self.department.pk)
            row["household_id"] = household["pk"] if household is not None else None
            row["provenance"] = {prov_key(name): self.origin for name in values}
            nir = record.person.get("nir")
            if nir:
                row["nir"], row["nir_index"] = nir, incoming.nir_index
                row["provenance"]["nir"] = self.origin
            row["last_key"], row["first_key"], row["birth_key"] = (
                incoming.last_key,
                incoming.first_key,
                incoming.birth_key,
            )
            people.append(row)
            meta = {"record": record, "candidates": probable.get(record.row, []), "household": household}
            meta["elsewhere"] = [pk for pk, _dept in elsewhere.get(incoming.nir_index, [])]
            row["_meta"] = meta
        insert_rows(Beneficiary, [{k: v for k, v in row.items() if k != "_meta"} for row in people])
        ids = dict(
            Beneficiary.objects.filter(public_id__in=[row["public_id"] for row in people]).values_list(
                "public_id", "pk"
            )
        )
        for row in people:
            row["pk"] = ids[row["public_id"]]
            meta = row["_meta"]
            record = meta["record"]
            if meta["candidates"] or meta["elsewhere"]:
                review.append(row)
                self.to_review(record, self.review_reasons(meta))
            else:
                self.result.add(RowOutcome.CREATED, record.row, record.place, display_name(row))
            self.events.append(self.event(row["pk"], "intake", f"Fiche créée depuis le {self.label}"))
        return people

    def review_reasons(self, meta) -> str:
        parts = []
        if meta["candidates"]:
            best = max(meta["candidates"], key=lambda c: c.score)
            parts.append(f"doublon probable ({', '.join(best.reasons)})")
        if meta["elsewhere"]:
            parts.append("NIR déjà connu dans un autre département (déménagement ?)")
        return "Fiche créée, " + " ; ".join(parts)

    # --- writing ---------------------------------------------------------------------------------------

    def write(self, created, changed, review):
        if changed:
            fields = sorted({name for p in changed for name in p["_diff"]} | {"provenance"})
            if "nir" in fields:
                fields.append("nir_index")
            if IDENTITY_FIELDS & set(fields):
                for person in changed:
                    person["last_key"], person["first_key"], person["birth_key"] = (
                        name_key(person["last_name"]),
                        name_key(person["first_name"]),
                        name_key(person["birth_name"]),
                    )
                fields += ["last_key", "first_key", "birth_key"]
            update_rows(Beneficiary, changed, fields, bump_version=True)
        rekeyed = created + [p for p in changed if IDENTITY_FIELDS & set(p["_diff"])]
        if rekeyed:
            matching.write_match_keys(
                self.department.pk,
                [(p["pk"], p["birth_date"], p["last_key"], p["first_key"], p["birth_key"]) for p in rekeyed],
            )
        self.suspects(review)
        self.orientation_requests(created)
        insert_rows(TimelineEvent, self.events)
        insert_rows(ImportIssue, self.issues)

    def suspects(self, review):
        rows = []
        for person in review:
            meta = person["_meta"]
            for candidate in meta["candidates"]:
                rows.append(self.suspect(person, candidate.beneficiary_id, candidate.score, list(candidate.reasons)))
            for other_id in meta["elsewhere"]:
                reasons = ["même NIR", "personne connue dans un autre département"]
                rows.append(self.suspect(person, other_id, 1.0, reasons))
        if rows:
            DuplicateSuspect.objects.bulk_create(rows, ignore_conflicts=True)

    def suspect(self, person, existing_id, score, reasons):
        return DuplicateSuspect(
            department=self.department,
            existing_id=existing_id,
            incoming_id=person["pk"],
            score=score,
            reasons=reasons,
            batch=self.batch,
            created_at=self.now,
        )

    def orientation_requests(self, created):
        received_on = self.batch.reference_date or timezone.localdate()
        rows = []
        for person in created:
            household = person["_meta"]["household"]
            status = household.get("rsa_status", RsaStatus.NONE) if household is not None else RsaStatus.NONE
            if (
                person["rights_and_duties"]
                and person["household_role"] in (HouseholdRole.APPLICANT, HouseholdRole.PARTNER)
                and status in RIGHT_OPEN | {RsaStatus.NONE}
                and self.wants_orientation(person)
            ):
                rows.append(
                    {
                        "department_id": self.department.pk,
                        "beneficiary_id": person["pk"],
                        "received_on": received_on,
                        "source": self.source,
                        "batch_id": self.batch.pk,
                        "status": RequestStatus.WAITING,
                        "closed_at": None,
                        "cancel_reason": "",
                    }
                )
                self.events.append(
                    self.event(person["pk"], "orientation", "Entrée dans la file d'orientation (droits et devoirs)")
                )
        insert_rows(OrientationRequest, rows)

    def wants_orientation(self, person) -> bool:
        # A spreadsheet without RSA information says nothing of rights and duties: only the flux or an explicit
        # column puts people in the orientation queue.
        return self.source == Source.CAF_FLUX or "rights_and_duties" in person["_meta"]["record"].person

    # --- small helpers -------------------------------------------------------------------------------

    def event(self, beneficiary_id, kind, summary):
        return {
            "department_id": self.department.pk,
            "beneficiary_id": beneficiary_id,
            "actor_id": None,
            "at": self.now,
            "kind": kind,
            "section": Section.IDENTITY,
            "summary": summary[:300],
        }

    def issue(self, row, place, outcome, reason, data):
        return {
            "batch_id": self.batch.pk,
            "row": row,
            "place": place[:300],
            "outcome": outcome,
            "reason": reason[:500],
            "data": json.dumps(data, ensure_ascii=False, default=str) if data else "",
        }

    def reject(self, row, place, reason, raw):
        self.result.add(RowOutcome.REJECTED, row, place, reason)
        self.issues.append(self.issue(row, place, RowOutcome.REJECTED, reason, raw))

    def to_review(self, record, reason):
        self.result.add(RowOutcome.TO_REVIEW, record.row, record.place, reason)
        self.issues.append(self.issue(record.row, record.place, RowOutcome.TO_REVIEW, reason, record.raw))


def display_name(values: dict) -> str:
    return f"{values.get('first_name', '')} {values.get('last_name', '').upper()}".strip()


def person_defaults(now) -> dict:
    """Every column of a new Beneficiary with its model default (a raw INSERT does not apply them)."""
    row = {f.attname: f.get_default() for f in _PERSON_COLUMNS}
    row["created_at"] = now
    return row


_PERSON_COLUMNS = [f for f in Beneficiary._meta.concrete_fields if not f.primary_key]
HOUSEHOLD_DEFAULTS = {
    f.attname: f.get_default()
    for f in Household._meta.concrete_fields
    if not f.primary_key and f.attname not in ("department_id", "caf_number", "provenance")
}


def rights_sentence(household: dict) -> str:
    from parcours.intake import caf_codes

    status = RsaStatus(household["rsa_status"])
    text = f"droit RSA : {status.label.lower()}"
    suspension, closure = household.get("suspension_reason"), household.get("closure_reason")
    if status in SUSPENDED and suspension:
        text += f" (motif : {caf_codes.SUSPENSION_REASONS.get(suspension, suspension)})"
    if status in CLOSED and closure:
        text += f" (motif : {caf_codes.CLOSURE_REASONS.get(closure, closure)})"
    return text


def prov_key(attname: str) -> str:
    """The provenance key of a column: the field's name (« commune » for commune_id)."""
    return FK_NAMES.get(attname, attname)


FK_NAMES = {"commune_id": "commune", "household_id": "household"}
