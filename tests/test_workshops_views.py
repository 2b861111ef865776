"""The workshop pages: create a series and its sessions, register, waitlist, cancel, attendance, certificate,
what a counselor of another organisation sees, the person's file, and a constant number of queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from parcours.journal.models import TimelineEvent
from parcours.workshops import services
from parcours.workshops.enums import RegistrationStatus
from parcours.workshops.models import Registration, Session, WorkshopSeries
from tests.test_workshops_support import followed_people, make_series, make_session, pdf_text, running_session


def test_an_organiser_creates_a_series_and_a_session(world, client_for):
    client = client_for("cip")
    response = client.post(
        reverse("web:workshop-series-create"),
        {"organization": world.org_x.pk, "title": "Job dating logistique", "kind": "job_dating"},
    )
    series = WorkshopSeries.objects.get(title="Job dating logistique")
    assert response.status_code == 302 and response["Location"] == reverse(
        "web:workshop-series", args=[series.public_id]
    )
    assert (series.organization, series.department, series.kind) == (world.org_x, world.dept_a, "job_dating")

    day = timezone.localdate() + datetime.timedelta(days=3)
    url = reverse("web:workshop-session-create", args=[series.public_id])
    bad = client.post(url, {"date": day.isoformat(), "start": "14:00", "end": "13:00", "capacity": 10})
    assert bad.status_code == 400
    assert "L&#x27;heure de fin doit suivre l&#x27;heure de début." in bad.content.decode()
    assert "Choisissez un lieu d&#x27;accueil ou indiquez une adresse." in bad.content.decode()
    response = client.post(
        url, {"date": day.isoformat(), "start": "09:30", "end": "12:00", "capacity": 10, "place_label": "Salle 2"}
    )
    session = Session.objects.get(series=series)
    assert response["Location"] == reverse("web:workshop-session", args=[session.public_id])
    assert (session.capacity, session.place_label, session.hours) == (10, "Salle 2", 2.5)
    page = client.get(reverse("web:workshop-list")).content.decode()
    assert "Job dating logistique" in page and "Service insertion X" in page


def test_the_partner_creates_series_only_for_her_organisation(world, client_for):
    client = client_for("partner")
    response = client.post(
        reverse("web:workshop-series-create"), {"organization": world.org_x.pk, "title": "Intrus", "kind": "workshop"}
    )
    assert response.status_code == 400 and not WorkshopSeries.objects.exists()
    client.post(
        reverse("web:workshop-series-create"),
        {"organization": world.org_y.pk, "title": "Visite du chantier", "kind": "info_session"},
    )
    assert WorkshopSeries.objects.get().organization == world.org_y


def test_registering_fills_the_session_then_the_waitlist_and_a_cancellation_moves_it_up(world, client_for):
    client = client_for("cip")
    session = make_session(make_series(world), capacity=1)
    second, third = followed_people(world, 2)
    page = reverse("web:workshop-session", args=[session.public_id])
    found = client.get(page, {"q": "Alice"}).content.decode()
    assert "DURAND Alice" in found and "Inscrire" in found
    assert "Lefebvre" not in client.get(page, {"q": "Bob"}).content.decode()  # not one of the CIP's people
    partial = client.get(page, {"q": "Alice"}, headers={"HX-Request": "true"}).content.decode()
    assert partial.startswith('\n  <div id="candidates"') or partial.lstrip().startswith('<div id="candidates"')
    assert "DURAND Alice" in partial and "<h1>" not in partial  # htmx: the results only

    register = reverse("web:workshop-register", args=[session.public_id])
    for p in (world.alice, second, third):
        assert client.post(register, {"person": p.public_id}).status_code == 302
    assert client.post(register, {"person": world.bob.public_id}).status_code == 404
    response = client.post(register, {"person": world.alice.public_id}, follow=True)
    assert (
        response.status_code == 400
        and "Alice DURAND est déjà inscrit·e pour cette séance." in response.content.decode()
    )
    content = client.get(page).content.decode()
    assert "séance complète" in content and "<strong>2</strong> en liste d'attente" in content

    alice = Registration.objects.get(beneficiary=world.alice)
    cancel = reverse("web:workshop-cancel", args=[alice.public_id])
    assert client.post(cancel).status_code == 400  # not confirmed: nothing happens
    response = client.post(cancel, {"confirm": "on"}, follow=True)
    text = response.content.decode()
    assert "La place revient à Personne0 NOMA, qui était en tête de la liste d&#x27;attente." in text
    statuses = dict(Registration.objects.filter(session=session).values_list("beneficiary_id", "status"))
    assert statuses == {
        world.alice.pk: RegistrationStatus.CANCELLED,
        second.pk: RegistrationStatus.REGISTERED,
        third.pk: RegistrationStatus.WAITLISTED,
    }


def test_attendance_then_certificate(world, client_for):
    client = client_for("cip")
    series = make_series(world)
    session = running_session(series, capacity=3)
    other, absent = followed_people(world, 2)
    ra, ro, rx = (services.register(session, p, by=world["cip"]) for p in (world.alice, other, absent))
    page = client.get(reverse("web:workshop-session", args=[session.public_id])).content.decode()
    assert "Cochez les personnes présentes" in page
    response = client.post(
        reverse("web:workshop-attendance", args=[session.public_id]),
        {"confirm": "on", "present": [ra.pk, ro.pk]},
        follow=True,
    )
    assert "Présences enregistrées (3 changements)." in response.content.decode()
    assert dict(Registration.objects.values_list("pk", "attended")) == {ra.pk: True, ro.pk: True, rx.pk: False}

    series_page = client.get(reverse("web:workshop-series", args=[series.public_id])).content.decode()
    certificate_url = reverse("web:workshop-certificate", args=[series.public_id, world.alice.public_id])
    assert certificate_url in series_page
    assert reverse("web:workshop-certificate", args=[series.public_id, absent.public_id]) not in series_page
    response = client.get(certificate_url)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="attestation-se-presenter')
    assert "Alice DURAND" in " ".join(pdf_text(response.content).split())
    missing = reverse("web:workshop-certificate", args=[series.public_id, absent.public_id])
    assert client.get(missing).status_code == 404


def test_a_counselor_of_another_organisation_sees_only_her_own_people(world, client_for):
    series = make_series(world, title="Découverte des métiers du bâtiment", organization=world.org_y)
    session = running_session(series, capacity=4)
    services.register(session, world.alice, by=world["cip"])
    dan = services.register(session, world.dan, by=world["multi"])
    page = client_for("cip").get(reverse("web:workshop-session", args=[session.public_id])).content.decode()
    assert "DURAND Alice" in page and "MOREAU Dan" not in page
    assert "2 places prises en tout" in page
    assert "Cochez les personnes présentes" not in page  # attendance: the organisers of Y
    assert (
        client_for("cip")
        .post(reverse("web:workshop-attendance", args=[session.public_id]), {"confirm": "on"})
        .status_code
        == 403
    )
    cancel = reverse("web:workshop-cancel", args=[dan.public_id])
    assert client_for("cip").post(cancel, {"confirm": "on"}).status_code == 404
    assert Registration.objects.get(pk=dan.pk).status == RegistrationStatus.REGISTERED
    # The partner of Y organises it: every name, and the attendance form.
    page = client_for("partner").get(reverse("web:workshop-session", args=[session.public_id])).content.decode()
    assert "DURAND Alice" in page and "MOREAU Dan" in page and "Cochez les personnes présentes" in page
    # Département B sees nothing of it.
    assert client_for("cip_b").get(reverse("web:workshop-series", args=[series.public_id])).status_code == 404


def test_the_persons_file_lists_her_workshops(world, client_for):
    series = make_series(world)
    services.register(make_session(series), world.alice, by=world["cip"])
    page = client_for("cip").get(reverse("web:person", args=[world.alice.public_id])).content.decode()
    assert 'id="workshops"' in page and "Se présenter à un employeur" in page
    assert reverse("web:activity-person", args=[world.alice.public_id]) in page
    esthetician = client_for("socio_esthetician").get(reverse("web:person", args=[world.alice.public_id]))
    assert 'id="workshops"' not in esthetician.content.decode()
    assert TimelineEvent.objects.filter(beneficiary=world.alice, kind="workshop").count() == 1


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("count", [2, 9])
def test_pages_issue_the_same_queries_whatever_the_number_of_registrations(world, client_for, count):
    client = client_for("cip")
    series = make_series(world)
    session = running_session(series, capacity=4)
    people = followed_people(world, 1)
    services.register(session, people[0], by=world["cip"])
    urls = [
        reverse("web:workshop-session", args=[session.public_id]),
        reverse("web:workshop-series", args=[series.public_id]),
        reverse("web:workshop-list"),
    ]
    [_queries(client, url) for url in urls]  # the first request saves the session: warm up
    before = [_queries(client, url) for url in urls]
    for p in followed_people(world, count, prefix="Autre"):
        services.register(session, p, by=world["cip"])
        services.register(make_session(series), p, by=world["cip"])
    ids = list(Registration.objects.filter(session=session, status="registered").values_list("pk", flat=True))
    services.record_attendance(session, by=world["cip"], present_ids=ids)
    assert [_queries(client, url) for url in urls] == before
