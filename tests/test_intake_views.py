"""The import pages (issue 4 §1–2): upload → preview → run → summary → rejected rows; the mapping corrected, saved and
reused; the CAF/MSA flux from the same pages; batches out of scope answer 404; uploads refused with a reason."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from parcours.accounts.enums import Profession
from parcours.accounts.models import Membership, User
from parcours.intake import uploads
from parcours.intake.enums import BatchKind, BatchStatus
from parcours.intake.fluxgen import FluxHousehold, FluxPerson, write_flux
from parcours.intake.models import ImportBatch, SheetMapping
from parcours.jobs.runner import run_pending
from parcours.journal.models import TimelineEvent
from parcours.people.models import Beneficiary

MESSY = (
    '"N° CAF";"Nom\r\nbénéficiaire";"Prénom(s)";"Date de\r\nnaissance";"CP Ville";"Tél.";"Observations"\r\n'
    "1111111;GARNIER;Louise;12/05/1980;93000 Bobigny;06 12 34 56 78;\r\n"
    '2222222;Benali;Yacine;1985-02-03;Saint-Denis (93200);;=HYPERLINK("http://x")\r\n'
    "3333333;Roux;Lina;31/02/1990;;;date fausse\r\n"
    "4444444;;Sans nom;01/01/1970;;;\r\n"
    "5555555;Diallo;Awa;03.04.92;93300 AUBERVILLIERS;;\r\n"
)


@pytest.fixture(autouse=True)
def imports_dir(settings, tmp_path):
    settings.IMPORTS_DIR = tmp_path / "imports"
    return settings.IMPORTS_DIR


def upload(client, content, name="liste.csv", organization=None, encoding="cp1252"):
    data = content.encode(encoding) if isinstance(content, str) else content
    payload = {"file": SimpleUploadedFile(name, data)}
    if organization is not None:
        payload["organization"] = organization.pk
    return client.post(reverse("web:import-new"), payload)


def batch_url(batch, name="web:import-batch"):
    return reverse(name, args=[batch.public_id])


def the_batch(response) -> ImportBatch:
    assert response.status_code == 302, response.content.decode()[:2000]
    public_id = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    return ImportBatch.objects.get(public_id=public_id)


def test_upload_preview_run_summary_and_the_rejected_rows(world, client_for, django_capture_on_commit_callbacks):
    client = client_for("orientation_officer")
    people_before = Beneficiary.objects.count()
    page = client.get(reverse("web:imports"))
    assert page.status_code == 200 and "Aucun import pour l'instant." in page.content.decode()
    assert 'href="/imports/"' in client.get(reverse("web:home"), follow=True).content.decode()  # the menu entry

    batch = the_batch(upload(client, MESSY, organization=world.org_x))
    assert (batch.kind, batch.department, batch.organization, batch.rows_total) == (
        "sheet",
        world.dept_a,
        world.org_x,
        5,
    )
    assert batch.mapping["Nom bénéficiaire"] == "last_name" and batch.mapping["CP Ville"] == "postal_code_town"
    assert Beneficiary.objects.count() == people_before  # nothing written by the upload and its preview

    page = client.get(batch_url(batch)).content.decode()
    assert "Aperçu de l'import" in page and "Rien n'est encore enregistré" in page
    assert '<option value="caf_number" selected>' in page and '<option value="birth_date" selected>' in page
    assert "Ignorer cette colonne" in page and "1 ignorée : « Observations »" in page
    assert '<th scope="row">Créée</th><td>3</td>' in page and '<th scope="row">Rejetée</th><td>2</td>' in page
    assert "Date de naissance illisible (colonne « Date de naissance ») : « 31/02/1990 »" in page
    assert "Lancer l'import" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(batch_url(batch, "web:import-start"), {"confirm": "1"})
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == BatchStatus.QUEUED
    progress = client.get(batch_url(batch, "web:import-progress"))
    assert progress.status_code == 200 and 'max="100" value="0"' in progress.content.decode()
    assert 'id="import-announce" role="status" class="import-announce" hx-swap-oob="true"' in progress.content.decode()

    run_pending()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE and (batch.created, batch.rejected, batch.rows_done) == (3, 2, 5)
    louise = Beneficiary.objects.get(department=world.dept_a, last_name="GARNIER")
    assert louise.birth_date == datetime.date(1980, 5, 12) and louise.commune.insee_code == "93008"
    assert louise.phone == "0612345678" and louise.caf_number == "1111111"
    assert TimelineEvent.objects.filter(beneficiary=louise).count() == 1

    progress = client.get(batch_url(batch, "web:import-progress"))
    assert progress.status_code == 286  # htmx stops polling and shows the summary
    summary = client.get(batch_url(batch)).content.decode()
    assert "Import terminé" in summary and "Bilan de l'import" in summary
    assert f"{batch_url(batch, 'web:import-issues')}?format=csv" in summary
    assert reverse("web:orientation-queue") in summary  # the people to orient, for the orientation officer

    rejected = client.get(batch_url(batch, "web:import-issues"), {"format": "csv"})
    assert rejected["Content-Disposition"] == 'attachment; filename="liste-rejets.csv"'
    text = rejected.content.decode("utf-8-sig")
    assert "Roux" in text and "Sans nom" in text and "GARNIER" not in text
    assert "Nom manquant (colonne « Nom bénéficiaire »)" in text
    book = load_workbook(io.BytesIO(client.get(batch_url(batch, "web:import-issues"), {"format": "xlsx"}).content))
    assert book.active.max_row == 3 and book.active["D1"].value == "Motif"
    assert client.get(batch_url(batch, "web:import-issues"), {"format": "html"}).status_code == 404

    listing = client.get(reverse("web:imports")).content.decode()
    assert "liste.csv" in listing and "Terminé" in listing


def test_a_corrected_mapping_is_saved_and_applied_to_the_next_file(world, client_for):
    client = client_for("administrator")  # administrator of X
    sheet = "Nom;Prénom;Naiss.;Matr.\r\nDurand;Éric;12/05/1980;1234567\r\nPetit;Anna;01/02/1990;7654321\r\n"
    batch = the_batch(upload(client, sheet, organization=world.org_x))
    page = client.get(batch_url(batch)).content.decode()
    assert "Aucune colonne n&#x27;est associée à la date de naissance." in page
    assert "Lancer l'import" not in page  # cannot start while the mapping misses the birth date

    refused = client.post(
        batch_url(batch, "web:import-mapping"),
        {"col_0": "last_name", "col_1": "last_name", "col_2": "birth_date", "col_3": "", "columns": "4"},
    )
    assert refused.status_code == 400
    assert "« Nom d&#x27;usage » est choisi pour plusieurs colonnes" in refused.content.decode()

    response = client.post(
        batch_url(batch, "web:import-mapping"),
        {
            "col_0": "last_name",
            "col_1": "first_name",
            "col_2": "birth_date",
            "col_3": "caf_number",
            "columns": "4",
            "save_as": "Export du logiciel RSA",
        },
    )
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.mapping == {"Nom": "last_name", "Prénom": "first_name", "Naiss.": "birth_date", "Matr.": "caf_number"}
    saved = SheetMapping.objects.get(organization=world.org_x)
    assert saved.name == "Export du logiciel RSA" and saved.columns["naiss"] == "birth_date"
    assert saved.updated_by == world["administrator"]
    page = client.get(batch_url(batch)).content.decode()
    assert '<th scope="row">Créée</th><td>2</td>' in page and "Lancer l'import" in page

    next_file = "NOM;Prénom;Naiss;Matr;Téléphone\r\nBlanc;Lou;03/04/1995;1212121;0611111111\r\n"
    second = the_batch(upload(client, next_file, name="mars.csv", organization=world.org_x))
    assert second.mapping == {
        "NOM": "last_name",
        "Prénom": "first_name",
        "Naiss": "birth_date",
        "Matr": "caf_number",
        "Téléphone": "phone",
    }
    page = client.get(batch_url(second)).content.decode()
    assert "Correspondance enregistrée « Export du logiciel RSA » appliquée" in page


def test_the_caf_flux_is_imported_from_the_same_pages(world, client_for, tmp_path):
    path = tmp_path / "flux.xml"
    household = FluxHousehold(
        caf_number="7777777",
        persons=[FluxPerson("MOREAU", "JULIE", datetime.date(1990, 1, 2))],
        rsa_since=datetime.date(2026, 1, 5),
    )
    write_flux(path, [household], reference_date=datetime.date(2026, 11, 1), department_code="93")
    refused = upload(client_for("administrator"), path.read_bytes(), name="flux.xml")
    assert refused.status_code == 400 and "chargé·es d&#x27;orientation" in refused.content.decode()
    other = upload(client_for("orientation_officer"), path.read_bytes().replace(b">093<", b">075<"), name="f.xml")
    assert other.status_code == 400, other.content.decode()[:500]
    assert "pour lequel vous n&#x27;importez pas" in other.content.decode()

    client = client_for("orientation_officer")
    batch = the_batch(upload(client, path.read_bytes(), name="flux.xml"))
    assert batch.kind == BatchKind.CAF_FLUX and batch.department == world.dept_a and batch.organization is None
    page = client.get(batch_url(batch)).content.decode()
    assert "Flux du 01/11/2026" in page and '<th scope="row">Créée</th><td>1</td>' in page
    assert "Correspondance des colonnes" not in page and "Lancer l'import" in page


def test_batches_out_of_scope_answer_404(world, client_for):
    batch_x = the_batch(upload(client_for("orientation_officer"), MESSY, organization=world.org_x))
    batch_y = the_batch(upload(client_for("orientation_officer"), MESSY, name="y.csv", organization=world.org_y))
    officer_b = User.objects.create_user("orientation-b@parcours.test", "un-mot-de-passe-de-test-2026")
    Membership.objects.create(user=officer_b, organization=world.org_z, profession=Profession.ORIENTATION_OFFICER)
    world.users["officer_b"] = officer_b
    outsider = client_for("officer_b")
    administrator = client_for("administrator")  # of X: sees X's batches, not Y's
    assert administrator.get(batch_url(batch_x)).status_code == 200
    for client, batch in ((outsider, batch_x), (administrator, batch_y)):
        assert client.get(batch_url(batch)).status_code == 404
        assert client.get(batch_url(batch, "web:import-progress")).status_code == 404
        assert client.get(batch_url(batch, "web:import-issues")).status_code == 404
        assert client.post(batch_url(batch, "web:import-start"), {"confirm": "1"}).status_code == 404
        assert client.post(batch_url(batch, "web:import-mapping"), {"columns": "7"}).status_code == 404
    assert "liste.csv" not in outsider.get(reverse("web:imports")).content.decode()
    listing = administrator.get(reverse("web:imports")).content.decode()
    assert "liste.csv" in listing and "y.csv" not in listing
    batch_y.refresh_from_db()
    assert batch_y.status == BatchStatus.PREVIEWED and batch_y.mapping["Date de naissance"] == "birth_date"
    # an administrator of X cannot upload for Y either
    refused = upload(administrator, MESSY, organization=world.org_y)
    assert refused.status_code == 400 and "Sélectionnez un choix valide" in refused.content.decode()


def test_uploads_refused_with_a_reason(world, client_for):
    client = client_for("orientation_officer")
    cases = [
        (
            upload(client, b"%PDF-1.4", name="liste.pdf", organization=world.org_x),
            "Format de fichier non pris en charge",
        ),
        (upload(client, MESSY), "Choisissez l&#x27;organisation pour laquelle vous importez ce tableur."),
        (upload(client, b"", name="vide.csv", organization=world.org_x), "Le fichier soumis est vide."),
        (
            upload(client, b"\r\n;;\r\n", name="blanc.csv", organization=world.org_x),
            "Fichier illisible : Le fichier ne",
        ),
        (upload(client, b"PK\x03\x04abc", name="l.xlsx", organization=world.org_x), "Fichier illisible : Le classeur"),
    ]
    for response, message in cases:
        assert response.status_code == 400 and message in response.content.decode(), message
    too_big = client.post(reverse("web:import-new"), {}, CONTENT_LENGTH=str(600 * 1024 * 1024))
    assert too_big.status_code == 413 and "taille maximale" in too_big.content.decode()
    assert not ImportBatch.objects.exists()


def test_progress_fragment_while_running_and_the_list_costs_the_same_whatever_its_length(world, client_for):
    client = client_for("orientation_officer")
    batch = the_batch(upload(client, MESSY, organization=world.org_x))
    ImportBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.RUNNING, rows_done=2, rows_total=5)
    fragment = client.get(batch_url(batch, "web:import-progress"), headers={"HX-Request": "true"})
    text = fragment.content.decode()
    assert fragment.status_code == 200 and 'value="40"' in text and "Import en cours : 40 %." in text
    assert "2 lignes traitées sur 5" in text

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("web:imports")).status_code == 200
        return len(captured)

    queries()  # warm: the session and the viewer's memberships
    few = queries()
    ImportBatch.objects.bulk_create(
        ImportBatch(
            department=world.dept_a,
            organization=world.org_y,
            kind=BatchKind.SHEET,
            filename=f"f{n}.csv",
            sha256=f"{n:064d}",
            created_by=world["orientation_officer"],
        )
        for n in range(20)
    )
    assert queries() == few


def test_a_large_file_is_previewed_in_the_background(world, client_for, monkeypatch):
    monkeypatch.setattr(uploads, "PREVIEW_INLINE_ROWS", 2)
    client = client_for("orientation_officer")
    batch = the_batch(upload(client, MESSY, organization=world.org_x))
    page = client.get(batch_url(batch)).content.decode()
    assert "Calcul de l'aperçu en cours" in page
    assert "Lancer l'import" not in page
    assert client.get(batch_url(batch, "web:import-progress")).status_code == 204  # not ready: polling goes on
    run_pending()
    ready = client.get(batch_url(batch, "web:import-progress"))
    assert ready.status_code == 286 and ready["HX-Refresh"] == "true"
    page = client.get(batch_url(batch)).content.decode()
    assert '<th scope="row">Créée</th><td>3</td>' in page and "Lancer l'import" in page
