"""Issue 5, end to end in Chromium: from a person's open frein to a suggested service, a referral sent with her
consent, the partner's answers through the signed link (accept, start, an absence, completion), and the
counselor who sees the statuses and the service's hours in the person's week.
"""

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from parcours.catalogue import indexing
from parcours.catalogue.models import Service, ServiceStatus, Structure
from parcours.jobs.runner import run_pending
from parcours.organizations.models import Commune
from parcours.referrals.models import Referral

pytestmark = pytest.mark.browser

BOBIGNY, PANTIN = "93008", "93055"


@pytest.fixture
def offer(world):
    """Léa (mobility frein to work on) lives in Bobigny; a driving school for people on minima sociaux in Pantin."""
    bobigny, pantin = Commune.objects.get(insee_code=BOBIGNY), Commune.objects.get(insee_code=PANTIN)
    world.person.commune = bobigny
    world.person.save(update_fields=["commune"])
    structure = Structure.objects.create(
        source="test",
        source_id="test--mobilite-pantin",
        name="Mobilité Solidaire Pantin",
        commune=pantin,
        city=pantin.name,
        latitude=pantin.latitude,
        longitude=pantin.longitude,
        email="contact@mobilite-pantin.test",
    )
    service = Service.objects.create(
        structure=structure,
        source="test",
        source_id="test--auto-ecole-pantin",
        name="Auto-école sociale",
        description="Code et conduite à tarif réduit, avec une pédagogie adaptée.",
        themes=["mobilite--preparer-un-permis"],
        reception_modes=["en-presentiel"],
        commune=pantin,
        city=pantin.name,
        latitude=pantin.latitude,
        longitude=pantin.longitude,
        contact_email="accueil@mobilite-pantin.test",
        weekly_hours=6,
        duration_weeks=12,
        status=ServiceStatus.PUBLISHED,
    )
    indexing.refresh([service.pk])
    return service


def last_week_monday() -> datetime.date:
    today = timezone.localdate()
    return today - datetime.timedelta(days=today.weekday() + 7)


def test_from_a_frein_to_a_completed_referral_counted_in_the_hours(world, offer, browsing):
    page = browsing.page
    mail.outbox.clear()

    # The CIP opens Léa's file: the driving school is suggested for her mobility frein.
    browsing.login(world.cip.email)
    browsing.goto(f"/personnes/{world.person.public_id}/")
    suggestions = page.locator("#suggested-services")
    expect(suggestions).to_contain_text("Auto-école sociale")
    expect(suggestions).to_contain_text("répond au frein : Mobilité")
    suggestions.get_by_role("link", name="Orienter vers ce service").first.click()

    # She shares the phone number on top of the minimum, records Léa's consent, and sends.
    expect(page.get_by_role("heading", level=1)).to_have_text("Orienter Léa RIVIÈRE vers « Auto-école sociale »")
    page.get_by_role("button", name="Envoyer l'orientation").click()  # without the consent: refused
    expect(page.get_by_role("alert").or_(page.locator(".field-error"))).to_contain_text("Recueillez l'accord")
    page.get_by_label("Téléphone et e-mail, pour la contacter").check()
    page.get_by_label("Message au partenaire (facultatif, partagé)").fill("Disponible en semaine, le matin.")
    page.get_by_label(re.compile("La personne est d'accord")).check()
    page.get_by_role("button", name="Envoyer l'orientation").click()
    referrals = page.locator("#referrals")
    expect(referrals).to_contain_text("Auto-école sociale")
    expect(referrals).to_contain_text("Envoyée, en attente de réponse")

    # The partner's e-mail carries the signed link (sent by the background job).
    run_pending()
    [email] = [m for m in mail.outbox if m.to == ["accueil@mobilite-pantin.test"]]
    link = re.search(r"https?://[^/\s]+(/partenaire/orientation/\S+/)", email.body).group(1)
    # Two weeks go by before the partner answers (the referral is moved back in time).
    referral = Referral.objects.get()
    Referral.objects.filter(pk=referral.pk).update(sent_at=timezone.now() - datetime.timedelta(days=20))
    browsing.logout()

    # The partner, without an account, answers through the link: accept, start, an absence, completion.
    browsing.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Orientation vers « Auto-école sociale »")
    expect(page.locator("body")).to_contain_text("Léa R.")
    expect(page.locator("body")).to_contain_text("06 12 34 56 78")
    expect(page.locator("body")).not_to_contain_text("Rivière")
    expect(page.locator("body")).not_to_contain_text(world.canary)
    page.get_by_role("button", name="J'accepte l'orientation").click()
    expect(page.get_by_role("status")).to_contain_text("Orientation acceptée")
    monday = last_week_monday()
    start = page.locator("#action-start")
    start.get_by_label("Date de démarrage").fill(monday.isoformat())
    start.get_by_role("button", name="Enregistrer le démarrage").click()
    expect(page.get_by_role("status")).to_contain_text("Démarrage enregistré")
    attendance = page.locator("#action-attendance")
    attendance.get_by_label("Jour").fill((monday + datetime.timedelta(days=2)).isoformat())
    attendance.get_by_label("Absente").check()
    attendance.get_by_role("button", name="Enregistrer la présence").click()
    expect(page.get_by_role("status")).to_contain_text("Présence enregistrée")
    complete = page.locator("#action-complete")
    complete.get_by_label("Date de fin").fill(timezone.localdate().isoformat())
    complete.get_by_role("button", name="Enregistrer la fin de l'action").click()
    expect(page.get_by_role("status")).to_contain_text("Fin de l'action enregistrée")
    expect(page.locator(".referral-status").first).to_have_text("Action terminée")

    # The CIP sees the news, the statuses and the history.
    browsing.login(world.cip.email)
    browsing.goto("/orientations/")
    done = page.locator("section", has=page.get_by_role("heading", name=re.compile("^Terminées")))
    expect(done).to_contain_text("Auto-école sociale")
    expect(done).to_contain_text("Nouveau")
    done.get_by_role("link", name=re.compile("^Voir")).click()
    history = page.locator("#history-title + ol")
    for step in ("Orientation envoyée", "Orientation acceptée", "Action démarrée", "Présence enregistrée"):
        expect(history).to_contain_text(step)
    expect(history).to_contain_text("Action terminée")
    browsing.goto(f"/personnes/{world.person.public_id}/")
    expect(page.locator("#referrals")).to_contain_text("Action terminée")
    expect(page.locator("#timeline")).to_contain_text(
        "Action « Auto-école sociale » (Mobilité Solidaire Pantin) terminée"
    )

    # Last week's hours count the service: 6 h planned, 4,8 h done (one day absent).
    browsing.goto(f"/heures/personnes/{world.person.public_id}/?semaine={monday.isoformat()}")
    services_row = page.locator("#hours-services")
    expect(services_row).to_contain_text("6 h")
    expect(services_row).to_contain_text("4,8 h")
    assert browsing.problems(allowed_statuses=(400,)) == []  # the refused send without consent
