"""A counselor's day, through the real pages: log in, open the caseload and a file, record the appointment,
move a frein, add an action, plan the next appointment, never see the psychologist's private note, log out.
"""

import datetime
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import dateformat, timezone, translation
from playwright.sync_api import expect

from parcours.agenda.enums import AppointmentStatus
from parcours.agenda.models import Appointment
from parcours.diagnostics.enums import Barrier, BarrierLevel
from parcours.diagnostics.models import BarrierAssessment
from parcours.journal.models import TimelineEvent
from parcours.plans.enums import ActionOwner, ActionStatus

pytestmark = pytest.mark.browser

REPORT = "Point sur la mobilité : inscription au code de la route faite."
ACTION = "S'inscrire à l'auto-école sociale"


def expected_next_date(seen_at: datetime.datetime) -> datetime.date:
    """The seen appointment's day + 15 days, moved back to the Friday when it falls on a week-end."""
    day = timezone.localtime(seen_at).date() + datetime.timedelta(days=15)
    while day.weekday() >= 5:
        day -= datetime.timedelta(days=1)
    return day


def french(dt: datetime.datetime, fmt: str) -> str:
    with translation.override("fr"):
        return dateformat.format(timezone.localtime(dt), fmt)


def upcoming_in(page):
    """The appointments listed under « À venir » (between that heading and « Passés »)."""
    return page.locator("#appointments").locator(
        "xpath=./h3[normalize-space()='À venir']/following-sibling::article"
        "[following-sibling::h3[normalize-space()='Passés']]"
    )


def test_counselor_day(world, browsing):
    page = browsing.page
    file_path = f"/personnes/{world.person.public_id}/"
    seen = world.appointment
    next_day = expected_next_date(seen.starts_at)
    next_at = timezone.make_aware(datetime.datetime.combine(next_day, timezone.localtime(seen.starts_at).time()))

    # 1. Log in as the CIP, with the keyboard.
    browsing.goto("/connexion/")
    expect(page.get_by_role("heading", name="Connexion", level=1)).to_be_visible()
    page.get_by_label("Adresse e-mail").fill(world.cip.email)
    page.get_by_label("Mot de passe").fill("mot-de-passe-des-tests-navigateur")
    page.get_by_label("Mot de passe").press("Enter")
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()

    # 2. « Ma file active » lists the person.
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Ma file active").click()
    expect(page.get_by_role("heading", name="Ma file active", level=1)).to_be_visible()
    expect(page.get_by_text("1 personne suivie")).to_be_visible()
    person_link = page.get_by_role("link", name="RIVIÈRE Léa")
    expect(person_link).to_be_visible()

    # 3. Open the file.
    person_link.click()
    expect(page).to_have_url(browsing.url(file_path))
    expect(page.get_by_role("heading", name="Léa RIVIÈRE", level=1)).to_be_visible()
    page.evaluate("window.__sameDocument = true")  # gone if anything below reloads the page

    # 4. Record the appointment of earlier today as seen: htmx swaps the section, no reload.
    appointments = page.locator("#appointments")
    card = appointments.locator(f"#appointment-{seen.public_id}")
    expect(card.locator(".badge")).to_have_text("Prévu")
    summary = card.locator("summary", has_text="Noter l'issue")
    summary.focus()
    page.keyboard.press("Enter")  # a <summary> opens from the keyboard
    card.get_by_label("Le rendez-vous a été").select_option(label="Honoré")
    card.get_by_label("Compte rendu (court)").fill(REPORT)
    card.get_by_role("button", name="Enregistrer l'issue").click()
    expect(card.locator(".badge")).to_have_text("Honoré")
    expect(card).to_contain_text(REPORT)
    expect(card.locator("summary", has_text="Noter l'issue")).to_have_count(0)
    expect(page.locator("#messages")).to_contain_text("Rendez-vous mis à jour.")
    assert page.evaluate("window.__sameDocument") is True

    # 5. Frein « Mobilité »: from « À travailler » to « En cours de levée »; the evolution keeps both.
    mobility = page.locator("#barrier-mobility")
    expect(mobility.locator(".badge")).to_have_text("À travailler")
    page.get_by_label("Nouvel état du frein Mobilité").select_option(label="En cours de levée")
    page.get_by_role("button", name="Enregistrer l'état du frein Mobilité").click()
    expect(mobility.locator(".badge")).to_have_text("En cours de levée")
    expect(mobility.locator("ol.history li")).to_have_text(
        [re.compile("À travailler"), re.compile("En cours de levée")]
    )
    expect(mobility.locator("ol.history li").last).to_contain_text(timezone.localdate().strftime("%d/%m/%y"))

    # 6. Add an action to the contract's goal.
    contract = page.locator("#contract")
    contract.locator("summary", has_text="Ajouter une action").click()
    action_form = contract.locator("form", has=page.get_by_role("button", name="Ajouter l'action"))
    action_form.get_by_label("Objectif").select_option(label=world.goal.title)
    action_form.get_by_label(re.compile(r"^Action\b")).fill(ACTION)
    action_form.get_by_label("Portée par").select_option(label="La personne")
    action_form.get_by_label("Échéance").fill(next_day.isoformat())
    action_form.get_by_role("button", name="Ajouter l'action").click()
    goal = contract.locator(".goal", has=page.get_by_role("heading", name=world.goal.title))
    new_action = goal.locator("li.action", has_text=ACTION)
    expect(new_action).to_be_visible()
    expect(new_action).to_contain_text(f"échéance {next_day:%d/%m/%Y}")
    expect(new_action.locator(".badge")).to_have_text("Prévue")

    # 7. Plan the next appointment 15 days after the one just seen (the form suggests that very date).
    expect(upcoming_in(page)).to_have_count(0)
    appointments.locator("summary", has_text="Planifier un rendez-vous").click()
    date_field = appointments.get_by_label(re.compile(r"^Date\b"))
    expect(date_field).to_have_value(next_day.isoformat())
    expect(appointments.get_by_label("Heure")).to_have_value(timezone.localtime(seen.starts_at).strftime("%H:%M"))
    date_field.fill(next_day.isoformat())
    appointments.get_by_label("Lieu").fill("Agence de Bobigny")
    appointments.get_by_role("button", name="Planifier").click()
    expect(upcoming_in(page)).to_have_count(1)
    expect(upcoming_in(page).first).to_contain_text(french(next_at, "l j F Y à H:i"))
    expect(upcoming_in(page).first.locator(".badge")).to_have_text("Prévu")
    expect(page.locator("#messages")).to_contain_text("Rendez-vous planifié.")
    assert page.evaluate("window.__sameDocument") is True

    # 8. The psychologist's private note never reaches the CIP's page (the team note does).
    page.reload()
    expect(page.locator("#notes")).to_contain_text("Premier entretien")
    expect(page.get_by_text(world.canary)).to_have_count(0)
    assert world.canary not in page.content()

    # 9. Log out: the login page shows, and the file now sends to it.
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("heading", name="Connexion", level=1)).to_be_visible()
    expect(page.get_by_text("Vous êtes déconnecté·e.")).to_be_visible()
    browsing.goto(file_path)
    expect(page).to_have_url(re.compile(r"/connexion/\?next="))
    assert parse_qs(urlsplit(page.url).query)["next"] == [file_path]
    expect(page.get_by_role("heading", name="Connexion", level=1)).to_be_visible()

    # The canary is there for the psychologist: its absence above is not an accident of the data.
    browsing.login(world.psy.email)
    browsing.goto(file_path)
    expect(page.locator("#notes").get_by_text(world.canary)).to_be_visible()
    browsing.logout()

    assert browsing.problems() == []
    assert_database_after_walk(world, next_at)


def assert_database_after_walk(world, next_at):
    seen = Appointment.objects.get(pk=world.appointment.pk)
    assert (seen.status, seen.report, seen.version) == (AppointmentStatus.SEEN, REPORT, 2)

    grades = list(
        BarrierAssessment.objects.filter(follow_up=world.follow_up, barrier=Barrier.MOBILITY).order_by("created_at")
    )
    assert [(g.level, g.is_current) for g in grades] == [
        (BarrierLevel.TO_WORK_ON, False),
        (BarrierLevel.BEING_LIFTED, True),
    ]
    assert grades[-1].author_id == world.cip.pk
    assert grades[-1].assessed_on == timezone.localdate()

    (action,) = world.goal.actions.all()
    assert (action.title, action.owner, action.status) == (ACTION, ActionOwner.BENEFICIARY, ActionStatus.PLANNED)
    assert action.due_date == timezone.localdate(next_at)
    assert (action.created_by_id, action.follow_up_id) == (world.cip.pk, world.follow_up.pk)

    (planned,) = Appointment.objects.filter(beneficiary=world.person, status=AppointmentStatus.PLANNED)
    assert planned.starts_at == next_at
    assert (planned.counselor_id, planned.follow_up_id, planned.place) == (
        world.cip.pk,
        world.follow_up.pk,
        "Agence de Bobigny",
    )

    written = set(
        TimelineEvent.objects.filter(beneficiary=world.person, actor=world.cip).values_list("summary", flat=True)
    )
    assert f"Rendez-vous du {french(seen.starts_at, 'd/m/Y à H:i')} : honoré" in written
    assert "Frein « Mobilité » : à travailler → en cours de levée" in written
    assert f"Action ajoutée : {ACTION} (échéance le {action.due_date:%d/%m/%Y})" in written
    assert any(s.startswith(f"Rendez-vous prévu le {french(next_at, 'd/m/Y à H:i')}") for s in written)
