"""Spreadsheets in (issue 4 §2): messy headers map without help, any separator and encoding, XLSX, dates in several
formats, rejections with their reason, formulas never evaluated and escaped on the way back, unreadable files."""

import codecs
import datetime
import zipfile

import pytest
from openpyxl import Workbook

from parcours.intake import engine
from parcours.intake.enums import BatchKind, BatchStatus
from parcours.intake.headers import guess_field, mapping_problems, normalise
from parcours.intake.mappings import save_mapping, suggest_mapping
from parcours.intake.records import Record, Rejection, Unreadable
from parcours.intake.sheet_values import parse_date, parse_phone, parse_rsa_status, parse_sex, split_postcode_town
from parcours.intake.sheets import MAX_BYTES, apply_saved, auto_mapping, open_sheet, records
from parcours.people.models import Beneficiary
from tests.world import make_nir

MESSY_HEADERS = [
    "N° CAF",
    "Nom\nbénéficiaire",
    "Prénom(s)",
    "Date de\nnaissance",
    "CP Ville",
    "Sexe",
    "Tél.",
    "Observations",
]
EXPECTED_MAPPING = {
    "N° CAF": "caf_number",
    "Nom bénéficiaire": "last_name",
    "Prénom(s)": "first_name",
    "Date de naissance": "birth_date",
    "CP Ville": "postal_code_town",
    "Sexe": "sex",
    "Tél.": "phone",
    "Observations": "",
}


def csv_text(rows, sep=";", eol="\r\n") -> str:
    def cell(value):
        value = str(value)
        if any(c in value for c in (sep, '"', "\n", "\r")):
            return '"' + value.replace('"', '""') + '"'
        return value

    return "".join(sep.join(cell(v) for v in row) + eol for row in rows)


def write(tmp_path, name, content, encoding="utf-8"):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_bytes(content.encode(encoding))
    return path


class Text(str):
    """A text cell of a workbook, even when it starts with « = » (openpyxl would write a formula)."""


def workbook(tmp_path, name, rows, *, start_row=1):
    book = Workbook()
    sheet = book.active
    for r, row in enumerate(rows, start=start_row):
        for c, value in enumerate(row, start=1):
            if value is not None:
                cell = sheet.cell(row=r, column=c, value=value)
                if isinstance(value, Text):
                    cell.data_type = "s"
    path = tmp_path / name
    book.save(path)
    return path


def read_all(sheet, department, mapping=None):
    return list(records(sheet, mapping or auto_mapping(sheet.headers), department=department))


MESSY_ROWS = [
    ["Liste des allocataires RSA au 01/03/2026"],  # a title above the headers
    [],
    MESSY_HEADERS,
    ["1234567", "DUPONT", "JEAN-PIERRE", "12/05/1980", "93000 Bobigny", "M.", "6 12 34 56 78", ""],
    ["", "", "", "", "", "", "", ""],  # an empty row (only separators): skipped
    ["2345678", "Rivière", "Léa", "1991-04-12", "Saint-Denis (93200)", "Mme", "+33 7 11 22 33 44", "à revoir"],
    ["3456789", "Durand", "Éric", "05.06.75", "93 300 - AUBERVILLIERS", "H", "", ""],
    ["4567890", "Nguyen", "Anna", "31180", "", "F", "0033611223344", ""],  # an Excel serial number
    ["5678901", "Martin", "Paul", "03-11-02", "93000", "Monsieur", "", ""],
]


# --- The messy headers of the issue ----------------------------------------------------------------------


def test_the_messy_headers_of_the_issue_map_without_help():
    assert normalise("N° CAF") == normalise("Nº CAF") == normalise("No. CAF") == "numero caf"
    assert normalise("Nom\nbénéficiaire") == "nom beneficiaire"
    headers = [" ".join(h.split()) for h in MESSY_HEADERS]  # open_sheet joins the lines of a header
    assert auto_mapping(headers) == EXPECTED_MAPPING
    assert mapping_problems(EXPECTED_MAPPING) == []


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Nom d'usage", "last_name"),
        ("NOM DE NAISSANCE", "birth_name"),
        ("Nom de jeune fille", "birth_name"),
        ("Né(e) le", "birth_date"),
        ("DDN", "birth_date"),
        ("Civilité", "sex"),
        ("N° sécurité sociale", "nir"),
        ("NSS", "nir"),
        ("Matricule", "caf_number"),
        ("Numéro allocataire", "caf_number"),
        ("Qualité", "household_role"),
        ("Rôle (DEM/CJT)", "household_role"),
        ("Identifiant Pôle emploi", "france_travail_id"),
        ("IDE", "france_travail_id"),
        ("ID département", "internal_id"),
        ("Courriel", "email"),
        ("Adresse e-mail", "email"),
        ("Portable", "phone"),
        ("Adresse", "address_line"),
        ("Code postal", "postal_code"),
        ("CP", "postal_code"),
        ("Commune", "town"),
        ("Code postal / Ville", "postal_code_town"),
        ("Code INSEE", "commune_insee"),
        ("Soumis DD", "rights_and_duties"),
        ("Droits et devoirs", "rights_and_duties"),
        ("Statut RSA", "rsa_status"),
        ("État du droit", "rsa_status"),
        ("SDF", "homeless"),
        ("Nom Prénom", "full_name"),
        ("Nom du référent", ""),
        ("Date d'inscription Pôle emploi", ""),
        ("Commentaire", ""),
    ],
)
def test_header_synonyms(header, field):
    assert guess_field(header) == field


def test_a_field_goes_to_one_column_and_a_mapping_without_names_cannot_run():
    mapping = auto_mapping(["Nom", "Nom d'usage", "Prénom", "Téléphone", "Portable"])
    assert list(mapping.values()).count("last_name") == 1 and list(mapping.values()).count("phone") == 1
    problems = mapping_problems({"Nom": "last_name", "Prénom": "last_name"})
    assert "« Nom d'usage » est choisi pour plusieurs colonnes : gardez-en une seule." in problems
    assert "Aucune colonne n'est associée au prénom de la personne." in problems
    assert "Aucune colonne n'est associée à la date de naissance." in problems


def test_a_messy_csv_in_windows_1252_gives_typed_records(tmp_path, world):
    path = write(tmp_path, "liste.csv", csv_text(MESSY_ROWS), encoding="cp1252")
    sheet = open_sheet(path, "liste.csv")
    assert (sheet.encoding, sheet.separator, sheet.header_line) == ("cp1252", ";", 3)
    assert sheet.headers == list(EXPECTED_MAPPING)
    assert sheet.count() == 5
    items = read_all(sheet, world.dept_a)
    assert [type(i) for i in items] == [Record] * 5
    dupont, leo, eric, anna, paul = items
    assert (dupont.row, dupont.place) == (4, "ligne 4")  # the line a spreadsheet shows (the empty one counts)
    assert dupont.person == {
        "last_name": "DUPONT",
        "first_name": "Jean-Pierre",
        "birth_date": datetime.date(1980, 5, 12),
        "caf_number": "1234567",
        "commune_insee": "93008",
        "sex": "m",
        "phone": "0612345678",
    }
    assert dupont.household == {"caf_number": "1234567"}
    assert dupont.raw["Nom bénéficiaire"] == "DUPONT" and dupont.raw["Observations"] == ""
    assert leo.row == 6 and leo.person["last_name"] == "Rivière" and leo.person["first_name"] == "Léa"
    assert leo.person["birth_date"] == datetime.date(1991, 4, 12)
    assert leo.person["commune_insee"] == "93066" and leo.person["sex"] == "f" and leo.person["phone"] == "0711223344"
    assert eric.person["birth_date"] == datetime.date(1975, 6, 5) and eric.person["commune_insee"] == "93001"
    assert anna.person["birth_date"] == datetime.date(1985, 5, 13) and anna.person["phone"] == "0611223344"
    assert paul.person["birth_date"] == datetime.date(2002, 11, 3) and paul.person["commune_insee"] == "93008"


@pytest.mark.parametrize(
    ("encoding", "bom", "sep", "eol"),
    [
        ("utf-8", True, ",", "\r\n"),
        ("utf-8", True, "\t", "\n"),
        ("utf-8", False, "|", "\n"),
        ("utf-16", True, "\t", "\r\n"),
    ],
)
def test_encodings_and_separators(tmp_path, world, encoding, bom, sep, eol):
    rows = [
        ["Nom", "Prénom", "Date de naissance", "Adresse"],
        ["Lefèvre", "Zoé", "01/02/1990", "12, rue de l'Église"],  # the separator inside quotes
        ["O'Brien", "Chloé", "1988-07-30", 'Bât. "B"'],
    ]
    text = csv_text(rows, sep=sep, eol=eol)
    data = text.encode(encoding)
    if bom and encoding == "utf-8":
        data = codecs.BOM_UTF8 + data
    path = write(tmp_path, "liste.csv", data)
    sheet = open_sheet(path, "liste.csv")
    assert sheet.separator == sep and sheet.headers == rows[0]
    zoe, chloe = read_all(sheet, world.dept_a)
    assert zoe.person["last_name"] == "Lefèvre" and zoe.person["address_line"] == "12, rue de l'Église"
    assert chloe.person["address_line"] == 'Bât. "B"' and chloe.person["birth_date"] == datetime.date(1988, 7, 30)


def test_utf8_without_bom_and_a_multiline_cell_keep_the_spreadsheet_line_numbers(tmp_path, world):
    rows = [
        ["Nom", "Prénom", "DDN", "Adresse"],
        ["Étienne", "Jérôme", "1/2/1990", "Résidence Les Lilas\nBât. C"],
        ["Ödön", "Ève", "02/03/1991", ""],
    ]
    sheet = open_sheet(write(tmp_path, "l.csv", csv_text(rows, sep=",")), "l.csv")
    assert sheet.encoding == "utf-8"
    first, second = read_all(sheet, world.dept_a)
    assert first.person["address_line"] == "Résidence Les Lilas Bât. C"
    assert (first.row, second.row) == (2, 3) and second.person["first_name"] == "Ève"


# --- XLSX ------------------------------------------------------------------------------------------------


BORN = datetime.datetime(1980, 5, 12)  # noqa: DTZ001 (a spreadsheet's date-time has no time zone)


def test_xlsx_with_typed_cells_serial_dates_and_a_title_above_the_headers(tmp_path, world):
    path = workbook(
        tmp_path,
        "liste.xlsx",
        [
            ["Export du logiciel du département"],
            [None],
            ["Nom\nbénéficiaire", "Prénom", "Date de\nnaissance", "N° CAF", "Téléphone", "NIR", "Calcul"],
            [
                "Dupont",
                "Jean",
                BORN,
                1234567,
                612345678,
                int(make_nir("1800593008123")),
                "=1+1",
            ],
            ["Martin", "Léa", 33706, "7654321", "06 11 22 33 44", "", Text('=HYPERLINK("http://x")')],
            ["Durand", "Éric", "12/05/1980", None, None, None, None],
            ["Blanc", "Lou", "12/05/1980", None, None, None, None, None, "hors colonnes"],
        ],
    )
    sheet = open_sheet(path, "liste.xlsx")
    assert sheet.kind == "workbook" and sheet.header_line == 3
    assert sheet.headers == ["Nom bénéficiaire", "Prénom", "Date de naissance", "N° CAF", "Téléphone", "NIR", "Calcul"]
    dupont, martin, durand, blanc = read_all(sheet, world.dept_a)
    assert dupont.row == 4 and dupont.person["birth_date"] == datetime.date(1980, 5, 12)
    assert dupont.person["caf_number"] == "1234567" and dupont.person["phone"] == "0612345678"
    assert dupont.person["nir"] == make_nir("1800593008123")
    assert dupont.raw["Calcul"] == ""  # a formula is never computed (no cached value in this file)
    assert martin.person["birth_date"] == datetime.date(1992, 4, 12)  # Excel serial number 33706
    assert martin.raw["Calcul"] == '=HYPERLINK("http://x")'
    assert durand.row == 6 and "caf_number" not in durand.person
    assert blanc.reason == "Valeurs hors des colonnes nommées (colonne I) : nommez ces colonnes ou videz ces cellules."
    assert blanc.raw["Colonne I"] == "hors colonnes"


# --- Rejections ------------------------------------------------------------------------------------------


def test_rows_without_names_or_with_unreadable_dates_are_rejected_with_the_column_and_the_value(tmp_path, world):
    rows = [
        ["Nom", "Prénom", "Date de naissance", "NIR", "Droit ouvert depuis"],
        ["Durand", "Éric", "31/02/1980", "", ""],
        ["", "Anna", "12/05/1980", "", ""],
        ["Petit", "", "", "", ""],
        ["Roux", "Léo", "12/05/2090", "", ""],
        ["Blanc", "Lou", "12/05/1980", "1234", ""],
        ["Noir", "Max", "12/05/1980", "", "hier"],
        ["Vert", "Ana", "12/05/1980", "", "", "en trop", "encore"],
    ]
    sheet = open_sheet(write(tmp_path, "r.csv", csv_text(rows)), "r.csv")
    items = read_all(sheet, world.dept_a)
    assert all(isinstance(i, Rejection) for i in items)
    reasons = {i.row: i.reason for i in items}
    assert reasons[2] == "Date de naissance illisible (colonne « Date de naissance ») : « 31/02/1980 »"
    assert reasons[3] == "Nom manquant (colonne « Nom »)"
    assert (
        reasons[4]
        == "Prénom manquant (colonne « Prénom ») ; Date de naissance manquante (colonne « Date de naissance »)"
    )
    assert reasons[5] == "Date de naissance impossible (colonne « Date de naissance ») : « 12/05/2090 »"
    assert reasons[6] == "NIR invalide (colonne « NIR ») : longueur ou clé de contrôle incorrecte"
    assert reasons[7] == "Date d'ouverture du droit RSA illisible (colonne « Droit ouvert depuis ») : « hier »"
    assert reasons[8].startswith("La ligne compte 7 cellules pour 5 colonnes")
    assert items[0].raw == {
        "Nom": "Durand",
        "Prénom": "Éric",
        "Date de naissance": "31/02/1980",
        "NIR": "",
        "Droit ouvert depuis": "",
    }
    assert items[-1].raw["Colonne F"] == "en trop"


def test_a_mapping_without_a_birth_date_column_rejects_every_row(tmp_path, world):
    rows = [["Nom", "Prénom", "Ville"], ["Durand", "Éric", "Bobigny"]]
    sheet = open_sheet(write(tmp_path, "r.csv", csv_text(rows)), "r.csv")
    (item,) = read_all(sheet, world.dept_a)
    assert item.reason == "Date de naissance manquante (aucune colonne associée)"


def test_full_name_household_role_rights_and_rsa_status(tmp_path, world):
    rows = [
        ["Nom Prénom", "DDN", "Qualité", "Soumis DD", "Etat du droit", "SDF", "Code postal", "Ville", "Courriel"],
        ["DUPONT Jean Pierre", "12/05/1980", "DEM", "oui", "2", "non", "75011", "Paris", "JEAN@Exemple.FR"],
        [
            "LE GALL Anne-Marie",
            "12/05/1981",
            "Conjointe",
            "Non",
            "Droit ouvert, versement suspendu",
            "x",
            "",
            "",
            "x@",
        ],
    ]
    sheet = open_sheet(write(tmp_path, "r.csv", csv_text(rows)), "r.csv")
    jean, anne = read_all(sheet, world.dept_b)
    assert (jean.person["last_name"], jean.person["first_name"]) == ("DUPONT", "Jean Pierre")
    assert jean.person["household_role"] == "applicant" and jean.person["rights_and_duties"] is True
    assert jean.person["homeless"] is False and jean.household["rsa_status"] == "open_payable"
    assert jean.person["commune_insee"] == "75056" and jean.person["email"] == "jean@exemple.fr"
    assert (anne.person["last_name"], anne.person["first_name"]) == ("LE GALL", "Anne-Marie")
    assert anne.person["household_role"] == "partner" and anne.person["rights_and_duties"] is False
    assert anne.household["rsa_status"] == "open_payment_suspended" and anne.person["homeless"] is True
    assert "email" not in anne.person  # not an address: left out, the row is still imported


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12/05/1980", datetime.date(1980, 5, 12)),
        ("1/5/1980", datetime.date(1980, 5, 1)),
        ("1980-05-12", datetime.date(1980, 5, 12)),
        ("1980-05-12 00:00:00", datetime.date(1980, 5, 12)),
        ("1980-05-12T00:00:00", datetime.date(1980, 5, 12)),
        ("12-05-80", datetime.date(1980, 5, 12)),
        ("12.05.1980", datetime.date(1980, 5, 12)),
        ("19800512", datetime.date(1980, 5, 12)),
        ("12 mai 1980", datetime.date(1980, 5, 12)),
        ("1er février 1990", datetime.date(1990, 2, 1)),
        ("29281", datetime.date(1980, 3, 1)),
        ("29281.0", datetime.date(1980, 3, 1)),
        ("", None),
    ],
)
def test_date_formats(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["31/02/1980", "1980", "12/13/1980", "demain", "12/05"])
def test_unreadable_dates(text):
    with pytest.raises(ValueError):
        parse_date(text)


def test_values():
    assert [parse_sex(t) for t in ("M", "M.", "Monsieur", "H", "F", "Mme", "Madame", "Mlle", "?")] == [
        *("m",) * 4,
        *("f",) * 4,
        "",
    ]
    assert (
        parse_phone("06 12 34 56 78") == parse_phone("+33 6 12 34 56 78") == parse_phone("612345678") == "0612345678"
    )
    assert parse_phone("+32 470 12 34 56") == "+32470123456" and parse_phone("12") == ""
    assert split_postcode_town("93000 BOBIGNY") == ("93000", "BOBIGNY")
    assert split_postcode_town("Bobigny (93000)") == ("93000", "Bobigny")
    assert split_postcode_town("1000 Bourg-en-Bresse") == ("01000", "Bourg-en-Bresse")
    assert parse_rsa_status("Droit clos") == "closed" and parse_rsa_status("En attente") == "pending"
    assert parse_rsa_status("Suspendu") == "open_suspended" and parse_rsa_status("n'importe") == ""


# --- Formulas on the way back ----------------------------------------------------------------------------


def test_formulas_come_back_escaped_in_the_rejected_rows_file(tmp_path, world, settings):
    settings.IMPORTS_DIR = tmp_path / "imports"
    rows = [
        ["Nom", "Prénom", "Date de naissance", "Commentaire"],
        ['=HYPERLINK("http://pirate.example","clic")', "Éric", "31/02/1980", "@SUM(A1:A9)"],
        ["Petit", "Anna", "12/05/1980", "-ok"],
    ]
    path = write(tmp_path, "f.csv", csv_text(rows))
    sheet = open_sheet(path, "f.csv")
    batch = engine.create_batch(
        department=world.dept_a,
        kind=BatchKind.SHEET,
        source_path=path,
        filename="f.csv",
        organization=world.org_x,
        mapping=auto_mapping(sheet.headers),
    )
    engine.run(batch)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE and (batch.created, batch.rejected) == (1, 1)
    assert Beneficiary.objects.filter(last_name="Petit", first_name="Anna").exists()
    content, ctype, name = engine.issues_file(batch, "csv")
    text = content.decode("utf-8-sig")
    assert ctype.startswith("text/csv") and name == "f-rejets.csv"
    assert "'=HYPERLINK" in text and "'@SUM(A1:A9)" in text
    assert ";=HYPERLINK" not in text and ";@SUM" not in text
    assert "Date de naissance illisible (colonne « Date de naissance ») : « 31/02/1980 »" in text


# --- Unreadable files ------------------------------------------------------------------------------------


def unreadable(path, filename=None) -> str:
    with pytest.raises(Unreadable) as caught:
        open_sheet(path, filename or path.name).count()
    return str(caught.value)


def test_unreadable_files(tmp_path):
    assert unreadable(write(tmp_path, "vide.csv", b"")) == "Le fichier est vide."
    assert (
        unreadable(write(tmp_path, "blanc.csv", b"\r\n;;;\r\n\r\n"))
        == "Le fichier ne contient aucune ligne : il est vide."
    )
    assert "Format de fichier non pris en charge (« .pdf »)" in unreadable(write(tmp_path, "a.pdf", b"%PDF-1.4"))
    assert "sans extension" in unreadable(write(tmp_path, "liste", b"Nom;Prenom\r\n"))
    assert "contenu est binaire" in unreadable(write(tmp_path, "classeur.csv", b"PK\x03\x04" + b"\x00" * 50))
    assert "données binaires" in unreadable(write(tmp_path, "b.csv", b"Nom;Pr\x00nom\r\nA;B\r\n"))
    assert "n'est pas un classeur" in unreadable(write(tmp_path, "faux.xlsx", b"Nom;Prenom\r\nA;B\r\n"))
    assert "abîmé" in unreadable(write(tmp_path, "casse.xlsx", b"PK\x03\x04garbage"))
    no_header = csv_text([["DUPONT", "Jean", "12/05/1980", "0612345678"], ["MARTIN", "Léa", "01/01/1990", ""]])
    message = unreadable(write(tmp_path, "sans-entete.csv", no_header))
    assert message.startswith("La ligne 1 ne ressemble pas à une ligne d'en-têtes")
    shifted = csv_text([["Nom", "Prénom", "DDN"], ["A", "B", "01/01/1990"], ["x"] * 20])
    assert unreadable(write(tmp_path, "decale.csv", shifted)).startswith("Ligne 3 : 20 cellules pour 3 colonnes.")
    big = tmp_path / "gros.csv"
    with open(big, "wb") as f:
        f.truncate(MAX_BYTES + 1)
    assert "au-delà de la limite de 50 Mo" in unreadable(big)


def test_a_zip_bomb_disguised_as_a_workbook_is_refused(tmp_path):
    path = tmp_path / "bombe.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (30 * 1024 * 1024))
    assert "volume anormal" in unreadable(path)


def test_an_unclosed_quote_or_a_huge_cell_is_unreadable_not_a_crash(tmp_path):
    text = 'Nom;Prénom;DDN\r\nA;"B;01/01/1990\r\n' + "C" * 200_000 + "\r\n"
    assert "mal formé" in unreadable(write(tmp_path, "q.csv", text))


# --- Saved mappings --------------------------------------------------------------------------------------


def test_a_corrected_mapping_saved_by_the_organisation_is_applied_to_the_next_file(world):
    headers = ["Nom usuel", "Prénom", "Naiss.", "Matr.", "Observations"]
    guessed, saved = suggest_mapping(headers, world.org_x)
    assert saved is None and guessed["Naiss."] == "" and guessed["Matr."] == ""
    corrected = {**guessed, "Naiss.": "birth_date", "Matr.": "caf_number", "Prénom": "first_name"}
    save_mapping(world.org_x, "Export logiciel RSA", corrected, by=world["orientation_officer"])
    next_file = ["NOM USUEL", "Prénom", "Naiss", "Matr", "Observations", "Téléphone"]
    mapping, saved = suggest_mapping(next_file, world.org_x)
    assert saved.name == "Export logiciel RSA" and saved.updated_by == world["orientation_officer"]
    assert mapping == {
        "NOM USUEL": "last_name",
        "Prénom": "first_name",
        "Naiss": "birth_date",
        "Matr": "caf_number",
        "Observations": "",
        "Téléphone": "phone",  # not in the saved mapping: guessed
    }
    assert auto_mapping(next_file, world.org_x) == mapping
    assert apply_saved(next_file, saved) == mapping  # named explicitly (import_sheet --mapping)
    assert suggest_mapping(next_file, world.org_y)[1] is None  # another organisation's mapping is not used
