"""Referrals in the background: expiry without an answer, reminders before the partner's link expires, e-mails
sent once, the periodic schedule."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from parcours.core.models import RuleValue
from parcours.jobs.periodic import PERIODIC
from parcours.journal.models import TimelineEvent
from parcours.referrals import notify, tasks
from parcours.referrals.enums import EventKind, ReferralStatus, Via
from parcours.referrals.models import Referral, ReferralEvent
from parcours.referrals.services import accept
from tests.test_referrals_support import make_service, send, sent_mail


def age(referral, *, days: float) -> None:
    """As if the referral had been sent `days` ago (its expiry and link moved with it)."""
    delta = datetime.timedelta(days=days)
    Referral.objects.filter(pk=referral.pk).update(
        sent_at=referral.sent_at - delta,
        expires_at=referral.expires_at - delta,
        link_expires_at=referral.link_expires_at - delta,
    )
    referral.refresh_from_db()


def test_the_periodic_task_is_scheduled():
    assert any(p.func == "parcours.referrals.tasks.run_periodic" for p in PERIODIC)


def test_unanswered_referrals_expire_after_30_days_with_timeline_and_mail(world):
    old = send(world, make_service(world, name="Garage solidaire"))
    young = send(world, make_service(world, name="Vélo-école"))
    answered = send(world, make_service(world, name="Permis B"))
    accept(answered, via=Via.LINK)
    age(old, days=30.01)
    age(young, days=29.9)
    age(answered, days=31)
    sent_mail()
    assert tasks.run_periodic()["expired"] == 1
    statuses = dict(Referral.objects.values_list("service__name", "status"))
    assert statuses == {"Garage solidaire": "expired", "Vélo-école": "sent", "Permis B": "accepted"}
    old.refresh_from_db()
    assert old.closed_at is not None and old.has_news
    assert TimelineEvent.objects.filter(
        beneficiary=world.alice,
        summary="Orientation vers « Garage solidaire » (Mobilité Solidaire 93) expirée sans réponse de la structure",
    ).exists()
    emails = sent_mail()
    assert [(e.to, e.subject) for e in emails] == [
        (["cip@parcours.test"], "Orientation de Alice D. vers « Garage solidaire » : expirée sans réponse")
    ]
    assert tasks.expire_due() == 0  # nothing twice


def test_a_departement_may_shorten_the_expiry(world):
    RuleValue.objects.create(
        key="referrals.expiry_days", value=10, effective_from=datetime.date(2020, 1, 1), department=world.dept_a
    )
    referral = send(world)
    assert (referral.expires_at - referral.sent_at).days == 10


def test_expiry_is_done_in_bulk(world):
    referrals = [send(world, make_service(world, name=f"Service {i}")) for i in range(6)]
    for referral in referrals:
        age(referral, days=40)
    with CaptureQueriesContext(connection) as few:
        tasks.expire_due()
    assert Referral.objects.filter(status=ReferralStatus.EXPIRED).count() == 6
    referrals = [send(world, make_service(world, name=f"Autre {i}")) for i in range(2)]
    for referral in referrals:
        age(referral, days=40)
    with CaptureQueriesContext(connection) as fewer:
        tasks.expire_due()
    assert len(few) == len(fewer)  # the same statements for 6 referrals as for 2


def test_partners_are_reminded_once_before_their_link_expires(world):
    due = send(world, make_service(world, name="Garage solidaire"))
    later = send(world, make_service(world, name="Vélo-école"))
    no_mail = send(world, make_service(world, name="Permis B", contact_email=""))
    age(due, days=6.5)  # link valid 8 days: 1.5 day left, within the 2 days
    age(later, days=5)
    age(no_mail, days=7)
    sent_mail()
    assert tasks.remind_partners() == 1
    [email] = sent_mail()
    assert email.to == ["accueil@mobilite.test"]
    assert email.subject == "Rappel : orientation vers « Garage solidaire »"
    assert "/partenaire/orientation/" in email.body and "Donnez votre réponse" in email.body
    assert tasks.remind_partners() == 0  # once per link
    assert ReferralEvent.objects.filter(kind=EventKind.REMINDER).count() == 1


def test_a_partner_with_a_step_to_do_after_accepting_is_reminded_too(world):
    referral = send(world)
    accept(referral, via=Via.LINK)  # keeps the link 8 more days, reminder to come again
    referral.refresh_from_db()
    Referral.objects.filter(pk=referral.pk).update(link_expires_at=timezone.now() + datetime.timedelta(days=1))
    sent_mail()
    assert tasks.remind_partners() == 1
    [email] = sent_mail()
    assert "Indiquez la date de démarrage" in email.body


def test_closed_referrals_and_expired_links_get_no_reminder(world):
    refused = send(world)
    from parcours.referrals.services import refuse

    refuse(refused, reason="service_full", via=Via.LINK)
    Referral.objects.filter(pk=refused.pk).update(link_expires_at=timezone.now() + datetime.timedelta(hours=3))
    gone = send(world, make_service(world, name="Vélo-école"))
    Referral.objects.filter(pk=gone.pk).update(link_expires_at=timezone.now() - datetime.timedelta(hours=1))
    assert tasks.remind_partners() == 0


def test_each_mail_leaves_once_even_if_its_task_runs_twice(world):
    referral = send(world, by=world["social_worker"])
    event = ReferralEvent.objects.get(referral=referral, kind=EventKind.SENT)
    assert len(sent_mail()) == 2  # partner and referent
    assert notify.send(event.pk) == 0
    assert sent_mail() == []
