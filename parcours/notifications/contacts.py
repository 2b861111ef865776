"""Which channel reaches a person: the preferred one if consented and usable, else the next consented one,
else a letter. Mobile numbers are normalised to E.164 (France, overseas départements, Belgium)."""

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone

from parcours.notifications.enums import Channel
from parcours.notifications.models import ContactPreference

# French overseas mobile prefixes (national 0 + 3 digits) and their country code (ARCEP numbering plan).
_OVERSEAS = {
    "0690": "590",  # Guadeloupe, Saint-Martin, Saint-Barthélemy
    "0691": "590",
    "0694": "594",  # Guyane
    "0696": "596",  # Martinique
    "0697": "596",
    "0692": "262",  # La Réunion
    "0693": "262",
    "0639": "262",  # Mayotte
}
_SEPARATORS = re.compile(r"[\s.\-/()]")


def mobile_e164(raw: str, *, country: str = "FR") -> str | None:
    """`+33612345678` for a mobile number written in any usual way; None when it is not a mobile number.

    France: 06 / 07 and +33 6 / +33 7 (and the overseas mobiles, e.g. 0690 → +590 690…). Belgium (a CPAS):
    04xx and +32 4xx. Landlines cannot receive an SMS and give None.
    """
    if not raw:
        return None
    number = _SEPARATORS.sub("", raw)
    if number.startswith("00"):
        number = "+" + number[2:]
    if number.startswith("+33") and len(number) == 12 and number[3] in "67":
        return number
    if number.startswith(("+262", "+590", "+594", "+596")):
        national = "0" + number[4:]
        return number if len(national) == 10 and _OVERSEAS.get(national[:4]) == number[1:4] else None
    if number.startswith("+32") and len(number) == 12 and number[3] == "4":
        return number
    if not number.isdigit():
        return None
    if country == "BE" and len(number) == 10 and number.startswith("04"):
        return "+32" + number[1:]
    if len(number) == 10 and number[:2] in ("06", "07"):
        code = _OVERSEAS.get(number[:4], "33")
        return f"+{code}{number[1:]}"
    return None


def usable_email(raw: str) -> str | None:
    if not raw:
        return None
    try:
        validate_email(raw)
    except ValidationError:
        return None
    return raw


@dataclass(frozen=True)
class Route:
    channel: str
    recipient: str  # E.164 number, e-mail address, or "" for a letter


def route_for(beneficiary, preference: ContactPreference | None, *, country: str = "FR") -> Route:
    """The channel a message to `beneficiary` goes through (no query: the preference is passed in)."""
    usable = {}
    if preference is not None:
        if preference.sms_consent:
            number = mobile_e164(beneficiary.phone, country=country)
            if number:
                usable[Channel.SMS] = number
        if preference.email_consent:
            address = usable_email(beneficiary.email)
            if address:
                usable[Channel.EMAIL] = address
        if preference.channel == Channel.POSTAL:
            return Route(Channel.POSTAL, "")
        if preference.channel in usable:
            return Route(preference.channel, usable[preference.channel])
    for channel in (Channel.SMS, Channel.EMAIL):
        if channel in usable:
            return Route(channel, usable[channel])
    return Route(Channel.POSTAL, "")


def set_preference(beneficiary, *, by, channel: str, sms_consent: bool, email_consent: bool) -> ContactPreference:
    """Record the person's choice; a consent newly given is dated, a consent withdrawn loses its date."""
    if channel not in Channel.values:
        raise ValidationError("Canal de contact inconnu.")
    if channel == Channel.SMS and not sms_consent:
        raise ValidationError("Le SMS ne peut être le canal préféré sans l'accord de la personne.")
    if channel == Channel.EMAIL and not email_consent:
        raise ValidationError("L'e-mail ne peut être le canal préféré sans l'accord de la personne.")
    if sms_consent and not mobile_e164(beneficiary.phone, country=beneficiary.department.country):
        raise ValidationError("Pour recevoir des SMS, la personne doit avoir un numéro de mobile (06 ou 07).")
    if email_consent and not usable_email(beneficiary.email):
        raise ValidationError("Pour recevoir des e-mails, la personne doit avoir une adresse e-mail valide.")
    now = timezone.now()
    preference, _ = ContactPreference.objects.get_or_create(beneficiary=beneficiary)
    if sms_consent and not preference.sms_consent:
        preference.sms_consent_at = now
    if email_consent and not preference.email_consent:
        preference.email_consent_at = now
    preference.sms_consent_at = preference.sms_consent_at if sms_consent else None
    preference.email_consent_at = preference.email_consent_at if email_consent else None
    preference.channel, preference.sms_consent, preference.email_consent = channel, sms_consent, email_consent
    preference.updated_at, preference.updated_by = now, by
    preference.save()
    return preference
