"""E-mails of the referrals: to the partner (new referral, new link, reminder, with the signed link) and to the
referent (every step they did not do themself; for attendance, absences only).

Each history entry (ReferralEvent) that calls for an e-mail enqueues one BULK task in the transaction that
writes it (parcours.jobs: it disappears if that transaction rolls back). The task sends at most once per entry
(`first_time`, committed with the sending; a crash between the two sends it again, which mail clients show
once: same Message-ID). The e-mails carry no personal data beyond the first name and initial for the referent,
and nothing about the person for the partner: the details are behind the link or the account.
"""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from parcours.jobs.api import enqueue_many, first_time
from parcours.jobs.queues import BULK
from parcours.referrals.enums import PARTNER_EVENTS, EventKind, ReferralStatus

logger = logging.getLogger(__name__)

TASK = "parcours.referrals.tasks.send_event_email"


def enqueue(event_ids: list[int]) -> int:
    return enqueue_many(TASK, [(pk,) for pk in event_ids], queue=BULK)


def partner_email(referral) -> str:
    return referral.service.contact_email or referral.service.structure.email


def _absolute(path: str) -> str:
    return (getattr(settings, "PUBLIC_BASE_URL", "") or "http://127.0.0.1:8000").rstrip("/") + path


def _date(value) -> str:
    return f"{timezone.localtime(value):%d/%m/%Y}"


# What the partner still has to do, per status (for the link e-mails).
PARTNER_TODO = {
    ReferralStatus.SENT: "Donnez votre réponse : acceptation ou refus (avec son motif).",
    ReferralStatus.ACCEPTED: "Indiquez la date de démarrage de l'action, ou son abandon si la personne n'est pas "
    "venue.",
    ReferralStatus.STARTED: "Indiquez les présences de la personne, puis la fin de l'action (ou son abandon).",
}

REFERENT_SUBJECT = {
    EventKind.SENT: "envoyée",
    EventKind.ACCEPTED: "acceptée",
    EventKind.REFUSED: "refusée",
    EventKind.EXPIRED: "expirée sans réponse",
    EventKind.STARTED: "action démarrée",
    EventKind.COMPLETED: "action terminée",
    EventKind.ABANDONED: "abandonnée",
    EventKind.ATTENDANCE: "absence signalée",
}


def partner_message(event) -> tuple[str, list[str], str]:
    """(subject, paragraphs, link) of an e-mail to the partner."""
    from parcours.referrals.links import link_for

    referral = event.referral
    service = referral.service
    link = link_for(referral)
    sender = referral.follow_up.organization.name if referral.follow_up else settings.OPERATOR_NAME
    until = f"Ce lien personnel est valable jusqu'au {_date(referral.link_expires_at)} ; ne le transférez pas."
    account = "Si votre structure a un compte, l'orientation figure aussi dans « Orientations reçues »."
    todo = PARTNER_TODO.get(referral.status, "")
    if event.kind == EventKind.SENT:
        subject = f"Nouvelle orientation vers « {service.name} »"
        first = (
            f"{sender} vous adresse une personne pour le service « {service.name} », avec son accord. "
            "Les informations qu'elle a accepté de partager sont sur la page de l'orientation."
        )
        paragraphs = [first, todo, f"Sans réponse, l'orientation expirera le {_date(referral.expires_at)}."]
    elif event.kind == EventKind.REMINDER:
        subject = f"Rappel : orientation vers « {service.name} »"
        paragraphs = [f"Le lien de l'orientation vers « {service.name} » expire bientôt.", todo]
    else:
        subject = f"Nouveau lien : orientation vers « {service.name} »"
        paragraphs = [
            f"Voici un nouveau lien pour l'orientation vers « {service.name} » (l'ancien ne marche plus).",
            todo,
        ]
    return subject, [p for p in paragraphs if p] + [until, account], link


def referent_message(event) -> tuple[str, list[str], str]:
    """(subject, paragraphs, link) of an e-mail to the referent."""
    referral = event.referral
    who = referral.person_label
    service = referral.service
    subject = f"Orientation de {who} vers « {service.name} » : {REFERENT_SUBJECT[event.kind]}"
    if event.via == "system":
        by = "automatiquement"
    elif event.kind == EventKind.SENT:
        by = f"par {event.actor.get_full_name()}" if event.actor else ""
    else:
        by = f"par {service.structure.name}"
    paragraphs = [f"{event.get_kind_display()} {by}, le {_date(event.at)}."]
    if event.kind == EventKind.REFUSED:
        paragraphs.append(f"Motif : {referral.get_refusal_reason_display()}.")
    if event.kind == EventKind.ABANDONED:
        paragraphs.append(f"Motif : {referral.get_abandon_reason_display()}.")
    if event.detail:
        paragraphs.append(f"Précision : {event.detail}")
    paragraphs.append("Le détail est dans Parcours, rubrique « Mes orientations ».")
    return subject, paragraphs, _absolute(reverse("web:referral-detail", args=[referral.public_id]))


def messages_for(event) -> list[tuple[str, str, str, list[str], str]]:
    """[(who, address, subject, paragraphs, link)] to send for one history entry (possibly none).

    The partner hears of a new referral, a new link and the reminders; the referent of every step they did not
    do themself (a new referral sent by another member of the team included).
    """
    referral = event.referral
    found = []
    if event.kind in PARTNER_EVENTS:
        address = partner_email(referral)
        if address:
            found.append(("partner", address, *partner_message(event)))
        if event.kind != EventKind.SENT:
            return found
    referent = referral.follow_up.referent if referral.follow_up else None
    if referent is not None and referent.is_active and referent.pk != event.actor_id:
        found.append(("referent", referent.email, *referent_message(event)))
    return found


def _email(event, who, address, subject, paragraphs, link) -> EmailMultiAlternatives:
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].rstrip(">").strip() or "parcours.invalid"
    email = EmailMultiAlternatives(
        subject=subject,
        body="\n\n".join([*paragraphs, link]),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
        headers={"Message-ID": f"<referral-{event.pk}-{who}@{domain}>", "Auto-Submitted": "auto-generated"},
    )
    context = {"subject": subject, "paragraphs": paragraphs, "link": link, "operator": settings.OPERATOR_NAME}
    email.attach_alternative(render_to_string("referrals/email.html", context), "text/html")
    return email


def send(event_id: int) -> int:
    """Send the e-mails of one history entry, each once. Returns how many left now."""
    from parcours.referrals.models import ReferralEvent

    event = (
        ReferralEvent.objects.select_related(
            "referral__service__structure",
            "referral__follow_up__referent",
            "referral__follow_up__organization",
            "actor",
        )
        .filter(pk=event_id)
        .first()
    )
    if event is None:
        return 0
    sent = 0
    for who, address, subject, paragraphs, link in messages_for(event):
        email = _email(event, who, address, subject, paragraphs, link)
        with transaction.atomic():
            if not first_time(f"referral-email:{event.pk}:{who}"):
                continue
            email.send()
        sent += 1
        logger.info("E-mail d'orientation envoyé (étape %s, %s, à %s)", event.pk, event.kind, who)
    return sent
