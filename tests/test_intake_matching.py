"""Matching incoming people against known files (issue 4 §3): exact keys, probable matches, blocking keys."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from parcours.intake import matching
from parcours.intake.matching import Incoming, match_exact, match_probable
from parcours.journal.models import Section
from parcours.organizations.models import Department
from parcours.people.identity import block_keys, name_key, name_likeness
from parcours.people.models import Beneficiary, MatchKey, nir_index
from parcours.people.services import update_beneficiary
from tests.world import make_nir

BORN = datetime.date(1984, 5, 12)
NIR = make_nir("2840593066123")
OTHER_NIR = make_nir("2840593066124")


@pytest.fixture
def dept(db):
    return Department.objects.create(code="93", name="Seine-Saint-Denis")


@pytest.fixture
def other_dept(db):
    return Department.objects.create(code="75", name="Paris")


def known(department, first, last, *, nir="", birth_date=BORN, **extra):
    person = Beneficiary(department=department, first_name=first, last_name=last, birth_date=birth_date, **extra)
    if nir:
        person.set_nir(nir)
    person.save()
    matching.refresh_match_keys([person])
    return person


def incoming(row=1, first="", last="", *, nir="", birth_date=BORN, birth_name="", **extra):
    return Incoming(
        row=row,
        nir_index=nir_index(nir),
        first_key=name_key(first),
        last_key=name_key(last),
        birth_key=name_key(birth_name),
        birth_date=birth_date,
        **extra,
    )


def probable(department, *rows, **kwargs):
    return match_probable(department.pk, list(rows), **kwargs)


# --- Exact keys --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("stored", "received"), [(NIR, NIR), (NIR, NIR[:13]), (NIR[:13], NIR)])
def test_the_nir_matches_with_or_without_its_key(dept, stored, received):
    alice = known(dept, "Alice", "Durand", nir=stored)
    found = match_exact(dept.pk, [incoming(7, "Autre", "Nom", nir=received)])
    assert found == {7: matching.ExactMatch(alice.pk, "nir", "")}


def test_the_caf_number_matches_with_the_household_role(dept):
    applicant = known(dept, "Alice", "Durand", caf_number="1234567", household_role="applicant")
    partner = known(dept, "Bruno", "Durand", caf_number="1234567", household_role="partner")
    known(dept, "Chloé", "Durand", caf_number="1234567", household_role="child")
    rows = [
        incoming(1, caf_number="1234567", household_role="applicant"),
        incoming(2, caf_number="1234567", household_role="partner"),
        incoming(3, caf_number="1234567", household_role="child"),  # several children per household: no key
        incoming(4, caf_number="7654321", household_role="applicant"),
    ]
    found = match_exact(dept.pk, rows)
    assert {row: (m.beneficiary_id, m.key, m.conflict) for row, m in found.items()} == {
        1: (applicant.pk, "caf_number", ""),
        2: (partner.pk, "caf_number", ""),
    }


@pytest.mark.parametrize("key", ["france_travail_id", "internal_id"])
def test_france_travail_and_internal_ids_match(dept, key):
    alice = known(dept, "Alice", "Durand", **{key: "ID-42"})
    found = match_exact(dept.pk, [incoming(3, **{key: "ID-42"}), incoming(4, **{key: "ID-43"})])
    assert found == {3: matching.ExactMatch(alice.pk, key, "")}


def test_keys_are_tried_in_order_and_agreeing_keys_are_no_conflict(dept):
    alice = known(dept, "Alice", "Durand", nir=NIR, caf_number="1234567", france_travail_id="FT1", internal_id="I1")
    row = incoming(1, nir=NIR, caf_number="1234567", france_travail_id="FT1", internal_id="I1")
    assert match_exact(dept.pk, [row])[1] == matching.ExactMatch(alice.pk, "nir", "")
    row = incoming(1, caf_number="1234567", france_travail_id="FT1", internal_id="I1")
    assert match_exact(dept.pk, [row])[1].key == "caf_number"
    assert match_exact(dept.pk, [incoming(1, france_travail_id="FT1", internal_id="I1")])[1].key == "france_travail_id"


def test_keys_pointing_to_two_people_are_a_conflict(dept):
    alice = known(dept, "Alice", "Durand", nir=NIR)
    known(dept, "Bruno", "Martin", france_travail_id="FT1")
    found = match_exact(dept.pk, [incoming(1, nir=NIR, france_travail_id="FT1")])[1]
    assert found.beneficiary_id == alice.pk and found.key == "nir"
    assert found.conflict == "Le NIR et l'identifiant France Travail désignent deux personnes différentes."


def test_a_nir_other_than_the_one_of_the_person_found_is_a_conflict(dept):
    alice = known(dept, "Alice", "Durand", nir=NIR, internal_id="I1")
    found = match_exact(dept.pk, [incoming(1, nir=OTHER_NIR, internal_id="I1")])[1]
    assert found.beneficiary_id == alice.pk and found.key == "internal_id"
    assert found.conflict == "Le NIR reçu diffère de celui de la personne trouvée par l'identifiant interne."
    bruno = known(dept, "Bruno", "Martin", internal_id="I2")  # no NIR known yet: the row brings it
    assert match_exact(dept.pk, [incoming(1, nir=OTHER_NIR, internal_id="I2")])[1] == matching.ExactMatch(
        bruno.pk, "internal_id", ""
    )


def test_one_key_shared_by_two_people_is_a_conflict(dept):
    first = known(dept, "Alice", "Durand", internal_id="I1")
    known(dept, "Bruno", "Martin", internal_id="I1")
    found = match_exact(dept.pk, [incoming(1, internal_id="I1")])[1]
    assert found.beneficiary_id == first.pk
    assert found.conflict == "L'identifiant interne désigne plusieurs personnes."


def test_a_merged_file_leads_to_the_file_that_survived(dept):
    survivor = known(dept, "Alice", "Durand", nir=NIR)
    absorbed = known(dept, "Alice", "Durant", france_travail_id="FT1")
    Beneficiary.objects.filter(pk=absorbed.pk).update(merged_into=survivor)
    found = match_exact(dept.pk, [incoming(1, france_travail_id="FT1"), incoming(3, france_travail_id="FT1", nir=NIR)])
    assert found == {
        1: matching.ExactMatch(survivor.pk, "france_travail_id", ""),
        3: matching.ExactMatch(survivor.pk, "nir", ""),  # both keys lead to the survivor: no conflict
    }
    candidates = probable(dept, incoming(2, "Alice", "Durant"))[2]
    assert [c.beneficiary_id for c in candidates] == [survivor.pk]


def test_a_file_of_another_departement_is_never_matched_but_reported(dept, other_dept):
    elsewhere = known(other_dept, "Alice", "Durand", nir=NIR, france_travail_id="FT1")
    row = incoming(1, "Alice", "Durand", nir=NIR, france_travail_id="FT1")
    assert match_exact(dept.pk, [row]) == {}
    assert probable(dept, row) == {}
    assert matching.known_elsewhere(dept.pk, [nir_index(NIR), nir_index(OTHER_NIR)]) == {nir_index(NIR): other_dept.pk}
    assert matching.known_elsewhere(other_dept.pk, [nir_index(NIR)]) == {}
    assert match_exact(other_dept.pk, [row])[1].beneficiary_id == elsewhere.pk


# --- Probable matches ----------------------------------------------------------------------------------------


def best(department, row, **kwargs):
    found = probable(department, row, **kwargs).get(row.row, [])
    return found[0] if found else None


@pytest.mark.parametrize(
    ("stored", "received", "reason"),
    [
        (("Hélène", "Lefèvre-Dupré"), ("HELENE", "LEFEVRE DUPRE"), "même nom"),
        (("Jean-Pierre", "Martin"), ("Jean", "Martin"), "prénom composé en partie identique"),
        (("Jean", "Martin Dupont"), ("Jean", "Dupont"), "nom composé en partie identique"),
        (("Jean", "Lefèvre"), ("Jean", "Le Fèvre"), "même nom"),
        (("Jean", "Martin"), ("Martin", "Jean"), "prénom et nom inversés"),
        (("Sophie", "Dupont"), ("Sophie", "Dupomt"), "faute de frappe probable sur le nom"),
        (("Sophie", "Dupont"), ("Sophie", "Bupont"), "faute de frappe probable sur le nom"),
        (("Sophie", "Dupont"), ("Sohpie", "Dupont"), "faute de frappe probable sur le prénom"),
        (("Léa", "Nguyen"), ("Lea", "Ngyuen"), "faute de frappe probable sur le nom"),
    ],
)
def test_probable_matches_of_each_kind(dept, stored, received, reason):
    file = known(dept, *stored, sex="f")
    found = best(dept, incoming(5, *received, sex="f"))
    assert found is not None and found.beneficiary_id == file.pk
    assert found.score >= matching.PROBABLE_THRESHOLD
    assert "même date de naissance" in found.reasons and reason in found.reasons


def test_the_birth_name_used_as_last_name_is_a_probable_match(dept):
    file = known(dept, "Fatima", "Benali", birth_name="Haddad", sex="f")
    found = best(dept, incoming(1, "Fatima", "Haddad", sex="f"))
    assert found.beneficiary_id == file.pk and "nom de naissance identique" in found.reasons
    other = known(dept, "Nadia", "Haddad", birth_date=datetime.date(1990, 1, 1), sex="f")
    found = best(dept, incoming(2, "Nadia", "Kaci", birth_name="Haddad", birth_date=datetime.date(1990, 1, 1)))
    assert found.beneficiary_id == other.pk and "nom de naissance identique" in found.reasons


@pytest.mark.parametrize(
    ("stored", "received"),
    [
        ("Marie", "Marion"),  # siblings: same birth date (twins) and last name, another first name
        ("Lucas", "Louis"),
        ("Jean-Luc", "Jean-Pierre"),
        ("Thomas", "Nathan"),
    ],
)
def test_siblings_are_not_probable_matches(dept, stored, received):
    known(dept, stored, "Martin", sex="m")
    assert probable(dept, incoming(1, received, "Martin", sex="m")) == {}


def test_twins_of_different_sex_are_not_probable_matches(dept):
    known(dept, "Camille", "Martin", sex="f")
    known(dept, "Louis", "Petit", sex="m")
    assert probable(dept, incoming(1, "Camille", "Martin", sex="m"), incoming(2, "Louise", "Petit", sex="f")) == {}
    # Without the sex on one side, the same names are a probable match.
    assert probable(dept, incoming(3, "Camille", "Martin"))[3][0].score == 1.0


def test_two_different_nirs_are_two_people(dept):
    known(dept, "Sophie", "Dupont", nir=NIR)
    assert probable(dept, incoming(1, "Sophie", "Dupont", nir=OTHER_NIR)) == {}
    assert "NIR absent d'un côté" in probable(dept, incoming(2, "Sophie", "Dupont"))[2][0].reasons


def test_another_birth_date_or_none_is_no_probable_match(dept):
    known(dept, "Sophie", "Dupont")
    assert probable(dept, incoming(1, "Sophie", "Dupont", birth_date=datetime.date(1984, 5, 13))) == {}
    assert probable(dept, incoming(2, "Sophie", "Dupont", birth_date=None)) == {}


def test_candidates_are_sorted_and_a_file_is_never_its_own_candidate(dept):
    exact = known(dept, "Sophie", "Dupont")
    typo = known(dept, "Sophie", "Dupond")
    found = probable(dept, incoming(1, "Sophie", "Dupont"))[1]
    assert [c.beneficiary_id for c in found] == [exact.pk, typo.pk] and found[0].score > found[1].score
    found = probable(dept, incoming(2, "Sophie", "Dupont", beneficiary_id=exact.pk))[2]
    assert [c.beneficiary_id for c in found] == [typo.pk]
    assert probable(dept, incoming(3, "Sophie", "Dupond"), threshold=1.0)[3][0].beneficiary_id == typo.pk


# --- Blocking keys -----------------------------------------------------------------------------------------


def test_name_key_is_unchanged():
    assert name_key("Lefèvre-D'Aubigné") == "LEFEVRE D AUBIGNE"
    assert name_key("  ") == "" and name_key("") == ""


def test_block_keys_survive_a_swap_a_typo_and_a_compound_name():
    keys = block_keys(BORN, "MARTIN", "JEAN PIERRE", "LE")
    assert keys == {"19840512MART", "19840512JEAN", "19840512PIER", "19840512LE"}
    assert block_keys(BORN, "JEAN PIERRE", "MARTIN", "LE") == keys
    assert keys & block_keys(BORN, "MATRIN", "JEAN PIERRE") == {"19840512JEAN", "19840512PIER"}
    assert keys & block_keys(BORN, "MARTIN DURAND", "JAEN") == {"19840512MART"}
    assert block_keys(None, "MARTIN", "JEAN") == set()
    assert name_likeness("MARIE", "MARION")[0] <= 0.75 and name_likeness("DUPONT", "BUPONT")[0] >= 0.9


def test_write_match_keys_replaces_the_keys_in_two_statements(dept):
    people = [known(dept, f"Prénom{i}", "Durand") for i in range(30)]
    for person in people:
        person.last_name = "Martin"
    with CaptureQueriesContext(connection) as queries:
        matching.write_match_keys(dept.pk, people)
    assert len([q for q in queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]) == 2
    blocks = set(MatchKey.objects.filter(beneficiary=people[0]).values_list("block", flat=True))
    assert blocks == block_keys(BORN, "MARTIN", "PRENOM")


def test_editing_a_name_refreshes_the_keys(dept):
    from parcours.accounts.models import User

    user = User.objects.create_user("cip-matching@parcours.test", None)
    file = known(dept, "Sophie", "Dupont")
    update_beneficiary(
        file, by=user, expected_version=file.version, changes={"last_name": "Garnier"}, section=Section.IDENTITY
    )
    assert probable(dept, incoming(1, "Sophie", "Garnier"))[1][0].beneficiary_id == file.pk
    assert probable(dept, incoming(2, "Sophie", "Dupont")) == {}


# --- SQL count ---------------------------------------------------------------------------------------------


def statements(func, *args, **kwargs) -> int:
    with CaptureQueriesContext(connection) as queries:
        func(*args, **kwargs)
    return len(queries)


def test_sql_count_does_not_grow_with_the_rows(dept):
    people = [known(dept, f"Prénom{i}", f"Nom{i}", internal_id=f"I{i}") for i in range(20)]

    def rows(n):
        return [
            incoming(i, f"Prénom{i % 20}", f"Nom{i % 20}", internal_id=f"I{i}", nir=make_nir(f"1840593{i:06d}"))
            for i in range(n)
        ]

    small, large = rows(10), rows(1000)
    assert statements(match_exact, dept.pk, small) == statements(match_exact, dept.pk, large) == 1
    assert statements(match_probable, dept.pk, small) == statements(match_probable, dept.pk, large) == 1
    assert len(match_probable(dept.pk, large)) == 1000 and len(match_exact(dept.pk, large)) == 20
    many = people * 50
    assert statements(matching.write_match_keys, dept.pk, many[:10]) == statements(
        matching.write_match_keys, dept.pk, many
    )


def test_an_incoming_row_is_built_from_a_parsed_person(dept):
    alice = known(dept, "Alice", "Durand", nir=NIR, caf_number="1234567")
    row = matching.incoming_from_person(
        4,
        {"first_name": "Alice", "last_name": "DURAND", "nir": NIR[:13], "birth_date": BORN, "sex": "f"},
        {"caf_number": "1234567"},
    )
    assert (row.last_key, row.caf_number, row.household_role) == ("DURAND", "1234567", "applicant")
    assert match_exact(dept.pk, [row])[4] == matching.ExactMatch(alice.pk, "nir", "")


def test_name_keys_spell_out_letters_without_accents():
    assert name_key("Kızıltunç") == name_key("KIZILTUNÇ") == "KIZILTUNC"
    assert name_key("Strauß") == "STRAUSS" and name_key("Cœur") == "COEUR"


def test_a_particle_alone_is_not_part_of_a_compound_name(dept):
    known(dept, "Emmanuel", "Da Silva", sex="m")
    assert probable(dept, incoming(1, "Emmanuel", "Da", sex="m")) == {}
    assert probable(dept, incoming(2, "Emmanuel", "Silva", sex="m"))[2][0].score >= matching.PROBABLE_THRESHOLD


def test_below_the_sex_penalty_a_file_of_the_other_sex_is_scored_with_it(dept):
    file = known(dept, "Camille", "Martin", sex="f")
    found = probable(dept, incoming(1, "Camille", "Martin", sex="m"), threshold=0.5)[1][0]
    assert found.beneficiary_id == file.pk and found.score == 0.7 and "sexe différent" in found.reasons


def test_rebuild_match_keys_recomputes_every_file(dept):
    people = [known(dept, f"Prénom{i}", "Durand") for i in range(5)]
    MatchKey.objects.all().delete()
    assert matching.rebuild_match_keys(dept.pk, batch=2) == 5
    assert set(MatchKey.objects.filter(beneficiary=people[4]).values_list("block", flat=True)) == block_keys(
        BORN, "DURAND", "PRENOM"
    )
