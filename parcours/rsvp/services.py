"""What the person does through their link: confirm, cancel, or ask for another slot.

Each action is idempotent (a second click says what was already done and changes nothing) and refused, with a
plain French reason, on a past or already cancelled appointment. A cancellation frees the slot: the appointment
is cancelled (versioned save), the person's timeline tells the referent, the person receives an
acknowledgement and the counselor's agenda is re-planned — all in the caller's transaction.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from parcours.agenda.enums import AppointmentKind, AppointmentStatus, Mode
from parcours.agenda.models import Appointment
from parcours.core.concurrency import EditConflict, save_versioned
from parcours.journal.models import Section
from parcours.journal.services import record
from parcours.rsvp.enums import ResponseAction
from parcours.rsvp.models import Response

REASON_MAX_LENGTH = 200  # the timeline entry (300 characters) carries it whole
CONTACT_HINT = "appelez la personne qui vous accompagne : son numéro figure sur votre convocation"


class Refused(Exception):
    """The action cannot be done on this appointment; the message says why, in plain French."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class PageState:
    """What the person's page shows and offers."""

    responses: dict  # action -> Response
    is_past: bool
    is_cancelled: bool
    is_closed: bool  # seen, excused or no-show: recorded by the counselor

    @property
    def can_act(self) -> bool:
        return not (self.is_past or self.is_cancelled or self.is_closed)

    @property
    def can_confirm(self) -> bool:
        return self.can_act and ResponseAction.CONFIRM not in self.responses


def _when(dt) -> str:
    return f"{timezone.localtime(dt):%d/%m/%Y à %H:%M}"


def _day(dt) -> str:
    return f"{timezone.localtime(dt):%d/%m/%Y}"


def hash_ip(ip: str) -> str:
    return salted_hmac("parcours.rsvp.ip", ip, algorithm="sha256").hexdigest() if ip else ""


def page_state(appointment: Appointment) -> PageState:
    responses = {r.action: r for r in Response.objects.filter(appointment=appointment)}
    return PageState(
        responses=responses,
        is_past=appointment.starts_at <= timezone.now(),
        is_cancelled=appointment.status == AppointmentStatus.CANCELLED,
        is_closed=appointment.status in (AppointmentStatus.SEEN, AppointmentStatus.EXCUSED, AppointmentStatus.NO_SHOW),
    )


def what_to_bring(appointment: Appointment) -> list[str]:
    """Plain advice for the person, by mode and kind of appointment."""
    if appointment.mode == Mode.PHONE:
        items = ["Rien à apporter : soyez disponible à l'heure prévue, dans un endroit calme, téléphone allumé."]
    elif appointment.mode == Mode.VIDEO:
        items = ["Un téléphone ou un ordinateur avec une caméra, dans un endroit calme, quelques minutes avant."]
    else:
        items = ["Une pièce d'identité (carte d'identité, passeport ou titre de séjour)."]
    if appointment.kind == AppointmentKind.CONTRACT:
        items.append("Votre contrat d'engagement en cours, si vous l'avez.")
    elif appointment.kind == AppointmentKind.DIGITAL:
        items.append(
            "Votre téléphone ou votre ordinateur, et vos identifiants (France Travail, CAF) si vous les avez."
        )
    elif appointment.kind in (AppointmentKind.ORIENTATION, AppointmentKind.DIAGNOSTIC):
        items.append("Votre CV si vous en avez un, et les derniers courriers reçus de la CAF ou de France Travail.")
    else:
        items.append("Les documents ou courriers dont vous voulez parler.")
    return items


def _check_open(appointment: Appointment) -> None:
    if appointment.status == AppointmentStatus.CANCELLED:
        raise Refused(f"Ce rendez-vous est annulé. Pour en obtenir un nouveau, {CONTACT_HINT}.")
    if appointment.status != AppointmentStatus.PLANNED or appointment.starts_at <= timezone.now():
        raise Refused(
            f"Ce rendez-vous est passé : il ne peut plus être modifié par ce lien. Si besoin, {CONTACT_HINT}."
        )


def _clean_reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if len(reason) > REASON_MAX_LENGTH:
        raise Refused(f"Votre message est trop long ({REASON_MAX_LENGTH} caractères au plus).")
    return reason


def offered_slots(appointment: Appointment) -> list:
    """The free slots the person may pick instead (none once the appointment can no longer be changed)."""
    from parcours.scheduling.services import free_slots

    if appointment.status != AppointmentStatus.PLANNED or appointment.starts_at <= timezone.now():
        return []
    return free_slots(appointment)


@transaction.atomic
def choose_slot(appointment: Appointment, *, starts_at, ip: str = "") -> str:
    """The person picks one of `offered_slots`: the new appointment is booked and convoked, the old one cancelled
    and its slot given back to the planning. Raises Refused (nothing written) when it cannot be done."""
    from django.core.exceptions import ValidationError

    from parcours.scheduling.services import book_chosen_slot, request_replan

    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if Response.objects.filter(appointment=appointment, action=ResponseAction.CHOSEN_SLOT).exists():
        return "Vous avez déjà choisi un nouveau créneau : votre nouvelle convocation vous a été envoyée."
    _check_open(appointment)
    try:
        new = book_chosen_slot(appointment, starts_at)
    except ValidationError as exc:
        raise Refused(" ".join(exc.messages)) from exc
    Response.objects.create(appointment=appointment, action=ResponseAction.CHOSEN_SLOT, ip_hash=hash_ip(ip))
    appointment.status = AppointmentStatus.CANCELLED
    save_versioned(appointment, expected_version=appointment.version, fields=["status"])
    record(
        appointment.beneficiary,
        actor=None,
        kind="rsvp_chosen_slot",
        summary=f"Rendez-vous du {_when(appointment.starts_at)} déplacé par la personne (lien de réponse) au "
        f"{_when(new.starts_at)}",
    )
    request_replan(appointment.counselor_id, reason="cancelled", freed_appointment_id=appointment.pk)
    return (
        f"C'est noté : votre rendez-vous est déplacé au {_when(new.starts_at)}. "
        "Vous allez recevoir une nouvelle convocation."
    )


@transaction.atomic
def respond(appointment: Appointment, *, action: str, reason: str = "", ip: str = "") -> str:
    """Apply the person's answer; returns what to tell them. Raises Refused (nothing written)."""
    if action not in ResponseAction.values or action == ResponseAction.CHOSEN_SLOT:
        raise Refused("Réponse inconnue : choisissez l'un des boutons.")
    reason = _clean_reason(reason) if action != ResponseAction.CONFIRM else ""
    # Lock the appointment: two clicks at once are handled one after the other.
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    previous = {r.action: r for r in Response.objects.filter(appointment=appointment)}
    if action in previous:
        return _already_done(action, previous[action])
    if action == ResponseAction.CANCEL and appointment.status == AppointmentStatus.CANCELLED:
        if ResponseAction.ANOTHER_SLOT in previous:
            return (
                "Ce rendez-vous est déjà annulé : vous avez demandé un autre créneau, vous recevrez une convocation."
            )
        raise Refused(f"Ce rendez-vous est déjà annulé. Pour en obtenir un nouveau, {CONTACT_HINT}.")
    _check_open(appointment)
    Response.objects.create(appointment=appointment, action=action, reason=reason, ip_hash=hash_ip(ip))
    if action == ResponseAction.CONFIRM:
        record(
            appointment.beneficiary,
            actor=None,
            kind="rsvp_confirmed",
            summary=f"Présence confirmée par la personne (lien de réponse) pour le rendez-vous du "
            f"{_when(appointment.starts_at)}",
        )
        return f"Merci, votre présence est confirmée. À bientôt, le {_when(appointment.starts_at)}."
    _cancel(appointment, action=action, reason=reason)
    if action == ResponseAction.CANCEL:
        return "Votre rendez-vous est annulé. Votre conseiller ou conseillère est prévenu·e."
    return (
        "Votre demande est enregistrée : ce rendez-vous est annulé et un nouveau créneau va vous être proposé. "
        "Vous recevrez une nouvelle convocation."
    )


def _already_done(action: str, response: Response) -> str:
    done = {
        ResponseAction.CONFIRM: "Vous avez déjà confirmé votre présence",
        ResponseAction.CANCEL: "Vous avez déjà annulé ce rendez-vous",
        ResponseAction.ANOTHER_SLOT: "Vous avez déjà demandé un autre créneau",
        ResponseAction.CHOSEN_SLOT: "Vous avez déjà choisi un nouveau créneau",
    }[action]
    return f"{done} le {_day(response.at)}. Il n'y a rien d'autre à faire."


def _cancel(appointment: Appointment, *, action: str, reason: str) -> None:
    # Imported here: these apps import the agenda and link to us (notifications embed `tokens.link_for`).
    from parcours.notifications.services import notify_person
    from parcours.scheduling.services import request_replan

    appointment.status = AppointmentStatus.CANCELLED
    try:
        save_versioned(appointment, expected_version=appointment.version, fields=["status"])
    except EditConflict as exc:  # cannot happen under the row lock; never overwrite if it does
        raise Refused("Ce rendez-vous vient d'être modifié : rechargez la page.") from exc
    another = action == ResponseAction.ANOTHER_SLOT
    summary = (
        f"Rendez-vous du {_when(appointment.starts_at)} annulé par la personne (lien de réponse)"
        + (" : elle demande un autre créneau" if another else "")
        + (f". {'Contraintes' if another else 'Motif'} : {reason}" if reason else "")
    )
    # The free text may be personal: it is only shown to those who read the socio-professional section.
    record(
        appointment.beneficiary,
        actor=None,
        kind="rsvp_another_slot" if another else "rsvp_cancelled",
        summary=summary,
        section=Section.SOCIO_PRO if reason else Section.IDENTITY,
    )
    notify_person(appointment, kind="cancellation_ack")
    if another:
        request_replan(
            appointment.counselor_id,
            reason="another_slot",
            beneficiary_id=appointment.beneficiary_id,
            freed_appointment_id=appointment.pk,
        )
    else:
        request_replan(appointment.counselor_id, reason="cancelled", freed_appointment_id=appointment.pk)
