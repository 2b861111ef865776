"""The .ics attached to e-mails (RFC 5545 / iTIP RFC 5546): REQUEST for a planned appointment, CANCEL once
cancelled. The UID is the appointment's public id, so that a calendar updates the same event, and SEQUENCE is
its version."""

import datetime

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from parcours.agenda.enums import AppointmentStatus
from parcours.notifications.texts import where


def _address(email: str, name: str = "") -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    if name:
        address.params["cn"] = vText(name)
    return address


def _from_address() -> tuple[str, str]:
    raw = settings.DEFAULT_FROM_EMAIL
    if "<" in raw:
        name, _, rest = raw.partition("<")
        return rest.rstrip(">").strip(), name.strip()
    return raw.strip(), ""


def appointment_ics(appointment, *, attendee_email: str = "", link: str = "") -> tuple[bytes, str]:
    """(content, method) of the calendar file for `appointment`."""
    cancelled = appointment.status == AppointmentStatus.CANCELLED
    method = "CANCEL" if cancelled else "REQUEST"
    calendar = Calendar()
    calendar.add("prodid", "-//Parcours//Rendez-vous//FR")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = Event()
    event.add("uid", f"{appointment.public_id}@parcours")
    event.add("sequence", appointment.version)
    event.add("dtstamp", timezone.now().astimezone(datetime.UTC))
    event.add("dtstart", appointment.starts_at.astimezone(datetime.UTC))
    event.add("dtend", appointment.ends_at.astimezone(datetime.UTC))
    event.add("summary", f"Rendez-vous : {appointment.get_kind_display()}")
    event.add("location", where(appointment))
    description = "Rendez-vous de votre accompagnement vers l'emploi."
    if link and not cancelled:
        description += f"\nConfirmer, annuler ou changer : {link}"
        event.add("url", link)
    event.add("description", description)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    organizer_email, organizer_name = _from_address()
    event.add("organizer", _address(organizer_email, organizer_name or settings.OPERATOR_NAME))
    if attendee_email:
        attendee = _address(attendee_email)
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        attendee.params["partstat"] = vText("NEEDS-ACTION")
        event.add("attendee", attendee)
    calendar.add_component(event)
    return calendar.to_ical(), method
