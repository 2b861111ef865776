"""Helpers of the referral tests: a partner structure with its services, referrals in any status."""

import datetime
import itertools

from django.core import mail
from django.utils import timezone

from parcours.catalogue.models import Service, ServiceStatus, Structure
from parcours.jobs.runner import run_pending
from parcours.referrals import services
from parcours.referrals.enums import ReferralStatus, Via

_ids = itertools.count(1)


_Y = object()


def make_structure(world, *, organization=_Y, email="", name="Mobilité Solidaire 93"):
    """A structure of the catalogue, maintained by organisation Y (the `partner` persona's) unless told."""
    return Structure.objects.create(
        name=name,
        source="test",
        source_id=f"structure-{next(_ids)}",
        organization=world.org_y if organization is _Y else organization,
        email=email,
    )


def make_service(world, *, structure=None, name="Auto-école sociale", contact_email="accueil@mobilite.test", **extra):
    structure = structure or make_structure(world)
    extra.setdefault("status", ServiceStatus.PUBLISHED)
    extra.setdefault("weekly_hours", 6.0)
    return Service.objects.create(
        structure=structure,
        name=name,
        description="Apprendre à conduire avec un accompagnement adapté.",
        source="test",
        source_id=f"service-{next(_ids)}",
        contact_email=contact_email,
        themes=["mobilite--preparer-son-permis-de-conduire"],
        **extra,
    )


def send(world, service=None, *, by=None, **extra):
    extra.setdefault("consent", True)
    return services.send_referral(
        beneficiary=world.alice, service=service or make_service(world), by=by or world["cip"], **extra
    )


def days_ago(n: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=n)


def referral_in(world, status: str, service=None):
    """A referral of Alice brought to `status` through the services (partner acting through the link)."""
    referral = send(world, service)
    if status == ReferralStatus.SENT:
        return referral
    if status == ReferralStatus.REFUSED:
        return services.refuse(referral, reason="service_full", via=Via.LINK)
    if status == ReferralStatus.EXPIRED:
        services._move(referral, ReferralStatus.EXPIRED, by=None, via=Via.SYSTEM, summary="Expirée")
        return referral
    services.accept(referral, via=Via.LINK)
    if status == ReferralStatus.ACCEPTED:
        return referral
    if status == ReferralStatus.ABANDONED:
        return services.abandon(referral, reason="never_came", via=Via.LINK)
    services.start(referral, on=timezone.localdate(), via=Via.LINK)
    if status == ReferralStatus.STARTED:
        return referral
    return services.complete(referral, on=timezone.localdate(), via=Via.LINK)


def sent_mail() -> list:
    """Run the pending jobs and return the e-mails sent (and empty the outbox)."""
    run_pending()
    sent = list(mail.outbox)
    mail.outbox.clear()
    return sent
