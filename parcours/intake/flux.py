"""Reader of the CAF/MSA "bénéficiaires" flux (schema vrsb0801.xsd, issue 4 §1).

``read_flux(path)`` returns a ``FluxFile``: ``.header`` (flux type, nature, dates, département), ``.count()`` (a
first pass that checks the file and counts the people it will yield) and iteration, which streams the file
(lxml ``iterparse`` on ``InfosFoyerRSA``, each household cleared once read: memory stays flat) and yields, in
file order, one ``Record`` per demandeur·se or conjoint·e of the RSA benefit and one ``Rejection`` per person that
fails the checks. Children and other members of the household are not people to accompany: they are skipped and
counted in ``FluxFile.skipped``.

The household facts of a Record always carry every key (the flux describes the whole state of the RSA right: no
suspension block means no suspension); the person's facts only carry the keys the flux gives.

Each InfosFoyerRSA subtree could be validated against the XSD with lxml (``XMLSchema.validate(foyer)``): measured
at 25–45 µs of CPU per household (+25 to 35 % on the reading time, which is ~110 µs per person on a realistic
file), for messages in English that name XSD types. The typed checks below cover what the platform uses (names,
dates, NIR, codes, booleans) and speak French; the schema is used by the tests on generated files.

The Ressources blocks (most of a CNAF file's weight) are skipped before lxml sees them (flux_stream.Skimmer).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path

from django.utils import timezone
from lxml import etree
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fr import nir as stdnum_nir

from parcours.intake import caf_codes
from parcours.intake.flux_stream import COUNTS, Skimmer, check_root, file_key, parse_errors, remember
from parcours.intake.records import Record, Rejection, Unreadable
from parcours.people.enums import HouseholdRole

DATA_DIR = Path(__file__).resolve().parent / "data" / "caf"
XSD_PATH = DATA_DIR / "vrsb0801.xsd"
SAMPLE_PATH = DATA_DIR / "sample-flux-RSABEM.xml"

ROLES = {"DEM": HouseholdRole.APPLICANT.value, "CJT": HouseholdRole.PARTNER.value}
_BOOLEANS = {"1": True, "0": False, "true": True, "false": False}
_SEX = {"1": "m", "2": "f"}
_SEX_FROM_TITLE = {"MR": "m", "M": "m", "MME": "f", "MLE": "f", "MLLE": "f"}
_INSEE = re.compile(r"\d[\dAB]\d{3}")
_TIMEZONE = re.compile(r"Z|[+-]\d\d:\d\d")
_ADDRESS_KEYS = (
    "COMPLIDEADR", "COMPLADR", "NUMVOIE", "LIBTYPEVOIE", "NOMVOIE", "LIEUDIST", "NUMCOM", "CODEPOS", "NOMCOM",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class FluxHeader:
    flux_type: str  # TYPEFLUX: "I"/"J" daily, "M" monthly, "R" full stock
    nature: str  # NATFLUX: "D" bénéficiaires
    created_on: date | None  # DTCREAFLUX
    reference_date: date | None  # DTREF
    department_code: str  # IDEPARTE of the first household, as Department.code: "052" → "52", "02A" → "2A"

    @property
    def flux_type_label(self) -> str:
        return caf_codes.FLUX_TYPES.get(self.flux_type, self.flux_type)

    @property
    def nature_label(self) -> str:
        return caf_codes.FLUX_NATURES.get(self.nature, self.nature)


def read_flux(path) -> FluxFile:
    return FluxFile(path)


def department_code(ideparte: str) -> str:
    """IDEPARTE is written on three characters: "093" → "93", "02A" → "2A", "971" → "971"."""
    code = (ideparte or "").strip().upper()
    return code[1:] if len(code) == 3 and code[0] == "0" else code


def caf_number(matricule: str) -> str:
    """The CAF writes its 7-character matricule on 15 digits, padded with zeros: "208956400000000" → "2089564".

    Leading zeros are dropped; the digits after the 7th are dropped only when they are all zeros (an MSA number
    or a NIR used as matricule is kept whole), as rdv-insertion does (gip-inclusion/rdv-insertion#2025).
    """
    number = matricule.strip().lstrip("0")
    if len(number) > 7 and not number[7:].strip("0"):
        number = number[:7]
    return number


class FluxFile:
    """A CAF/MSA flux file, read lazily: nothing is parsed until ``header``, ``count()`` or iteration."""

    def __init__(self, path):
        self.path = Path(path)
        self.skipped = 0  # children and other members met by the last count() or iteration

    def __repr__(self):
        return f"<FluxFile {self.path.name}>"

    # --- header -----------------------------------------------------------------------------------------------

    @cached_property
    def header(self) -> FluxHeader:
        """Reads the beginning of the file only (up to the first household's département)."""
        fields: dict[str, str] = {}
        seen_identification = False
        with parse_errors(self.path):
            events = etree.iterparse(str(self.path), events=("start", "end"), huge_tree=True)
            for event, element in events:
                if event == "start":
                    if element.getparent() is None:
                        check_root(element)
                    continue
                tag = element.tag
                if tag == "IdentificationFlux":
                    seen_identification = True
                    fields.update(_leaves(element))
                elif tag == "IDEPARTE":
                    fields["IDEPARTE"] = _text(element)
                    break
                elif tag == "InfosFoyerRSA" and not seen_identification:
                    break
        if not seen_identification:
            raise Unreadable(
                "Le flux n'a pas de bloc « IdentificationFlux » en tête : ce n'est pas un flux CAF/MSA "
                "« bénéficiaires »."
            )
        created, created_error = _date(fields.get("DTCREAFLUX", ""))
        reference, reference_error = _date(fields.get("DTREF", ""))
        if reference_error:
            raise Unreadable(f"Date de référence du flux (DTREF) {reference_error}.")
        return FluxHeader(
            flux_type=fields.get("TYPEFLUX", ""),
            nature=fields.get("NATFLUX", ""),
            created_on=None if created_error else created,
            reference_date=reference,
            department_code=department_code(fields.get("IDEPARTE", "")),
        )

    # --- first pass ---------------------------------------------------------------------------------------------

    def count(self) -> int:
        """Checks the whole file is well-formed XML rooted at Racine and counts the items iteration will yield.

        The result is remembered for this file (path, size, modification time), as is the number of items of a
        complete iteration: a preview followed by a run reads the file twice, not three times.
        """
        self.header  # noqa: B018 (raises Unreadable on a wrong root or a missing IdentificationFlux)
        key = file_key(self.path)
        if key in COUNTS:
            total, self.skipped = COUNTS[key]
            return total
        total = skipped = 0
        for foyer in self._foyers():
            persons = [child for child in foyer if child.tag == "Personne"]
            if not persons:
                total += 1
                continue
            for personne in persons:
                role = _rsa_role(personne)
                if role and role not in ROLES:
                    skipped += 1
                else:
                    total += 1
        self.skipped = skipped
        remember(key, total, skipped)
        return total

    # --- reading --------------------------------------------------------------------------------------------

    def __iter__(self) -> Iterator[Record | Rejection]:
        reference = self.header.reference_date or timezone.localdate()
        row = 0
        self.skipped = 0
        key = file_key(self.path)
        for rank, foyer in enumerate(self._foyers(), start=1):
            for item in _read_foyer(foyer, rank, reference, self):
                row += 1
                item.row = row
                yield item
        remember(key, row, self.skipped)

    def _foyers(self) -> Iterator[etree._Element]:
        """Each InfosFoyerRSA element, cleared (with what precedes it) once the caller is done with it."""
        with parse_errors(self.path), Skimmer(self.path) as source:
            events = etree.iterparse(
                source, events=("end",), tag="InfosFoyerRSA", remove_blank_text=True, huge_tree=True
            )
            for _event, foyer in events:
                yield foyer
                foyer.clear(keep_tail=False)
                parent = foyer.getparent()
                while foyer.getprevious() is not None:
                    del parent[0]


# --- parsing helpers ----------------------------------------------------------------------------------------------


def _text(element) -> str:
    text = element.text
    return text.strip() if text else ""


def _leaves(element) -> dict[str, str]:
    """{tag: stripped text} of the direct children (the last one wins when a tag repeats)."""
    return {child.tag: (child.text.strip() if child.text else "") for child in element}


def _child(element, tag: str):
    for child in element:
        if child.tag == tag:
            return child
    return None


def _date(value: str) -> tuple[date | None, str]:
    """(date, "") or (None, French error fragment) for an xsd:date."""
    if not value:
        return None, "absente"
    text = value
    if len(text) > 10 and _TIMEZONE.fullmatch(text[10:]):
        text = text[:10]
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:
            return date.fromisoformat(text), ""
        except ValueError:
            pass
    return None, f"illisible : « {value} »"


def _rsa_role(personne) -> str:
    """ROLEPERS of the person's Prestations with NATPREST = RSA ("" when there is none)."""
    for benefit in personne.iterchildren("Prestations"):
        nature = role = ""
        for child in benefit:
            tag = child.tag
            if tag == "NATPREST":
                nature = child.text
            elif tag == "ROLEPERS":
                role = child.text
        if nature and nature.strip() == "RSA":
            return role.strip() if role else ""
    return ""


def display_name(value: str) -> str:
    """Names come in capitals: « LE GUEN » → « Le Guen », « D'ARTAGNAN » → « D'Artagnan »; mixed case is kept."""
    return value.title() if value.isupper() else value


def check_nir(value: str) -> tuple[str, str]:
    """(compact NIR, "") or ("", French reason): 13 characters as in the flux, or 15 with a valid key."""
    nir = value.replace(" ", "").upper()
    if len(nir) not in (13, 15):
        return "", f"NIR de {len(nir)} caractères (13 ou 15 attendus) : « {value} »"
    digits = nir[:5] + nir[7:]
    if not (digits.isascii() and digits.isdigit()) or not (
        (nir[5:7].isascii() and nir[5:7].isdigit()) or nir[5:7] in ("2A", "2B")
    ):
        return "", f"NIR mal formé : « {value} » (chiffres attendus, 2A ou 2B pour la Corse)"
    if len(nir) == 15:
        try:
            stdnum_nir.validate(nir)
        except StdnumError:
            return "", f"Clé du NIR incorrecte : « {value} »"
    return nir, ""


# --- one household --------------------------------------------------------------------------------------------------


def _read_foyer(foyer, rank: int, reference: date, flux: FluxFile) -> Iterator[Record | Rejection]:
    raw: dict[str, str] = {}
    address: dict[str, str] = {}
    persons = []
    suspensions: list[dict[str, str]] = []
    closure: dict[str, str] | None = None
    closure_previous: dict[str, str] | None = None
    for block in foyer:
        tag = block.tag
        if tag == "Personne":
            persons.append(block)
        elif tag == "IdentificationRSA":
            for part in block:
                if part.tag in ("Organisme", "Partenaire", "DemandeRSA"):
                    raw.update(_leaves(part))
        elif tag == "DonneesAdministratives":
            address = _main_address(block)
        elif tag == "PrestationRSA":
            for part in block:
                if part.tag == "SituationDossierRSA":
                    for situation in part:
                        st = situation.tag
                        if st == "EtatDossierRSA":
                            raw["ETATDOSRSA"] = _text(situation[0]) if len(situation) else ""
                        elif st == "SuspensionVersement":
                            suspensions.append(_leaves(situation))
                        elif st == "FinDroit":
                            closure = _leaves(situation)
                        elif st == "FinDroitMoisAnterieur":
                            closure_previous = _leaves(situation)
                elif part.tag == "DetailDroitRSA":
                    common = _child(part, "TroncCommunDroitRSA")
                    if common is not None:
                        homeless = _child(common, "TOPSANSDOMFIXE")
                        if homeless is not None:
                            raw["TOPSANSDOMFIXE"] = _text(homeless)
    matricule = raw.get("MATRICULE", "")
    where = f"foyer n° {rank} (matricule {caf_number(matricule) or 'absent'})"
    household, problems = _household(raw, suspensions, closure or closure_previous, address)
    raw.update(address)
    if not persons:
        yield Rejection(0, where, "Foyer sans aucune personne", dict(raw))
        return
    homeless = _BOOLEANS.get(raw.get("TOPSANSDOMFIXE", ""))
    for index, personne in enumerate(persons, start=1):
        role = _rsa_role(personne)
        if role and role not in ROLES:
            flux.skipped += 1
            continue
        place = f"{where}, personne n° {index}"
        person, person_raw, reasons = _person(personne, role, reference)
        person_raw.update(raw)
        reasons = problems + reasons
        if reasons:
            yield Rejection(0, place, " ; ".join(reasons), person_raw)
            continue
        person["caf_number"] = household["caf_number"]
        if homeless is not None:
            person["homeless"] = homeless
        if address.get("NUMCOM"):
            person["commune_insee"] = address["NUMCOM"]
            line = _address_line(address)
            if line:
                person["address_line"] = line
        yield Record(0, place, person, dict(household), person_raw)


def _main_address(administrative) -> dict[str, str]:
    """Fields of the household's main address (RGADR 01), French detailed address only."""
    for block in administrative:
        if block.tag != "Adresse":
            continue
        common = _child(block, "TroncCommunAdresse")
        rank = _child(common, "RGADR") if common is not None else None
        if rank is None or _text(rank).lstrip("0") != "1":
            continue
        detail = _child(block, "AdresseDetailleeFrance")
        if detail is not None:
            return {key: value for key, value in _leaves(detail).items() if key in _ADDRESS_KEYS}
        abroad = _child(block, "AdresseHorsFrance")
        return _leaves(abroad) if abroad is not None else {}
    return {}


def _address_line(address: dict[str, str]) -> str:
    street = " ".join(v for v in (address.get("NUMVOIE"), address.get("LIBTYPEVOIE"), address.get("NOMVOIE")) if v)
    parts = [street, address.get("COMPLADR"), address.get("COMPLIDEADR"), address.get("LIEUDIST")]
    return ", ".join(p for p in parts if p)[:250]


def _household(raw, suspensions, closure, address) -> tuple[dict, list[str]]:
    problems: list[str] = []
    matricule = raw.get("MATRICULE", "")
    number = caf_number(matricule)
    if not matricule:
        problems.append("Matricule CAF/MSA absent")
    elif not (matricule.isascii() and matricule.isdigit()) or len(matricule) > 15:
        problems.append(f"Matricule CAF/MSA illisible : « {matricule} »")
    body = raw.get("FONORG", "").upper()
    if body and body not in caf_codes.BODIES:
        problems.append(f"Organisme inconnu : « {raw.get('FONORG')} » (CAF ou MSA attendu)")
    status_code = raw.get("ETATDOSRSA", "")
    status = caf_codes.RSA_STATUS.get(status_code)
    status = status.value if status is not None else None
    if status is None:
        problems.append(
            f"État du droit RSA inconnu : « {status_code} » (0 à 6 attendu)"
            if status_code
            else "État du droit RSA (ETATDOSRSA) absent"
        )
    since, error = _date(raw.get("DTDEMRSA", ""))
    if error and raw.get("DTDEMRSA"):
        problems.append(f"Date de demande RSA {error}")
    suspension_reason, suspended_since = "", None
    for suspension in suspensions:
        code = suspension.get("MOTISUSVERSRSA", "")
        raw["MOTISUSVERSRSA"] = code
        raw["DDSUSVERSRSA"] = suspension.get("DDSUSVERSRSA", "")
        if code not in caf_codes.SUSPENSION_REASONS:
            problems.append(f"Motif de suspension du versement inconnu : « {code} »")
            continue
        when, error = _date(suspension.get("DDSUSVERSRSA", ""))
        if error:
            problems.append(f"Date de suspension du versement {error}")
            continue
        if suspended_since is None or when >= suspended_since:
            suspension_reason, suspended_since = code, when
    closure_reason, closed_on = "", None
    if closure is not None:
        closure_reason = closure.get("MOTICLORSA", "")
        raw["MOTICLORSA"] = closure_reason
        raw["DTCLORSA"] = closure.get("DTCLORSA", "")
        if closure_reason not in caf_codes.CLOSURE_REASONS:
            problems.append(f"Motif de clôture inconnu : « {closure_reason} »")
        closed_on, error = _date(closure.get("DTCLORSA", ""))
        if error:
            problems.append(f"Date de clôture du droit {error}")
    if raw.get("TOPSANSDOMFIXE", "") not in _BOOLEANS:
        value = raw.get("TOPSANSDOMFIXE", "")
        problems.append(f"Indicateur « sans domicile fixe » illisible : « {value} » (0 ou 1 attendu)")
    insee = address.get("NUMCOM", "")
    if insee and not _INSEE.fullmatch(insee):
        problems.append(f"Code INSEE de la commune illisible : « {insee} »")
    household = {
        "caf_number": number,
        "caf_body": body,
        "rsa_status": status,
        "rsa_since": since,
        "rsa_request_number": raw.get("NUMDEMRSA", ""),
        "suspension_reason": suspension_reason,
        "suspended_since": suspended_since,
        "closure_reason": closure_reason,
        "closed_on": closed_on,
    }
    return household, problems


def _person(personne, role: str, reference: date) -> tuple[dict, dict[str, str], list[str]]:
    raw: dict[str, str] = {}
    ft_id = rights = None
    for block in personne:
        tag = block.tag
        if tag == "Identification":
            raw.update(_leaves(block))
        elif tag == "DossierPoleEmploi":
            ft = _child(block, "IDASSEDIC")
            if ft is not None:
                ft_id = raw["IDASSEDIC"] = _text(ft)
        elif tag == "MontantCalculDroitRSAPersonne":
            top = _child(block, "TOPPERSDRODEVORSA")
            if top is not None:
                rights = raw["TOPPERSDRODEVORSA"] = _text(top)
    raw["ROLEPERS"] = role
    reasons: list[str] = []
    if not role:
        reasons.append("Rôle de la personne dans le RSA absent (Prestations RSA/ROLEPERS)")
    last_name, first_name = raw.get("NOM", ""), raw.get("PRENOM", "")
    if not last_name:
        reasons.append("Nom (NOM) absent")
    if not first_name:
        reasons.append("Prénom (PRENOM) absent")
    birth_date, error = _date(raw.get("DTNAI", ""))
    if error:
        reasons.append(f"Date de naissance {error}")
    elif birth_date > reference:
        reasons.append(f"Date de naissance dans le futur : « {raw['DTNAI']} »")
    elif birth_date.year < 1900:
        reasons.append(f"Date de naissance invraisemblable : « {raw['DTNAI']} »")
    person = {
        "household_role": ROLES.get(role),
        "last_name": display_name(last_name),
        "first_name": display_name(first_name),
        "birth_date": birth_date,
    }
    if raw.get("NOMNAI"):
        person["birth_name"] = display_name(raw["NOMNAI"])
    sex_code = raw.get("SEXE", "")
    if sex_code:
        if sex_code in _SEX:
            person["sex"] = _SEX[sex_code]
        else:
            reasons.append(f"Sexe inconnu : « {sex_code} » (1 ou 2 attendu)")
    elif raw.get("QUAL", "").upper() in _SEX_FROM_TITLE:
        person["sex"] = _SEX_FROM_TITLE[raw["QUAL"].upper()]
    if raw.get("NIR"):
        nir, error = check_nir(raw["NIR"])
        if error:
            reasons.append(error)
        else:
            person["nir"] = nir
    if ft_id:
        person["france_travail_id"] = ft_id.upper()
    if rights is not None:
        if rights in _BOOLEANS:
            person["rights_and_duties"] = _BOOLEANS[rights]
        else:
            reasons.append(f"Indicateur « droits et devoirs » illisible : « {rights} » (0 ou 1 attendu)")
    return person, raw, reasons
