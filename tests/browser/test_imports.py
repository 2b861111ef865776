"""Imports in Chromium, with a real background worker (bulk queue): an orientation officer uploads a messy CSV, checks
the detected mapping and the preview, starts the import, watches the progress bar reach the end and downloads the
rejected rows with their reason."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from parcours.accounts.enums import Profession
from parcours.accounts.models import Membership, User
from parcours.intake.enums import BatchStatus
from parcours.intake.models import ImportBatch
from parcours.people.models import Beneficiary
from tests import processes
from tests.browser.conftest import PASSWORD

pytestmark = pytest.mark.browser

PEOPLE = 40  # of which every tenth has an impossible birth date


def messy_csv() -> bytes:
    lines = ['"N° CAF";"Nom\r\nbénéficiaire";"Prénom(s)";"Date de\r\nnaissance";"CP Ville";"Tél.";"Observations"']
    for n in range(PEOPLE):
        born = "31/02/1980" if n % 10 == 9 else f"{1 + n % 28:02d}/{1 + n % 12:02d}/{1960 + n}"
        lines.append(f"{1000000 + n};Personne{n:02d};Prénom{n:02d};{born};93000 Bobigny;06 12 34 56 {n:02d};")
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


@pytest.fixture
def officer(world):
    today = timezone.localdate()
    user = User.objects.create_user(
        "orientation@navigateur.parcours.test", PASSWORD, first_name="Yanis", last_name="Roux"
    )
    Membership.objects.create(
        user=user,
        organization=world.organization,
        profession=Profession.ORIENTATION_OFFICER,
        start_date=today - datetime.timedelta(days=30),
    )
    return user


@pytest.fixture
def bulk_worker(settings, tmp_path, live_server):
    settings.IMPORTS_DIR = tmp_path / "imports"
    env = processes.worker_env(
        Q_CLUSTER_NAME="bulk",
        IMPORTS_DIR=str(settings.IMPORTS_DIR),
        IMPORT_CHUNK_ROWS="5",
        JOB_RETRY_SECONDS="30",
        JOB_POLL_SECONDS="0.1",
        JOB_BULK_WORKERS="1",
    )
    log = processes.ROOT / "var" / "browser-imports-worker.log"
    log.write_text("")
    cluster = processes.start_cluster(env, log)
    try:
        yield cluster
    finally:
        processes.stop(cluster)


def test_an_orientation_officer_imports_a_messy_spreadsheet(browsing, world, officer, bulk_worker, tmp_path):
    page = browsing.page
    browsing.login(officer.email)
    page.get_by_role("link", name="Imports").click()
    expect(page.get_by_role("heading", name="Imports", level=1)).to_be_visible()
    page.get_by_role("link", name="Importer un fichier").click()
    page.get_by_label("Fichier à importer").set_input_files(
        {"name": "allocataires.csv", "mimeType": "text/csv", "buffer": messy_csv()}
    )
    page.get_by_label("Organisation").select_option(label=f"{world.organization.name} (93)")
    page.get_by_role("button", name="Envoyer et voir l'aperçu").click()

    # The preview: the messy headers are mapped without help, nothing is written yet.
    expect(page.get_by_role("heading", name="Aperçu de l'import", level=1)).to_be_visible()
    expect(page.get_by_label("N° CAF", exact=True)).to_have_value("caf_number")
    expect(page.get_by_label("Nom bénéficiaire", exact=True)).to_have_value("last_name")
    expect(page.get_by_label("Date de naissance", exact=True)).to_have_value("birth_date")
    expect(page.get_by_label("CP Ville", exact=True)).to_have_value("postal_code_town")
    expect(page.get_by_label("Observations", exact=True)).to_have_value("")
    counts = page.get_by_role("table", name="Nombre de lignes par résultat")
    expect(counts.get_by_role("row", name="Créée")).to_contain_text("36")
    expect(counts.get_by_role("row", name="Rejetée")).to_contain_text("4")
    assert not Beneficiary.objects.filter(last_name__startswith="Personne").exists()

    # The run, in the background: the progress bar is polled until the end, then the summary replaces it.
    page.get_by_role("button", name="Lancer l'import").click()
    expect(page.get_by_role("heading", name="Import allocataires.csv", level=1)).to_be_visible()
    expect(page.locator("#import-announce")).to_contain_text("Import terminé", timeout=90_000)
    expect(page.locator("progress.import-progress")).to_have_attribute("value", "100")
    summary = page.get_by_role("table", name="Bilan de l'import")
    expect(summary.get_by_role("row", name="Créées")).to_contain_text("36")
    expect(summary.get_by_role("row", name="Rejetées")).to_contain_text("4")
    batch = ImportBatch.objects.get(filename="allocataires.csv")
    assert batch.status == BatchStatus.DONE and batch.chunks.count() == PEOPLE // 5
    assert Beneficiary.objects.filter(last_name__startswith="Personne").count() == 36

    # The rejected rows come back with their reason.
    with page.expect_download() as caught:
        page.get_by_role("link", name="fichier CSV").click()
    download = caught.value
    assert download.suggested_filename == "allocataires-rejets.csv"
    download.save_as(tmp_path / "rejets.csv")
    text = (tmp_path / "rejets.csv").read_text(encoding="utf-8-sig")
    assert text.count("Date de naissance illisible (colonne « Date de naissance ») : « 31/02/1980 »") == 4
    assert "Personne09" in text and "Personne00" not in text
    assert not browsing.problems()
