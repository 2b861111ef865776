"""The CAF/MSA flux reader (parcours.intake.flux) and the flux generator (parcours.intake.fluxgen). No database."""

import datetime
import resource
import time
import tracemalloc

import pytest
from lxml import etree

from parcours.intake import caf_codes, flux, flux_stream
from parcours.intake.flux import SAMPLE_PATH, XSD_PATH, read_flux
from parcours.intake.fluxgen import FluxHousehold, FluxPerson, full_nir, synthetic_households, write_flux
from parcours.intake.records import Record, Rejection, Unreadable
from parcours.people.enums import HouseholdRole, RsaStatus
from parcours.people.identity import name_key

REF = datetime.date(2025, 3, 31)


def write(tmp_path, households, name="flux.xml", **kwargs):
    path = tmp_path / name
    kwargs.setdefault("reference_date", REF)
    kwargs.setdefault("department_code", "93")
    write_flux(path, households, **kwargs)
    return path


def household(caf, *persons, **extra):
    extra.setdefault("commune_insee", "93008")
    extra.setdefault("postal_code", "93000")
    extra.setdefault("town", "BOBIGNY")
    extra.setdefault("street_number", "12")
    extra.setdefault("street_name", "JEAN JAURES")
    return FluxHousehold(caf_number=caf, persons=list(persons), **extra)


def person(last, first, born=datetime.date(1985, 4, 2), **extra):
    return FluxPerson(last_name=last, first_name=first, birth_date=born, **extra)


def schema():
    return etree.XMLSchema(etree.parse(str(XSD_PATH)))


# --- the CNAF sample ------------------------------------------------------------------------------------------


def test_the_sample_flux_yields_its_person_with_the_expected_values():
    reader = read_flux(SAMPLE_PATH)
    header = reader.header
    assert (header.flux_type, header.nature) == ("M", "D")
    assert header.created_on == datetime.date(2022, 3, 5)
    assert header.reference_date == datetime.date(2022, 2, 28)
    assert header.department_code == "52"
    assert header.flux_type_label == "Flux mensuel"
    assert reader.count() == 1

    [record] = list(reader)
    assert isinstance(record, Record)
    assert record.row == 1
    assert record.place == "foyer n° 1 (matricule 2089564), personne n° 1"
    assert record.person == {
        "household_role": HouseholdRole.PARTNER,
        "last_name": "Bullock",
        "first_name": "Eta",
        "birth_name": "Bullock",
        "birth_date": datetime.date(1973, 7, 21),
        "sex": "f",
        "nir": "2730799404078",
        "france_travail_id": "1253359X",
        "rights_and_duties": True,
        "caf_number": "2089564",
        "homeless": False,
        "commune_insee": "92044",
        "address_line": "25 RUE HENRI BARBUSSE",
    }
    assert record.household == {
        "caf_number": "2089564",
        "caf_body": "CAF",
        "rsa_status": RsaStatus.OPEN_PAYABLE,
        "rsa_since": datetime.date(2018, 8, 6),
        "rsa_request_number": "01024041052",
        "suspension_reason": "",
        "suspended_since": None,
        "closure_reason": "",
        "closed_on": None,
    }
    assert record.raw["MATRICULE"] == "208956400000000"
    assert (record.raw["CODEPOS"], record.raw["NOMCOM"]) == ("92300", "LEVALLOIS PERRET")


def test_the_sample_and_the_schema_copied_in_the_repository_agree():
    assert schema().validate(etree.parse(str(SAMPLE_PATH)))


@pytest.mark.parametrize(
    ("ideparte", "code"), [("052", "52"), ("093", "93"), ("02A", "2A"), ("2B", "2B"), ("971", "971"), ("", "")]
)
def test_department_codes_of_the_flux_become_department_codes(ideparte, code):
    assert flux.department_code(ideparte) == code


@pytest.mark.parametrize(
    ("matricule", "number"),
    [
        ("208956400000000", "2089564"),
        ("000000001234567", "1234567"),
        ("0123456", "123456"),
        ("1234567890123", "1234567890123"),  # an MSA number or a NIR is not cut
    ],
)
def test_matricules_lose_the_zeros_the_caf_pads_them_with(matricule, number):
    assert flux.caf_number(matricule) == number


# --- validation: a bad element is reported, the others are read ---------------------------------------------


def test_invalid_people_are_rejected_with_their_place_and_a_french_reason_while_the_others_are_read(tmp_path):
    households = [
        household("1000001", person("MARTIN", "CLAIRE", sex="f", nir="2850493008123")),
        household("1000002", person("DURAND", "LEA", "1980-02-31")),  # 31 February
        household(
            "1000003",
            person("PETIT", "MARC", sex="m"),
            person(None, "ANNE", role="CJT"),  # no last name
            person("PETIT", "LUC", datetime.date(2015, 1, 1), role="ENF", rights_and_duties=False),
        ),
        household("1000004", person("ROUX", "PAUL", sex="m"), rsa_status="9"),  # unknown état du droit
        household("1000005", person("FAURE", "NINA", nir="285049300812399")),  # wrong key
        household("1000006", person("BLANC", "ALIX", rights_and_duties="2")),
        household("1000007", person("NOEL", "IRIS"), rsa_status="4", suspension_reason="ZZ"),
        household("1000008", person("LEROY", "EMMA", nir="28504")),
        household("1000009", person("GIRARD", "JADE")),
    ]
    reader = read_flux(write(tmp_path, households))
    assert reader.count() == 10
    assert reader.skipped == 1
    items = list(reader)
    assert [item.row for item in items] == list(range(1, 11))
    assert reader.skipped == 1  # the child is not a person to accompany

    rejected = {item.place: item.reason for item in items if isinstance(item, Rejection)}
    assert rejected == {
        "foyer n° 2 (matricule 1000002), personne n° 1": "Date de naissance illisible : « 1980-02-31 »",
        "foyer n° 3 (matricule 1000003), personne n° 2": "Nom (NOM) absent",
        "foyer n° 4 (matricule 1000004), personne n° 1": "État du droit RSA inconnu : « 9 » (0 à 6 attendu)",
        "foyer n° 5 (matricule 1000005), personne n° 1": "Clé du NIR incorrecte : « 285049300812399 »",
        "foyer n° 6 (matricule 1000006), personne n° 1": (
            "Indicateur « droits et devoirs » illisible : « 2 » (0 ou 1 attendu)"
        ),
        "foyer n° 7 (matricule 1000007), personne n° 1": "Motif de suspension du versement inconnu : « ZZ »",
        "foyer n° 8 (matricule 1000008), personne n° 1": ("NIR de 5 caractères (13 ou 15 attendus) : « 28504 »"),
    }
    read = [item for item in items if isinstance(item, Record)]
    assert [r.person["last_name"] for r in read] == ["Martin", "Petit", "Girard"]
    assert read[0].person["nir"] == "2850493008123"
    bad_date = next(item for item in items if item.row == 2)
    assert bad_date.raw["DTNAI"] == "1980-02-31" and bad_date.raw["NOM"] == "DURAND"


def test_several_problems_of_one_person_are_all_given(tmp_path):
    households = [household("1000001", person(None, None, "hier", sex="x"), rsa_status="")]
    [rejection] = list(read_flux(write(tmp_path, households)))
    assert rejection.reason == (
        "État du droit RSA (ETATDOSRSA) absent ; Nom (NOM) absent ; Prénom (PRENOM) absent ; "
        "Date de naissance illisible : « hier » ; Sexe inconnu : « x » (1 ou 2 attendu)"
    )


def test_a_birth_date_in_the_future_is_rejected(tmp_path):
    households = [household("1000001", person("ROUX", "ZOE", REF + datetime.timedelta(days=1)))]
    [rejection] = list(read_flux(write(tmp_path, households)))
    assert rejection.reason == "Date de naissance dans le futur : « 2025-04-01 »"


def test_a_person_without_an_rsa_role_is_rejected_not_skipped(tmp_path):
    path = write(tmp_path, [household("1000001", person("ROUX", "ZOE")), household("1000002", person("BLANC", "LOU"))])
    text = path.read_text(encoding="windows-1252")
    path.write_text(text.replace("<NATPREST>RSA</NATPREST>", "<NATPREST>AAH</NATPREST>", 1), encoding="windows-1252")
    reader = read_flux(path)
    assert reader.count() == 2
    first, second = list(reader)
    assert isinstance(first, Rejection) and "Rôle de la personne dans le RSA absent" in first.reason
    assert isinstance(second, Record)


def test_a_household_without_anyone_is_one_rejection(tmp_path):
    path = write(tmp_path, [household("1000001"), household("1000002", person("ROUX", "ZOE"))])
    reader = read_flux(path)
    assert reader.count() == 2
    empty, record = list(reader)
    assert (empty.row, empty.place, empty.reason) == (
        1,
        "foyer n° 1 (matricule 1000001)",
        "Foyer sans aucune personne",
    )
    assert (record.row, record.place) == (2, "foyer n° 2 (matricule 1000002), personne n° 1")


def test_household_facts_suspension_and_closure(tmp_path):
    since = datetime.date(2025, 1, 6)
    households = [
        household("1000001", person("ROUX", "ZOE"), rsa_status="4", suspension_reason="06", suspended_since=since),
        household("1000002", person("BLANC", "LOU"), rsa_status="5", closure_reason="ECH", closed_on=since),
        household(
            "1000003",
            person("NOEL", "ELIA"),
            rsa_status="6",
            closure_reason="RFD",
            closed_on=since,
            closed_previous_month=True,
            caf_body="MSA",
            homeless=True,
        ),
    ]
    suspended, closed, previous = list(read_flux(write(tmp_path, households)))
    assert suspended.household["rsa_status"] == RsaStatus.OPEN_PAYMENT_SUSPENDED
    assert (suspended.household["suspension_reason"], suspended.household["suspended_since"]) == ("06", since)
    assert caf_codes.suspension_label("06") == "Déclaration trimestrielle ressources non fournie"
    assert closed.household["rsa_status"] == RsaStatus.CLOSED
    assert (closed.household["closure_reason"], closed.household["closed_on"]) == ("ECH", since)
    assert previous.household["rsa_status"] == RsaStatus.CLOSED_PREVIOUS
    assert (previous.household["closure_reason"], previous.household["caf_body"]) == ("RFD", "MSA")
    assert previous.person["homeless"] is True
    assert suspended.person["homeless"] is False


def test_every_code_of_the_domain_tables_is_accepted(tmp_path):
    households = [
        household(f"{2000000 + i}", person("ROUX", "ZOE"), rsa_status="4", suspension_reason=code)
        for i, code in enumerate(caf_codes.SUSPENSION_REASONS)
    ] + [
        household(f"{3000000 + i}", person("ROUX", "ZOE"), rsa_status="5", closure_reason=code)
        for i, code in enumerate(caf_codes.CLOSURE_REASONS)
    ]
    items = list(read_flux(write(tmp_path, households)))
    assert all(isinstance(item, Record) for item in items)
    assert len(items) == len(caf_codes.SUSPENSION_REASONS) + len(caf_codes.CLOSURE_REASONS)
    assert set(caf_codes.RSA_STATUS.values()) == set(RsaStatus) - {RsaStatus.NONE}


# --- encodings ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["windows-1252", "UTF-8"])
def test_accented_names_read_in_windows_1252_and_in_utf_8(tmp_path, encoding):
    households = [
        household("1000001", person("Lefèvre", "Éloïse", birth_name="Müller-Ñúñez", sex="f")),
        household("1000002", person("LEFÈVRE", "ÉLOÏSE")),
    ]
    path = write(tmp_path, households, encoding=encoding)
    data = path.read_bytes()
    assert "Éloïse".encode(encoding) in data
    mixed, capitals = list(read_flux(path))
    assert (mixed.person["first_name"], mixed.person["last_name"]) == ("Éloïse", "Lefèvre")
    assert mixed.person["birth_name"] == "Müller-Ñúñez"
    assert (capitals.person["first_name"], capitals.person["last_name"]) == ("Éloïse", "Lefèvre")
    assert capitals.raw["NOM"] == "LEFÈVRE"


def test_characters_windows_1252_cannot_hold_are_written_as_references(tmp_path):
    path = write(tmp_path, [household("1000001", person("Nguyễn", "Thảo"))])
    assert b"&#7877;" in path.read_bytes()
    [record] = list(read_flux(path))
    assert record.person["last_name"] == "Nguyễn"


# --- unreadable files ------------------------------------------------------------------------------------------


def unreadable_message(path) -> str:
    reader = read_flux(path)
    with pytest.raises(Unreadable) as counted:
        reader.count()
    with pytest.raises(Unreadable) as iterated:
        list(read_flux(path))
    assert str(counted.value) == str(iterated.value)
    return str(counted.value)


def test_a_file_that_is_not_xml_is_unreadable(tmp_path):
    path = tmp_path / "flux.xml"
    path.write_text("NOM;PRENOM\nMARTIN;CLAIRE\n", encoding="utf-8")
    assert unreadable_message(path) == (
        "Ce fichier n'est pas un fichier XML (ligne 1) : un flux CAF/MSA commence par « <?xml »."
    )


def test_an_empty_file_is_unreadable(tmp_path):
    path = tmp_path / "flux.xml"
    path.write_bytes(b"")
    assert unreadable_message(path) == "Le fichier est vide."


def test_a_truncated_file_is_unreadable_and_says_where_it_stops(tmp_path):
    path = write(tmp_path, synthetic_households(40, seed=1, department_code="93"))
    data = path.read_bytes()
    cut = data[: len(data) // 2]
    path.write_bytes(cut)
    message = unreadable_message(path)
    assert message.startswith("Le fichier est tronqué : il s'arrête avant la fin du flux (ligne ")
    assert f"(ligne {cut.count(b'\n') + 1})" in message


def test_a_truncated_file_inside_a_resources_block_gives_the_file_s_last_line(tmp_path):
    path = write(tmp_path, synthetic_households(10, seed=1, department_code="93"))
    data = path.read_bytes()
    cut = data[: data.rindex(b"<MOISRESS>")]
    path.write_bytes(cut)
    assert f"(ligne {cut.count(b'\n') + 1})" in unreadable_message(path)


def test_a_malformed_element_after_skipped_blocks_gives_its_own_line(tmp_path):
    path = write(tmp_path, synthetic_households(10, seed=1, department_code="93"))
    lines = path.read_bytes().split(b"\n")
    target = max(i for i, line in enumerate(lines) if b"<NOM>" in line)
    lines[target] = lines[target].replace(b"</NOM>", b"</NMO>")
    path.write_bytes(b"\n".join(lines))
    message = unreadable_message(path)
    assert f"ligne {target + 1}" in message and "mal formé" in message


def test_a_wrong_root_is_unreadable(tmp_path):
    path = tmp_path / "flux.xml"
    path.write_text('<?xml version="1.0"?>\n<Flux><InfosFoyerRSA/></Flux>\n', encoding="utf-8")
    assert unreadable_message(path) == (
        "L'élément racine est « Flux » (ligne 2) : un flux CAF/MSA « bénéficiaires » commence par « Racine »."
    )


def test_bytes_that_do_not_match_the_declared_encoding_are_unreadable(tmp_path):
    path = write(tmp_path, [household("1000001", person("LEFÈVRE", "ÉLOÏSE"))], encoding="windows-1252")
    path.write_bytes(path.read_bytes().replace(b'encoding="windows-1252"', b'encoding="UTF-8"'))
    assert "ne correspond pas à l'encodage déclaré" in unreadable_message(path)


def test_a_flux_without_identification_is_unreadable(tmp_path):
    path = tmp_path / "flux.xml"
    path.write_text('<?xml version="1.0"?>\n<Racine><TransmissionFlux/></Racine>\n', encoding="utf-8")
    assert "IdentificationFlux" in unreadable_message(path)


# --- the generator ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["windows-1252", "UTF-8"])
def test_generated_files_are_valid_against_the_schema(tmp_path, encoding):
    households = list(synthetic_households(60, seed=4, department_code="93"))
    path = write(tmp_path, households, encoding=encoding, flux_type="M")
    document = etree.parse(str(path))
    xsd = schema()
    assert xsd.validate(document), xsd.error_log
    assert document.findtext("TransmissionFlux/NBTOTDOSRSATRANSM") == f"{len(households):08d}"


def test_generated_households_round_trip_through_the_reader(tmp_path):
    households = list(synthetic_households(300, seed=8, department_code="93"))
    adults = [(h, p) for h in households for p in h.persons if p.role in ("DEM", "CJT")]
    assert len(adults) == 300
    reader = read_flux(write(tmp_path, households))
    assert reader.header.department_code == "93"
    assert reader.count() == 300
    items = list(reader)
    assert all(isinstance(item, Record) for item in items), [i for i in items if isinstance(i, Rejection)][:3]
    assert reader.skipped == sum(len(h.persons) for h in households) - 300
    for (h, p), record in zip(adults, items, strict=True):
        assert name_key(record.person["last_name"]) == name_key(p.last_name)
        assert name_key(record.person["first_name"]) == name_key(p.first_name)
        assert record.person["birth_date"] == p.birth_date
        assert record.person["nir"] == p.nir
        assert record.person["household_role"] == flux.ROLES[p.role]
        assert record.person["rights_and_duties"] == p.rights_and_duties
        assert record.person.get("france_travail_id") == p.france_travail_id
        assert record.household["caf_number"] == h.caf_number
        assert record.household["rsa_status"] == caf_codes.RSA_STATUS[h.rsa_status]
        assert record.household["suspension_reason"] == (h.suspension_reason or "")
        assert record.household["closure_reason"] == (h.closure_reason or "")
        assert record.person["commune_insee"] == h.commune_insee


def test_the_generator_is_realistic_and_deterministic():
    households = list(synthetic_households(2000, seed=1, department_code="93"))
    again = list(synthetic_households(2000, seed=1, department_code="93"))
    other = list(synthetic_households(2000, seed=2, department_code="93"))
    assert households == again
    assert [h.caf_number for h in households] != [h.caf_number for h in other]
    couples = sum(1 for h in households if any(p.role == "CJT" for p in h.persons))
    assert 0.22 < couples / len(households) < 0.38
    statuses = [h.rsa_status for h in households]
    assert statuses.count("2") / len(statuses) > 0.75
    assert {"0", "3", "4", "5"} <= set(statuses)
    assert all(h.suspension_reason in caf_codes.SUSPENSION_REASONS for h in households if h.rsa_status in "34")
    assert all(h.commune_insee.startswith("93") for h in households)
    nirs = [p.nir for h in households for p in h.persons if p.nir]
    assert len(nirs) == len(set(nirs)) == 2000
    assert len({h.caf_number for h in households}) == len(households)
    assert full_nir(nirs[0])[:13] == nirs[0] and len(full_nir(nirs[0])) == 15


def test_the_generator_takes_the_communes_it_is_given():
    communes = [("2A004", "AJACCIO", "20000")]
    households = list(synthetic_households(20, seed=1, department_code="2A", communes=communes))
    assert {h.commune_insee for h in households} == {"2A004"}
    assert all(p.nir[5:7] in ("2A", "99") for h in households for p in h.persons if p.nir)


# --- streaming ----------------------------------------------------------------------------------------------------


def test_the_skimmer_gives_the_same_bytes_whatever_the_block_size(tmp_path, monkeypatch):
    path = write(tmp_path, synthetic_households(30, seed=2, department_code="93"))

    def skimmed(block):
        monkeypatch.setattr(flux_stream.Skimmer, "BLOCK", block)
        with flux_stream.Skimmer(path) as source:
            return b"".join(iter(source.read, b""))

    reference = skimmed(1 << 20)
    assert b"<Ressources>" not in reference and b"<NOM>" in reference
    assert reference.count(b"\n") == path.read_bytes().count(b"\n")
    for block in (5, 11, 13, 64, 4096):
        assert skimmed(block) == reference


def test_the_count_of_a_file_read_to_the_end_is_remembered_until_the_file_changes(tmp_path, monkeypatch):
    path = write(tmp_path, synthetic_households(12, seed=2, department_code="93"))
    reader = read_flux(path)
    items = list(reader)
    skipped = reader.skipped

    def no_second_reading(self):
        raise AssertionError("file read again")

    monkeypatch.setattr(flux.FluxFile, "_foyers", no_second_reading)
    again = read_flux(path)
    assert (again.count(), again.skipped) == (len(items), skipped) == (12, skipped)
    path.write_bytes(path.read_bytes() + b"<!-- ajout -->\n")
    with pytest.raises(AssertionError, match="file read again"):
        read_flux(path).count()


def test_reading_twice_gives_the_same_sequence(tmp_path):
    path = write(tmp_path, synthetic_households(50, seed=3, department_code="93"))
    first = [(i.row, i.place, i.person if isinstance(i, Record) else i.reason) for i in read_flux(path)]
    second = [(i.row, i.place, i.person if isinstance(i, Record) else i.reason) for i in read_flux(path)]
    assert first == second


def test_memory_stays_flat_on_a_50000_person_flux(tmp_path):
    path = write(tmp_path, synthetic_households(50_000, seed=6, department_code="93"), flux_type="M")

    def rss_mb():
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * resource.getpagesize() / 2**20

    baseline, highest, n = rss_mb(), 0.0, 0
    started = time.process_time()
    for n, _item in enumerate(read_flux(path), start=1):  # noqa: B007
        if n % 5000 == 0:
            highest = max(highest, rss_mb())
    seconds = time.process_time() - started
    assert n == 50_000
    assert highest - baseline < 100, f"RSS grew by {highest - baseline:.0f} Mo"

    tracemalloc.start()
    try:
        for _item in read_flux(path):
            pass
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 50 * 2**20, f"pic {peak / 2**20:.1f} Mo"
    print(
        f"\nflux of 50,000 people ({path.stat().st_size / 2**20:.0f} Mo): {50_000 / seconds:,.0f} persons/s read "
        f"(CPU time), RSS +{highest - baseline:.0f} Mo, tracemalloc peak {peak / 2**20:.1f} Mo"
    )
