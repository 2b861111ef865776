"""The person's signed link: confirm, cancel, ask for another slot (issue 3 §3)."""

import datetime
import logging
import re
from html import unescape

import pytest
from django.core import signing
from django.db import IntegrityError, connection, transaction
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django_q.models import OrmQ

from parcours.agenda.enums import AppointmentStatus
from parcours.agenda.models import Appointment
from parcours.agenda.services import plan_appointment
from parcours.journal.models import Section, TimelineEvent
from parcours.rsvp import tokens
from parcours.rsvp.enums import ResponseAction
from parcours.rsvp.models import Response
from parcours.rsvp.tokens import link_for, read_token, token_for
from tests.world import ALICE_NIR, CANARY

REPLAN = "parcours.scheduling.tasks.replan_counselor"


def text(response) -> str:
    """The page as the person reads it (entities decoded)."""
    return unescape(response.content.decode())


def url(appointment):
    return reverse("web:rsvp", args=[token_for(appointment)])


def in_days(world, days, hour=10):
    day = timezone.localdate() + datetime.timedelta(days=days)
    starts_at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))
    cip = world["cip"]
    return plan_appointment(
        world.alice,
        follow_up=world.follow_up,
        counselor=cip,
        by=cip,
        starts_at=starts_at,
        kind="follow_up",
        mode="on_site",
        place="Agence T1, salle 2",
    )


def replans():
    """(args, kwargs) of every re-planning task waiting in the queue (unset arguments and its run key left out)."""
    tasks = [q.task for q in OrmQ.objects.all()]
    return [
        (t["args"], {k: v for k, v in t["kwargs"].items() if v is not None and k != "token"})
        for t in tasks
        if t["func"] == REPLAN
    ]


def rsvp_events(person):
    return list(TimelineEvent.objects.filter(beneficiary=person, kind__startswith="rsvp_").order_by("pk"))


# --- Tokens ----------------------------------------------------------------------------------------------------


def test_a_token_reads_back_and_carries_nothing_but_the_public_id(world):
    appointment = world.appointment_future
    token = token_for(appointment)
    assert read_token(token) == appointment
    payload = token.split(".")[0]
    assert tokens._decode(payload) == appointment.public_id
    for personal in ("Alice", "Durand", ALICE_NIR):
        assert personal.lower() not in token.lower()
    assert re.fullmatch(r"[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+", token)


@override_settings(PUBLIC_BASE_URL="https://rdv.parcours.example")
def test_the_link_is_absolute_on_the_public_base(world):
    link = link_for(world.appointment_future)
    assert link == f"https://rdv.parcours.example/rdv/{token_for(world.appointment_future)}/"


def test_tampered_and_foreign_tokens_read_as_none(world):
    appointment = world.appointment_future
    token = token_for(appointment)
    payload, signature = token.split(".")
    other = tokens._encode(world.appointment_past.public_id)
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    forged = [
        f"{other}.{signature}",  # someone else's appointment with this signature
        f"{payload}.{flipped}",
        payload,
        "",
        "x" * 500,
        signing.Signer().sign(payload),  # signed for another purpose (no salt)
        signing.Signer(salt="autre", sep=".").sign(payload),
    ]
    for candidate in forged:
        assert read_token(candidate) is None, candidate


def test_a_token_expires_the_day_after_the_appointment_or_with_it(world):
    yesterday = in_days(world, -1)
    before_yesterday = in_days(world, -2)
    assert read_token(token_for(yesterday)) == yesterday
    assert read_token(token_for(before_yesterday)) is None
    token = token_for(world.appointment_future)
    Appointment.objects.filter(pk=world.appointment_future.pk).delete()
    assert read_token(token) is None


# --- The page ----------------------------------------------------------------------------------------------------


def test_the_page_shows_the_appointment_without_personal_data(world):
    response = Client().get(url(in_days(world, 3)))
    assert response.status_code == 200
    html = text(response)
    assert "Camille" in html  # the counselor's first name
    assert "Agence T1, salle 2" in html
    for label in ("Je confirme", "J'annule", "Je demande un autre créneau", "Une pièce d'identité"):
        assert label in html
    for personal in ("Alice", "Durand", "DURAND", "Martin", ALICE_NIR, "0601020304", *CANARY.values()):
        assert personal not in html
    assert html.count('name="csrfmiddlewaretoken"') == 3
    assert 'id="cancel-reason"' in html and 'for="cancel-reason"' in html
    assert "Mon agenda" not in html  # no professional navigation
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"]


def test_wrong_expired_and_deleted_links_look_alike(world):
    client = Client()
    old = in_days(world, -5)
    gone = in_days(world, 5)
    gone_url = url(gone)
    gone.delete()
    answers = [
        client.get(reverse("web:rsvp", args=["pas-un-jeton"])),
        client.get(url(world.appointment_future)[:-3] + "x/"),
        client.get(url(old)),
        client.get(gone_url),
        client.post(gone_url, {"action": "cancel"}),
    ]
    assert {r.status_code for r in answers} == {404}
    assert len({r.content for r in answers}) == 1
    html = text(answers[0])
    assert "Ce lien n'est plus valable" in html and "convocation" in html
    assert answers[0]["Referrer-Policy"] == "same-origin" and "no-store" in answers[0]["Cache-Control"]


def test_the_token_never_reaches_the_logs(world, caplog):
    token = token_for(world.appointment_future)
    expired = token_for(in_days(world, -5))
    caplog.set_level(logging.DEBUG)
    Client().get(reverse("web:rsvp", args=[expired]))  # 404: django.request logs the path
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(reverse("web:rsvp", args=[token]), {"action": "cancel"}).status_code == 403  # CSRF log
    Client().get(reverse("web:calendar-feed", args=["un-jeton-de-flux-inconnu-123456"]))
    messages = [record.getMessage() for record in caplog.records]
    assert any("Not Found" in m and "/rdv/[jeton masqué]/" in m for m in messages), messages
    assert any("Forbidden" in m and "[jeton masqué]" in m for m in messages), messages
    for secret in (token, expired, "un-jeton-de-flux-inconnu-123456", token.split(".")[1]):
        assert not any(secret in m for m in messages)
    assert Appointment.objects.get(pk=world.appointment_future.pk).status == AppointmentStatus.PLANNED


def test_the_forms_work_with_csrf_enforced_and_without_javascript(world):
    client = Client(enforce_csrf_checks=True)
    appointment = in_days(world, 4)
    page = text(client.get(url(appointment)))
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post(url(appointment), {"csrfmiddlewaretoken": csrf, "action": "confirm"})
    assert response.status_code == 200
    assert "votre présence est confirmée" in text(response)
    assert Response.objects.filter(appointment=appointment, action=ResponseAction.CONFIRM).exists()


# --- Confirm ------------------------------------------------------------------------------------------------------


def test_confirming_records_the_answer_once(world):
    client = Client(REMOTE_ADDR="203.0.113.7")
    appointment = in_days(world, 3)
    first = client.post(url(appointment), {"action": "confirm"})
    assert first.status_code == 200
    assert "Merci, votre présence est confirmée" in text(first)
    response = Response.objects.get(appointment=appointment)
    assert response.action == ResponseAction.CONFIRM
    assert response.ip_hash and "203.0.113.7" not in response.ip_hash and len(response.ip_hash) == 64
    [event] = rsvp_events(world.alice)
    assert event.kind == "rsvp_confirmed" and event.actor is None
    assert "confirmée par la personne" in event.summary
    second = client.post(url(appointment), {"action": "confirm"})
    assert second.status_code == 200
    assert "Vous avez déjà confirmé votre présence" in text(second)
    assert Response.objects.filter(appointment=appointment).count() == 1
    assert len(rsvp_events(world.alice)) == 1
    assert Appointment.objects.get(pk=appointment.pk).status == AppointmentStatus.PLANNED
    assert not replans()
    assert "Je confirme" not in text(second)  # the page now says it is confirmed


# --- Cancel -------------------------------------------------------------------------------------------------------


def test_cancelling_frees_the_slot_tells_the_referent_and_asks_for_a_replan(world):
    from parcours.notifications.models import Message

    client = Client()
    appointment = in_days(world, 3)
    version = appointment.version
    messages_before = Message.objects.count()
    response = client.post(url(appointment), {"action": "cancel", "reason": "Je   commence un  emploi lundi"})
    assert response.status_code == 200
    assert "Votre rendez-vous est annulé" in text(response)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
    assert appointment.version == version + 1
    answer = Response.objects.get(appointment=appointment)
    assert answer.action == ResponseAction.CANCEL and answer.reason == "Je commence un emploi lundi"
    [event] = rsvp_events(world.alice)
    assert event.kind == "rsvp_cancelled" and "Motif : Je commence un emploi lundi" in event.summary
    assert event.section == Section.SOCIO_PRO  # the person's own words: not for every team member
    assert replans() == [((world["cip"].pk,), {"reason": "cancelled", "freed_appointment_id": appointment.pk})]
    assert Message.objects.count() == messages_before + 1  # the acknowledgement, in the same transaction

    again = client.post(url(appointment), {"action": "cancel"})
    assert again.status_code == 200
    assert "Vous avez déjà annulé ce rendez-vous" in text(again)
    assert len(rsvp_events(world.alice)) == 1 and len(replans()) == 1
    assert Message.objects.count() == messages_before + 1
    for action in ("confirm", "another_slot"):
        refused = client.post(url(appointment), {"action": action})
        assert refused.status_code == 409
        assert "Ce rendez-vous est annulé" in text(refused)
    assert Response.objects.filter(appointment=appointment).count() == 1


def test_cancelling_without_a_reason_is_an_entry_for_the_whole_team(world):
    appointment = in_days(world, 2)
    assert Client().post(url(appointment), {"action": "cancel"}).status_code == 200
    [event] = rsvp_events(world.alice)
    assert event.section == Section.IDENTITY and "Motif" not in event.summary


def test_asking_for_another_slot_cancels_and_replans_the_person(world):
    appointment = in_days(world, 5)
    response = Client().post(url(appointment), {"action": "another_slot", "reason": "Le matin seulement"})
    assert response.status_code == 200
    assert "un nouveau créneau va vous être proposé" in text(response)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
    [event] = rsvp_events(world.alice)
    assert event.kind == "rsvp_another_slot" and "Contraintes : Le matin seulement" in event.summary
    expected = {
        "reason": "another_slot",
        "beneficiary_id": world.alice.pk,
        "freed_appointment_id": appointment.pk,
    }
    assert replans() == [((world["cip"].pk,), expected)]
    again = Client().post(url(appointment), {"action": "another_slot"})
    assert "Vous avez déjà demandé un autre créneau" in text(again)
    cancel = Client().post(url(appointment), {"action": "cancel"})
    assert cancel.status_code == 200 and "vous avez demandé un autre créneau" in text(cancel)
    assert len(replans()) == 1 and Response.objects.filter(appointment=appointment).count() == 1


def test_a_cancellation_by_the_counselor_is_refused_clearly(world):
    appointment = in_days(world, 3)
    Appointment.objects.filter(pk=appointment.pk).update(status=AppointmentStatus.CANCELLED)
    response = Client().post(url(appointment), {"action": "cancel"})
    assert response.status_code == 409
    assert "Ce rendez-vous est déjà annulé" in text(response)
    assert not Response.objects.exists() and not rsvp_events(world.alice) and not replans()


# --- Refusals -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["confirm", "cancel", "another_slot"])
def test_a_past_appointment_cannot_be_changed(world, action):
    appointment = world.appointment_past  # today, half an hour ago: the link still opens
    page = Client().get(url(appointment))
    assert page.status_code == 200 and "Ce rendez-vous est passé" in text(page)
    assert "Je confirme" not in text(page)
    response = Client().post(url(appointment), {"action": action})
    assert response.status_code == 409
    assert "Ce rendez-vous est passé" in text(response)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.PLANNED
    assert not Response.objects.exists() and not rsvp_events(world.alice) and not replans()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choisissez l'un des trois boutons."),
        ({"action": "delete"}, "Réponse inconnue"),
        ({"action": "cancel", "reason": "x" * 201}, "Votre message est trop long"),
    ],
)
def test_bad_input_gets_a_french_message_and_writes_nothing(world, data, message):
    appointment = in_days(world, 3)
    response = Client().post(url(appointment), data)
    assert response.status_code == 400
    assert message in text(response)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.PLANNED
    assert not Response.objects.exists() and not rsvp_events(world.alice) and not replans()


def test_the_queued_replan_runs(world):
    """The cancellation's task is a real one: the worker runs it to success (the scheduling engine's work)."""
    from django_q.models import Task

    from parcours.jobs.queues import INTERACTIVE
    from parcours.jobs.runner import run_pending
    from parcours.scheduling.models import PlanningRun

    appointment = in_days(world, 3)
    Client().post(url(appointment), {"action": "cancel"})
    assert len(replans()) == 1
    assert run_pending((INTERACTIVE,)) >= 1
    assert not replans()
    assert Task.objects.filter(func=REPLAN, success=True).count() == 1
    # Nobody asked for a new slot: a proposal waits for the counselor, no appointment was created.
    assert PlanningRun.objects.filter(counselor=world["cip"], reason="cancelled", status="proposed").count() == 1
    assert not Appointment.objects.filter(beneficiary=world.alice, created_at__gt=appointment.created_at).exists()


def test_the_database_keeps_one_answer_per_action_and_encrypts_the_reason(world):
    appointment = in_days(world, 3)
    Response.objects.create(appointment=appointment, action=ResponseAction.CONFIRM)
    with pytest.raises(IntegrityError), transaction.atomic():
        Response.objects.create(appointment=appointment, action=ResponseAction.CONFIRM)
    Response.objects.create(appointment=appointment, action=ResponseAction.CANCEL, reason="Malade")
    with connection.cursor() as cursor:
        cursor.execute("SELECT reason FROM rsvp_response WHERE action = 'cancel'")
        [(raw,)] = cursor.fetchall()
    assert "Malade" not in raw
    assert Response.objects.get(action=ResponseAction.CANCEL).reason == "Malade"


def test_another_slot_end_to_end_the_person_gets_a_new_appointment_and_an_invitation(world):
    """The link, the queued re-planning run by a worker, the new appointment and its convocation."""
    from parcours.jobs.queues import INTERACTIVE
    from parcours.jobs.runner import run_pending
    from parcours.notifications.models import Message
    from parcours.scheduling.demo import seed_availability

    seed_availability(world.dept_a)
    appointment = in_days(world, 3)
    before = set(Appointment.objects.filter(beneficiary=world.alice).values_list("pk", flat=True))
    response = Client().post(url(appointment), {"action": "another_slot", "reason": "Le matin seulement"})
    assert response.status_code == 200
    run_pending((INTERACTIVE,))
    new = Appointment.objects.filter(beneficiary=world.alice).exclude(pk__in=before)
    [placed] = new
    assert placed.status == AppointmentStatus.PLANNED and placed.counselor == world["cip"]
    assert placed.starts_at > timezone.now() and placed.pk != appointment.pk
    assert Message.objects.filter(appointment=placed, kind="convocation").count() == 1
    assert read_token(token_for(placed)) == placed  # the new invitation carries its own working link


def test_the_fast_signature_is_exactly_djangos(world, settings):
    """token_for signs without re-deriving the key (W8); it must stay Django's Signer, byte for byte."""
    from parcours.rsvp import tokens

    for secret in (settings.SECRET_KEY, "une-autre-cle-secrete-de-test-assez-longue-0123456789"):
        settings.SECRET_KEY = secret
        for appointment in (world.appointment_past, world.appointment_future):
            value = tokens._encode(appointment.public_id)
            assert tokens.token_for(appointment) == tokens._signer().sign(value)
            assert tokens.read_token(tokens.token_for(appointment)) == appointment
