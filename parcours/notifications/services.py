"""Invitations and other messages to people: rows created and sending enqueued in the caller's transaction.

Nothing is sent inside a request: `invite()` and `notify_person()` write one Message per appointment on the
person's channel (preferred and consented, else the next consented one, else a letter to print) and enqueue
the sending on the BULK queue, 50 messages per task (parcours.notifications.tasks.send_batch). If the caller's
transaction rolls back, the messages and their tasks disappear with it.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from parcours.agenda.enums import AppointmentStatus
from parcours.jobs.api import enqueue_many
from parcours.jobs.queues import BULK
from parcours.journal.models import TimelineEvent
from parcours.notifications.drafts import build_drafts, chunks, insert_drafts
from parcours.notifications.enums import Channel, MessageKind, MessageStatus
from parcours.notifications.models import Message

BATCH_SIZE = 50  # messages per sending task
SEND_TASK = "parcours.notifications.tasks.send_batch"


def enqueue_sending(ids: list[int], channels: list[str]) -> int:
    """One BULK task per 50 messages to send (letters are printed, not sent); returns the number of tasks."""
    to_send = [pk for pk, channel in zip(ids, channels, strict=True) if channel != Channel.POSTAL]
    return enqueue_many(SEND_TASK, [(batch,) for batch in chunks(to_send, BATCH_SIZE)], queue=BULK)


def create_messages(
    appointments: list, *, kind: str, by=None, days_before: int | None = None, channel: str | None = None
) -> list[int]:
    """Write the messages and enqueue their sending, together (in the caller's transaction); returns their ids."""
    drafts = build_drafts(appointments, kind=kind, days_before=days_before, channel=channel)
    with transaction.atomic():
        ids = insert_drafts(drafts, by=by)
        enqueue_sending(ids, [d.channel for d in drafts])
    return ids


def invite(appointments, *, by, kind: str = MessageKind.CONVOCATION):
    """One message per planned appointment, on the person's channel; sending enqueued on BULK, in the caller's
    transaction. Appointments that are no longer planned are skipped. Returns the messages (a queryset)."""
    if kind not in MessageKind.values:
        raise ValidationError("Type de message inconnu.")
    planned = [a for a in appointments if a.status == AppointmentStatus.PLANNED]
    ids = create_messages(planned, kind=kind, by=by) if planned else []
    return Message.objects.filter(pk__in=ids).order_by("pk")


def notify_person(appointment, *, kind: str, by=None, days_before: int | None = None) -> Message:
    """One message about `appointment` (cancellation_ack, reschedule, reminder, letter…), sent like invite().

    `letter` is always a letter to print, whatever the person's channel.
    """
    if kind not in MessageKind.values:
        raise ValidationError("Type de message inconnu.")
    channel = Channel.POSTAL if kind == MessageKind.LETTER else None
    [pk] = create_messages([appointment], kind=kind, by=by, days_before=days_before, channel=channel)
    return Message.objects.get(pk=pk)


def letters_to_print(department_id=None):
    """Letters waiting to be printed and posted, oldest first."""
    letters = Message.objects.filter(channel=Channel.POSTAL, status=MessageStatus.QUEUED)
    if department_id is not None:
        letters = letters.filter(department_id=department_id)
    return letters.select_related("beneficiary", "appointment").order_by("created_at", "pk")


def mark_letters_posted(message_ids: list[int], *, by) -> int:
    """The letters were printed and posted: they count as sent."""
    now = timezone.now()
    return Message.objects.filter(pk__in=message_ids, channel=Channel.POSTAL, status=MessageStatus.QUEUED).update(
        status=MessageStatus.SENT, sent_at=now, updated_at=now
    )


def note_on_timeline(message: Message, summary: str) -> None:
    """A failed or undeliverable message is written on the person's timeline, for the counselor to act."""
    TimelineEvent.objects.create(
        department_id=message.department_id,
        beneficiary_id=message.beneficiary_id,
        actor=None,
        kind="message",
        summary=summary[:300],
    )


# Delivery reports ------------------------------------------------------------------------------------------

# Provider events (Brevo's names, in their webhook and events API) → our status.
DELIVERY_EVENTS = {
    "sent": MessageStatus.SENT,
    "accepted": MessageStatus.SENT,
    "delivered": MessageStatus.DELIVERED,
    "soft_bounce": MessageStatus.UNDELIVERABLE,
    "softbounce": MessageStatus.UNDELIVERABLE,
    "hard_bounce": MessageStatus.UNDELIVERABLE,
    "hardbounce": MessageStatus.UNDELIVERABLE,
    "rejected": MessageStatus.UNDELIVERABLE,
    "blocked": MessageStatus.UNDELIVERABLE,
    "blacklisted": MessageStatus.UNDELIVERABLE,
    "unsubscribed": MessageStatus.UNDELIVERABLE,
    "invalid_number": MessageStatus.UNDELIVERABLE,
}
_REASONS = {
    "soft_bounce": "Téléphone injoignable (éteint ou hors réseau) : SMS non distribué.",
    "hard_bounce": "Numéro inexistant ou hors service : SMS non distribué.",
    "rejected": "SMS refusé par l'opérateur.",
    "blocked": "SMS bloqué par le fournisseur.",
    "blacklisted": "Numéro en liste d'opposition : SMS non distribué.",
    "unsubscribed": "La personne a refusé les SMS (STOP) : SMS non distribué.",
    "invalid_number": "Numéro invalide : SMS non distribué.",
}
# A report never moves a message backwards (a late "sent" after "delivered" changes nothing).
_RANK = {MessageStatus.SENDING: 0, MessageStatus.SENT: 1, MessageStatus.DELIVERED: 2, MessageStatus.UNDELIVERABLE: 2}


def apply_delivery_report(*, event: str, provider_ref: str = "", client_ref: str = "", reason: str = "") -> bool:
    """Update the message a provider report is about (found by provider reference or by our client reference).

    Returns False when no message matches or the event is unknown (the report is then ignored).
    """
    key = event.replace("Bounce", "_bounce").lower()
    status = DELIVERY_EVENTS.get(key)
    if status is None:
        return False
    with transaction.atomic():
        messages = Message.objects.select_for_update()
        message = None
        if client_ref:
            try:
                message = messages.filter(client_ref=client_ref).first()
            except ValidationError:
                message = None
        if message is None and provider_ref:
            message = messages.filter(provider_ref=provider_ref, channel=Channel.SMS).first()
        if message is None:
            return False
        if message.status not in _RANK or _RANK[status] <= _RANK[message.status]:
            return True  # already further along (or failed): nothing to change
        now = timezone.now()
        message.status = status
        message.provider_ref = message.provider_ref or provider_ref
        message.sent_at = message.sent_at or now
        message.updated_at = now
        if status == MessageStatus.DELIVERED:
            message.delivered_at = now
            message.error = ""
        if status == MessageStatus.UNDELIVERABLE:
            message.error = (_REASONS.get(key, "SMS non distribué.") + (f" ({reason})" if reason else ""))[:300]
            note_on_timeline(message, f"{message.get_kind_display()} par SMS non distribuée : {message.error}")
        message.save(update_fields=["status", "provider_ref", "sent_at", "updated_at", "delivered_at", "error"])
    return True
