"""Registering, cancelling (the waitlist moves up), attendance: every write of the workshops goes through here.

Seats are counted under a lock on the session row (`select_for_update`): two counselors registering a person on
the last seat at the same moment are served one after the other, the second one lands on the waitlist.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from parcours.journal.models import Section, TimelineEvent
from parcours.journal.services import record
from parcours.notifications.contacts import route_for
from parcours.notifications.enums import Channel, MessageKind
from parcours.notifications.models import ContactPreference, Message
from parcours.notifications.services import enqueue_sending
from parcours.referrals.enums import ReferralStatus
from parcours.referrals.models import Referral
from parcours.workshops.enums import RegistrationStatus, WorkshopKind
from parcours.workshops.models import Registration, Session, WorkshopSeries

DAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
MONTHS = [
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
]
OPEN_REFERRAL_STATUSES = (ReferralStatus.ACCEPTED, ReferralStatus.STARTED)


def when(session) -> str:
    """« le 03/03/2026 de 09:30 à 12:00 »."""
    start, end = timezone.localtime(session.starts_at), timezone.localtime(session.ends_at)
    return f"le {start:%d/%m/%Y} de {start:%H:%M} à {end:%H:%M}"


def long_when(session) -> str:
    """« le mardi 3 mars 2026 à 09:30 » (messages to the person)."""
    start = timezone.localtime(session.starts_at)
    return f"le {DAYS[start.weekday()]} {start.day} {MONTHS[start.month - 1]} {start.year} à {start:%H:%M}"


def _timeline(beneficiary, *, by, summary: str) -> None:
    record(beneficiary, actor=by, kind="workshop", summary=summary, section=Section.SOCIO_PRO)


# --- Series and sessions ------------------------------------------------------------------------------------


@transaction.atomic
def create_series(*, organization, by, title: str, kind: str, description: str = "", service=None) -> WorkshopSeries:
    title = (title or "").strip()
    if not title:
        raise ValidationError("Indiquez l'intitulé de l'atelier.")
    if kind not in WorkshopKind.values:
        raise ValidationError("Type d'atelier inconnu.")
    return WorkshopSeries.objects.create(
        department_id=organization.department_id,
        organization=organization,
        title=title,
        kind=kind,
        description=description.strip(),
        service=service,
        created_by=by,
    )


@transaction.atomic
def add_session(
    series,
    *,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    capacity: int,
    place=None,
    place_label: str = "",
    facilitator=None,
    facilitator_name: str = "",
) -> Session:
    if ends_at <= starts_at:
        raise ValidationError("La fin de la séance doit suivre son début.")
    if not capacity or capacity < 1:
        raise ValidationError("Une séance compte au moins une place.")
    if place is not None and place.organization_id != series.organization_id:
        raise ValidationError("Ce lieu n'appartient pas à l'organisation de l'atelier.")
    if place is None and not place_label.strip():
        raise ValidationError("Indiquez le lieu de la séance.")
    return Session.objects.create(
        series=series,
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        place=place,
        place_label=place_label.strip(),
        facilitator=facilitator,
        facilitator_name=facilitator_name.strip(),
    )


# --- Registrations ------------------------------------------------------------------------------------------


def _locked(session) -> Session:
    return Session.objects.select_for_update().select_related("series").get(pk=session.pk)


def _seats_taken(session) -> int:
    return Registration.objects.filter(session=session, status=RegistrationStatus.REGISTERED).count()


def _open_referral(beneficiary, series):
    """The person's referral to the series' catalogue service, accepted or started (the latest), if any."""
    if not series.service_id:
        return None
    return (
        Referral.objects.filter(
            beneficiary=beneficiary, service_id=series.service_id, status__in=OPEN_REFERRAL_STATUSES
        )
        .order_by("-sent_at", "-pk")
        .first()
    )


@transaction.atomic
def register(session, beneficiary, *, by, referral=None) -> Registration:
    """A seat if one is free, else the end of the waitlist. From a referral (given, or the person's open referral to
    the series' service) or directly. Refused in French if the session is over or the person already on it."""
    session = _locked(session)
    series = session.series
    now = timezone.now()
    if session.ends_at <= now:
        raise ValidationError("Cette séance est terminée : on ne peut plus s'y inscrire.")
    if beneficiary.department_id != series.department_id:
        raise ValidationError("Cette personne ne relève pas du département de l'atelier.")
    if referral is not None and referral.beneficiary_id != beneficiary.pk:
        raise ValidationError("Cette orientation concerne une autre personne.")
    existing = Registration.objects.filter(session=session, beneficiary=beneficiary).exclude(
        status=RegistrationStatus.CANCELLED
    )
    current = existing.first()
    if current is not None:
        where = "en liste d'attente" if current.status == RegistrationStatus.WAITLISTED else "inscrit·e"
        raise ValidationError(f"{beneficiary.full_name} est déjà {where} pour cette séance.")
    referral = referral or _open_referral(beneficiary, series)
    registration = Registration(
        session=session, beneficiary=beneficiary, referral=referral, registered_at=now, registered_by=by
    )
    if _seats_taken(session) < session.capacity:
        registration.status = RegistrationStatus.REGISTERED
        summary = f"Inscription à l'atelier « {series.title} » {when(session)}"
    else:
        last = Registration.objects.filter(session=session, status=RegistrationStatus.WAITLISTED).aggregate(
            rank=Max("waitlist_rank")
        )["rank"]
        registration.status = RegistrationStatus.WAITLISTED
        registration.waitlist_rank = (last or 0) + 1
        summary = f"Liste d'attente de l'atelier « {series.title} » {when(session)} (séance complète)"
    registration.save()
    if referral is not None:
        summary += " — suite à l'orientation vers ce service"
    _timeline(beneficiary, by=by, summary=summary + ".")
    return registration


@transaction.atomic
def cancel(registration, *, by) -> Registration | None:
    """Cancel a registration; a freed seat goes at once to the first person of the waitlist, who is told if she
    has a contact (SMS or e-mail consented). Returns that person's registration, if any."""
    session = _locked(registration.session)
    registration = Registration.objects.select_related("beneficiary").get(pk=registration.pk)
    if registration.status == RegistrationStatus.CANCELLED:
        raise ValidationError("Cette inscription est déjà annulée.")
    now = timezone.now()
    if session.ends_at <= now:
        raise ValidationError("Cette séance est terminée : l'inscription ne peut plus être annulée.")
    was_registered = registration.status == RegistrationStatus.REGISTERED
    registration.status = RegistrationStatus.CANCELLED
    registration.waitlist_rank = None
    registration.cancelled_at, registration.cancelled_by = now, by
    registration.save(update_fields=["status", "waitlist_rank", "cancelled_at", "cancelled_by"])
    _timeline(
        registration.beneficiary,
        by=by,
        summary=f"Inscription annulée à l'atelier « {session.series.title} » {when(session)}.",
    )
    if not was_registered:
        return None
    return _promote_first(session, by=by, now=now)


def _promote_first(session, *, by, now) -> Registration | None:
    if _seats_taken(session) >= session.capacity:
        return None
    first = (
        Registration.objects.filter(session=session, status=RegistrationStatus.WAITLISTED)
        .select_related("beneficiary__department", "beneficiary__contact_preference")
        .order_by("waitlist_rank", "registered_at", "pk")
        .first()
    )
    if first is None:
        return None
    first.status = RegistrationStatus.REGISTERED
    first.waitlist_rank = None
    first.promoted_at = now
    first.save(update_fields=["status", "waitlist_rank", "promoted_at"])
    message = notify_promotion(first, session=session, by=by)
    told = f" ; prévenu·e par {message.get_channel_display()}" if message else " ; aucun SMS ni e-mail : à prévenir"
    _timeline(
        first.beneficiary,
        by=by,
        summary=f"Place libérée : inscription confirmée à l'atelier « {session.series.title} » {when(session)}{told}.",
    )
    return first


def notify_promotion(registration, *, session, by=None) -> Message | None:
    """Tell the person her seat is confirmed, by SMS or e-mail if she consented to one; None otherwise.

    The message is written and its sending enqueued in the caller's transaction (parcours.notifications)."""
    beneficiary = registration.beneficiary
    try:
        preference = beneficiary.contact_preference
    except ContactPreference.DoesNotExist:
        preference = None
    route = route_for(beneficiary, preference, country=beneficiary.department.country)
    if route.channel == Channel.POSTAL:
        return None
    series = session.series
    where = f", {session.where}" if session.where else ""
    body = (
        f"Bonjour {beneficiary.first_name}, une place s'est libérée : vous êtes inscrit·e à l'atelier "
        f"« {series.title} » {long_when(session)}{where}. En cas d'empêchement, prévenez votre conseiller·ère."
    )
    message = Message.objects.create(
        department_id=beneficiary.department_id,
        beneficiary=beneficiary,
        appointment=None,
        channel=route.channel,
        kind=MessageKind.CONVOCATION,
        recipient=route.recipient,
        subject=f"Votre inscription à l'atelier « {series.title} »"[:200],
        body=body,
        created_by=by,
    )
    enqueue_sending([message.pk], [message.channel])
    return message


# --- Attendance ---------------------------------------------------------------------------------------------


@transaction.atomic
def record_attendance(session, *, by, present_ids) -> int:
    """Mark every registered person of the session present (registration id in `present_ids`) or absent.

    One timeline entry per person whose mark changed (written in one insert). Returns how many changed."""
    session = _locked(session)
    if session.starts_at > timezone.now():
        raise ValidationError("La séance n'a pas encore commencé : les présences se notent à partir de son début.")
    registered = list(
        Registration.objects.filter(session=session, status=RegistrationStatus.REGISTERED).select_related(
            "beneficiary"
        )
    )
    present_ids = {int(pk) for pk in present_ids}
    unknown = present_ids - {r.pk for r in registered}
    if unknown:
        raise ValidationError("Une des personnes cochées n'est pas inscrite à cette séance.")
    changed = [r for r in registered if r.attended is not (r.pk in present_ids)]
    if not changed:
        return 0
    present = [r.pk for r in changed if r.pk in present_ids]
    absent = [r.pk for r in changed if r.pk not in present_ids]
    if present:
        Registration.objects.filter(pk__in=present).update(attended=True)
    if absent:
        Registration.objects.filter(pk__in=absent).update(attended=False)
    title, now = session.series.title, timezone.now()
    TimelineEvent.objects.bulk_create(
        TimelineEvent(
            department_id=r.beneficiary.department_id,
            beneficiary=r.beneficiary,
            actor=by,
            at=now,
            kind="workshop",
            section=Section.SOCIO_PRO,
            summary=(f"Atelier « {title} » {when(session)} : {'présent·e' if r.pk in present_ids else 'absent·e'}.")[
                :300
            ],
        )
        for r in changed
    )
    return len(changed)
