"""A workshop, through the real pages: the CIP creates it and a session under way, registers three people on two
seats (the third waits), cancels one (the waitlist moves up), records attendance and downloads a certificate."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from parcours.orientation.enums import Parcours
from parcours.orientation.services import open_follow_up
from parcours.people.models import Beneficiary
from parcours.workshops.enums import RegistrationStatus
from parcours.workshops.models import Registration

pytestmark = pytest.mark.browser

TITLE = "Se présenter à un employeur"


def follow(world, first, last):
    person = Beneficiary.objects.create(department=world.department, first_name=first, last_name=last)
    open_follow_up(person, by=world.cip, parcours=Parcours.PRO, organization=world.organization, referent=world.cip)
    return person


def session_hours():
    """A session under way today: from an hour ago (not before midnight) to an hour from now (not after 23:59)."""
    now = timezone.localtime().replace(second=0, microsecond=0)
    midnight = now.replace(hour=0, minute=0)
    start = max(now - datetime.timedelta(hours=1), midnight)
    end = min(now + datetime.timedelta(hours=1), midnight.replace(hour=23, minute=59))
    return now.date(), start.strftime("%H:%M"), end.strftime("%H:%M")


def register(page, name: str, button: str):
    page.get_by_label("Nom ou prénom d'une personne que vous accompagnez").fill(name)
    page.get_by_role("button", name="Chercher").click()
    page.get_by_role("button", name=button).click()


def test_a_workshop_fills_its_waitlist_moves_up_attendance_and_certificate(world, browsing, tmp_path):
    page = browsing.page
    omar, sofia = follow(world, "Omar", "Benali"), follow(world, "Sofia", "Lopez")
    browsing.login(world.cip.email)

    # The CIP creates the workshop, then a session under way with two seats.
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Ateliers").click()
    expect(page.get_by_role("heading", name="Ateliers collectifs", level=1)).to_be_visible()
    page.get_by_label("Intitulé").fill(TITLE)
    page.get_by_label("Type").select_option(label="Atelier")
    page.get_by_role("button", name="Créer l'atelier").click()
    expect(page.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    day, start, end = session_hours()
    page.get_by_text("Ajouter une séance").click()
    page.get_by_label("Date").fill(day.isoformat())
    page.get_by_label("Début").fill(start)
    page.get_by_label("Fin").fill(end)
    page.get_by_label("Nombre de places").fill("2")
    page.get_by_label("Autre lieu (adresse)").fill("Agence de Bobigny, salle 2")
    page.get_by_role("button", name="Ajouter la séance").click()
    expect(page.locator("#seats")).to_contain_text("0 / 2")

    # Three people for two seats: the third one waits.
    register(page, "Rivière", "Inscrire Léa RIVIÈRE")
    expect(page.locator("#messages")).to_contain_text("Léa RIVIÈRE est inscrit·e")
    register(page, "Omar", "Inscrire Omar BENALI")
    expect(page.locator("#seats")).to_contain_text("séance complète")
    register(page, "Sofia", "Mettre en liste d'attente Sofia LOPEZ")
    expect(page.locator("#messages")).to_contain_text("Sofia LOPEZ est en liste d'attente (rang 1)")
    expect(page.locator("#waitlist-table")).to_contain_text("LOPEZ Sofia")

    # Léa cannot come after all: Sofia takes her seat at once.
    page.get_by_role("button", name="Annuler l'inscription de Léa RIVIÈRE").click()
    expect(page.locator("#messages")).to_contain_text("La place revient à Sofia LOPEZ")
    expect(page.locator("#registered-table")).to_contain_text("LOPEZ Sofia")
    expect(page.locator("#registered-table")).not_to_contain_text("RIVIÈRE")
    expect(page.get_by_text("Personne en liste d'attente.")).to_be_visible()

    # Attendance: Omar came, Sofia did not.
    page.get_by_label("BENALI Omar").check()
    page.get_by_role("button", name="Enregistrer les présences").click()
    expect(page.locator("#messages")).to_contain_text("Présences enregistrées (2 changements).")
    expect(page.locator("#registered-table")).to_contain_text("présent·e")
    attended = dict(
        Registration.objects.filter(status=RegistrationStatus.REGISTERED).values_list("beneficiary", "attended")
    )
    assert attended == {omar.pk: True, sofia.pk: False}

    # The certificate of Omar downloads from the workshop's page.
    page.get_by_role("link", name=TITLE).click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Télécharger l'attestation de Omar BENALI (PDF)").click()
    download = download_info.value
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    assert download.suggested_filename.startswith("attestation-se-presenter-a-un-employeur-benali")
    assert path.read_bytes().startswith(b"%PDF-")
    expect(page.get_by_role("link", name="Télécharger l'attestation de Sofia LOPEZ (PDF)")).to_have_count(0)
    assert not browsing.problems()
