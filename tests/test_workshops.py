"""Workshops (issue 5 §4): seats and waitlist, cancellation moves the waitlist up, attendance, certificate."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from parcours.journal.models import TimelineEvent
from parcours.notifications.contacts import set_preference
from parcours.notifications.enums import Channel, MessageKind
from parcours.notifications.models import Message
from parcours.referrals.enums import ReferralStatus
from parcours.workshops import services
from parcours.workshops.certificate import certificate
from parcours.workshops.enums import RegistrationStatus
from parcours.workshops.models import Registration
from tests.test_workshops_support import (
    followed_people,
    make_referral,
    make_series,
    make_service,
    make_session,
    pdf_text,
    running_session,
)
from tests.world import person

REGISTERED, WAITLISTED, CANCELLED = (
    RegistrationStatus.REGISTERED,
    RegistrationStatus.WAITLISTED,
    RegistrationStatus.CANCELLED,
)


def statuses(session):
    rows = Registration.objects.filter(session=session).order_by("pk")
    return [(r.beneficiary.first_name, r.status, r.waitlist_rank) for r in rows.select_related("beneficiary")]


def test_a_full_session_puts_people_on_the_waitlist_by_rank(world):
    cip = world["cip"]
    session = make_session(make_series(world), capacity=2)
    a, b, c, d = followed_people(world, 4)
    for p in (a, b, c, d):
        services.register(session, p, by=cip)
    assert statuses(session) == [
        ("Personne0", REGISTERED, None),
        ("Personne1", REGISTERED, None),
        ("Personne2", WAITLISTED, 1),
        ("Personne3", WAITLISTED, 2),
    ]
    summaries = list(TimelineEvent.objects.filter(beneficiary=c, kind="workshop").values_list("summary", flat=True))
    assert summaries == [
        f"Liste d'attente de l'atelier « Se présenter à un employeur » {services.when(session)} (séance complète)."
    ]


def test_cancelling_a_seat_moves_the_first_of_the_waitlist_up_and_tells_her(world):
    cip = world["cip"]
    session = make_session(make_series(world), capacity=2)
    a, b, c, d = followed_people(world, 4)
    c.phone = "0611223344"
    c.save()
    set_preference(c, by=cip, channel=Channel.SMS, sms_consent=True, email_consent=False)
    registrations = [services.register(session, p, by=cip) for p in (a, b, c, d)]

    promoted = services.cancel(registrations[0], by=cip)

    assert promoted.pk == registrations[2].pk
    assert statuses(session) == [
        ("Personne0", CANCELLED, None),
        ("Personne1", REGISTERED, None),
        ("Personne2", REGISTERED, None),
        ("Personne3", WAITLISTED, 2),
    ]
    promoted.refresh_from_db()
    assert promoted.promoted_at is not None
    message = Message.objects.get(beneficiary=c)
    assert (message.channel, message.kind, message.recipient, message.appointment) == (
        Channel.SMS,
        MessageKind.CONVOCATION,
        "+33611223344",
        None,
    )
    assert "une place s'est libérée" in message.body and "Se présenter à un employeur" in message.body
    timeline = TimelineEvent.objects.filter(beneficiary=c, kind="workshop").order_by("at", "pk")
    assert timeline.last().summary.startswith("Place libérée : inscription confirmée")
    assert "prévenu·e par SMS" in timeline.last().summary
    assert TimelineEvent.objects.filter(beneficiary=a, summary__startswith="Inscription annulée").exists()

    # Without any consented contact, nobody is messaged and the timeline says the person is to be told.
    services.cancel(registrations[1], by=cip)
    assert not Message.objects.filter(beneficiary=d).exists()
    assert "à prévenir" in TimelineEvent.objects.filter(beneficiary=d).order_by("at", "pk").last().summary
    assert Registration.objects.get(pk=registrations[3].pk).status == REGISTERED


def test_cancelling_from_the_waitlist_frees_no_seat(world):
    cip = world["cip"]
    session = make_session(make_series(world), capacity=1)
    a, b, c = followed_people(world, 3)
    _, rb, rc = (services.register(session, p, by=cip) for p in (a, b, c))
    assert services.cancel(rb, by=cip) is None
    assert statuses(session) == [
        ("Personne0", REGISTERED, None),
        ("Personne1", CANCELLED, None),
        ("Personne2", WAITLISTED, 2),
    ]
    with pytest.raises(ValidationError, match="déjà annulée"):
        services.cancel(rb, by=cip)


def test_capacity_is_never_exceeded_through_registrations_and_cancellations(world):
    cip = world["cip"]
    session = make_session(make_series(world), capacity=3)
    people = followed_people(world, 8)
    registrations = [services.register(session, p, by=cip) for p in people]
    for r in registrations[:5]:
        services.cancel(r, by=cip)
        assert Registration.objects.filter(session=session, status=REGISTERED).count() <= 3
    assert Registration.objects.filter(session=session, status=REGISTERED).count() == 3
    assert [p.first_name for p in people[5:]] == list(
        Registration.objects.filter(session=session, status=REGISTERED)
        .order_by("beneficiary__first_name")
        .values_list("beneficiary__first_name", flat=True)
    )


def test_registration_refusals(world):
    cip = world["cip"]
    series = make_series(world)
    session = make_session(series)
    (a,) = followed_people(world, 1)
    services.register(session, a, by=cip)
    with pytest.raises(ValidationError, match="déjà inscrit·e"):
        services.register(session, a, by=cip)
    with pytest.raises(ValidationError, match="département"):
        services.register(session, world.carla, by=cip)
    past = make_session(series, starts_in=-datetime.timedelta(days=1), hours=2)
    with pytest.raises(ValidationError, match="terminée"):
        services.register(past, a, by=cip)
    assert Registration.objects.filter(beneficiary=a).count() == 1
    # Cancelled, the person may register again.
    services.cancel(Registration.objects.get(beneficiary=a), by=cip)
    assert services.register(session, a, by=cip).status == REGISTERED


def test_a_registration_is_linked_to_the_persons_referral_to_the_series_service(world):
    cip = world["cip"]
    service = make_service(world)
    series = make_series(world, title="Information collective chantier", kind="info_session", service=service)
    session = make_session(series)
    referral = make_referral(world, world.alice, service, status=ReferralStatus.ACCEPTED)
    registration = services.register(session, world.alice, by=cip)
    assert registration.referral == referral
    assert TimelineEvent.objects.filter(
        beneficiary=world.alice, summary__endswith="suite à l'orientation vers ce service."
    ).exists()
    (other,) = followed_people(world, 1)
    assert services.register(session, other, by=cip).referral is None
    with pytest.raises(ValidationError, match="autre personne"):
        services.register(make_session(series), other, by=cip, referral=referral)


def test_attendance_is_recorded_per_session_with_one_timeline_entry_per_change(world):
    cip = world["cip"]
    session = running_session(make_series(world), capacity=3)
    a, b, c = followed_people(world, 3)
    ra, rb, rc = (services.register(session, p, by=cip) for p in (a, b, c))

    assert services.record_attendance(session, by=cip, present_ids=[ra.pk, rc.pk]) == 3
    assert dict(Registration.objects.filter(session=session).values_list("pk", "attended")) == {
        ra.pk: True,
        rb.pk: False,
        rc.pk: True,
    }
    assert TimelineEvent.objects.get(beneficiary=b, summary__contains=": absent·e").actor == cip
    # Again with one change: only that person gets a new entry.
    before = TimelineEvent.objects.count()
    assert services.record_attendance(session, by=cip, present_ids=[ra.pk, rb.pk, rc.pk]) == 1
    assert TimelineEvent.objects.count() == before + 1
    assert TimelineEvent.objects.filter(beneficiary=b, summary__contains=": présent·e").exists()

    with pytest.raises(ValidationError, match="pas inscrite"):
        services.record_attendance(session, by=cip, present_ids=[ra.pk, 10**9])
    future = make_session(make_series(world, title="Job dating"))
    with pytest.raises(ValidationError, match="pas encore commencé"):
        services.record_attendance(future, by=cip, present_ids=[])


def test_the_certificate_lists_the_attended_sessions(world):
    cip = world["cip"]
    series = make_series(world, title="Se présenter à un employeur – l’œil du recruteur")
    alice = world.alice
    alice.first_name = "Éloïse"
    alice.save()
    first, second = running_session(series, capacity=4), running_session(series, capacity=4)
    for session in (first, second):
        services.register(session, alice, by=cip)
    services.record_attendance(first, by=cip, present_ids=list(first.registrations.values_list("pk", flat=True)))

    pdf = certificate(alice, series, compress=False)
    assert pdf.startswith(b"%PDF-")
    text = " ".join(pdf_text(pdf).split())  # justified lines may break anywhere
    assert "Éloïse DURAND" in text
    assert "Se présenter à un employeur – l’œil du recruteur" in text
    assert world.org_x.name in text
    start = timezone.localtime(first.starts_at)
    assert f"{start:%d/%m/%Y}" in text and "3 h" in text
    assert f"Attestation établie le {timezone.localdate():%d/%m/%Y}" in text
    # One session attended out of two: the total is three hours, not six.
    assert "6 h" not in text
    assert certificate(alice, series).startswith(b"%PDF-")  # compressed as served

    with pytest.raises(ValidationError, match="aucune séance"):
        certificate(person(world.dept_a, "Zoé", "Absente"), series)


def test_the_demo_workshops_respect_capacity_and_are_seeded_once(world):
    from django.db.models import Count, F, Q

    from parcours.workshops.demo import seed_workshops
    from parcours.workshops.models import Session

    followed_people(world, 14)
    counts = seed_workshops(world.dept_a, seed=3)
    assert counts["series"] == 6 and counts["sessions"] == 24 and counts["registrations"] > 0  # X and Y, 3 × 4 each
    overbooked = Session.objects.annotate(n=Count("registrations", filter=Q(registrations__status=REGISTERED))).filter(
        n__gt=F("capacity")
    )
    assert not overbooked.exists()
    past = Registration.objects.filter(session__ends_at__lt=timezone.now())
    assert past.filter(attended__isnull=False).count() == past.count() > 0
    assert not past.filter(status=WAITLISTED).exists()
    assert seed_workshops(world.dept_a, seed=3) == {"series": 0, "sessions": 0, "registrations": 0}
