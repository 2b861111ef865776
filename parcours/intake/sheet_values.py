"""The values of a spreadsheet row, typed: dates in several formats, sex, phone, NIR, yes/no, RSA status, household
role, commune. Used by parcours.intake.sheets; every function takes the cell as text ("" when empty)."""

import datetime
import functools
import re
import unicodedata
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from stdnum.fr import nir as stdnum_nir

from parcours.intake.caf_codes import RSA_STATUS
from parcours.intake.records import Record, Rejection
from parcours.people.enums import HouseholdRole, RsaStatus, Sex
from parcours.people.identity import name_key

EXCEL_EPOCH = datetime.date(1899, 12, 30)
MONTHS = {
    "janvier": 1,
    "janv": 1,
    "jan": 1,
    "fevrier": 2,
    "fevr": 2,
    "fev": 2,
    "mars": 3,
    "mar": 3,
    "avril": 4,
    "avr": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7,
    "juil": 7,
    "aout": 8,
    "septembre": 9,
    "sept": 9,
    "sep": 9,
    "octobre": 10,
    "oct": 10,
    "novembre": 11,
    "nov": 11,
    "decembre": 12,
    "dec": 12,
}
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_DMY = re.compile(r"(\d{1,2})([/.\-])(\d{1,2})\2(\d{4}|\d{2})(?: \d{1,2}:\d{2}(?::\d{2})?)?")
_COMPACT = re.compile(r"\d{8}")
_SERIAL = re.compile(r"(\d{5})(?:[.,]0+)?")
_WORDS = re.compile(r"(\d{1,2})(?:er)?\s+([a-z]+)\.?\s+(\d{4})")
_DIGITS = re.compile(r"\d")
_NUMBERLIKE = re.compile(r"[\d\s.,/+\-:]+")
_NOT_DIGIT = re.compile(r"\D")
_NOT_LOWER = re.compile(r"[^a-z]+")
_SPACE = re.compile(r"\s")
_FOUR_DIGITS, _FIVE_DIGITS = re.compile(r"\d{4}"), re.compile(r"\d{5}")
_LETTER = re.compile(r"[^\W\d_]")
_NUMBERS = re.compile(r"\d+")
_CEDEX = re.compile(r"\bCEDEX\b.*$")
_SAINTE, _SAINT = re.compile(r"\bSTE\b"), re.compile(r"\bST\b")


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower().strip()


def parse_date(text: str, *, today: datetime.date | None = None) -> datetime.date | None:
    """JJ/MM/AAAA, JJ-MM-AA, JJ.MM.AAAA, AAAA-MM-JJ (with a time or not), AAAAMMJJ, « 12 mai 1984 », or an Excel
    serial number (5 digits). None when empty; ValueError when unreadable (31/02/1980 included)."""
    text = text.strip()
    if not text:
        return None
    if m := _ISO.fullmatch(text):
        return datetime.date(int(m[1]), int(m[2]), int(m[3]))
    if m := _DMY.fullmatch(text):
        year = int(m[4])
        if len(m[4]) == 2:
            year += 2000 if year <= (today or timezone.localdate()).year % 100 else 1900
        return datetime.date(year, int(m[3]), int(m[1]))
    if _COMPACT.fullmatch(text):
        if 1900 <= int(text[:4]) <= 2100:
            return datetime.date(int(text[:4]), int(text[4:6]), int(text[6:]))
        return datetime.date(int(text[4:]), int(text[2:4]), int(text[:2]))
    if m := _SERIAL.fullmatch(text):
        return EXCEL_EPOCH + datetime.timedelta(days=int(m[1]))
    if (m := _WORDS.fullmatch(_ascii(text))) and m[2] in MONTHS:
        return datetime.date(int(m[3]), MONTHS[m[2]], int(m[1]))
    raise ValueError(text)


def looks_like_data(cell: str) -> bool:
    """A cell that reads as a date or a number (a header row holds names, not these)."""
    if sum(1 for _ in _DIGITS.finditer(cell)) >= 4 and _NUMBERLIKE.fullmatch(cell):
        return True
    try:
        return parse_date(cell) is not None
    except ValueError:
        return False


SEXES = {
    **dict.fromkeys(("m", "h", "homme", "masculin", "monsieur", "mr", "mo", "1", "male"), Sex.MALE),
    **dict.fromkeys(("f", "femme", "feminin", "madame", "mme", "mlle", "mademoiselle", "2", "female"), Sex.FEMALE),
}


@functools.lru_cache(maxsize=1024)
def parse_sex(text: str) -> str:
    return SEXES.get(_ascii(text).replace(".", "").strip(), "")


def parse_phone(text: str) -> str:
    """French numbers as 10 digits (« +33 6 12 34 56 78 », « 0033… », a lost leading zero); others as +digits."""
    digits = _NOT_DIGIT.sub("", text)
    international = text.strip().startswith("+") or digits.startswith("00")
    digits = digits[2:] if digits.startswith("00") else digits
    if digits.startswith("33") and len(digits) == 11:
        return "0" + digits[2:]
    if len(digits) == 9 and not international and digits[0] != "0":
        return "0" + digits  # the spreadsheet took the number for a number and dropped its zero
    if len(digits) == 10 and digits[0] == "0" and not international:
        return digits
    if international and 8 <= len(digits) <= 15:
        return "+" + digits
    return ""


def parse_nir(text: str) -> str:
    """The compact NIR (13 characters, or 15 with a right key); "" when it is not one."""
    compact = stdnum_nir.compact(text).upper()
    try:
        if len(compact) == 15 and stdnum_nir.is_valid(compact):
            return compact
        if len(compact) == 13 and stdnum_nir.is_valid(compact + stdnum_nir.calc_check_digits(compact)):
            return compact
    except Exception:  # stdnum raises on letters where digits belong
        return ""
    return ""


YES = {"oui", "o", "yes", "y", "vrai", "true", "1", "x", "soumis", "soumise", "soumis e", "soumis·e"}
NO = {"non", "n", "no", "faux", "false", "0", "non soumis", "non soumise", "non soumis e", "non soumis·e"}


@functools.lru_cache(maxsize=1024)
def parse_bool(text: str) -> bool | None:
    key = " ".join(_ascii(text).replace("-", " ").split())
    return True if key in YES else False if key in NO else None


ROLES = {
    **dict.fromkeys(
        ("dem", "demandeur", "demandeuse", "demandeur se", "allocataire", "titulaire", "beneficiaire", "rdo"),
        HouseholdRole.APPLICANT,
    ),
    **dict.fromkeys(
        ("cjt", "conjoint", "conjointe", "conjoint e", "concubin", "concubine", "epoux", "epouse", "partenaire"),
        HouseholdRole.PARTNER,
    ),
    **dict.fromkeys(("enf", "enfant"), HouseholdRole.CHILD),
    **dict.fromkeys(("aut", "autre"), HouseholdRole.OTHER),
}


@functools.lru_cache(maxsize=1024)
def parse_role(text: str) -> str:
    return ROLES.get(" ".join(_NOT_LOWER.sub(" ", _ascii(text)).split()), "")


@functools.lru_cache(maxsize=1024)
def parse_rsa_status(text: str) -> str:
    """An ETATDOSRSA code (0–6) or a French wording (« Droit ouvert et versable », « suspendu », « clos »…)."""
    key = _ascii(text)
    if key in RSA_STATUS:
        return RSA_STATUS[key]
    words = set(_NOT_LOWER.sub(" ", key).split())
    if not words:
        return ""
    if words & {"attente", "instruction", "demande"}:
        return RsaStatus.PENDING
    if any(w.startswith("refus") for w in words):
        return RsaStatus.REFUSED
    closed = words & {"clos", "close", "cloture", "ferme", "radie", "radiee"}
    if closed and words & {"anterieur", "anterieure"}:
        return RsaStatus.CLOSED_PREVIOUS
    if closed:
        return RsaStatus.CLOSED
    if "versement" in words and any(w.startswith("suspen") for w in words):
        return RsaStatus.OPEN_PAYMENT_SUSPENDED
    if any(w.startswith("suspen") for w in words):
        return RsaStatus.OPEN_SUSPENDED
    if words & {"ouvert", "versable", "actif", "cours"}:
        return RsaStatus.OPEN_PAYABLE
    if words & {"aucun", "sans", "none"}:
        return RsaStatus.NONE
    return ""


def clean_name(text: str, *, first: bool = False) -> str:
    text = " ".join(text.split())
    if first and text.isupper():
        text = text.title()
    return text


def split_full_name(text: str) -> tuple[str, str]:
    """« DUPONT Jean-Pierre » → (DUPONT, Jean-Pierre): the leading upper-case words are the name; without case
    to tell, the first word is."""
    words = text.split()
    if len(words) < 2:
        return text.strip(), ""
    upper = 0
    while upper < len(words) and words[upper].isupper():
        upper += 1
    if upper == 0 or upper == len(words):
        upper = 1
    return " ".join(words[:upper]), " ".join(words[upper:])


_POSTCODE_FIRST = re.compile(r"(\d{2} ?\d{3}|\d{4})\b[\s,;/\-]*(.*)")
_POSTCODE_LAST = re.compile(r"(.*?)[\s,;/\-(]*(\d{2} ?\d{3}|\d{4})\)?")


@functools.lru_cache(maxsize=4096)
def postal_code(text: str) -> str:
    digits = _SPACE.sub("", text)
    if _FOUR_DIGITS.fullmatch(digits):
        return "0" + digits  # a leading zero lost by the spreadsheet (01000 → 1000)
    return digits if _FIVE_DIGITS.fullmatch(digits) else ""


@functools.lru_cache(maxsize=4096)
def split_postcode_town(text: str) -> tuple[str, str]:
    """« 93000 Bobigny », « Bobigny (93000) », « 93 000 - BOBIGNY » → (postcode, town)."""
    text = " ".join(text.split())
    if m := _POSTCODE_FIRST.fullmatch(text):
        return postal_code(m[1]), m[2].strip()
    if m := _POSTCODE_LAST.fullmatch(text):
        return postal_code(m[2]), m[1].strip()
    return "", text


def town_key(text: str) -> str:
    """BOBIGNY CEDEX 2 → BOBIGNY, ST DENIS → SAINT DENIS."""
    key = _CEDEX.sub("", name_key(_NUMBERS.sub(" ", text))).strip()
    return _SAINT.sub("SAINT", _SAINTE.sub("SAINTE", key))


@dataclass
class Communes:
    """The communes of one département, loaded once per file: INSEE code from postcode and/or town."""

    by_postcode: dict
    by_town: dict
    known: dict = field(default_factory=dict)  # (postcode, town) → INSEE code or "", as resolved in this file

    @classmethod
    def load(cls, department):
        from parcours.organizations.models import Commune

        by_postcode, by_town = {}, {}
        code = getattr(department, "code", "")
        for insee, name, postcodes in Commune.objects.filter(department_code=code).values_list(
            "insee_code", "name", "postal_codes"
        ):
            key = town_key(name)
            by_town.setdefault(key, []).append(insee)
            for postcode in postcodes.replace(";", " ").replace(",", " ").split():
                by_postcode.setdefault(postcode, []).append((insee, key))
        return cls(by_postcode, by_town)

    def resolve(self, postcode: str, town: str) -> str:
        if (postcode, town) not in self.known:
            self.known[(postcode, town)] = self._resolve(postcode, town)
        return self.known[(postcode, town)]

    def _resolve(self, postcode: str, town: str) -> str:
        key = town_key(town) if town else ""
        candidates = self.by_postcode.get(postcode, []) if postcode else []
        if candidates:
            named = [insee for insee, name in candidates if key and name == key]
            if len(named) == 1:
                return named[0]
            return candidates[0][0] if len(candidates) == 1 else ""
        found = self.by_town.get(key, []) if key else []
        return found[0] if len(found) == 1 else ""


LIMITS = {"last_name": 150, "birth_name": 150, "first_name": 150, "address_line": 250}
ID_LIMITS = {"caf_number": 20, "france_travail_id": 20, "internal_id": 30}
ID_LABELS = {
    "caf_number": "Matricule CAF/MSA",
    "france_travail_id": "Identifiant France Travail",
    "internal_id": "Identifiant interne",
}


class _Row:
    """Reads one row's cells ({field: text}) into person/household values and problems (French)."""

    def __init__(self, cells: dict, columns: dict, today: datetime.date):
        self.cells, self.columns, self.today = cells, columns, today
        self.person, self.household, self.problems = {}, {}, []

    def where(self, *names) -> str:
        for name in names:
            if name in self.columns:
                return f"colonne « {self.columns[name]} »"
        return "aucune colonne associée"

    def date(self, name: str, label: str, *, required=False, past_only=False):
        text = self.cells.get(name, "")
        if not text:
            if required:
                self.problems.append(f"{label} manquante ({self.where(name)})")
            return None
        try:
            value = parse_date(text, today=self.today)
        except ValueError:
            self.problems.append(f"{label} illisible ({self.where(name)}) : « {text[:40]} »")
            return None
        if value.year < 1900 or (past_only and value > self.today):
            self.problems.append(f"{label} impossible ({self.where(name)}) : « {text[:40]} »")
            return None
        return value

    def names(self):
        last, first = self.cells.get("last_name", ""), self.cells.get("first_name", "")
        if self.cells.get("full_name") and not (last and first):
            whole_last, whole_first = split_full_name(self.cells["full_name"])
            last, first = last or whole_last, first or whole_first
        for name, value, label in (("last_name", last, "Nom"), ("first_name", first, "Prénom")):
            value = clean_name(value, first=name == "first_name")
            if not value:
                self.problems.append(f"{label} manquant ({self.where(name, 'full_name')})")
            elif not _LETTER.search(value):
                self.problems.append(f"{label} illisible ({self.where(name, 'full_name')}) : « {value[:40]} »")
            else:
                self.text(name, value, label)
        if self.cells.get("birth_name"):
            self.text("birth_name", clean_name(self.cells["birth_name"]), "Nom de naissance")

    def text(self, name: str, value: str, label: str):
        if len(value) > LIMITS.get(name, 250):
            self.problems.append(f"{label} trop long ({self.where(name)}, {LIMITS.get(name, 250)} caractères au plus)")
        else:
            self.person[name] = value

    def identifiers(self):
        text = self.cells.get("nir", "")
        if text:
            nir = parse_nir(text)
            if nir:
                self.person["nir"] = nir
            else:
                self.problems.append(f"NIR invalide ({self.where('nir')}) : longueur ou clé de contrôle incorrecte")
        for name, limit in ID_LIMITS.items():
            value = "".join(self.cells.get(name, "").split())
            if not value:
                continue
            if len(value) > limit:
                self.problems.append(f"{ID_LABELS[name]} trop long ({self.where(name)}, {limit} caractères au plus)")
                continue
            self.person[name] = value.upper() if name == "france_travail_id" else value
        if "caf_number" in self.person:
            self.household["caf_number"] = self.person["caf_number"]

    def contact(self, communes: Communes):
        if email := self.cells.get("email", "").strip().lower():
            try:
                validate_email(email)
                self.person["email"] = email
            except ValidationError:
                pass
        if (phone := parse_phone(self.cells.get("phone", ""))) and len(phone) <= 20:
            self.person["phone"] = phone
        if address := " ".join(self.cells.get("address_line", "").split()):
            self.text("address_line", address, "Adresse")
        if insee := self.cells.get("commune_insee", "").strip().upper():
            self.person["commune_insee"] = "0" + insee if _FOUR_DIGITS.fullmatch(insee) else insee
            return
        postcode, town = postal_code(self.cells.get("postal_code", "")), self.cells.get("town", "").strip()
        if self.cells.get("postal_code_town"):
            both_code, both_town = split_postcode_town(self.cells["postal_code_town"])
            postcode, town = postcode or both_code, town or both_town
        if not (postcode or town):
            return
        if insee := communes.resolve(postcode, town):
            self.person["commune_insee"] = insee
        elif postcode:
            self.person["postal_code"], self.person["town"] = postcode, " ".join(town.split())

    def situation(self):
        if sex := parse_sex(self.cells.get("sex", "")):
            self.person["sex"] = sex
        if role := parse_role(self.cells.get("household_role", "")):
            self.person["household_role"] = role
        for name in ("rights_and_duties", "homeless"):
            if (flag := parse_bool(self.cells.get(name, ""))) is not None:
                self.person[name] = flag
        if status := parse_rsa_status(self.cells.get("rsa_status", "")):
            self.household["rsa_status"] = status
        if since := self.date("rsa_since", "Date d'ouverture du droit RSA"):
            self.household["rsa_since"] = since


def row_record(line: int, place: str, cells: dict, columns: dict, raw: dict, communes: Communes, today=None):
    """A Record, or a Rejection listing every problem of the row."""
    row = _Row(cells, columns, today or timezone.localdate())
    row.names()
    birth_date = row.date("birth_date", "Date de naissance", required=True, past_only=True)
    if birth_date:
        row.person["birth_date"] = birth_date
    row.identifiers()
    row.contact(communes)
    row.situation()
    if row.problems:
        return Rejection(line, place, " ; ".join(row.problems), raw)
    return Record(line, place, row.person, row.household, raw)
