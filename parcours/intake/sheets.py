"""Spreadsheets in (issue 4 §2): a département's list of people as CSV (any separator, any encoding) or XLSX.

`open_sheet` checks the file and finds its header row; `Sheet.rows()` streams the data rows as text (never the
whole file in memory for a CSV; XLSX through python-calamine, which reads cached values and never evaluates a
formula); `auto_mapping` maps the columns to fields from their headers (parcours.intake.headers, or a mapping the
organisation saved); `records` turns each row into a Record or a Rejection with a French reason.
"""

import codecs
import csv
import datetime
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.utils import timezone

from parcours.intake import sheet_values as values
from parcours.intake.headers import guess_mapping
from parcours.intake.records import Record, Rejection, Unreadable

MAX_BYTES = 50 * 1024 * 1024
TEXT_EXTENSIONS = (".csv", ".txt", ".tsv")
WORKBOOK_EXTENSIONS = (".xlsx", ".xlsm", ".xls", ".ods")
EXTENSIONS = TEXT_EXTENSIONS + WORKBOOK_EXTENSIONS
SEPARATORS = (";", ",", "\t", "|")
SEPARATOR_NAMES = {";": "point-virgule", ",": "virgule", "\t": "tabulation", "|": "barre verticale"}
ZIP_MAGIC, OLE_MAGIC = b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
BINARY_MAGIC = (ZIP_MAGIC, OLE_MAGIC, b"%PDF", b"\x7fELF", b"MZ", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x1f\x8b")
# A workbook whose parts would unpack to more than this, or unpack more than RATIO times, is refused (zip bomb).
MAX_UNPACKED = 400 * 1024 * 1024
MAX_RATIO = 200
HEADER_SEARCH_ROWS = 20


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA (how a spreadsheet names a column)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _trimmed(cells: list) -> list:
    end = len(cells)
    while end and not cells[end - 1]:
        end -= 1
    return cells[:end]


@dataclass
class Sheet:
    """A readable spreadsheet: its headers (as read, made unique) and a stream of its data rows as text."""

    path: Path
    filename: str
    kind: str  # "csv" or "workbook"
    headers: list
    header_line: int  # line of the headers in the file (1-based, as a spreadsheet numbers its rows)
    encoding: str = ""
    separator: str = ""

    @property
    def description(self) -> str:
        if self.kind == "workbook":
            return "classeur (première feuille)"
        return f"CSV ({self.encoding}, séparateur {SEPARATOR_NAMES.get(self.separator, self.separator)})"

    def rows(self) -> Iterator[tuple[int, list]]:
        """(line, cells as text) of every non-empty row after the headers, in file order."""
        width = len(self.headers)
        limit = 2 * width + 5
        for line, cells in _lines(self):
            if line <= self.header_line:
                continue
            cells = _trimmed(cells)
            if not cells:
                continue
            if len(cells) > limit:
                raise Unreadable(
                    f"Ligne {line} : {len(cells)} cellules pour {width} colonnes. Le séparateur ou les guillemets "
                    "du fichier sont sans doute mal lus : enregistrez-le à nouveau au format CSV ou XLSX."
                )
            yield line, cells

    def count(self) -> int:
        return sum(1 for _ in self.rows())


def open_sheet(path, filename: str) -> Sheet:
    """Check the file (size, format, content) and find its header row. Raises Unreadable (French message)."""
    path = Path(path)
    extension = Path(filename or path.name).suffix.lower()
    size = path.stat().st_size
    if size == 0:
        raise Unreadable("Le fichier est vide.")
    if size > MAX_BYTES:
        raise Unreadable(
            f"Le fichier pèse {size / 1024 / 1024:.0f} Mo, au-delà de la limite de {MAX_BYTES // 1024 // 1024} Mo : "
            "découpez-le en plusieurs fichiers."
        )
    with open(path, "rb") as f:
        head = f.read(8)
    if extension in WORKBOOK_EXTENSIONS:
        _check_workbook(path, extension, head)
        sheet = Sheet(path, filename, "workbook", [], 0)
    elif extension in TEXT_EXTENSIONS:
        if head.startswith(BINARY_MAGIC):
            raise Unreadable(
                f"Le fichier porte l'extension {extension} mais son contenu est binaire (classeur, archive ou "
                "document) : enregistrez-le au format CSV, ou importez le classeur .xlsx lui-même."
            )
        encoding = _detect_encoding(path, head)
        separator = _sniff_separator(path, encoding)
        sheet = Sheet(path, filename, "csv", [], 0, encoding=encoding, separator=separator)
    else:
        shown = f"« {extension} »" if extension else "sans extension"
        raise Unreadable(f"Format de fichier non pris en charge ({shown}) : importez un fichier CSV ou XLSX.")
    sheet.headers, sheet.header_line = _find_headers(sheet)
    return sheet


# --- Formats ---------------------------------------------------------------------------------------------


def _check_workbook(path: Path, extension: str, head: bytes) -> None:
    if extension == ".xls":
        if not head.startswith(OLE_MAGIC):
            raise Unreadable("Le fichier porte l'extension .xls mais son contenu n'est pas un classeur Excel.")
        return
    if head.startswith(OLE_MAGIC):
        raise Unreadable(
            "Le classeur est protégé par un mot de passe (ou n'est pas au format XLSX) : enregistrez-le sans mot "
            "de passe, au format XLSX ou CSV."
        )
    if not head.startswith(ZIP_MAGIC):
        raise Unreadable(f"Le fichier porte l'extension {extension} mais son contenu n'est pas un classeur.")
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise Unreadable("Le classeur est abîmé ou incomplet : il ne peut pas être lu.") from exc
    unpacked = sum(p.file_size for p in parts)
    packed = sum(p.compress_size for p in parts) or 1
    if unpacked > MAX_UNPACKED or unpacked / packed > MAX_RATIO:
        raise Unreadable("Le classeur se décompresse en un volume anormal : il est refusé par sécurité.")


def _detect_encoding(path: Path, head: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252, else Latin-1. Refuses binary content."""
    if head.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    else:
        candidates = ["utf-8", "cp1252"]
    decoders = {name: codecs.getincrementaldecoder(name)() for name in candidates}
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            if b"\x00" in block:
                raise Unreadable(
                    "Le fichier contient des données binaires : ce n'est pas un fichier CSV ou texte lisible."
                )
            for name in list(decoders):
                try:
                    decoders[name].decode(block)
                except UnicodeDecodeError:
                    del decoders[name]
    for name in candidates:
        if name in decoders:
            try:
                decoders[name].decode(b"", final=True)
            except UnicodeDecodeError:
                continue
            return name
    return "latin-1"


def _sniff_separator(path: Path, encoding: str) -> str:
    """The separator among ; , tab | that splits the first lines into the most columns, most consistently."""
    with open(path, encoding=encoding, errors="replace", newline="") as f:
        sample = f.read(64 * 1024)
    lines = [line for line in sample.splitlines()[:-1] or sample.splitlines() if line.strip()][:30]
    text = "\n".join(lines)
    best, best_key = SEPARATORS[0], None
    for separator in SEPARATORS:
        try:
            widths = [len(row) for row in csv.reader(text.splitlines(), delimiter=separator)]
        except csv.Error:
            continue
        widths = [w for w in widths if w]
        if not widths:
            continue
        common, seen = Counter(widths).most_common(1)[0]
        key = (common > 1, seen / len(widths), common)
        if best_key is None or key > best_key:
            best, best_key = separator, key
    return best


def _lines(sheet: Sheet) -> Iterator[tuple[int, list]]:
    """(line, cells as text) of every row of the file, from the first, empty ones included."""
    if sheet.kind == "workbook":
        yield from _workbook_lines(sheet.path)
        return
    try:
        with open(sheet.path, encoding=sheet.encoding, newline="") as f:
            reader = csv.reader(f, delimiter=sheet.separator, strict=False)
            for line, cells in enumerate(reader, start=1):
                yield line, [_clean(c) for c in cells]
    except csv.Error as exc:
        raise Unreadable(
            "Le fichier CSV est mal formé (une valeur trop longue ou un guillemet jamais fermé) : "
            "enregistrez-le à nouveau depuis le tableur."
        ) from exc


def _workbook_lines(path: Path) -> Iterator[tuple[int, list]]:
    from python_calamine import CalamineWorkbook, SheetVisibleEnum

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        index = next(
            (i for i, meta in enumerate(workbook.sheets_metadata) if meta.visible == SheetVisibleEnum.Visible), 0
        )
        rows = workbook.get_sheet_by_index(index).iter_rows()
    except Exception as exc:
        raise Unreadable("Le classeur ne peut pas être lu (fichier abîmé ou format inattendu).") from exc
    except BaseException as exc:  # a panic of the Rust reader (pyo3's PanicException) on a malformed file
        if isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit):
            raise
        raise Unreadable("Le classeur ne peut pas être lu (fichier abîmé ou format inattendu).") from exc
    for line, cells in enumerate(rows, start=1):
        yield line, [_cell_text(c) for c in cells]


def _clean(text: str) -> str:
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\xa0" in text:
        text = text.replace("\xa0", " ")
    return text.strip()


def _cell_text(value) -> str:
    """A workbook cell as text: integral numbers without « .0 », dates as ISO (AAAA-MM-JJ), booleans oui/non."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e17 else repr(value)
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, str):
        return _clean(value)
    return str(value)


def _find_headers(sheet: Sheet) -> tuple[list, int]:
    """The header row: the first row with two filled cells or more (a title line above it is skipped), else the
    first non-empty row. Empty headers are named after their column, repeated ones numbered."""
    first = None
    seen = 0
    for line, cells in _lines(sheet):
        cells = _trimmed(cells)
        if not cells:
            continue
        first = first or (line, cells)
        seen += 1
        if sum(1 for c in cells if c) >= 2:
            first = (line, cells)
            break
        if seen >= HEADER_SEARCH_ROWS:
            break
    if first is None:
        raise Unreadable("Le fichier ne contient aucune ligne : il est vide.")
    line, cells = first
    filled = [c for c in cells if c]
    looks_like_data = [c for c in filled if values.looks_like_data(c)]
    if len(looks_like_data) >= 2 and len(looks_like_data) * 2 >= len(filled):
        sample = ", ".join(f"« {c[:30]} »" for c in looks_like_data[:2])
        raise Unreadable(
            f"La ligne {line} ne ressemble pas à une ligne d'en-têtes ({sample}) : ajoutez en haut du fichier une "
            "ligne avec le nom de chaque colonne."
        )
    headers, used = [], Counter()
    for index, cell in enumerate(cells):
        name = " ".join(cell.split()) if cell else f"Colonne {column_letter(index)}"
        used[name] += 1
        headers.append(name if used[name] == 1 else f"{name} ({used[name]})")
    return headers, line


# --- Mapping ---------------------------------------------------------------------------------------------


def auto_mapping(headers, organization=None) -> dict:
    """{header: field or ""}: a mapping the organisation saved for these headers, completed by the synonyms."""
    if organization is not None:
        from parcours.intake.mappings import suggest_mapping

        return suggest_mapping(headers, organization)[0]
    return guess_mapping(headers)


def apply_saved(headers, saved) -> dict:
    """{header: field or ""} from a saved mapping (SheetMapping) named by the user; unknown headers are guessed."""
    from parcours.intake.mappings import apply_saved as apply

    return apply(headers, saved)


# --- Records ---------------------------------------------------------------------------------------------


def records(sheet: Sheet, mapping: dict, *, department) -> Iterator[Record | Rejection]:
    """One Record or Rejection per non-empty data row, in file order (the same file always gives the same
    sequence). The communes of the département are loaded once."""
    columns = [(i, h, mapping.get(h, "")) for i, h in enumerate(sheet.headers)]
    mapped = [(i, h, name) for i, h, name in columns if name]
    by_field = {name: h for _i, h, name in mapped}
    communes = values.Communes.load(department)
    today = timezone.localdate()
    width = len(sheet.headers)
    for line, cells in sheet.rows():
        raw = {h: (cells[i] if i < len(cells) else "") for i, h, _n in columns}
        extra = cells[width:]
        for n, cell in enumerate(extra, start=width):
            if cell:
                raw[f"Colonne {column_letter(n)}"] = cell
        place = f"ligne {line}"
        if any(extra):
            yield Rejection(line, place, _extra_cells_reason(sheet, cells), raw)
            continue
        cells_by_field = {name: raw[h] for _i, h, name in mapped}
        yield values.row_record(line, place, cells_by_field, by_field, raw, communes, today)


def _extra_cells_reason(sheet: Sheet, cells: list) -> str:
    width = len(sheet.headers)
    if sheet.kind == "workbook":
        letters = ", ".join(column_letter(n) for n in range(width, len(cells)) if cells[n])
        return f"Valeurs hors des colonnes nommées (colonne {letters}) : nommez ces colonnes ou videz ces cellules."
    return (
        f"La ligne compte {len(cells)} cellules pour {width} colonnes : une valeur contient sans doute le "
        f"séparateur « {sheet.separator} » ou un guillemet mal placé."
    )
