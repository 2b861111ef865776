"""Referrals: sending (consent, sharing, who may), the state machine, timeline and notifications of each step."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from parcours.catalogue.models import ServiceStatus
from parcours.journal.models import TimelineEvent
from parcours.referrals import services
from parcours.referrals.enums import EventKind, ReferralStatus, SharedItem, Via
from parcours.referrals.models import Attendance, Referral, ReferralEvent
from tests.test_referrals_support import days_ago, make_service, referral_in, send, sent_mail
from tests.world import CANARY

S = ReferralStatus


def timeline(world):
    return list(
        TimelineEvent.objects.filter(beneficiary=world.alice, kind="referral").values_list("summary", flat=True)
    )


# --- Sending --------------------------------------------------------------------------------------------


def test_a_referral_shares_the_minimum_by_default_and_tells_the_partner(world):
    service = make_service(world)
    referral = send(world, service)
    assert referral.status == S.SENT and referral.follow_up == world.follow_up
    assert referral.shared == [SharedItem.IDENTITY]
    assert referral.shared_data == {"first_name": "Alice", "initial": "D."}
    assert referral.consent_by == world["cip"] and referral.consent_at is not None
    assert (referral.expires_at - referral.sent_at).days == 30
    assert (referral.link_expires_at - referral.sent_at).days == 8
    assert timeline(world) == [
        "Orientation vers « Auto-école sociale » (Mobilité Solidaire 93), avec l'accord de la personne"
    ]
    [email] = sent_mail()  # the referent sent it: only the partner is told
    assert email.to == ["accueil@mobilite.test"]
    assert email.subject == "Nouvelle orientation vers « Auto-école sociale »"
    assert "/partenaire/orientation/" in email.body and "Alice" not in email.body
    assert "Durand" not in email.body and "0601020304" not in email.body


def test_what_is_shared_is_chosen_and_never_includes_the_health_frein(world):
    referral = send(
        world, shared=[SharedItem.CONTACT, SharedItem.BARRIERS, SharedItem.GOALS], message="Disponible le matin."
    )
    assert referral.shared == ["identity", "contact", "barriers", "goals", "message"]
    data = referral.shared_data
    assert data["phone"] == "0601020304" and data["barriers"] == ["Mobilité"]  # health is open too, never shared
    assert data["goals"] == [CANARY["goal"]]
    assert referral.message == "Disponible le matin."


def test_consent_is_required_and_nothing_is_written_without_it(world):
    with pytest.raises(ValidationError, match="L'accord de la personne est obligatoire"):
        send(world, consent=False)
    assert not Referral.objects.exists() and timeline(world) == []


def test_only_a_published_service_receives_referrals(world):
    service = make_service(world, status=ServiceStatus.SUSPENDED)
    with pytest.raises(ValidationError, match="n'est pas publié"):
        send(world, service)


@pytest.mark.parametrize("persona", ["cip_out", "cip_b", "agency_head", "partner", "ended"])
def test_only_the_care_team_sends(world, persona):
    with pytest.raises(ValidationError, match="Seule l'équipe"):
        send(world, by=world[persona])
    assert not Referral.objects.exists()


def test_referrals_belong_to_the_socio_pro_part_of_the_file(world):
    """The socio-esthetician, in the team but without the socio-professional section, does not refer."""
    with pytest.raises(ValidationError, match="Seule l'équipe"):
        send(world, by=world["socio_esthetician"])
    send(world, by=world["digital_advisor"], shared=[SharedItem.CONTACT])
    assert TimelineEvent.objects.get(kind="referral").section == "socio_pro"


def test_a_referral_sent_by_another_team_member_is_notified_to_the_referent(world):
    send(world, by=world["social_worker"])
    emails = {tuple(e.to): e for e in sent_mail()}
    assert set(emails) == {("accueil@mobilite.test",), ("cip@parcours.test",)}
    assert "Samia Benali" in emails[("cip@parcours.test",)].body


def test_a_second_open_referral_to_the_same_service_is_refused(world):
    service = make_service(world)
    send(world, service)
    with pytest.raises(ValidationError, match="déjà en cours"):
        send(world, service)


def test_a_service_without_contact_email_still_receives_the_referral_without_mail(world):
    send(world, make_service(world, contact_email=""))
    assert sent_mail() == []


# --- The state machine ----------------------------------------------------------------------------------

ACTIONS = {
    "accept": lambda r: services.accept(r, via=Via.LINK),
    "refuse": lambda r: services.refuse(r, reason="not_eligible", via=Via.LINK),
    "expire": lambda r: services._move(r, S.EXPIRED, by=None, via=Via.SYSTEM, summary="x"),
    "start": lambda r: services.start(r, on=timezone.localdate(), via=Via.LINK),
    "complete": lambda r: services.complete(r, on=timezone.localdate(), via=Via.LINK),
    "abandon": lambda r: services.abandon(r, reason="person_stopped", via=Via.LINK),
}
VALID = {
    (S.SENT, "accept"): S.ACCEPTED,
    (S.SENT, "refuse"): S.REFUSED,
    (S.SENT, "expire"): S.EXPIRED,
    (S.ACCEPTED, "start"): S.STARTED,
    (S.ACCEPTED, "abandon"): S.ABANDONED,
    (S.STARTED, "complete"): S.COMPLETED,
    (S.STARTED, "abandon"): S.ABANDONED,
}


@pytest.mark.parametrize("status", list(S))
@pytest.mark.parametrize("action", list(ACTIONS))
def test_every_transition_is_either_allowed_or_refused_in_french(world, status, action):
    referral = referral_in(world, status)
    events = ReferralEvent.objects.count()
    entries = len(timeline(world))
    if (status, action) in VALID:
        ACTIONS[action](referral)
        referral.refresh_from_db()
        assert referral.status == VALID[(status, action)]
        assert ReferralEvent.objects.count() == events + 1
        assert len(timeline(world)) == entries + 1
    else:
        with pytest.raises(ValidationError) as error:
            ACTIONS[action](referral)
        assert "statut actuel" in error.value.messages[0]
        referral.refresh_from_db()
        assert referral.status == status
        assert (ReferralEvent.objects.count(), len(timeline(world))) == (events, entries)


def test_a_refusal_needs_its_reason_and_other_needs_a_detail(world):
    referral = send(world)
    with pytest.raises(ValidationError, match="motif du refus"):
        services.refuse(referral, reason="", via=Via.LINK)
    with pytest.raises(ValidationError, match="Précisez"):
        services.refuse(referral, reason="other", detail="  ", via=Via.LINK)
    services.refuse(referral, reason="other", detail="Hors de notre zone", via=Via.LINK)
    referral.refresh_from_db()
    assert (referral.status, referral.refusal_reason, referral.refusal_detail) == (
        S.REFUSED,
        "other",
        "Hors de notre zone",
    )
    assert referral.answered_at is not None and referral.closed_at is not None
    assert timeline(world)[0].startswith(
        "Orientation vers « Auto-école sociale » (Mobilité Solidaire 93) refusée : Hors"
    )


def test_start_and_end_dates_are_checked(world):
    referral = referral_in(world, S.ACCEPTED)
    with pytest.raises(ValidationError, match="dans le futur"):
        services.start(referral, on=timezone.localdate() + datetime.timedelta(days=1), via=Via.LINK)
    with pytest.raises(ValidationError, match="ne peut pas précéder"):
        services.start(referral, on=days_ago(3), via=Via.LINK)  # sent today
    Referral.objects.filter(pk=referral.pk).update(sent_at=timezone.now() - datetime.timedelta(days=10))
    referral.refresh_from_db()
    services.start(referral, on=days_ago(5), via=Via.LINK)
    with pytest.raises(ValidationError, match="ne peut pas précéder le démarrage"):
        services.complete(referral, on=days_ago(6), via=Via.LINK)
    services.complete(referral, on=days_ago(1), via=Via.LINK)
    referral.refresh_from_db()
    assert (referral.started_on, referral.completed_on, referral.ended_on) == (days_ago(5), days_ago(1), days_ago(1))


def test_an_abandon_needs_its_reason_and_ends_the_hours(world):
    referral = referral_in(world, S.STARTED)
    with pytest.raises(ValidationError, match="motif de l'abandon"):
        services.abandon(referral, reason="bad", via=Via.LINK)
    services.abandon(referral, reason="repeated_absences", via=Via.LINK)
    referral.refresh_from_db()
    assert referral.ended_on == timezone.localdate() and referral.completed_on is None


def test_each_partner_step_is_on_the_timeline_and_mailed_to_the_referent(world):
    referral = send(world)
    sent_mail()
    subjects = []
    for step in (
        lambda: services.accept(referral, via=Via.LINK),
        lambda: services.start(referral, on=timezone.localdate(), via=Via.LINK),
        lambda: services.complete(referral, on=timezone.localdate(), via=Via.LINK),
    ):
        step()
        [email] = sent_mail()
        assert email.to == ["cip@parcours.test"]
        assert f"/orientations/{referral.public_id}/" in email.body
        subjects.append(email.subject)
    assert subjects == [
        "Orientation de Alice D. vers « Auto-école sociale » : acceptée",
        "Orientation de Alice D. vers « Auto-école sociale » : action démarrée",
        "Orientation de Alice D. vers « Auto-école sociale » : action terminée",
    ]
    label, today, by_link = (
        "« Auto-école sociale » (Mobilité Solidaire 93)",
        timezone.localdate(),
        " (par le lien envoyé au partenaire)",
    )
    assert list(reversed(timeline(world)))[1:] == [
        f"Orientation vers {label} acceptée par la structure{by_link}",
        f"Action {label} démarrée le {today:%d/%m/%Y}{by_link}",
        f"Action {label} terminée le {today:%d/%m/%Y}{by_link}",
    ]
    referral.refresh_from_db()
    assert referral.has_news  # visible in « Mes orientations » until the referent opens it
    services.mark_seen(referral, by=world["cip"])
    assert not Referral.objects.get(pk=referral.pk).has_news


def test_a_partner_who_acts_keeps_the_link_open_for_the_next_steps(world):
    referral = send(world)
    Referral.objects.filter(pk=referral.pk).update(link_expires_at=timezone.now() + datetime.timedelta(hours=5))
    referral.refresh_from_db()
    services.accept(referral, via=Via.LINK)
    referral.refresh_from_db()
    assert referral.link_expires_at > timezone.now() + datetime.timedelta(days=7)


# --- Attendance -----------------------------------------------------------------------------------------


def test_attendance_is_recorded_once_started_within_the_action_days(world):
    referral = referral_in(world, S.ACCEPTED)
    with pytest.raises(ValidationError, match="une fois l'action démarrée"):
        services.record_attendance(referral, on=timezone.localdate(), present=True, via=Via.LINK)
    Referral.objects.filter(pk=referral.pk).update(sent_at=timezone.now() - datetime.timedelta(days=10))
    referral.refresh_from_db()
    services.start(referral, on=days_ago(4), via=Via.LINK)
    sent_mail()
    with pytest.raises(ValidationError, match="compris entre le démarrage"):
        services.record_attendance(referral, on=days_ago(5), present=True, via=Via.LINK)
    services.record_attendance(referral, on=days_ago(4), present=True, hours=3, via=Via.LINK)
    assert sent_mail() == []  # a presence is not mailed
    services.record_attendance(referral, on=days_ago(3), present=False, via=Via.LINK)
    [email] = sent_mail()
    assert email.subject.endswith(": absence signalée") and f"{days_ago(3):%d/%m/%Y} : absente" in email.body
    services.record_attendance(referral, on=days_ago(3), present=True, hours=2.5, via=Via.LINK)  # corrected
    assert list(Attendance.objects.values_list("on", "present", "hours")) == [
        (days_ago(4), True, 3.0),
        (days_ago(3), True, 2.5),
    ]
    assert any(
        s.endswith(f"{days_ago(3):%d/%m/%Y} : absente (par le lien envoyé au partenaire)") for s in timeline(world)
    )
    assert ReferralEvent.objects.filter(referral=referral, kind=EventKind.ATTENDANCE).count() == 3


def test_the_referent_can_send_a_new_link_which_kills_the_old_one(world):
    referral = send(world)
    sent_mail()
    services.send_new_link(referral, by=world["cip"])
    referral.refresh_from_db()
    assert referral.link_version == 2
    [email] = sent_mail()
    assert email.subject == "Nouveau lien : orientation vers « Auto-école sociale »"
    closed = referral_in(world, S.REFUSED, service=make_service(world, name="Atelier code"))
    with pytest.raises(ValidationError, match="est close"):
        services.send_new_link(closed, by=world["cip"])
