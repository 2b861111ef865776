"""The words of the messages: short, plain French, the date, the time, where, and the person's link.

An SMS stays within one 160-character GSM segment when it can (the place is shortened first); every text is
written in the GSM 03.38 alphabet (é, è, à, ù are in it; ê, â, î, ô, û, ç and the middle dot are not, and one
of them would switch the whole SMS to UCS-2, 70 characters a segment).
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from parcours.agenda.enums import Mode
from parcours.notifications.enums import Channel, MessageKind

DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
SMS_SEGMENT = 160

GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = set("^{}\\[~]|€")  # two septets each


def gsm_length(text: str) -> int | None:
    """Length in GSM 03.38 septets; None when a character is outside the alphabet (the SMS goes UCS-2)."""
    length = 0
    for char in text:
        if char in GSM_BASIC:
            length += 1
        elif char in GSM_EXTENDED:
            length += 2
        else:
            return None
    return length


def sms_segments(text: str) -> int:
    length = gsm_length(text)
    if length is None:
        return 1 if len(text) <= 70 else -(-len(text) // 67)
    return 1 if length <= SMS_SEGMENT else -(-length // 153)


def short_date(when: datetime.datetime) -> str:
    """« mar. 12/03 à 9h30 » (local time)."""
    local = timezone.localtime(when)
    return f"{DAYS[local.weekday()][:3]}. {local:%d/%m} à {local.hour}h{local:%M}"


def long_date(when: datetime.datetime) -> str:
    """« mardi 12 mars 2026 à 9h30 » (local time)."""
    local = timezone.localtime(when)
    return f"{DAYS[local.weekday()]} {local.day} {MONTHS[local.month - 1]} {local.year} à {local.hour}h{local:%M}"


def where(appointment, *, short: bool = False) -> str:
    """Where, or how, the appointment takes place."""
    if appointment.mode == Mode.PHONE:
        return "par téléphone"
    if appointment.mode == Mode.VIDEO:
        return "en visio"
    if appointment.mode == Mode.HOME:
        return "à votre domicile"
    if appointment.place and not short:
        return appointment.place
    return "sur place" if short else "à l'agence"


@dataclass(frozen=True)
class Text:
    subject: str
    body: str


def _sms_candidates(kind: str, appointment, link: str, days_before: int | None) -> list[str]:
    """The SMS from the most explicit to the shortest wording."""
    when = short_date(appointment.starts_at)
    place, short_place = where(appointment), where(appointment, short=True)
    if kind == MessageKind.CANCELLATION_ACK:
        return [
            f"Votre rendez-vous du {when} est bien annulé. Un nouveau rendez-vous vous sera proposé.",
            f"RDV du {when} annulé. Un nouveau RDV vous sera proposé.",
        ]
    if kind == MessageKind.REMINDER:
        soon = "demain" if days_before == 1 else f"dans {days_before} jours" if days_before else "bientôt"
        return [
            f"Rappel : rendez-vous {soon}, le {when}, {p}. Confirmer ou changer : {link}"
            for p in dict.fromkeys([place, short_place])
        ] + [f"Rappel RDV {soon}, {when}, {short_place} : {link}", f"Rappel RDV {when} : {link}"]
    if kind == MessageKind.RESCHEDULE:
        return [
            f"Votre rendez-vous change : le {when}, {p}. Confirmer ou changer : {link}"
            for p in dict.fromkeys([place, short_place])
        ] + [f"Nouveau RDV le {when}, {short_place}. Répondre : {link}", f"Nouveau RDV {when} : {link}"]
    return [
        f"Rendez-vous le {when}, {p}. Confirmer ou changer : {link}" for p in dict.fromkeys([place, short_place])
    ] + [f"RDV le {when}, {short_place}. Répondre : {link}", f"RDV le {when} : {link}"]


def sms_text(kind: str, appointment, link: str, *, days_before: int | None = None) -> str:
    """The most explicit wording that fits one SMS segment (the shortest one otherwise)."""
    candidates = _sms_candidates(kind, appointment, link, days_before)
    for text in candidates:
        length = gsm_length(text)
        if length is not None and length <= SMS_SEGMENT:
            return text
    return candidates[-1]


_SUBJECTS = {
    MessageKind.CONVOCATION: "Rendez-vous le {when}",
    MessageKind.REMINDER: "Rappel : rendez-vous le {when}",
    MessageKind.CANCELLATION_ACK: "Rendez-vous du {when} annulé",
    MessageKind.RESCHEDULE: "Nouveau rendez-vous le {when}",
    MessageKind.LETTER: "Rendez-vous le {when}",
}


def full_text(kind: str, appointment, beneficiary, link: str, *, days_before: int | None = None) -> Text:
    """Subject and body of an e-mail or a letter."""
    when = long_date(appointment.starts_at)
    minutes = appointment.duration_minutes
    counselor = appointment.counselor.get_full_name() if appointment.counselor_id else ""
    with_whom = f" avec {counselor}" if counselor else ""
    place = where(appointment)
    hello = f"Bonjour {beneficiary.first_name} {beneficiary.last_name.upper()},"
    answer = (
        "Pour confirmer votre présence, annuler ou demander un autre créneau, ouvrez ce lien (sans compte ni "
        f"mot de passe) :\n{link}"
    )
    if kind == MessageKind.CANCELLATION_ACK:
        lines = [
            f"Votre rendez-vous du {when} est bien annulé.",
            "Votre conseiller ou conseillère vous proposera un nouveau rendez-vous.",
        ]
    elif kind == MessageKind.REMINDER:
        soon = "demain" if days_before == 1 else f"dans {days_before} jours" if days_before else "bientôt"
        lines = [
            f"Nous vous rappelons votre rendez-vous {soon}, le {when}{with_whom}, {place} ({minutes} minutes).",
            answer,
        ]
    elif kind == MessageKind.RESCHEDULE:
        lines = [f"Votre rendez-vous est déplacé au {when}{with_whom}, {place} ({minutes} minutes).", answer]
    else:
        lines = [
            f"Vous avez rendez-vous le {when}{with_whom}, {place} ({minutes} minutes).",
            "Ce rendez-vous fait partie de votre accompagnement vers l'emploi.",
            answer,
        ]
    signature = settings.OPERATOR_NAME
    body = "\n\n".join([hello, *lines, f"Cordialement,\n{signature}"])
    return Text(subject=_SUBJECTS.get(kind, _SUBJECTS[MessageKind.CONVOCATION]).format(when=when), body=body)


def compose(channel: str, kind: str, appointment, beneficiary, link: str, *, days_before: int | None = None) -> Text:
    if channel == Channel.SMS:
        return Text(subject="", body=sms_text(kind, appointment, link, days_before=days_before))
    return full_text(kind, appointment, beneficiary, link, days_before=days_before)
