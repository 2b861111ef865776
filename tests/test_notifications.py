"""Invitations, reminders and their delivery: channel and consent, texts, SMS through the fake provider, e-mail
through a real SMTP server with its .ics, rate limit, retries, delivery reports, reminders at J-2 and J-1."""

import ast
import contextlib
import datetime
import email
import email.policy
import threading
import time

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_q.models import OrmQ, Schedule
from icalendar import Calendar

from parcours.agenda.enums import AppointmentStatus, Mode
from parcours.agenda.services import plan_appointment
from parcours.core.models import RuleValue
from parcours.jobs.api import call
from parcours.jobs.queues import BULK
from parcours.jobs.runner import run_pending
from parcours.journal.models import TimelineEvent
from parcours.notifications import reminders, sending
from parcours.notifications.contacts import mobile_e164, route_for, set_preference
from parcours.notifications.enums import Channel, MessageKind, MessageStatus
from parcours.notifications.fake_provider import FakeSmsServer, sign
from parcours.notifications.models import ContactPreference, Message
from parcours.notifications.services import SEND_TASK, apply_delivery_report, invite, notify_person
from parcours.notifications.texts import gsm_length, sms_text
from parcours.people.models import Beneficiary
from parcours.rsvp.tokens import link_for
from tests import processes

WEBHOOK_SECRET = "secret-des-tests-de-webhook"


@pytest.fixture
def fake_sms(settings):
    with FakeSmsServer(rate=200, api_key="cle-de-test") as fake:
        settings.SMS_PROVIDER = "fake"
        settings.SMS_API_URL = fake.url
        settings.SMS_API_KEY = "cle-de-test"
        settings.SMS_RATE_PER_SECOND = 200
        settings.SMS_WEBHOOK_SECRET = WEBHOOK_SECRET
        settings.PUBLIC_BASE_URL = "https://parcours.example.fr"
        yield fake


@pytest.fixture
def smtp_inbox(settings):
    inbox = processes.Inbox()
    port = processes.free_port()  # aiosmtpd checks its server by connecting to the given port
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings.MAILERS = {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": "127.0.0.1", "port": port, "use_tls": False, "timeout": 10},
            }
        }
        yield inbox
    finally:
        controller.stop()


def prefer(person, channel, *, sms=False, mail=False, by=None):
    return set_preference(person, by=by, channel=channel, sms_consent=sms, email_consent=mail)


def appointment_in(world, days: int, *, hour=10, person=None, mode=Mode.ON_SITE, place="Agence de Bondy"):
    today = timezone.localdate()
    starts = timezone.make_aware(datetime.datetime.combine(today + datetime.timedelta(days=days), datetime.time(hour)))
    return plan_appointment(
        person or world.alice,
        follow_up=world.follow_up if person is None else None,
        counselor=world["cip"],
        by=world["cip"],
        starts_at=starts,
        kind="follow_up",
        mode=mode,
        place=place,
    )


# --- Channel and consent ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        ("06 01 02 03 04", "FR", "+33601020304"),
        ("07.12.34.56.78", "FR", "+33712345678"),
        ("+33 6 12 34 56 78", "FR", "+33612345678"),
        ("0033712345678", "FR", "+33712345678"),
        ("0690 12 34 56", "FR", "+590690123456"),  # Guadeloupe
        ("0692 12 34 56", "FR", "+262692123456"),  # La Réunion
        ("01 23 45 67 89", "FR", None),  # a landline gets no SMS
        ("+33 1 23 45 67 89", "FR", None),
        ("06 12 34", "FR", None),
        ("0470 12 34 56", "BE", "+32470123456"),
        ("+32 470 12 34 56", "FR", "+32470123456"),
        ("", "FR", None),
    ],
)
def test_mobile_numbers_are_normalised(raw, country, expected):
    assert mobile_e164(raw, country=country) == expected


@pytest.mark.django_db
def test_the_channel_is_the_preferred_consented_one_else_the_next_else_a_letter(world):
    alice = world.alice
    alice.email = "alice.durand@example.org"
    alice.save()
    assert route_for(alice, None).channel == Channel.POSTAL  # no consent recorded: a letter

    pref = prefer(alice, Channel.SMS, sms=True, mail=True)
    assert (route_for(alice, pref).channel, route_for(alice, pref).recipient) == (Channel.SMS, "+33601020304")
    pref = prefer(alice, Channel.EMAIL, sms=True, mail=True)
    assert route_for(alice, pref) == route_for(alice, pref).__class__(Channel.EMAIL, "alice.durand@example.org")
    pref = prefer(alice, Channel.POSTAL, sms=True, mail=True)
    assert route_for(alice, pref).channel == Channel.POSTAL  # a person who prefers letters gets letters

    # The preferred channel becomes unusable (a landline now): the next consented one is used.
    pref = prefer(alice, Channel.SMS, sms=True, mail=True)
    alice.phone = "01 48 00 00 00"
    assert route_for(alice, pref).channel == Channel.EMAIL
    alice.email = ""
    assert route_for(alice, pref).channel == Channel.POSTAL


@pytest.mark.django_db
def test_consent_is_required_dated_and_withdrawable(world, cip):
    alice = world.alice
    with pytest.raises(ValidationError, match="sans l'accord"):
        prefer(alice, Channel.SMS, sms=False)
    with pytest.raises(ValidationError, match="adresse e-mail valide"):
        prefer(alice, Channel.EMAIL, mail=True)  # Alice has no e-mail address
    pref = prefer(alice, Channel.SMS, sms=True, by=cip)
    given = pref.sms_consent_at
    assert given is not None and pref.updated_by == cip
    assert prefer(alice, Channel.SMS, sms=True).sms_consent_at == given  # unchanged consent keeps its date
    pref = prefer(alice, Channel.POSTAL, sms=False)
    assert not pref.sms_consent and pref.sms_consent_at is None
    assert ContactPreference.objects.filter(beneficiary=alice).count() == 1


# --- Messages and their texts -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_sms_text_is_short_plain_french_with_date_place_and_link(world, settings):
    settings.PUBLIC_BASE_URL = "https://parcours.seinesaintdenis.fr"
    appointment = appointment_in(world, 3, hour=9, place="Agence de Bobigny, 12 rue Carnot")
    link = link_for(appointment)
    text = sms_text(MessageKind.CONVOCATION, appointment, link)
    local = timezone.localtime(appointment.starts_at)
    day = ["lun", "mar", "mer", "jeu", "ven", "sam", "dim"][local.weekday()]
    # The link takes 107 of the 160 characters: the short wording is used.
    assert text == f"RDV le {day}. {local:%d/%m} à 9h00, sur place. Répondre : {link}"
    assert gsm_length(text) is not None and gsm_length(text) <= 160, (gsm_length(text), text)
    reminder = sms_text(MessageKind.REMINDER, appointment, link, days_before=1)
    assert reminder.startswith("Rappel RDV demain, ") and gsm_length(reminder) <= 160
    # With a shorter address, the full wording fits, place included.
    settings.PUBLIC_BASE_URL = "https://rdv.cd93.fr"
    short_link = link_for(appointment)
    assert sms_text(MessageKind.CONVOCATION, appointment, short_link) == (
        f"Rendez-vous le {day}. {local:%d/%m} à 9h00, sur place. Confirmer ou changer : {short_link}"
    )
    phone = appointment_in(world, 4, mode=Mode.PHONE, place="")
    assert "par téléphone" in sms_text(MessageKind.CONVOCATION, phone, link_for(phone))
    assert "annulé" in sms_text(MessageKind.CANCELLATION_ACK, appointment, link)


@pytest.mark.django_db
def test_invite_writes_messages_and_tasks_in_the_callers_transaction(world, cip):
    prefer(world.alice, Channel.SMS, sms=True)
    appointment = appointment_in(world, 5)
    with pytest.raises(RuntimeError), transaction.atomic():
        invite([appointment], by=cip)
        raise RuntimeError("la planification échoue")
    assert not Message.objects.exists() and not OrmQ.objects.exists()

    [message] = invite([appointment], by=cip)
    assert (message.channel, message.status, message.recipient) == (Channel.SMS, MessageStatus.QUEUED, "+33601020304")
    assert link_for(appointment) in message.body
    assert OrmQ.objects.filter(key=BULK).count() == 1
    # Cancelled appointments get no convocation.
    appointment.status = AppointmentStatus.CANCELLED
    assert list(invite([appointment], by=cip)) == []


@pytest.mark.django_db
def test_invite_costs_the_same_queries_for_10_or_120_people_and_batches_by_50(world, cip):
    def people(n, start):
        persons = Beneficiary.objects.bulk_create(
            Beneficiary(department=world.alice.department, first_name=f"P{i}", last_name="Test", phone="0612345678")
            for i in range(start, start + n)
        )
        ContactPreference.objects.bulk_create(
            ContactPreference(beneficiary=p, channel=Channel.SMS, sms_consent=True) for p in persons
        )
        return [appointment_in(world, 6, person=p) for p in persons]

    small, large = people(10, 0), people(120, 10)
    with CaptureQueriesContext(connection) as q_small:
        invite(small, by=cip)
    OrmQ.objects.all().delete()
    with CaptureQueriesContext(connection) as q_large:
        invite(large, by=cip)
    assert OrmQ.objects.filter(key=BULK).count() == 3  # 50 + 50 + 20
    # Only the task inserts (one per 50 messages) grow with the number of messages.
    assert len(q_large.captured_queries) - len(q_small.captured_queries) <= 2 * 2


# --- SMS through the fake provider --------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_invitation_reaches_the_fake_provider_once_with_its_link(world, cip, fake_sms):
    prefer(world.alice, Channel.SMS, sms=True)
    [message] = invite([appointment_in(world, 5)], by=cip)
    run_pending()
    [received] = fake_sms.received
    message.refresh_from_db()
    assert received.tag == str(message.client_ref)
    assert received.recipient == "33601020304" and received.content == message.body
    assert "https://parcours.example.fr/rdv/" in received.content
    assert message.status == MessageStatus.SENT and message.provider_ref == str(received.message_id)
    assert message.attempts == 1 and message.sent_at is not None
    run_pending()  # nothing left to do, and nothing sent twice
    assert len(fake_sms.received) == 1


@pytest.mark.django_db
def test_a_refused_number_fails_at_once_with_a_french_error(world, cip, fake_sms):
    prefer(world.alice, Channel.SMS, sms=True)
    fake_sms.config.reject_numbers = ["33601020304"]
    [message] = invite([appointment_in(world, 5)], by=cip)
    run_pending()
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert message.error.startswith("SMS refusé par le fournisseur (HTTP 400)")
    assert not Schedule.objects.filter(func=SEND_TASK).exists()  # no retry for a refusal
    assert TimelineEvent.objects.filter(
        beneficiary=world.alice, kind="message", summary__contains="non envoy"
    ).exists()


def run_retries(max_rounds=10):
    """Run the retries @job scheduled (as the scheduler would, without waiting for their delay)."""
    rounds = 0
    while (retry := Schedule.objects.filter(func=SEND_TASK).first()) is not None and rounds < max_rounds:
        args, kwargs = ast.literal_eval(retry.args), ast.literal_eval(retry.kwargs or "{}")
        retry.delete()
        with contextlib.suppress(sending.RetryLater):
            call(SEND_TASK, *args, **kwargs)
        rounds += 1
    return rounds


@pytest.mark.django_db
def test_a_provider_outage_is_retried_with_backoff_then_fails_in_french(world, cip, fake_sms):
    prefer(world.alice, Channel.SMS, sms=True)
    fake_sms.config.fail_next = 1000
    [message] = invite([appointment_in(world, 5)], by=cip)
    run_pending()
    message.refresh_from_db()
    assert message.status == MessageStatus.SENDING and message.attempts == 1  # unknown fate: looked up next time
    assert message.error == "Erreur du fournisseur SMS (HTTP 500) : Simulated failure."
    retry = Schedule.objects.get(func=SEND_TASK)
    assert "'_attempt': 2" in retry.kwargs and retry.next_run > timezone.now()
    run_retries()
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert message.attempts == sending.MAX_ATTEMPTS
    assert message.error.startswith(f"Envoi abandonné après {sending.MAX_ATTEMPTS} tentatives.")
    assert "Erreur du fournisseur SMS (HTTP 500)" in message.error
    assert fake_sms.received == []
    assert not Schedule.objects.filter(func=SEND_TASK).exists()


@pytest.mark.django_db
def test_after_an_outage_the_message_is_sent_once(world, cip, fake_sms):
    prefer(world.alice, Channel.SMS, sms=True)
    fake_sms.config.fail_next = 1
    [message] = invite([appointment_in(world, 5)], by=cip)
    run_pending()
    run_retries()
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.attempts == 2 and message.error == ""
    assert [r.tag for r in fake_sms.received] == [str(message.client_ref)]


@pytest.mark.django_db
def test_a_message_left_sending_is_looked_up_and_not_sent_again(world, cip, fake_sms):
    """The crash case in-process: the provider got the SMS, but the worker died before recording it."""
    prefer(world.alice, Channel.SMS, sms=True)
    [first, second] = invite([appointment_in(world, 5), appointment_in(world, 6)], by=cip)
    from parcours.notifications.sms import SmsToSend, get_provider

    provider_ref = get_provider().send(SmsToSend(str(first.client_ref), first.recipient, first.body))
    Message.objects.filter(pk__in=[first.pk, second.pk]).update(status=MessageStatus.SENDING, attempts=1)
    sending.send_batch([first.pk, second.pk])
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.provider_ref, first.attempts) == (MessageStatus.SENT, provider_ref, 1)
    assert (second.status, second.attempts) == (MessageStatus.SENT, 2)  # never received: sent now
    assert sorted(r.tag for r in fake_sms.received) == sorted([str(first.client_ref), str(second.client_ref)])


@pytest.mark.django_db(transaction=True)
def test_two_workers_together_stay_within_the_provider_rate(world, cip, fake_sms, settings):
    rate = 20
    fake_sms.config.rate = rate
    settings.SMS_RATE_PER_SECOND = rate
    people = Beneficiary.objects.bulk_create(
        Beneficiary(department=world.alice.department, first_name=f"P{i}", last_name="Débit", phone="0612345678")
        for i in range(40)
    )
    ContactPreference.objects.bulk_create(
        ContactPreference(beneficiary=p, channel=Channel.SMS, sms_consent=True) for p in people
    )
    messages = invite([appointment_in(world, 6, person=p) for p in people], by=cip)
    ids = [m.pk for m in messages]
    errors = []

    def worker(batch):
        try:
            sending.send_batch(batch)
        except Exception as exc:  # noqa: BLE001 (reported by the assertion below)
            errors.append(exc)
        finally:
            connection.close()

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(ids[i::2],)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    elapsed = time.monotonic() - started
    assert not errors
    received = sorted(r.at for r in fake_sms.received)
    assert len(received) == 40 and fake_sms.state.rejected_429 == 0
    # Never more than `rate` messages in one second (any rate + 1 consecutive messages span a second, give or
    # take the scheduling jitter of threads sharing one process with the provider), and no slower than the rate.
    assert min(received[i + rate] - received[i] for i in range(len(received) - rate)) >= 1.0 - 0.06
    assert elapsed >= (40 - 1) / rate - 0.05
    assert received[-1] - received[0] <= (40 - 1) / rate + 0.5
    assert Message.objects.filter(pk__in=ids, status=MessageStatus.SENT).count() == 40


@pytest.mark.django_db
def test_a_429_from_the_provider_slows_down_without_losing_or_repeating_a_message(world, cip, fake_sms, settings):
    fake_sms.config.rate, fake_sms.config.burst = 10, 1  # a provider stricter than our setting
    settings.SMS_RATE_PER_SECOND = 40
    people = Beneficiary.objects.bulk_create(
        Beneficiary(department=world.alice.department, first_name=f"P{i}", last_name="Débit", phone="0612345678")
        for i in range(12)
    )
    ContactPreference.objects.bulk_create(
        ContactPreference(beneficiary=p, channel=Channel.SMS, sms_consent=True) for p in people
    )
    messages = invite([appointment_in(world, 6, person=p) for p in people], by=cip)
    run_pending()
    assert fake_sms.state.rejected_429 > 0
    assert sorted(r.tag for r in fake_sms.received) == sorted(str(m.client_ref) for m in messages)
    assert Message.objects.filter(status=MessageStatus.SENT, attempts=1).count() == 12


# --- E-mail with its .ics, through a real SMTP server -------------------------------------------------------


def parse(envelope):
    return email.message_from_bytes(envelope.content, policy=email.policy.default)


@pytest.mark.django_db
def test_an_email_invitation_reaches_the_smtp_server_with_text_html_and_ics(world, cip, smtp_inbox, settings):
    settings.PUBLIC_BASE_URL = "https://parcours.example.fr"
    alice = world.alice
    alice.email = "alice.durand@example.org"
    alice.save()
    prefer(alice, Channel.EMAIL, mail=True)
    appointment = appointment_in(world, 5, hour=14)
    [message] = invite([appointment], by=cip)
    run_pending()
    [envelope] = smtp_inbox.messages
    assert envelope.rcpt_tos == ["alice.durand@example.org"]
    mail = parse(envelope)
    assert (
        mail["Subject"].startswith("Rendez-vous le ")
        and mail["Message-ID"] == f"<{message.client_ref}@parcours.invalid>"
    )
    text = mail.get_body(preferencelist=("plain",)).get_content()
    html = mail.get_body(preferencelist=("html",)).get_content()
    link = link_for(appointment)
    assert text.startswith("Bonjour Alice DURAND,") and link in text and "14h00" in text
    assert f'href="{link}"' in html and 'lang="fr"' in html
    [ics] = [part for part in mail.iter_attachments() if part.get_content_type() == "text/calendar"]
    assert ics.get_filename() == "rendez-vous.ics" and ics.get_param("method") == "REQUEST"
    event = Calendar.from_ical(ics.get_content()).walk("VEVENT")[0]
    assert Calendar.from_ical(ics.get_content())["METHOD"] == "REQUEST"
    assert str(event["UID"]) == f"{appointment.public_id}@parcours"
    assert event.decoded("DTSTART") == appointment.starts_at
    assert str(event["LOCATION"]) == "Agence de Bondy" and str(event["URL"]) == link
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.provider_ref == f"{message.client_ref}@parcours.invalid"

    # Cancelled: the acknowledgement carries a CANCEL for the same event.
    appointment.status = AppointmentStatus.CANCELLED
    appointment.version += 1
    appointment.save()
    notify_person(appointment, kind=MessageKind.CANCELLATION_ACK)
    run_pending()
    cancel = parse(smtp_inbox.messages[1])
    [ics] = [part for part in cancel.iter_attachments() if part.get_content_type() == "text/calendar"]
    calendar = Calendar.from_ical(ics.get_content())
    assert calendar["METHOD"] == "CANCEL" and ics.get_param("method") == "CANCEL"
    event = calendar.walk("VEVENT")[0]
    assert str(event["UID"]) == f"{appointment.public_id}@parcours" and str(event["STATUS"]) == "CANCELLED"
    assert int(event["SEQUENCE"]) == appointment.version
    assert "est bien annulé" in cancel.get_body(preferencelist=("plain",)).get_content()


@pytest.mark.django_db
def test_a_letter_is_left_to_print_and_never_sent(world, cip, fake_sms, smtp_inbox):
    prefer(world.alice, Channel.SMS, sms=True)
    letter = notify_person(appointment_in(world, 5), kind=MessageKind.LETTER, by=cip)
    assert letter.channel == Channel.POSTAL and "Bonjour Alice DURAND" in letter.body
    assert not OrmQ.objects.exists()
    run_pending()
    letter.refresh_from_db()
    assert letter.status == MessageStatus.QUEUED and fake_sms.received == [] and smtp_inbox.messages == []


# --- Delivery reports ---------------------------------------------------------------------------------------


def post_report(client, payload: bytes, signature: str | None):
    headers = {"HTTP_X_PARCOURS_SIGNATURE": signature} if signature is not None else {}
    return client.post(reverse("web:sms-delivery-status"), payload, content_type="application/json", **headers)


@pytest.mark.django_db
def test_delivery_reports_need_a_valid_signature_and_update_the_status(world, cip, fake_sms, client):
    prefer(world.alice, Channel.SMS, sms=True)
    [message] = invite([appointment_in(world, 5)], by=cip)
    run_pending()
    [received] = fake_sms.received
    body = b'{"messageId": %d, "msg_status": "delivered", "tag": "%s"}' % (received.message_id, received.tag.encode())
    for bad in (None, "", sign("une-autre-cle", body), sign(WEBHOOK_SECRET, body + b" "), "sha256=00"):
        assert post_report(client, body, bad).status_code == 403
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT

    response = post_report(client, body, sign(WEBHOOK_SECRET, body))
    assert response.status_code == 200 and response.json() == {"received": 1, "applied": 1}
    message.refresh_from_db()
    assert message.status == MessageStatus.DELIVERED and message.delivered_at is not None
    late = b'{"messageId": %d, "msg_status": "sent"}' % received.message_id
    post_report(client, late, sign(WEBHOOK_SECRET, late))  # a late "sent" never moves it back
    message.refresh_from_db()
    assert message.status == MessageStatus.DELIVERED
    assert client.get(reverse("web:sms-delivery-status")).status_code == 405


@pytest.mark.django_db
def test_a_hard_bounce_makes_the_message_undeliverable_on_the_timeline(world, cip, fake_sms, client, settings):
    prefer(world.alice, Channel.SMS, sms=True)
    [message] = invite([appointment_in(world, 5)], by=cip)
    run_pending()
    message.refresh_from_db()
    body = b'[{"messageId": "%s", "msg_status": "hard_bounce"}]' % message.provider_ref.encode()
    # Brevo's own webhook authentication: the secret as a Bearer token.
    response = client.post(
        reverse("web:sms-delivery-status"),
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {WEBHOOK_SECRET}",
    )
    assert response.status_code == 200
    message.refresh_from_db()
    assert message.status == MessageStatus.UNDELIVERABLE
    assert message.error == "Numéro inexistant ou hors service : SMS non distribué."
    assert TimelineEvent.objects.filter(beneficiary=world.alice, summary__contains="non distribuée").exists()
    assert not apply_delivery_report(event="delivered", provider_ref="inconnu")
    settings.SMS_WEBHOOK_SECRET = ""  # no secret configured: every report is refused
    assert post_report(client, body, sign("", body)).status_code == 403


# --- Reminders ----------------------------------------------------------------------------------------------


def at(day: datetime.date, hour: int, minute: int = 0):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


@pytest.mark.django_db
def test_reminders_go_once_two_days_before_and_the_day_before(world, cip, fake_sms):
    prefer(world.alice, Channel.SMS, sms=True)
    appointment = appointment_in(world, 10, hour=10)
    cancelled = appointment_in(world, 10, hour=15)
    cancelled.status = AppointmentStatus.CANCELLED
    cancelled.save()
    day = timezone.localdate(appointment.starts_at)

    def tick(when):
        with time_machine.travel(when, tick=False):
            created = reminders.send_due_reminders()
            run_pending()
        return created

    assert tick(at(day - datetime.timedelta(days=3), 10)) == 0
    assert tick(at(day - datetime.timedelta(days=2), 7, 45)) == 0  # nobody gets an SMS before 9:00
    assert tick(at(day - datetime.timedelta(days=2), 9, 0)) == 1
    assert tick(at(day - datetime.timedelta(days=2), 9, 15)) == 0  # once
    assert tick(at(day - datetime.timedelta(days=1), 16, 30)) == 1
    assert tick(at(day - datetime.timedelta(days=1), 16, 45)) == 0
    assert tick(at(day, 9, 0)) == 0
    sent = Message.objects.filter(kind=MessageKind.REMINDER).order_by("created_at")
    assert [(m.appointment_id, m.days_before, m.status) for m in sent] == [
        (appointment.pk, 2, MessageStatus.SENT),
        (appointment.pk, 1, MessageStatus.SENT),
    ]
    assert [r.content.split(",")[0] for r in fake_sms.received] == ["Rappel RDV dans 2 jours", "Rappel RDV demain"]


@pytest.mark.django_db
def test_reminder_days_are_a_dated_rule_a_department_may_change(world, fake_sms):
    prefer(world.alice, Channel.SMS, sms=True)
    appointment = appointment_in(world, 10, hour=10)
    day = timezone.localdate(appointment.starts_at)
    assert reminders.offsets_for(world.alice.department_id, day) == [2, 1]
    RuleValue.objects.create(
        key=reminders.RULE_KEY,
        value="3",
        effective_from=day - datetime.timedelta(days=30),
        department=world.alice.department,
    )
    assert reminders.offsets_for(world.alice.department_id, day) == [3]
    with time_machine.travel(at(day - datetime.timedelta(days=2), 10), tick=False):
        assert reminders.send_due_reminders() == 0
    with time_machine.travel(at(day - datetime.timedelta(days=3), 10), tick=False):
        assert reminders.send_due_reminders() == 1
    with time_machine.travel(at(day - datetime.timedelta(days=3), 11), tick=False):
        assert reminders.send_due_reminders() == 0
    assert reminders.parse_offsets("0,1, 1 ;2") == [1, 2]
