"""The planning pages: propose, review, confirm (invitations queued), availability, the person's preferences."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from parcours.agenda.enums import AppointmentStatus
from parcours.agenda.models import Appointment
from parcours.journal.models import TimelineEvent
from parcours.notifications.models import ContactPreference, Message
from parcours.scheduling.enums import RunStatus
from parcours.scheduling.models import Absence, PersonConstraints, PlanningRun, WorkingHours
from tests.test_scheduling import due, hours, only_our_people, place

pytestmark = pytest.mark.django_db


def next_weekday(days_ahead):
    day = timezone.localdate() + datetime.timedelta(days=days_ahead)
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return day


@pytest.fixture
def caseload(world):
    """The CIP works Monday to Friday at the agency (two rooms); six people are due in the coming days."""
    only_our_people(world)
    cip = world["cip"]
    hours(cip, place(world))
    people = [due(world, cip, next_weekday(3 + n % 5), name=f"Personne{n}") for n in range(6)]
    return cip, people


def test_the_counselor_proposes_reviews_and_confirms_a_selection(caseload, client_for):
    cip, people = caseload
    client = client_for("cip")
    response = client.post(reverse("web:planning-propose"))
    assert response.status_code == 302
    page = client.get(reverse("web:planning")).content.decode()
    assert "6 rendez-vous pour 6 personne(s) à voir" in page
    run = PlanningRun.objects.get(counselor=cip)
    items = list(run.items.order_by("starts_at"))
    assert len(items) == 6 and all(f"Personne{n}" in page for n in range(6))
    keep = [i.pk for i in items[:4]]
    response = client.post(reverse("web:planning-confirm", args=[run.pk]), {"items": keep}, follow=True)
    page = response.content.decode()
    assert "4 rendez-vous confirmé(s)" in page
    created = Appointment.objects.filter(beneficiary__in=people, status=AppointmentStatus.PLANNED)
    assert created.count() == 4
    assert set(created.values_list("starts_at", flat=True)) == {i.starts_at for i in items[:4]}
    assert Message.objects.filter(appointment__in=created, kind="convocation").count() == 4  # queued, not sent
    run.refresh_from_db()
    assert run.status == RunStatus.CONFIRMED
    assert "Non retenu" in page and "Confirmer la sélection" not in page  # the two others are left out
    # Confirming again creates nothing more.
    client.post(reverse("web:planning-confirm", args=[run.pk]), {"items": keep})
    assert Appointment.objects.filter(beneficiary__in=people, status=AppointmentStatus.PLANNED).count() == 4


def test_confirming_nothing_is_refused_in_french(caseload, client_for):
    cip, people = caseload
    client = client_for("cip")
    client.post(reverse("web:planning-propose"))
    run = PlanningRun.objects.get(counselor=cip)
    page = client.post(reverse("web:planning-confirm", args=[run.pk]), {}, follow=True).content.decode()
    assert "Cochez au moins un rendez-vous" in page
    assert not Appointment.objects.filter(beneficiary__in=people, status=AppointmentStatus.PLANNED).exists()


def test_without_working_hours_the_page_says_what_to_do(world, client_for):
    page = client_for("social_worker").get(reverse("web:planning")).content.decode()
    assert "Aucun horaire de travail" in page and reverse("web:availability") in page


def test_planning_page_query_count_does_not_grow_with_the_proposal(world, client_for):
    only_our_people(world)
    cip = world["cip"]
    hours(cip, place(world))
    client = client_for("cip")

    def count(n_people):
        for n in range(n_people):
            due(world, cip, next_weekday(3 + n % 5), name=f"P{n_people}x{n}")
        client.post(reverse("web:planning-propose"))
        client.get(reverse("web:planning"))  # warm: session, rules cache
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("web:planning")).status_code == 200
        return len(queries)

    assert count(2) == count(12)


def test_availability_ranges_and_absences(world, client_for):
    cip = world["cip"]
    where = place(world)
    client = client_for("cip")
    url = reverse("web:availability")
    ok = client.post(url, {"form": "hours", "weekday": 1, "start": "09:00", "end": "12:30", "place": where.pk})
    assert ok.status_code == 302
    assert WorkingHours.objects.filter(user=cip, weekday=1).count() == 1
    overlap = client.post(url, {"form": "hours", "weekday": 1, "start": "12:00", "end": "13:00", "place": where.pk})
    assert overlap.status_code == 400 and "chevauche" in overlap.content.decode()
    reversed_ = client.post(url, {"form": "hours", "weekday": 2, "start": "12:00", "end": "09:00", "place": where.pk})
    assert reversed_.status_code == 400 and "doit suivre" in reversed_.content.decode()
    past = client.post(url, {"form": "absence", "starts_at": "2020-01-01T09:00", "ends_at": "2020-01-02T09:00"})
    assert past.status_code == 400 and "déjà passée" in past.content.decode()
    start = timezone.localtime() + datetime.timedelta(days=3)
    data = {
        "form": "absence",
        "starts_at": start.strftime("%Y-%m-%dT09:00"),
        "ends_at": start.strftime("%Y-%m-%dT18:00"),
        "reason": "Formation",
    }
    assert client.post(url, data).status_code == 302
    absence = Absence.objects.get(user=cip)
    assert "Formation" in client.get(url).content.decode()
    # Someone else cannot delete it (404), its owner can.
    assert client_for("social_worker").post(reverse("web:absence-delete", args=[absence.pk])).status_code == 404
    assert client.post(reverse("web:absence-delete", args=[absence.pk])).status_code == 302
    assert not Absence.objects.filter(user=cip).exists()


def test_the_persons_channel_consent_and_constraints(world, client_for):
    alice = world.alice
    client = client_for("cip")
    url = reverse("web:appointment-preferences", args=[alice.public_id])
    data = {
        "channel": "sms",
        "sms_consent": "on",
        "day_part": "morning",
        "prefers": "any",
        "weekdays_off": ["2"],
        "unavailable_from": "11:30",
        "unavailable_until": "13:30",
    }
    assert client.post(url, data).status_code == 302
    pref = ContactPreference.objects.get(beneficiary=alice)
    assert (pref.channel, pref.sms_consent, pref.sms_consent_at is not None) == ("sms", True, True)
    constraints = PersonConstraints.objects.get(beneficiary=alice)
    assert (constraints.day_part, constraints.weekdays_off) == ("morning", [2])
    assert constraints.unavailable_from == datetime.time(11, 30)
    page = client.get(reverse("web:person", args=[alice.public_id])).content.decode()
    assert "Le matin seulement" in page and "indisponible de 11:30 à 13:30" in page
    assert TimelineEvent.objects.filter(beneficiary=alice, summary__startswith="Préférences de convocation").exists()
    # E-mail as the channel without an address: refused in French, nothing changed.
    refused = client.post(url, {**data, "channel": "email", "email_consent": "on"})
    assert refused.status_code == 400 and "adresse e-mail valide" in refused.content.decode()
    pref.refresh_from_db()
    assert pref.channel == "sms"
    half = client.post(url, {**data, "unavailable_until": ""})
    assert half.status_code == 400 and "le début et la fin" in half.content.decode()
