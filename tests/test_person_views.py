"""The person's file as a counselor uses it: outcomes, concurrent edits, bad input, private notes."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from parcours.agenda.models import Appointment
from parcours.core.concurrency import EditConflict
from parcours.diagnostics.models import BarrierAssessment
from parcours.journal.models import Section, TimelineEvent
from parcours.orientation.models import Note
from parcours.people.models import Beneficiary
from parcours.people.services import update_beneficiary
from parcours.plans.models import Contract
from tests.world import ALICE_NIR, make_nir

HTMX = {"HX-Request": "true"}
CONFLICT = "modifiée par une autre personne"


def url(name, world, *extra):
    return reverse(name, args=[world.alice.public_id, *extra])


def outcome_url(world, appointment=None):
    return url("web:appointment-outcome", world, (appointment or world.appointment_past).public_id)


def stored(model, pk):
    return model.objects.get(pk=pk)


# --- Appointment outcome -----------------------------------------------------------------------------------


def test_recording_an_outcome_without_javascript_redirects_to_the_file(world, client_for):
    client = client_for("cip")
    response = client.post(outcome_url(world), {"status": "seen", "report": "Venue, CV mis à jour", "version": 1})
    assert response.status_code == 302
    assert response["Location"] == url("web:person", world) + "#appointments"
    appointment = stored(Appointment, world.appointment_past.pk)
    assert (appointment.status, appointment.report, appointment.version) == ("seen", "Venue, CV mis à jour", 2)
    page = client.get(response["Location"]).content.decode()
    assert "Rendez-vous mis à jour." in page
    assert "Venue, CV mis à jour" in page


def test_recording_an_outcome_with_htmx_returns_the_refreshed_section(world, client_for):
    response = client_for("cip").post(
        outcome_url(world), {"status": "no_show", "report": "Injoignable", "version": 1}, headers=HTMX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="appointments"')
    assert "<html" not in html and 'id="identity"' not in html  # the section only, not the page
    assert "Injoignable" in html and "Absent·e sans excuse" in html
    assert re.search(r'<div id="messages"[^>]*hx-swap-oob="true">.*Rendez-vous mis à jour\.', html, re.S)
    assert stored(Appointment, world.appointment_past.pk).status == "no_show"


def test_an_appointment_still_to_come_cannot_be_marked_seen(world, client_for):
    response = client_for("cip").post(
        outcome_url(world, world.appointment_future), {"status": "seen", "report": "", "version": 1}, headers=HTMX
    )
    assert response.status_code == 400
    assert "Un rendez-vous à venir ne peut pas encore être marqué comme honoré." in response.content.decode()
    assert stored(Appointment, world.appointment_future.pk).status == "planned"


def test_planning_an_appointment(world, client_for):
    day = timezone.localdate() + datetime.timedelta(days=10)
    data = {"date": day.isoformat(), "time": "14:30", "duration_minutes": 60, "kind": "social", "mode": "home"}
    response = client_for("social_worker").post(url("web:appointment-create", world), data)
    assert response.status_code == 302
    created = Appointment.objects.get(beneficiary=world.alice, kind="social")
    assert timezone.localtime(created.starts_at).strftime("%Y-%m-%d %H:%M") == f"{day.isoformat()} 14:30"
    assert created.counselor == world["social_worker"]


def test_planning_an_appointment_in_the_past_is_refused(world, client_for):
    day = timezone.localdate() - datetime.timedelta(days=3)
    data = {"date": day.isoformat(), "time": "09:00", "duration_minutes": 45, "kind": "follow_up", "mode": "phone"}
    before = Appointment.objects.count()
    response = client_for("cip").post(url("web:appointment-create", world), data)
    assert response.status_code == 400
    assert "On ne planifie pas un rendez-vous dans le passé : vérifiez la date." in response.content.decode()
    assert Appointment.objects.count() == before


# --- Concurrent edits (T-F5) -------------------------------------------------------------------------------


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_two_outcomes_from_the_same_version_the_second_gets_409(headers, world, client_for):
    first, second = client_for("cip"), client_for("social_worker")
    ok = first.post(outcome_url(world), {"status": "seen", "report": "Premier", "version": 1}, headers=headers)
    assert ok.status_code in (200, 302)
    late = second.post(outcome_url(world), {"status": "excused", "report": "Second", "version": 1}, headers=headers)
    assert late.status_code == 409
    assert escape(EditConflict.message) in late.content.decode()
    appointment = stored(Appointment, world.appointment_past.pk)
    assert (appointment.status, appointment.report, appointment.version) == ("seen", "Premier", 2)


def test_two_identity_edits_from_the_same_version_the_second_gets_409(world, client_for):
    version = world.alice.version
    base = {"first_name": "Alice", "last_name": "Durand", "birth_date": "1984-05-12", "version": version}
    first = client_for("cip").post(url("web:person-identity", world), {**base, "phone": "0611111111"})
    assert first.status_code == 302
    second = client_for("social_worker").post(url("web:person-identity", world), {**base, "phone": "0622222222"})
    assert second.status_code == 409
    assert CONFLICT in second.content.decode()
    alice = stored(Beneficiary, world.alice.pk)
    assert (alice.phone, alice.version) == ("0611111111", version + 1)


def test_an_invalid_identity_edit_is_refused_and_the_file_keeps_the_stored_values(world, client_for):
    stored_phone = world.alice.phone
    data = {
        "first_name": "Alicia",
        "last_name": "Durand",
        "birth_date": "1984-05-12",
        "email": "pas-une-adresse",
        "phone": "0699999999",
        "version": world.alice.version,
    }
    response = client_for("cip").post(url("web:person-identity", world), data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "Saisissez une adresse de courriel valide." in html
    assert "Alicia DURAND" not in html  # the file's title still shows the stored name
    alice = stored(Beneficiary, world.alice.pk)
    assert (alice.first_name, alice.phone, alice.version) == ("Alice", stored_phone, world.alice.version)


def test_two_contract_edits_from_the_same_version_the_second_gets_409(world, client_for):
    contract = world.contract
    base = {
        "kind": "engagement",
        "start_date": contract.start_date.isoformat(),
        "end_date": contract.end_date.isoformat(),
        "hours_exemption": "none",
        "version": contract.version,
    }
    assert client_for("cip").post(url("web:contract-save", world), {**base, "weekly_hours": "20"}).status_code == 302
    second = client_for("social_worker").post(url("web:contract-save", world), {**base, "weekly_hours": "25"})
    assert second.status_code == 409
    assert CONFLICT in second.content.decode()
    assert stored(Contract, contract.pk).weekly_hours == 20


# --- Bad input ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("nir", "message"),
    [
        (ALICE_NIR[:-2] + "00", "La clé du NIR ne correspond pas : vérifiez les chiffres saisis."),
        (ALICE_NIR[:-1], "Le NIR doit compter 15 caractères (13 chiffres et la clé de 2 chiffres)."),
        ("2 84 05 93 ABC 123 45", "Ce NIR n&#x27;a pas un format valide"),
    ],
)
def test_an_invalid_nir_is_refused_with_400_and_nothing_is_saved(nir, message, world, client_for):
    before_version, before_events = world.alice.version, TimelineEvent.objects.count()
    response = client_for("cip").post(url("web:person-nir", world), {"nir": nir, "version": before_version})
    assert response.status_code == 400
    assert message in response.content.decode()
    alice = stored(Beneficiary, world.alice.pk)
    assert (alice.nir, alice.version) == (ALICE_NIR, before_version)
    assert TimelineEvent.objects.count() == before_events


def test_the_nir_of_another_person_of_the_departement_is_refused(world, client_for):
    other = make_nir("1750275123456")
    update_beneficiary(world.bob, by=world["cip_out"], expected_version=1, changes={"nir": other}, section=Section.NIR)
    response = client_for("cip").post(url("web:person-nir", world), {"nir": other, "version": world.alice.version})
    assert response.status_code == 400
    assert "Ce NIR est déjà celui d&#x27;une autre personne du département." in response.content.decode()
    assert stored(Beneficiary, world.alice.pk).nir == ALICE_NIR


def test_a_valid_nir_is_saved_compact_and_shown_masked(world, client_for):
    new = make_nir("1750275123456")
    client = client_for("cip")
    spaced = " ".join([new[0], new[1:3], new[3:5], new[5:7], new[7:10], new[10:13], new[13:]])
    response = client.post(url("web:person-nir", world), {"nir": spaced, "version": world.alice.version})
    assert response.status_code == 302
    assert stored(Beneficiary, world.alice.pk).nir == new
    page = client.get(url("web:person", world)).content.decode()
    assert f"1 75 •• •• ••• ••• {new[-2:]}" in page and new not in page


def test_a_contract_of_3_hours_without_exemption_is_refused(world, client_for):
    contract = world.contract
    data = {
        "kind": "engagement",
        "start_date": contract.start_date.isoformat(),
        "end_date": contract.end_date.isoformat(),
        "weekly_hours": "3",
        "hours_exemption": "none",
        "version": contract.version,
    }
    response = client_for("cip").post(url("web:contract-save", world), data, headers=HTMX)
    assert response.status_code == 400
    html = response.content.decode()
    assert "La durée d&#x27;activité doit être d&#x27;au moins 15 heures par semaine" in html
    kept = stored(Contract, contract.pk)
    assert (kept.weekly_hours, kept.version) == (15, contract.version)


def test_a_contract_of_0_hours_with_a_health_exemption_is_accepted(world, client_for):
    contract = world.contract
    data = {
        "kind": "engagement",
        "start_date": contract.start_date.isoformat(),
        "end_date": contract.end_date.isoformat(),
        "weekly_hours": "0",
        "hours_exemption": "health",
        "version": contract.version,
    }
    assert client_for("cip").post(url("web:contract-save", world), data).status_code == 302
    assert stored(Contract, contract.pk).hours_exemption == "health"


def test_an_empty_note_is_refused(world, client_for):
    before = Note.objects.count()
    response = client_for("cip").post(url("web:note-create", world), {"body": "", "visibility": "team"})
    assert response.status_code == 400
    assert Note.objects.count() == before


# --- Notes private to a profession -------------------------------------------------------------------------


def _post_note(client, world, body, visibility):
    response = client.post(url("web:note-create", world), {"body": body, "visibility": visibility})
    assert response.status_code == 302


def _file(client, world):
    return client.get(url("web:person", world)).content.decode()


def test_a_private_note_is_read_by_its_profession_only(world, client_for):
    _post_note(client_for("psychologist"), world, "Note psy du jour 3141", "profession")
    _post_note(client_for("social_worker"), world, "Note sociale du jour 2718", "profession")
    note = Note.objects.filter(author=world["psychologist"]).latest("pk")
    assert (note.body, note.profession, note.visibility) == ("Note psy du jour 3141", "psychologist", "profession")
    visible = {p: _file(client_for(p), world) for p in ("cip", "social_worker", "psychologist", "digital_advisor")}
    assert [p for p, html in visible.items() if "Note psy du jour 3141" in html] == ["psychologist"]
    assert [p for p, html in visible.items() if "Note sociale du jour 2718" in html] == ["social_worker"]


def test_a_team_note_is_read_by_the_whole_team_and_nobody_else(world, client_for):
    _post_note(client_for("digital_advisor"), world, "Atelier numérique fait 1618", "team")
    readers = ("cip", "social_worker", "psychologist", "digital_advisor", "socio_esthetician")
    for persona in readers:
        assert "Atelier numérique fait 1618" in _file(client_for(persona), world), persona
    for persona in ("agency_head", "orientation_officer"):
        assert "Atelier numérique fait 1618" not in _file(client_for(persona), world), persona


def test_a_note_cannot_be_written_by_a_role_outside_the_team(world, client_for):
    before = Note.objects.count()
    response = client_for("agency_head").post(url("web:note-create", world), {"body": "x", "visibility": "team"})
    assert response.status_code == 403
    assert Note.objects.count() == before


# --- Timeline on the page ----------------------------------------------------------------------------------


def test_the_timeline_hides_entries_of_sections_the_reader_may_not_read(world, client_for):
    health_entry = "Section « Santé et handicap » modifiée"
    assert health_entry in _file(client_for("psychologist"), world)
    assert health_entry not in _file(client_for("digital_advisor"), world)
    assert "Section « NIR » modifiée" not in _file(client_for("psychologist"), world)
    assert "Section « NIR » modifiée" in _file(client_for("cip"), world)


# --- CSRF ----------------------------------------------------------------------------------------------------


def test_a_form_post_needs_the_csrf_token_of_the_page(world, client_for):
    client = client_for("cip", enforce_csrf_checks=True)
    before = Note.objects.count()
    data = {"body": "Note avec jeton", "visibility": "team"}
    assert client.post(url("web:note-create", world), data).status_code == 403
    assert Note.objects.count() == before
    page = client.get(url("web:person", world)).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post(url("web:note-create", world), {**data, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert Note.objects.count() == before + 1


def test_the_file_tells_when_the_next_appointment_is_due_and_if_it_is_late(world, client_for):
    Appointment.objects.filter(beneficiary=world.alice).exclude(pk=world.appointment_past.pk).update(
        status="cancelled"
    )
    today = timezone.localdate()
    seen_at = timezone.now() - datetime.timedelta(days=20)
    Appointment.objects.filter(pk=world.appointment_past.pk).update(status="seen", starts_at=seen_at)
    html = client_for("cip").get(url("web:person", world)).content.decode()
    due = timezone.localtime(seen_at).date() + datetime.timedelta(days=15)
    assert "un rendez-vous tous les 15 jours" in html
    assert f"En retard de {(today - due).days} j" in html and f"dû le {due:%d/%m/%Y}" in html

    Appointment.objects.filter(pk=world.appointment_past.pk).update(
        starts_at=timezone.now() - datetime.timedelta(days=2)
    )
    html = client_for("cip").get(url("web:person", world)).content.decode()
    due = today - datetime.timedelta(days=2) + datetime.timedelta(days=15)
    assert "En retard de" not in html and f"Prochain rendez-vous à tenir avant le {due:%d/%m/%Y}" in html


def test_a_profession_without_health_access_can_neither_see_nor_grade_the_health_frein(world, client_for):
    before = BarrierAssessment.objects.filter(follow_up__beneficiary=world.alice, barrier="health").count()
    client = client_for("digital_advisor")
    html = client.get(url("web:person", world)).content.decode()
    assert 'id="barrier-health"' not in html and 'name="level_health"' not in html
    refused = client.post(url("web:barrier-update", world), {"barrier": "health", "level": "lifted"})
    assert refused.status_code == 400
    client.post(url("web:diagnostic-create", world), {"level_health": "lifted", "level_mobility": "lifted"})
    assert BarrierAssessment.objects.filter(follow_up__beneficiary=world.alice, barrier="health").count() == before
    html = client_for("cip").get(url("web:person", world)).content.decode()
    assert 'id="barrier-health"' in html and 'name="level_health"' in html
