"""Each counselor's private ICS feed: the URL's secret is the credential, only its hash is stored.

The feed is pseudonymous on purpose — a calendar application is outside our security perimeter: initials,
kind and mode of each appointment, never a name, a NIR, an address or a note.
"""

import datetime
import hashlib
import secrets

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from parcours.accounts.models import User
from parcours.agenda.enums import AppointmentStatus, Mode
from parcours.agenda.models import Appointment
from parcours.orientation.perms import viewer_for
from parcours.rsvp.models import CalendarFeed
from parcours.rsvp.tokens import DEFAULT_BASE_URL

DAYS_BACK = 30
DAYS_AHEAD = 90
CANCELLED_STATUSES = (AppointmentStatus.CANCELLED, AppointmentStatus.EXCUSED)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _base_url() -> str:
    return (getattr(settings, "PUBLIC_BASE_URL", "") or DEFAULT_BASE_URL).rstrip("/")


def feed_url(token: str) -> str:
    return _base_url() + reverse("web:calendar-feed", args=[token])


def active_feed(user) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).first()


@transaction.atomic
def create_feed(user) -> str:
    """A new secret for `user`'s feed (the previous one stops working); returns the raw token, shown once."""
    User.objects.select_for_update().filter(pk=user.pk).first()  # one regeneration at a time per user
    CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token = secrets.token_urlsafe(32)
    CalendarFeed.objects.create(user=user, token_hash=_hash(token))
    return token


@transaction.atomic
def revoke_feed(user) -> bool:
    """Stop `user`'s feed; False when there was none."""
    return bool(CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now()))


def owner_of(token: str):
    """The user whose active feed this token opens, or None (unknown, revoked, or no longer accompanying)."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        return None
    feed = (
        CalendarFeed.objects.filter(token_hash=_hash(token), revoked_at__isnull=True, user__is_active=True)
        .select_related("user")
        .first()
    )
    if feed is None or not viewer_for(feed.user).accompanies:
        return None
    return feed.user


def initials(first_name: str, last_name: str) -> str:
    parts = [p for p in (first_name, last_name) if p and p.strip()]
    return " ".join(f"{p.strip()[0].upper()}." for p in parts) or "?"


def calendar_for(user, *, now: datetime.datetime | None = None) -> bytes:
    """The ICS document of `user`'s appointments, 30 days back to 90 days ahead (two queries)."""
    now = now or timezone.now()
    appointments = (
        Appointment.objects.filter(
            counselor=user,
            starts_at__gte=now - datetime.timedelta(days=DAYS_BACK),
            starts_at__lt=now + datetime.timedelta(days=DAYS_AHEAD),
        )
        .order_by("starts_at", "pk")
        .values_list(
            "public_id",
            "starts_at",
            "duration_minutes",
            "kind",
            "mode",
            "place",
            "status",
            "version",
            "created_at",
            "beneficiary__first_name",
            "beneficiary__last_name",
            "beneficiary__public_id",
        )
    )
    cal = Calendar()
    cal.add("prodid", "-//Parcours//Agenda des rendez-vous//FR")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", f"{settings.OPERATOR_NAME} — mes rendez-vous")
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    kinds = dict(Appointment._meta.get_field("kind").choices)
    modes = dict(Appointment._meta.get_field("mode").choices)
    base = _base_url()
    for (
        public_id,
        starts_at,
        minutes,
        kind,
        mode,
        place,
        status,
        version,
        created,
        first,
        last,
        person,
    ) in appointments:
        event = Event()
        event.add("uid", str(public_id))
        event.add("dtstamp", now)
        event.add("created", created)
        event.add("dtstart", starts_at)
        event.add("dtend", starts_at + datetime.timedelta(minutes=minutes))
        event.add("sequence", version)
        event.add("summary", f"{initials(first, last)} — {kinds.get(kind, kind)} ({modes.get(mode, mode).lower()})")
        event.add("status", "CANCELLED" if status in CANCELLED_STATUSES else "CONFIRMED")
        if mode == Mode.ON_SITE and place:  # an agency's room; a home visit's address is never exported
            event.add("location", place)
        # Opening the file needs a Parcours session: the link itself says nothing about the person.
        event.add("url", base + reverse("web:person", args=[person]))
        event.add("transp", "OPAQUE")
        cal.add_component(event)
    return cal.to_ical()
