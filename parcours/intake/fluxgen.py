"""Synthetic CAF/MSA "bénéficiaires" flux files (vrsb0801.xsd): for tests, benchmarks and demos.

``synthetic_households`` yields realistic households (deterministic for a seed) and ``write_flux`` streams them
into a file shaped like the CNAF sample (same elements, valid against the XSD), in windows-1252 or UTF-8.

    write_flux(path, synthetic_households(100_000, seed=1, department_code="93"),
               reference_date=date(2025, 3, 31), department_code="93")
"""

from __future__ import annotations

import csv
import gzip
import random
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from faker.providers.person.fr_FR import Provider as FrenchNames
from stdnum.fr import nir as stdnum_nir

from parcours.intake import caf_codes

COMMUNES_CSV = Path(__file__).resolve().parent.parent / "organizations" / "data" / "communes.csv.gz"

# A value of a FluxPerson / FluxHousehold may be a str written verbatim (tests write broken values that way);
# None leaves the element out.


@dataclass(slots=True)
class FluxPerson:
    last_name: str | None
    first_name: str | None
    birth_date: date | str | None
    sex: str = "f"  # "f" / "m" (SEXE 2 / 1)
    birth_name: str | None = None  # NOMNAI; the last name when None
    role: str = "DEM"  # ROLEPERS of the RSA benefit: DEM, CJT, ENF…
    nir: str | None = None  # 13 characters as in the CNAF files, or 15
    rights_and_duties: bool | str | None = True  # TOPPERSDRODEVORSA
    france_travail_id: str | None = None  # IDASSEDIC
    birth_town: str = ""
    with_resources: bool = True  # a Ressources block like the sample (makes the file realistic in size)


@dataclass(slots=True)
class FluxHousehold:
    caf_number: str  # the 7-digit matricule (written on 15 digits, zero-padded on the right, as the CAF does)
    persons: list[FluxPerson] = field(default_factory=list)
    caf_body: str = "CAF"
    rsa_status: str = "2"  # ETATDOSRSA
    rsa_since: date | str | None = None  # DTDEMRSA
    request_number: str = ""  # NUMDEMRSA
    suspension_reason: str | None = None  # MOTISUSVERSRSA
    suspended_since: date | str | None = None
    closure_reason: str | None = None  # MOTICLORSA
    closed_on: date | str | None = None
    closed_previous_month: bool = False  # FinDroitMoisAnterieur instead of FinDroit
    homeless: bool | str = False
    street_number: str = ""
    street_type: str = "RUE"
    street_name: str = ""
    address_complement: str = ""
    commune_insee: str = ""
    postal_code: str = ""
    town: str = ""
    department_code: str | None = None  # IDEPARTE of this foyer; the file's department when None


def _text(value) -> str:
    if type(value) is str:
        return escape(value) if ("&" in value or "<" in value or ">" in value) else value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, date):
        return value.isoformat()
    return escape(str(value))


def _el(name: str, value, indent: str) -> str:
    """One leaf element, or nothing when the value is None."""
    if value is None:
        return ""
    return f"{indent}<{name}>{_text(value)}</{name}>\n"


def flux_department(code: str) -> str:
    """IDEPARTE is written on three characters: "93" → "093", "2A" → "02A", "971" → "971"."""
    return code.rjust(3, "0")


def _person_xml(p: FluxPerson, reference_date: date) -> str:
    t = "\t\t\t\t"
    sexe = {"f": "2", "m": "1"}.get(p.sex, p.sex)
    qual = {"2": "MME", "1": "MR"}.get(sexe, "MME")
    parts = [
        "\t\t<Personne>\n\t\t\t<Identification>\n",
        _el("QUAL", qual, t),
        _el("NOM", p.last_name, t),
        _el("NOMNAI", p.birth_name if p.birth_name is not None else p.last_name, t),
        _el("PRENOM", p.first_name, t),
        _el("NOMCOMNAI", p.birth_town, t),
        _el("DTNAI", p.birth_date, t),
        _el("TYPEDTNAI", "N", t),
        _el("NIR", p.nir, t),
        _el("TOPVALIEC", "1" if p.nir else None, t),
        _el("SEXE", sexe, t),
        "\t\t\t</Identification>\n\t\t\t<DossierCAF>\n",
        _el("TOPRESPDOS", "1" if p.role == "DEM" else "0", t),
        _el("DDRATDOS", "2015-01-01", t),
        "\t\t\t</DossierCAF>\n",
    ]
    other_role = "ENF" if p.role == "ENF" else p.role
    for nature, role, charge in (("PFA", other_role, "0"), ("RSA", p.role, "1")):
        parts.append(
            f"\t\t\t<Prestations>\n{t}<NATPREST>{nature}</NATPREST>\n{t}<ROLEPERS>{_text(role)}</ROLEPERS>\n"
            f"{t}<TOPCHAPERS>{charge}</TOPCHAPERS>\n\t\t\t</Prestations>\n"
        )
    if p.france_travail_id:
        ft = _el("IDASSEDIC", p.france_travail_id, t)
        parts.append(f"\t\t\t<DossierPoleEmploi>\n{ft}\t\t\t</DossierPoleEmploi>\n")
    if p.with_resources and p.role != "ENF":
        parts.append(_resources_xml(reference_date))
    if p.rights_and_duties is not None:
        parts.append(
            "\t\t\t<MontantCalculDroitRSAPersonne>\n"
            f"{_el('TOPPERSDRODEVORSA', p.rights_and_duties, t)}\t\t\t</MontantCalculDroitRSAPersonne>\n"
        )
    parts.append("\t\t</Personne>\n")
    return "".join(parts)


@cache
def _resources_xml(reference_date: date) -> str:
    """A quarter of declared resources, three months of three lines, as in the sample."""
    end = reference_date.replace(day=1) - timedelta(days=1)
    first = (end - timedelta(days=80)).replace(day=1)
    months = [first, (first + timedelta(days=32)).replace(day=1), (first + timedelta(days=63)).replace(day=1)]
    t5, t6 = "\t" * 5, "\t" * 6
    out = [
        "\t\t\t<Ressources>\n\t\t\t\t<GeneraliteRessourcesTrimestre>\n",
        f"{t5}<TOPRESSNUL>0</TOPRESSNUL>\n{t5}<DDRESS>{first.isoformat()}</DDRESS>\n",
        f"{t5}<DFRESS>{end.isoformat()}</DFRESS>\n\t\t\t\t</GeneraliteRessourcesTrimestre>\n",
    ]
    for month in months:
        out.append(
            f"\t\t\t\t<RessourcesMensuelles>\n{t5}<GeneraliteRessourcesMensuelles>\n"
            f"{t6}<MOISRESS>{month.isoformat()}</MOISRESS>\n{t6}<NBHEUMENTRA>000</NBHEUMENTRA>\n"
            f"{t5}</GeneraliteRessourcesMensuelles>\n"
        )
        for nature, amount in (("001", "0000000.00"), ("010", "0000045.00"), ("044", "0000000.00")):
            out.append(
                f"{t5}<DetailRessourcesMensuelles>\n{t6}<NATRESS>{nature}</NATRESS>\n"
                f"{t6}<MTNATRESSMEN>{amount}</MTNATRESSMEN>\n{t5}</DetailRessourcesMensuelles>\n"
            )
        out.append("\t\t\t\t</RessourcesMensuelles>\n")
    out.append("\t\t\t</Ressources>\n")
    return "".join(out)


def _household_xml(h: FluxHousehold, department: str, reference_date: date) -> str:
    t3, t4, t5 = "\t\t\t", "\t\t\t\t", "\t\t\t\t\t"
    matricule = h.caf_number.ljust(15, "0") if h.caf_number.isdigit() else h.caf_number
    body = h.caf_body if h.caf_body is not None else "CAF"
    parts = [
        "\t<InfosFoyerRSA>\n\t\t<IdentificationRSA>\n\t\t\t<Organisme>\n",
        _el("FONORG", body, t4),
        _el("NUMORG", (department[-2:] + "1")[-3:], t4),
        _el("MATRICULE", matricule, t4),
        "\t\t\t</Organisme>\n\t\t\t<Partenaire>\n",
        _el("TYPEPARTE", "CG", t4),
        _el("IDEPARTE", flux_department(h.department_code or department), t4),
        "\t\t\t</Partenaire>\n\t\t\t<DemandeRSA>\n",
        _el("DTDEMRSA", h.rsa_since or reference_date, t4),
        _el("NUMDEMRSA", h.request_number, t4),
        "\t\t\t</DemandeRSA>\n\t\t</IdentificationRSA>\n",
    ]
    parts.extend(_person_xml(p, reference_date) for p in h.persons)
    couple = sum(1 for p in h.persons if p.role in ("DEM", "CJT")) > 1
    parts += [
        "\t\t<DonneesAdministratives>\n\t\t\t<SituationFamille>\n",
        _el("SITFAM", "MAR" if couple else "CEL", t4),
        _el("DDSITFAM", "2010-01-01", t4),
        "\t\t\t</SituationFamille>\n\t\t\t<Adresse>\n\t\t\t\t<TroncCommunAdresse>\n",
        f"{t5}<RGADR>01</RGADR>\n{t5}<PAYS>FRA</PAYS>\n{t5}<TYPEADR>D</TYPEADR>\n{t5}<ETATADR>CO</ETATADR>\n",
        "\t\t\t\t</TroncCommunAdresse>\n",
    ]
    if h.commune_insee:
        parts += [
            "\t\t\t\t<AdresseDetailleeFrance>\n",
            _el("COMPLIDEADR", "", t5),
            _el("COMPLADR", h.address_complement, t5),
            _el("NUMVOIE", h.street_number, t5),
            _el("LIBTYPEVOIE", h.street_type, t5),
            _el("NOMVOIE", h.street_name, t5),
            _el("LIEUDIST", "", t5),
            _el("NUMCOM", h.commune_insee, t5),
            _el("CODEPOS", h.postal_code, t5),
            _el("NOMCOM", h.town, t5),
            "\t\t\t\t</AdresseDetailleeFrance>\n",
        ]
    parts += [
        "\t\t\t</Adresse>\n\t\t</DonneesAdministratives>\n",
        f"\t\t<PrestationRSA>\n{t3}<SituationDossierRSA>\n{t4}<EtatDossierRSA>\n",
        _el("ETATDOSRSA", h.rsa_status, t5),
        f"{t4}</EtatDossierRSA>\n",
    ]
    if h.suspension_reason is not None:
        parts += [
            f"{t4}<SuspensionVersement>\n",
            _el("MOTISUSVERSRSA", h.suspension_reason, t5),
            _el("DDSUSVERSRSA", h.suspended_since or reference_date, t5),
            f"{t4}</SuspensionVersement>\n",
        ]
    if h.closure_reason is not None:
        block = "FinDroitMoisAnterieur" if h.closed_previous_month else "FinDroit"
        parts += [
            f"{t4}<{block}>\n",
            _el("MOTICLORSA", h.closure_reason, t5),
            _el("DTCLORSA", h.closed_on or reference_date, t5),
            f"{t4}</{block}>\n",
        ]
    parts += [
        f"{t3}</SituationDossierRSA>\n{t3}<DetailDroitRSA>\n{t4}<TroncCommunDroitRSA>\n",
        _el("TOPSANSDOMFIXE", h.homeless, t5),
        _el("ORIDEMRSA", "DEM", t5),
        f"{t4}</TroncCommunDroitRSA>\n{t3}</DetailDroitRSA>\n\t\t</PrestationRSA>\n\t</InfosFoyerRSA>\n",
    ]
    return "".join(parts)


def write_flux(
    path,
    households: Iterable[FluxHousehold],
    *,
    reference_date: date,
    department_code: str,
    encoding: str = "windows-1252",
    flux_type: str = "J",
    nature: str = "D",
) -> int:
    """Stream the households into a vrsb0801 file; returns the number of InfosFoyerRSA written.

    flux_type is TYPEFLUX ("J"/"I" daily, "M" monthly, "R" full stock), nature NATFLUX ("D" bénéficiaires).
    Characters the encoding cannot hold are written as character references (still valid XML).
    """
    created = reference_date + timedelta(days=1)
    written = 0
    ascii_compatible = "a<".encode(encoding) == b"a<"

    def encode(text: str) -> bytes:
        if ascii_compatible and text.isascii():  # the common case, much faster than the windows-1252 codec
            return text.encode("ascii")
        return text.encode(encoding, "xmlcharrefreplace")

    with open(path, "wb") as out:
        out.write(
            encode(
                f'<?xml version="1.0" encoding="{encoding}"?>\n'
                '<Racine xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                'xsi:noNamespaceSchemaLocation="vrsb0801.xsd">\n'
                "\t<IdentificationFlux>\n\t\t<APPLIEME>CRI</APPLIEME>\n"
                "\t\t<NUMVERSIONAPPLIEME>6200</NUMVERSIONAPPLIEME>\n"
                f"\t\t<TYPEFLUX>{escape(flux_type)}</TYPEFLUX>\n\t\t<NATFLUX>{escape(nature)}</NATFLUX>\n"
                f"\t\t<DTCREAFLUX>{created.isoformat()}</DTCREAFLUX>\n\t\t<HEUCREAFLUX>02:00:00.0000</HEUCREAFLUX>\n"
                f"\t\t<DTREF>{reference_date.isoformat()}</DTREF>\n\t</IdentificationFlux>\n"
            )
        )
        buffer = []
        for household in households:
            buffer.append(_household_xml(household, department_code, reference_date))
            written += 1
            if len(buffer) >= 500:
                out.write(encode("".join(buffer)))
                buffer.clear()
        out.write(encode("".join(buffer)))
        out.write(
            encode(
                "\t<TransmissionFlux>\n"
                f"\t\t<NBTOTDOSRSATRANSM>{written:08d}</NBTOTDOSRSATRANSM>\n"
                "\t\t<NBTOTDOSRSATRANSMANO>00000000</NBTOTDOSRSATRANSMANO>\n"
                "\t</TransmissionFlux>\n</Racine>\n"
            )
        )
    return written


# --- synthetic households -------------------------------------------------------------------------------------


def _ascii_upper(value: str) -> str:
    """CNAF files write names in capitals without accents."""
    return unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode().upper()


@cache
def department_communes(department_code: str) -> tuple[tuple[str, str, str, int], ...]:
    """(INSEE code, name, postal code, population) of the communes of a département, from the reference list."""
    rows = []
    with gzip.open(COMMUNES_CSV, "rt", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["department_code"] == department_code:
                postal = (row["postal_codes"] or "").replace(",", " ").replace(";", " ").split()
                postal = postal[0] if postal else ""
                rows.append((row["insee_code"], row["name"], postal, int(row["population"] or 0) or 1))
    return tuple(rows)


_STREET_TYPES = ("RUE", "RUE", "RUE", "AVENUE", "BOULEVARD", "ALLEE", "PLACE", "CHEMIN", "IMPASSE", "CITE")
_COMPLEMENTS = ("", "", "", "", "BAT A", "BAT B", "ESC 2", "APPT 12", "RES LES TILLEULS")
_FT_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
# Status draws: mostly open and payable, a few pending / suspended / closed (DOMAIN §1.7 codes).
_STATUS_WEIGHTS = (("2", 84), ("0", 4), ("3", 3), ("4", 4), ("5", 3), ("6", 1), ("1", 1))


def _nir13(rng: random.Random, sex: str, birth: date, department_code: str, serial: int) -> str:
    """A 13-character NIR (as in the CNAF files) unique for a serial below 980,000."""
    abroad = rng.random() < 0.2
    place = "99" if abroad else (department_code if len(department_code) == 2 else department_code[:2])
    commune = (serial // 999) % 990 + 1
    order = serial % 999 + 1
    return f"{'1' if sex == 'm' else '2'}{birth.year % 100:02d}{birth.month:02d}{place}{commune:03d}{order:03d}"


def full_nir(nir13: str) -> str:
    """The 15-character NIR: the 13 characters followed by their key."""
    return nir13 + stdnum_nir.calc_check_digits(nir13 + "00")


def synthetic_households(
    n_people: int,
    *,
    seed: int,
    department_code: str,
    communes: list[tuple[str, str, str]] | None = None,
    reference_date: date = date(2025, 3, 31),
    with_resources: bool = True,
) -> Iterator[FluxHousehold]:
    """Realistic households holding exactly ``n_people`` people to accompany (demandeur·ses and conjoint·es).

    About 30 % couples, 40 % of households with children (who are not people to accompany), RSA status mostly
    2 with a few 0/1/3/4/5/6 (suspension or closure reasons and dates), ~60 % known to France Travail, ~3 %
    homeless. ``with_resources`` writes each adult's quarter of resources (as the CNAF does; it is most of the
    file's weight, the reader skips it); False gives a lighter file. Names come from Faker's fr_FR lists, NIRs
    are well-formed (13 characters, unique within a run),
    communes are real INSEE codes of the département (weighted by population) unless ``communes`` gives
    (INSEE code, name, postal code) triples. The same arguments always yield the same households.
    """
    rng = random.Random(f"parcours-flux-{seed}-{department_code}")
    if communes is None:
        pool = department_communes(department_code)
        if not pool:
            raise ValueError(f"Aucune commune connue pour le département « {department_code} ».")
        weights = [c[3] for c in pool]
    else:
        pool = [(*c[:3], 1) for c in communes]
        weights = None
    cumulative = None
    if weights:
        cumulative, total = [], 0
        for w in weights:
            total += w
            cumulative.append(total)
    female, male, last = FrenchNames.first_names_female, FrenchNames.first_names_male, FrenchNames.last_names
    statuses = [s for s, _ in _STATUS_WEIGHTS]
    status_cumulative, acc = [], 0
    for _, w in _STATUS_WEIGHTS:
        acc += w
        status_cumulative.append(acc)
    suspension_codes = sorted(caf_codes.SUSPENSION_REASONS)
    closure_codes = sorted(caf_codes.CLOSURE_REASONS)
    first_names = female + male
    matricule_start = rng.randrange(9_000_000)
    serial_start = rng.randrange(400_000)
    people = 0
    index = 0

    def person(sex: str, role: str, birth: date, family: str, with_nir: bool) -> FluxPerson:
        nonlocal people
        first = rng.choice(female if sex == "f" else male)
        nir = _nir13(rng, sex, birth, department_code, serial_start + people) if with_nir else None
        if role in ("DEM", "CJT"):
            people += 1
        married_name = family
        birth_name = family if sex == "m" or rng.random() < 0.6 else _ascii_upper(rng.choice(last))[:28]
        ft = f"{rng.randrange(10**7):07d}{rng.choice(_FT_LETTERS)}" if role != "ENF" and rng.random() < 0.6 else None
        return FluxPerson(
            last_name=married_name,
            first_name=_ascii_upper(first)[:32],
            birth_name=birth_name,
            birth_date=birth,
            sex=sex,
            role=role,
            nir=nir,
            rights_and_duties=(rng.random() < 0.92) if role != "ENF" else False,
            france_travail_id=ft,
            birth_town="" if nir and nir[5:7] == "99" else "PARIS",
            with_resources=with_resources,
        )

    def adult_birth() -> date:
        return reference_date - timedelta(days=rng.randrange(19 * 365, 64 * 365))

    while people < n_people:
        index += 1
        family = _ascii_upper(rng.choice(last))[:28]
        couple = n_people - people >= 2 and rng.random() < 0.30
        applicant_sex = rng.choice("fm") if couple else ("f" if rng.random() < 0.55 else "m")
        persons = [person(applicant_sex, "DEM", adult_birth(), family, True)]
        if couple:
            persons.append(person("m" if applicant_sex == "f" else "f", "CJT", adult_birth(), family, True))
        if rng.random() < 0.4:
            for _ in range(rng.randint(1, 3)):
                birth = reference_date - timedelta(days=rng.randrange(1, 17 * 365))
                persons.append(person(rng.choice("fm"), "ENF", birth, family, False))
        status = statuses[_pick(rng, status_cumulative)]
        since = reference_date - timedelta(days=rng.randrange(10, 8 * 365))
        h = FluxHousehold(
            caf_number=str(1_000_000 + (matricule_start + index * 7919) % 9_000_000),
            persons=persons,
            caf_body="MSA" if rng.random() < 0.03 else "CAF",
            rsa_status=status,
            rsa_since=since,
            request_number=f"{rng.randrange(10**11):011d}",
            homeless=rng.random() < 0.03,
        )
        if status in ("3", "4"):
            h.suspension_reason = rng.choice(suspension_codes)
            h.suspended_since = reference_date - timedelta(days=rng.randrange(1, 120))
        elif status in ("5", "6"):
            h.closure_reason = rng.choice(closure_codes)
            h.closed_on = reference_date - timedelta(days=rng.randrange(1, 60))
            h.closed_previous_month = status == "6"
        insee, town, postal, _ = pool[_pick(rng, cumulative) if cumulative else rng.randrange(len(pool))]
        h.commune_insee, h.postal_code, h.town = insee, postal, _ascii_upper(town)[:32]
        h.street_number = str(rng.randint(1, 180))
        h.street_type = rng.choice(_STREET_TYPES)
        h.street_name = f"{_ascii_upper(rng.choice(first_names))} {_ascii_upper(rng.choice(last))}"[:32]
        # A person without a stable home has a postal address at a CCAS or an approved association.
        h.address_complement = "DOMICILIATION CCAS" if h.homeless else rng.choice(_COMPLEMENTS)
        yield h


def _pick(rng: random.Random, cumulative: list[int]) -> int:
    """Index drawn with weights given as a cumulative list (bisect, no per-draw allocation)."""
    return bisect_right(cumulative, rng.random() * cumulative[-1])
