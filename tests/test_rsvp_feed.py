"""The counselors' private ICS feed (issue 3 §3): pseudonymous, revocable, one counselor's agenda only."""

import datetime
import hashlib
import logging
import re
from html import unescape

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from parcours.accounts.models import Membership
from parcours.agenda.enums import AppointmentStatus
from parcours.agenda.models import Appointment
from parcours.agenda.services import plan_appointment
from parcours.rsvp.feeds import calendar_for, create_feed, initials, revoke_feed
from parcours.rsvp.models import CalendarFeed
from tests.world import ALICE_NIR, CANARY


def text(response) -> str:
    """The page as the person reads it (entities decoded)."""
    return unescape(response.content.decode())


def feed_path(token):
    return reverse("web:calendar-feed", args=[token])


def events(response):
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/calendar")
    return {str(e["uid"]): e for e in Calendar.from_ical(response.content).walk("VEVENT")}


def appointment_at(world, person, counselor, days, *, mode="on_site", place="Agence T1"):
    starts_at = timezone.now().replace(microsecond=0) + datetime.timedelta(days=days)
    follow_up = person.follow_ups.get()
    return plan_appointment(
        person,
        follow_up=follow_up,
        counselor=counselor,
        by=counselor,
        starts_at=starts_at,
        kind="follow_up",
        mode=mode,
        place=place,
    )


def test_the_management_page_shows_a_new_address_once_and_stores_only_its_hash(world, client_for):
    client = client_for("cip")
    page = client.get(reverse("web:calendar-feed-manage"))
    assert page.status_code == 200 and "pas de flux d'agenda actif" in text(page)
    created = client.post(reverse("web:calendar-feed-manage"), {"action": "create"})
    assert created.status_code == 200 and "no-store" in created["Cache-Control"]
    html = text(created)
    url = re.search(r'value="(http://[^"]+\.ics)"', html).group(1)
    token = re.search(r"/agenda/flux/([^/]+)\.ics$", url).group(1)
    assert url.startswith("http://127.0.0.1:8000/agenda/flux/")
    feed = CalendarFeed.objects.get(user=world["cip"])
    assert feed.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(CalendarFeed.objects.values_list())
    again = text(client.get(reverse("web:calendar-feed-manage")))
    assert token not in again and "Un flux est actif depuis" in again
    assert Client().get(feed_path(token)).status_code == 200


def test_the_agenda_page_links_to_the_feed_settings(client_for):
    html = text(client_for("cip").get(reverse("web:agenda")))
    assert reverse("web:calendar-feed-manage") in html


def test_the_feed_is_pseudonymous_and_marks_cancellations(world):
    cip = world["cip"]
    home = appointment_at(world, world.alice, cip, 2, mode="home", place="12 rue des Lilas, Bondy")
    cancelled = appointment_at(world, world.alice, cip, 3)
    Appointment.objects.filter(pk=cancelled.pk).update(status=AppointmentStatus.CANCELLED)
    response = Client().get(feed_path(create_feed(cip)))
    found = events(response)
    assert set(found) >= {str(a.public_id) for a in (world.appointment_past, world.appointment_future, home)}
    assert str(found[str(cancelled.public_id)]["status"]) == "CANCELLED"
    assert str(found[str(home.public_id)]["status"]) == "CONFIRMED"
    assert str(found[str(world.appointment_future.public_id)]["summary"]) == "A. D. — Entretien de suivi (téléphone)"
    assert "location" not in found[str(home.public_id)]  # a home visit's address never leaves Parcours
    assert str(found[str(world.appointment_past.public_id)]["location"]) == "Agence T1"
    document = text(response)
    for personal in ("Alice", "Durand", "DURAND", ALICE_NIR, "0601020304", "Lilas", *CANARY.values()):
        assert personal not in document
    assert response["Referrer-Policy"] == "no-referrer" and "no-store" in response["Cache-Control"]


def test_the_feed_covers_30_days_back_to_90_days_ahead(world):
    cip = world["cip"]
    inside = [appointment_at(world, world.alice, cip, d) for d in (-29, 89)]
    outside = [appointment_at(world, world.alice, cip, d) for d in (-31, 91)]
    found = events(Client().get(feed_path(create_feed(cip))))
    assert all(str(a.public_id) in found for a in inside)
    assert not any(str(a.public_id) in found for a in outside)


def test_a_counselor_token_never_shows_someone_else_agenda(world):
    bob_appointment = appointment_at(world, world.bob, world["cip_out"], 4)
    mine = events(Client().get(feed_path(create_feed(world["cip"]))))
    theirs = events(Client().get(feed_path(create_feed(world["cip_out"]))))
    assert str(bob_appointment.public_id) not in mine
    assert set(theirs) == {str(bob_appointment.public_id)}
    assert str(world.appointment_future.public_id) not in theirs


def test_regenerated_and_revoked_feeds_answer_404(world, caplog):
    cip = world["cip"]
    old = create_feed(cip)
    new = create_feed(cip)
    client = Client()
    caplog.set_level(logging.WARNING)
    assert client.get(feed_path(old)).status_code == 404
    assert client.get(feed_path(new)).status_code == 200
    assert CalendarFeed.objects.filter(user=cip, revoked_at__isnull=True).count() == 1
    assert revoke_feed(cip) is True
    assert client.get(feed_path(new)).status_code == 404
    assert revoke_feed(cip) is False
    assert client.get(feed_path("x" * 43)).status_code == 404
    assert not any(old in r.getMessage() or new in r.getMessage() for r in caplog.records)


def test_revoking_from_the_page(world, client_for):
    client = client_for("cip")
    token = create_feed(world["cip"])
    response = client.post(reverse("web:calendar-feed-manage"), {"action": "revoke"}, follow=True)
    assert "Votre flux d'agenda est révoqué" in text(response)
    assert Client().get(feed_path(token)).status_code == 404


def test_a_counselor_who_left_or_was_deactivated_loses_the_feed(world):
    cip = world["cip"]
    token = create_feed(cip)
    Membership.objects.filter(user=cip).update(end_date=timezone.localdate() - datetime.timedelta(days=1))
    assert Client().get(feed_path(token)).status_code == 404
    Membership.objects.filter(user=cip).update(end_date=None)
    assert Client().get(feed_path(token)).status_code == 200
    type(cip).objects.filter(pk=cip.pk).update(is_active=False)
    assert Client().get(feed_path(token)).status_code == 404


def test_the_feed_costs_the_same_number_of_queries_whatever_its_size(world):
    cip = world["cip"]
    token = create_feed(cip)
    client = Client()
    with CaptureQueriesContext(connection) as few:
        assert client.get(feed_path(token)).status_code == 200
    for day in range(1, 30):
        appointment_at(world, world.alice, cip, day)
    with CaptureQueriesContext(connection) as many:
        found = events(client.get(feed_path(token)))
    assert len(found) >= 31
    assert len(many) == len(few) <= 4


def test_initials():
    assert initials("Alice", "Durand") == "A. D."
    assert initials("élodie", "") == "É."
    assert initials("", "") == "?"


def test_the_calendar_is_valid_icalendar(world):
    document = calendar_for(world["cip"])
    calendar = Calendar.from_ical(document)
    assert str(calendar["version"]) == "2.0" and calendar["prodid"]
    for event in calendar.walk("VEVENT"):
        assert event["dtstart"].dt.tzinfo is not None and event["dtend"].dt > event["dtstart"].dt
        assert str(event["url"]).startswith("http://127.0.0.1:8000/personnes/")
