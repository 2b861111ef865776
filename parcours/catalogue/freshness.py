"""Freshness of the catalogue: partners are reminded by e-mail of their services not checked for N days.

N is the dated rule `catalogue.freshness_days` (180 by default, per département possible). A service is
reminded again at most every REMIND_EVERY_DAYS while it stays unchecked. Runs from the PERIODIC registry.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from parcours.accounts.enums import Profession
from parcours.accounts.models import Membership
from parcours.catalogue.models import Service, ServiceStatus
from parcours.core.rules import rule_value
from parcours.jobs.api import job
from parcours.jobs.queues import BULK

RULE = "catalogue.freshness_days"
REMIND_EVERY_DAYS = 30


def stale_services(now: datetime.datetime | None = None):
    """Published services of partner structures, unchecked for longer than their département's rule."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    services = (
        Service.objects.filter(status=ServiceStatus.PUBLISHED, structure__organization__isnull=False)
        .filter(Q(reminded_at__isnull=True) | Q(reminded_at__lt=now - datetime.timedelta(days=REMIND_EVERY_DAYS)))
        .select_related("structure__organization")
        .order_by("structure__organization_id", "name")
    )
    limits: dict = {}
    stale = []
    for service in services.only(
        "pk", "name", "checked_at", "created_at", "reminded_at", "structure__name", "structure__organization"
    ):
        department_id = service.structure.organization.department_id
        if department_id not in limits:
            limits[department_id] = rule_value(RULE, on=today, department_id=department_id)
        checked = service.checked_at or service.created_at
        if checked < now - datetime.timedelta(days=int(limits[department_id])):
            stale.append(service)
    return stale


def _email(user, services: list[Service]) -> tuple:
    url = settings.PUBLIC_BASE_URL + reverse("web:catalogue-partner-services")
    lines = "\n".join(f"- {s.name} ({s.structure.name})" for s in services)
    body = (
        f"Bonjour {user.first_name},\n\n"
        f"Les informations de {len(services)} service(s) que votre organisation publie dans le catalogue "
        "n'ont pas été vérifiées depuis longtemps :\n\n"
        f"{lines}\n\n"
        "Les conseiller·ères orientent les personnes d'après ces informations : merci de les relire et de "
        f"cliquer sur « J'ai vérifié ces informations » (ou de les corriger) :\n{url}\n\n"
        f"{settings.OPERATOR_NAME}"
    )
    subject = "Catalogue : des services à vérifier"
    return subject, body, settings.DEFAULT_FROM_EMAIL, [user.email]


@job(queue=BULK)
def send_freshness_reminders(now: datetime.datetime | None = None) -> int:
    """E-mail each partner account the list of its organisation's stale services; returns e-mails sent."""
    now = now or timezone.now()
    with transaction.atomic():
        stale = stale_services(now)
        if not stale:
            return 0
        by_org: dict[int, list[Service]] = defaultdict(list)
        for service in stale:
            by_org[service.structure.organization_id].append(service)
        members = (
            Membership.objects.active(timezone.localtime(now).date())
            .filter(profession=Profession.PARTNER, organization_id__in=by_org, user__is_active=True)
            .select_related("user")
        )
        messages = [_email(m.user, by_org[m.organization_id]) for m in members]
        reminded = [s.pk for org_id in {m.organization_id for m in members} for s in by_org[org_id]]
        Service.objects.filter(pk__in=reminded).update(reminded_at=now)
        if messages:  # inside the transaction: a mail failure leaves the services to the next run
            send_mass_mail(messages, fail_silently=False)
    return len(messages)
