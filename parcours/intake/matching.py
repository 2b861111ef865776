"""Matching incoming people against the files of a département (issue 4 §3): exact keys first, then probable
matches on names and birth date, sent to a human review queue (never merged automatically).

Public API (called by parcours.intake.upsert per chunk of at most 5,000 rows; each call is one SQL statement):

- ``Incoming``: the identity facts of one incoming row, normalised (``incoming_from_person`` builds one);
- ``match_exact(department_id, incomings) -> {row: ExactMatch}``: NIR → (CAF number, household role) →
  France Travail id → internal id;
- ``match_probable(department_id, incomings, *, threshold) -> {row: [Candidate, …]}``: blocking on birth date and
  name fragments (people.MatchKey), scored on the names (people.identity.name_likeness);
- ``known_elsewhere(department_id, nir_indexes) -> {nir_index: department_id}``: the same NIR in another
  département (the engine flags it for review, never merges);
- ``write_match_keys(department_id, people)`` (2 statements whatever the number of people),
  ``refresh_match_keys(beneficiaries)`` and ``rebuild_match_keys(department_id)`` keep people.MatchKey up to date.

``exact_query`` and ``probable_query`` build the statements alone (bench/w7_linkage.py times them as its limit).

Only files of the given département are ever matched. A file absorbed by a merge (merged_into set) is never a
match: its keys lead to the file that survived.
"""

from __future__ import annotations

import datetime
import json
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection, transaction

from parcours.organizations.models import Department
from parcours.people.enums import HouseholdRole
from parcours.people.identity import COMPOUND, SAME, TYPO, block_keys, name_key, name_likeness
from parcours.people.models import Beneficiary, MatchKey, nir_index

PROBABLE_THRESHOLD = 0.9
MAX_CANDIDATES = 5
SEX_PENALTY = 0.3  # a woman and a man are not the same person (twins of different sex)
NIR_PENALTY = 0.5  # two different NIRs are two different people
SWAP_PENALTY = 0.01  # at equal names, the straight reading wins
# A CAF number is shared by the whole household: it identifies the applicant and the partner by their role, never
# the children or other members (several of them per household).
HOUSEHOLD_KEY_ROLES = frozenset({HouseholdRole.APPLICANT, HouseholdRole.PARTNER})
EXACT_KEYS = ("nir", "caf_number", "france_travail_id", "internal_id")  # in this order
_COLUMNS = {"nir": "nir_index", "caf_number": "caf_number"}  # the other keys are their own column
_NOUNS = {
    "nir": "le NIR",
    "caf_number": "le matricule CAF (avec le rôle dans le foyer)",
    "france_travail_id": "l'identifiant France Travail",
    "internal_id": "l'identifiant interne",
}

SAME_BIRTH_DATE = "même date de naissance"
SAME_NAME = "même nom"
SAME_FIRST_NAME = "même prénom"
SWAPPED = "prénom et nom inversés"
SAME_BIRTH_NAME = "nom de naissance identique"
TYPO_NAME = "faute de frappe probable sur le nom"
TYPO_FIRST_NAME = "faute de frappe probable sur le prénom"
COMPOUND_NAME = "nom composé en partie identique"
COMPOUND_FIRST_NAME = "prénom composé en partie identique"
NO_NIR = "NIR absent d'un côté"
OTHER_SEX = "sexe différent"
OTHER_NIR = "NIR différent"


@dataclass(slots=True)
class Incoming:
    """What matching needs to know of one incoming row. Names are normalised keys (people.identity.name_key),
    the NIR is its blind index (people.models.nir_index: 13 or 15 characters give the same index)."""

    row: int
    nir_index: str = ""
    caf_number: str = ""
    household_role: str = HouseholdRole.APPLICANT
    france_travail_id: str = ""
    internal_id: str = ""
    last_key: str = ""
    first_key: str = ""
    birth_key: str = ""
    birth_date: datetime.date | None = None
    sex: str = ""
    beneficiary_id: int | None = None  # the row's own file when it already exists: never its own candidate


@dataclass(slots=True)
class ExactMatch:
    beneficiary_id: int
    key: str  # which key found the person: one of EXACT_KEYS
    conflict: str = ""  # French, when the keys disagree: the row goes to review, nothing is written


@dataclass(slots=True)
class Candidate:
    beneficiary_id: int
    score: float  # 0–1
    reasons: list[str] = field(default_factory=list)  # short French phrases for the review page


def incoming_from_person(row: int, person: dict, household: dict | None = None) -> Incoming:
    """An Incoming from the typed person dict of a parsed record (parcours.intake.records.Record.person)."""
    caf_number = person.get("caf_number") or (household or {}).get("caf_number") or ""
    return Incoming(
        row=row,
        nir_index=nir_index(person.get("nir") or ""),
        caf_number=caf_number.strip(),
        household_role=person.get("household_role") or HouseholdRole.APPLICANT,
        france_travail_id=(person.get("france_travail_id") or "").strip(),
        internal_id=(person.get("internal_id") or "").strip(),
        last_key=name_key(person.get("last_name") or ""),
        first_key=name_key(person.get("first_name") or ""),
        birth_key=name_key(person.get("birth_name") or ""),
        birth_date=person.get("birth_date"),
        sex=person.get("sex") or "",
    )


# --- SQL helpers: a list of values is one parameter (delimited text split by PostgreSQL, JSON on SQLite) ---------
# Handing PostgreSQL one string to split costs far less than adapting a Python list of 20,000 strings.
_SEP = "\x1f"  # ASCII unit separator: never in a name key, a blind index or an identifier


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _array(values, params: list, cast: str = "") -> str:
    """An SQL array (PostgreSQL) of the values, as one parameter."""
    params += [_SEP.join(map(str, values)), _SEP]  # no value holds _SEP (see _exact_keys)
    return f"string_to_array(%s, %s){cast}"


def _in(column: str, values, params: list, cast: str = "") -> str:
    if _postgres():
        return f"{column} = ANY({_array(values, params, cast)})"
    params.append(json.dumps(list(values)))
    return f"{column} IN (SELECT value FROM json_each(%s))"


def _rows(params: list, ids: list, *texts: list) -> str:
    """A derived table t(a, b, c…) of the tuples (ids[i], texts[0][i], …): an integer, then texts."""
    names = "abcdef"[: 1 + len(texts)]
    if _postgres():
        arrays = [_array(ids, params, "::bigint[]")] + [_array(column, params) for column in texts]
        return f"unnest({', '.join(arrays)}) AS t({', '.join(names)})"
    params.append(json.dumps(list(zip(ids, *texts, strict=True))))
    columns = ", ".join(f"json_extract(value, '$[{n}]') AS {name}" for n, name in enumerate(names))
    return f"(SELECT {columns} FROM json_each(%s)) AS t"


_B = Beneficiary._meta.db_table
_D = Department._meta.db_table
_K = MatchKey._meta.db_table


# --- Exact keys --------------------------------------------------------------------------------------------


def _exact_keys(incoming: Incoming) -> list:
    """(key, value) pairs of an incoming row, in matching order; the CAF value is (number, role)."""
    keys = [("nir", incoming.nir_index)] if incoming.nir_index else []
    caf = incoming.caf_number and incoming.caf_number.strip()
    if caf and incoming.household_role in HOUSEHOLD_KEY_ROLES and _SEP not in caf:
        keys.append(("caf_number", (caf, incoming.household_role)))
    for key, value in (("france_travail_id", incoming.france_travail_id), ("internal_id", incoming.internal_id)):
        value = value and value.strip()
        if value and _SEP not in value:
            keys.append((key, value))
    return keys


def exact_query(department_id: int, incomings: list, keyed: list | None = None) -> tuple[str, list] | None:
    """The one statement of match_exact (also timed alone by bench/w7_linkage.py as its limit probe)."""
    wanted = {key: set() for key in EXACT_KEYS}
    for keys in keyed if keyed is not None else map(_exact_keys, incomings):
        for key, value in keys:
            wanted[key].add(value[0] if key == "caf_number" else value)
    params: list = []
    branches = []
    for key in EXACT_KEYS:
        if wanted[key]:
            column = _COLUMNS.get(key, key)
            params.append(department_id)
            # The NIR index is unique among non-empty values only (a partial index): say so to use it.
            partial = "NOT (nir_index = '') AND " if key == "nir" else ""
            branches.append(
                "SELECT id, nir_index, caf_number, household_role, france_travail_id, internal_id, merged_into_id "  # noqa: S608
                f"FROM {_B} WHERE department_id = %s AND {partial}{_in(column, sorted(wanted[key]), params)}"
            )
    if not branches:
        return None
    sql = (
        "SELECT b.id, b.nir_index, b.caf_number, b.household_role, b.france_travail_id, b.internal_id, "  # noqa: S608
        f"s1.id, s1.nir_index, s2.id, s2.nir_index FROM ({' UNION ALL '.join(branches)}) b "
        f"LEFT JOIN {_B} s1 ON s1.id = b.merged_into_id LEFT JOIN {_B} s2 ON s2.id = s1.merged_into_id"
    )
    return sql, params


def match_exact(department_id: int, incomings) -> dict[int, ExactMatch]:
    """Rows found by an exact key, in one query: {row: ExactMatch}. Rows found by no key are absent.

    The first key that finds someone wins (NIR, then CAF number with role, then France Travail id, then internal
    id); `conflict` explains in French when another key finds someone else, when one key finds several people,
    or when the incoming NIR differs from the NIR of the person found by another key."""
    keyed = [(incoming, keys) for incoming in incomings if (keys := _exact_keys(incoming))]
    query = exact_query(department_id, [], [keys for _incoming, keys in keyed])
    if query is None:
        return {}
    found = {key: defaultdict(set) for key in EXACT_KEYS}
    nir_of = {}
    with connection.cursor() as cursor:
        cursor.execute(*query)
        for pk, nir, caf, role, ft_id, internal, s1, s1_nir, s2, s2_nir in cursor.fetchall():
            person, person_nir = (s2, s2_nir) if s2 else (s1, s1_nir) if s1 else (pk, nir)
            nir_of[person] = person_nir or nir
            for key, value in zip(EXACT_KEYS, (nir, caf, ft_id, internal), strict=True):
                if value:
                    found[key][(value, role) if key == "caf_number" else value].add(person)
    matches = {}
    for incoming, keys in keyed:
        hits = [(key, found[key][value]) for key, value in keys if found[key].get(value)]
        if hits:
            matches[incoming.row] = _decide(incoming, hits, nir_of)
    return matches


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _decide(incoming: Incoming, hits: list, nir_of: dict) -> ExactMatch:
    key, people = hits[0]
    chosen = min(people)
    conflicts = []
    if len(people) > 1:
        conflicts.append(f"{_capital(_NOUNS[key])} désigne plusieurs personnes.")
    for other, others in hits[1:]:
        if others != {chosen}:
            conflicts.append(f"{_capital(_NOUNS[key])} et {_NOUNS[other]} désignent deux personnes différentes.")
    if key != "nir" and incoming.nir_index and nir_of.get(chosen) and nir_of[chosen] != incoming.nir_index:
        conflicts.append(f"Le NIR reçu diffère de celui de la personne trouvée par {_NOUNS[key]}.")
    return ExactMatch(beneficiary_id=chosen, key=key, conflict=" ".join(conflicts))


def known_elsewhere(department_id: int, nir_indexes) -> dict[str, int]:
    """{nir_index: département id} for NIRs already known in another département (one query)."""
    return {index: files[0][1] for index, files in files_elsewhere(department_id, nir_indexes).items()}


def files_elsewhere(department_id: int, nir_indexes) -> dict[str, list[tuple[int, int]]]:
    """{nir_index: [(beneficiary id, département id), …]} of the files of other départements with these NIRs (one
    query): the engine shows such a pair for review, never merges it."""
    indexes = sorted({i for i in nir_indexes if i})
    if not indexes:
        return {}
    params: list = []
    # Per other département, the unique (département, NIR index) index answers: no scan of the whole table.
    sql = (
        f"SELECT b.nir_index, b.id, b.department_id FROM {_D} d JOIN {_B} b ON b.department_id = d.id "  # noqa: S608
        f"AND NOT (b.nir_index = '') AND {_in('b.nir_index', indexes, params)} "
        "WHERE d.id <> %s AND b.merged_into_id IS NULL ORDER BY b.department_id DESC, b.id"
    )
    params.append(department_id)
    found: dict = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for index, pk, other in cursor.fetchall():
            found.setdefault(index, []).append((pk, other))
    return found


# --- Probable matches ------------------------------------------------------------------------------------------


def probable_query(department_id: int, incomings: list, *, other_sex: bool = True) -> tuple[str, list] | None:
    """The one statement of match_probable: the files sharing a blocking key with a row, with their name keys
    (also timed alone by bench/w7_linkage.py as its limit probe). other_sex=False leaves out the files of the
    other sex when both are known."""
    rows, blocks, sexes = [], [], []
    for incoming in incomings:
        keys = block_keys(incoming.birth_date, incoming.last_key, incoming.first_key, incoming.birth_key)
        rows += [incoming.row] * len(keys)
        blocks += keys
        sexes += [incoming.sex or "-"] * len(keys)
    if not blocks:
        return None
    params: list = []
    table = _rows(params, rows, blocks, sexes)
    params.append(department_id)
    same_sex = "" if other_sex else "WHERE p.c = '-' OR b.sex = '' OR b.sex = p.c "
    # MATERIALIZED: one index probe per block, done once (PostgreSQL would otherwise repeat the blocking join in
    # each parallel worker of a scan of people_beneficiary).
    sql = (
        "WITH p AS MATERIALIZED ("  # noqa: S608
        f"SELECT DISTINCT t.a, t.c, k.beneficiary_id FROM {table} "
        f"JOIN {_K} k ON k.department_id = %s AND k.block = t.b) "
        "SELECT p.a, b.id, b.merged_into_id, s.merged_into_id, b.last_key, b.first_key, b.birth_key, b.sex, "
        f"b.nir_index FROM p JOIN {_B} b ON b.id = p.beneficiary_id LEFT JOIN {_B} s ON s.id = b.merged_into_id "
        f"{same_sex}"
    )
    return sql, params


def match_probable(
    department_id: int, incomings, *, threshold: float = PROBABLE_THRESHOLD
) -> dict[int, list[Candidate]]:
    """Files that are probably the person of each row (same birth date, alike names), best first, scored ≥
    threshold: {row: [Candidate, …]} (rows without candidates are absent). One query whatever the number of rows.

    Meant for rows without an exact match. Rows without a birth date have no candidates."""
    by_row = {incoming.row: incoming for incoming in incomings}
    # Files of the other sex cannot reach the threshold: the database leaves them out.
    query = probable_query(department_id, list(by_row.values()), other_sex=threshold <= 1 - SEX_PENALTY)
    if query is None:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(*query)
        found = cursor.fetchall()
    best: dict[int, dict[int, Candidate]] = defaultdict(dict)
    for row, pk, merged_into, merged_further, last, first, birth, sex, nir in found:
        incoming = by_row[row]
        person = merged_further or merged_into or pk
        if person == incoming.beneficiary_id or pk == incoming.beneficiary_id:
            continue
        score, reasons = score_pair(incoming, last, first, birth, sex, nir, floor=threshold)
        if reasons and score >= threshold:
            kept = best[row].get(person)
            if kept is None or kept.score < score:
                best[row][person] = Candidate(beneficiary_id=person, score=round(score, 4), reasons=reasons)
    return {
        row: sorted(people.values(), key=lambda c: (-c.score, c.beneficiary_id))[:MAX_CANDIDATES]
        for row, people in best.items()
    }


_LAST_REASONS = {SAME: SAME_NAME, TYPO: TYPO_NAME, COMPOUND: COMPOUND_NAME}
_FIRST_REASONS = {SAME: SAME_FIRST_NAME, TYPO: TYPO_FIRST_NAME, COMPOUND: COMPOUND_FIRST_NAME}


def score_pair(
    incoming: Incoming, last: str, first: str, birth: str, sex: str, nir: str, *, floor: float = 0.0
) -> tuple[float, list]:
    """Score (0–1) of an incoming row against a known file born the same day, and the reasons, in French; (0, [])
    as soon as the score cannot reach `floor` (most pairs of a blocking join: they cost a few comparisons).

    The names are read two ways and the best reading wins: straight (last/last, first/first, where the last name
    may be the other one's birth name) and swapped (last/first, first/last), each name scored by
    people.identity.name_likeness. A different sex or NIR, when both are known, weighs heavily against."""
    other_sex = bool(incoming.sex and sex and incoming.sex != sex)
    other_nir = bool(incoming.nir_index and nir and incoming.nir_index != nir)
    need = floor + SEX_PENALTY * other_sex + NIR_PENALTY * other_nir  # what the names must score
    if need > 1.0:
        return 0.0, []
    straight = swapped = 0.0
    first_score, first_kind = name_likeness(incoming.first_key, first)
    if (1 + first_score) / 2 >= need:
        last_score, last_kind = name_likeness(incoming.last_key, last)
        via_birth = False
        if last_kind != SAME:
            for mine, theirs in ((incoming.last_key, birth), (incoming.birth_key, last), (incoming.birth_key, birth)):
                if mine and theirs:
                    score, kind = name_likeness(mine, theirs)
                    if score > last_score:
                        last_score, last_kind, via_birth = score, kind, True
        straight = (last_score + first_score) / 2
    if straight < 1.0:
        cross_first, kind_f = name_likeness(incoming.first_key, last)
        if (1 + cross_first) / 2 - SWAP_PENALTY >= need:
            cross_last, kind_l = name_likeness(incoming.last_key, first)
            swapped = (cross_last + cross_first) / 2 - SWAP_PENALTY
    if max(straight, swapped) < need:
        return 0.0, []
    reasons = [SAME_BIRTH_DATE]
    if swapped > straight:
        score = swapped
        reasons.append(SWAPPED)
        reasons += [_LAST_REASONS[kind_l]] if kind_l in (TYPO, COMPOUND) else []
        reasons += [_FIRST_REASONS[kind_f]] if kind_f in (TYPO, COMPOUND) else []
    else:
        score = straight
        if via_birth and last_kind == SAME:
            reasons.append(SAME_BIRTH_NAME)
        elif last_kind in _LAST_REASONS:
            reasons.append(_LAST_REASONS[last_kind])
        if first_kind in _FIRST_REASONS:
            reasons.append(_FIRST_REASONS[first_kind])
    if other_sex:
        score -= SEX_PENALTY
        reasons.append(OTHER_SEX)
    if other_nir:
        score -= NIR_PENALTY
        reasons.append(OTHER_NIR)
    elif not (incoming.nir_index and nir):
        reasons.append(NO_NIR)
    return max(score, 0.0), reasons


# --- Blocking keys ---------------------------------------------------------------------------------------------


def _key_facts(person):
    """(id, birth_date, last_key, first_key, birth_key) of a Beneficiary or of such a tuple."""
    if isinstance(person, tuple):
        return person
    names = (person.last_name, person.first_name, person.birth_name)  # the stored keys may be stale
    return (person.pk, person.birth_date, *map(name_key, names))


@transaction.atomic
def write_match_keys(department_id: int, people) -> None:
    """Replace the blocking keys of these people (Beneficiary objects with a pk, or (id, birth_date, last_key,
    first_key, birth_key) tuples): one DELETE and one INSERT whatever their number."""
    facts = {row[0]: row for row in map(_key_facts, people)}  # a person given twice: the last one wins
    ids, owners, blocks = list(facts), [], []
    for pk, birth_date, last, first, birth in facts.values():
        for block in sorted(block_keys(birth_date, last, first, birth)):
            owners.append(pk)
            blocks.append(block)
    if not ids:
        return
    params: list = []
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {_K} WHERE {_in('beneficiary_id', ids, params, '::bigint[]')}", params)  # noqa: S608
        if blocks:
            params = [department_id]
            source = _rows(params, owners, blocks)
            cursor.execute(
                f"INSERT INTO {_K} (department_id, beneficiary_id, block) SELECT %s, t.a, t.b FROM {source}",  # noqa: S608
                params,
            )


def refresh_match_keys(beneficiaries) -> None:
    """Recompute the blocking keys of these people from their current names and birth date (after an edit or a
    merge): 2 statements per département concerned."""
    by_department = defaultdict(list)
    for person in beneficiaries:
        by_department[person.department_id].append(person)
    for department_id, people in by_department.items():
        write_match_keys(department_id, people)


def rebuild_match_keys(department_id: int, *, batch: int = 5000) -> int:
    """Recompute the blocking keys of every file of a département (after a change of people.identity.block_keys
    or name_key): 2 statements per batch of people. Returns the number of people."""
    people = Beneficiary.objects.filter(department_id=department_id).only(
        "pk", "department_id", "birth_date", "last_name", "first_name", "birth_name"
    )
    done, after = 0, 0
    while chunk := list(people.filter(pk__gt=after).order_by("pk")[:batch]):
        write_match_keys(department_id, chunk)
        done, after = done + len(chunk), chunk[-1].pk
    return done
