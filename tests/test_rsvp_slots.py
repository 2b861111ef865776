"""The person picks another free slot herself from her link: booked, convoked, the old slot given back."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from django_q.models import OrmQ

from parcours.agenda.enums import AppointmentStatus
from parcours.agenda.models import Appointment
from parcours.journal.models import TimelineEvent
from parcours.notifications.models import Message
from parcours.rsvp.enums import ResponseAction
from parcours.rsvp.models import Response
from parcours.rsvp.tokens import token_for
from tests.test_scheduling import hours, place

pytestmark = pytest.mark.django_db

SLOT = re.compile(r'name="slot" id="slot-\d+" value="([^"]+)"')


@pytest.fixture
def link(world):
    """Alice's coming appointment with the CIP, who works every weekday at an agency with two rooms."""
    hours(world["cip"], place(world))
    return reverse("web:rsvp", args=[token_for(world.appointment_future)])


def offered(client, link):
    page = client.get(link).content.decode()
    return [datetime.datetime.fromisoformat(v) for v in SLOT.findall(page)], page


def test_the_page_offers_free_slots_one_per_half_day(world, client, link):
    slots, page = offered(client, link)
    assert 1 <= len(slots) <= 6 and "Je choisis ce créneau" in page
    halves = {(timezone.localtime(s).date(), timezone.localtime(s).hour < 13) for s in slots}
    assert len(halves) == len(slots)
    assert all(s > timezone.now() and timezone.localtime(s).weekday() < 5 for s in slots)
    assert world.appointment_future.starts_at not in slots


def test_choosing_a_slot_books_it_convokes_and_gives_the_old_one_back(world, client, link):
    slots, _ = offered(client, link)
    old = world.appointment_future
    response = client.post(link, {"action": "chosen_slot", "slot": slots[0].isoformat()})
    assert response.status_code == 200
    assert "votre rendez-vous est déplacé au" in response.content.decode()
    old.refresh_from_db()
    assert old.status == AppointmentStatus.CANCELLED
    new = Appointment.objects.get(beneficiary=world.alice, starts_at=slots[0])
    assert (new.status, new.counselor_id, new.follow_up_id) == (
        AppointmentStatus.PLANNED,
        old.counselor_id,
        old.follow_up_id,
    )
    assert Message.objects.filter(appointment=new, kind="convocation").count() == 1
    assert Response.objects.filter(appointment=old, action=ResponseAction.CHOSEN_SLOT).count() == 1
    assert TimelineEvent.objects.filter(beneficiary=world.alice, kind="rsvp_chosen_slot").exists()
    assert OrmQ.objects.filter(key="parcours").exists()  # the re-planning of the freed slot
    again = client.post(link, {"action": "chosen_slot", "slot": slots[1].isoformat()})
    assert "déjà choisi" in again.content.decode()
    assert Appointment.objects.filter(beneficiary=world.alice, status=AppointmentStatus.PLANNED).count() == 2


def test_a_slot_that_is_not_offered_is_refused_and_nothing_changes(world, client, link):
    offered(client, link)
    sunday = timezone.localtime() + datetime.timedelta(days=(6 - timezone.localdate().weekday()) % 7 or 7)
    sunday = sunday.replace(hour=10, minute=0, second=0, microsecond=0)
    before = Appointment.objects.count(), Message.objects.count()
    response = client.post(link, {"action": "chosen_slot", "slot": sunday.isoformat()})
    assert response.status_code == 409 and "plus libre" in response.content.decode()
    bad = client.post(link, {"action": "chosen_slot", "slot": "demain"})
    assert bad.status_code == 400 and "créneaux proposés" in bad.content.decode()
    world.appointment_future.refresh_from_db()
    assert world.appointment_future.status == AppointmentStatus.PLANNED
    assert (Appointment.objects.count(), Message.objects.count()) == before
