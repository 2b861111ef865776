"""Sending a batch of messages, exactly once, within the provider's rate limit.

For each message: (1) claim it, `queued` → `sending`, committed before anything leaves; (2) send it (SMS: take
a slot of the shared rate limit first); (3) record `sent` with the provider's reference. A worker killed between
(1) and (3) leaves the message `sending`: when the task is delivered again, such a message is first looked up at
the provider by our client reference (the SMS tag) and only sent again if the provider never received it.

E-mail has no such lookup (SMTP cannot be asked): a message found `sending` is sent again with the same
Message-ID (<client_ref@parcours>), which mail clients use to show it once.

Errors: a refusal by the provider (invalid number…) fails the message at once; an outage leaves it to the next
attempt (the task is retried with backoff by @job) until MAX_ATTEMPTS, then fails it; errors are in French.
"""

import contextlib
import logging
import smtplib
import time
from dataclasses import dataclass, field
from email.message import MIMEPart

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone

from parcours.notifications import sms
from parcours.notifications.enums import FINAL_STATUSES, Channel, MessageStatus
from parcours.notifications.ics import appointment_ics
from parcours.notifications.models import Message
from parcours.notifications.ratelimit import SharedRateLimiter
from parcours.notifications.services import note_on_timeline

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
MAX_RATE_LIMITED_WAITS = 50  # 429 answers tolerated for one message before treating it as an outage
SMS_LIMIT_NAME = "sms"


class RetryLater(Exception):
    """Some messages of the batch met an outage: the task fails so that @job runs it again later."""


@dataclass
class Outcome:
    sent: int = 0
    recovered: int = 0  # found at the provider after a crash: not sent again
    failed: int = 0
    retry: list = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"sent": self.sent, "recovered": self.recovered, "failed": self.failed, "retry": len(self.retry)}


def _now():
    return timezone.now()


def _claim(message: Message) -> bool:
    """queued → sending, committed (autocommit in a worker) before the message leaves. False if taken."""
    taken = Message.objects.filter(pk=message.pk, status=message.status).update(
        status=MessageStatus.SENDING, attempts=F("attempts") + 1, updated_at=_now()
    )
    message.attempts += 1
    return bool(taken)


def _mark_sent(message: Message, provider_ref: str) -> None:
    now = _now()
    done = Message.objects.filter(pk=message.pk, status=MessageStatus.SENDING).update(
        status=MessageStatus.SENT, provider_ref=provider_ref, sent_at=now, updated_at=now, error=""
    )
    if not done:  # a delivery report came first: keep its status, only fill in the reference
        Message.objects.filter(pk=message.pk, provider_ref="").update(provider_ref=provider_ref, sent_at=now)


def _fail(message: Message, error: str) -> None:
    Message.objects.filter(pk=message.pk).update(status=MessageStatus.FAILED, error=error[:300], updated_at=_now())
    message.error = error
    note_on_timeline(message, f"{message.get_kind_display()} ({message.get_channel_display()}) non envoyée : {error}")


def _note_error(message: Message, error: str) -> None:
    Message.objects.filter(pk=message.pk).update(error=error[:300], updated_at=_now())


def _give_up_if_exhausted(message: Message, outcome: Outcome) -> bool:
    if message.attempts < MAX_ATTEMPTS:
        return False
    last = f" Dernière erreur : {message.error}" if message.error else ""
    _fail(message, f"Envoi abandonné après {message.attempts} tentatives.{last}")
    outcome.failed += 1
    return True


class _Sms:
    def __init__(self):
        self.provider = sms.get_provider()
        self.limiter = SharedRateLimiter(SMS_LIMIT_NAME, self.provider.rate_per_second)

    def handle(self, message: Message, outcome: Outcome) -> None:
        if message.status == MessageStatus.SENDING:
            # Sent before a crash, or the provider's answer was lost? Ask the provider before sending again.
            try:
                found = self.provider.lookup(str(message.client_ref))
            except sms.ProviderError as error:
                _note_error(message, error.message)
                message.error = error.message
                if not _give_up_if_exhausted(message, outcome):
                    outcome.retry.append(message.pk)
                return
            if found is not None:
                _mark_sent(message, found.provider_ref)
                outcome.recovered += 1
                return
        if _give_up_if_exhausted(message, outcome):
            return
        if not _claim(message):
            return
        to_send = sms.SmsToSend(str(message.client_ref), message.recipient, message.body)
        for _ in range(MAX_RATE_LIMITED_WAITS):
            self.limiter.acquire()
            try:
                provider_ref = self.provider.send(to_send)
            except sms.RateLimited as error:
                self.limiter.push_back(error.retry_after)
                continue
            except sms.Rejected as error:
                _fail(message, error.message)
                outcome.failed += 1
                return
            except sms.Unavailable as error:
                # Unknown whether it arrived: stays `sending`, looked up at the next attempt.
                _note_error(message, error.message)
                outcome.retry.append(message.pk)
                return
            _mark_sent(message, provider_ref)
            outcome.sent += 1
            return
        _note_error(message, "Le fournisseur SMS refuse les envois (débit maximal atteint) : nouvel essai plus tard.")
        outcome.retry.append(message.pk)


def build_email(message: Message) -> EmailMultiAlternatives:
    """The e-mail of `message`: plain text, an HTML alternative and, for an appointment, its .ics."""
    from parcours.rsvp.tokens import link_for

    appointment = message.appointment
    link = link_for(appointment) if appointment is not None else ""
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].rstrip(">").strip() or "parcours.invalid"
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.recipient],
        headers={"Message-ID": f"<{message.client_ref}@{domain}>", "Auto-Submitted": "auto-generated"},
    )
    paragraphs = [p.replace(f"\n{link}", "") if link else p for p in message.body.split("\n\n") if p.strip()]
    html = render_to_string(
        "notifications/email.html",
        {"subject": message.subject, "paragraphs": paragraphs, "link": link, "operator": settings.OPERATOR_NAME},
    )
    email.attach_alternative(html, "text/html")
    if appointment is not None:
        content, method = appointment_ics(appointment, attendee_email=message.recipient, link=link)
        part = MIMEPart()
        part.set_content(
            content.decode(),
            subtype="calendar",
            charset="utf-8",
            params={"method": method},
            disposition="attachment",
            filename="rendez-vous.ics",
        )
        email.attach(part)
    return email


class _Email:
    def __init__(self):
        self.connection = None

    def handle(self, message: Message, outcome: Outcome) -> None:
        if _give_up_if_exhausted(message, outcome) or not _claim(message):
            return
        try:
            email = build_email(message)
            if self.connection is None:
                self.connection = mailers.default
                self.connection.open()
            self.connection.send_messages([email])
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as error:
            _fail(message, f"Adresse e-mail refusée par le serveur de messagerie ({error.__class__.__name__}).")
            outcome.failed += 1
            return
        except (smtplib.SMTPException, OSError) as error:
            self.close()
            _note_error(message, f"Serveur de messagerie indisponible ({error.__class__.__name__} : {error}).")
            outcome.retry.append(message.pk)
            return
        _mark_sent(message, email.extra_headers["Message-ID"].strip("<>"))
        outcome.sent += 1

    def close(self):
        if self.connection is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self.connection.close()
            self.connection = None


def send_batch(message_ids: list[int]) -> dict:
    """Send the messages of `message_ids` not yet sent; raises RetryLater if some must be tried again."""
    started = time.monotonic()
    messages = list(
        Message.objects.filter(pk__in=message_ids)
        .exclude(status__in=FINAL_STATUSES)
        .exclude(channel=Channel.POSTAL)
        .select_related("appointment")
        .order_by("pk")
    )
    outcome = Outcome()
    senders = {}
    try:
        for message in messages:
            if message.channel not in senders:
                senders[message.channel] = _Sms() if message.channel == Channel.SMS else _Email()
            senders[message.channel].handle(message, outcome)
    finally:
        if Channel.EMAIL in senders:
            senders[Channel.EMAIL].close()
    logger.info("Lot de %s messages traité en %.1f s : %s", len(messages), time.monotonic() - started, outcome)
    if outcome.retry:
        raise RetryLater(f"{len(outcome.retry)} message(s) à renvoyer plus tard : {outcome.retry}")
    return outcome.as_dict()
