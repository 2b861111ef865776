"""The referral's state machine: send, answer (accept / refuse), expire, start, complete, abandon, attendance.

sent → accepted | refused (typed reason) | expired (no answer after `referrals.expiry_days`)
accepted → started (date) | abandoned (reason)
started → completed (date) | abandoned (reason)

Every step, in one transaction: the referral row (locked), an entry of its own history (ReferralEvent), one
timeline entry on the person's file, and the e-mail to the referent (or, for a new referral or link, to the
partner) enqueued with it. A step the referent did not do themself also marks the referral as "news" in their
« Mes orientations » list (last_event_at > referent_seen_at). Invalid steps raise ValidationError in French and
write nothing.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from parcours.catalogue.models import ServiceStatus
from parcours.core.rules import rule_values
from parcours.diagnostics.enums import OPEN_LEVELS, Barrier
from parcours.diagnostics.services import current_barriers
from parcours.journal.models import Section
from parcours.journal.services import record
from parcours.orientation.perms import file_access, viewer_for
from parcours.plans.services import current_contract
from parcours.referrals import notify
from parcours.referrals.enums import (
    ATTENDANCE_STATUSES,
    AWAITING_PARTNER,
    FINAL,
    OPTIONAL_SHARES,
    STATUS_EVENT,
    TRANSITIONS,
    AbandonReason,
    EventKind,
    ReferralStatus,
    RefusalReason,
    SharedItem,
    Via,
)
from parcours.referrals.models import Attendance, Referral, ReferralEvent

MESSAGE_MAX_LENGTH = 2000
DETAIL_MAX_LENGTH = 500
RULE_KEYS = ("referrals.expiry_days", "referrals.link_days", "referrals.reminder_days_before")
# Attendance hours per day: a day of activity, not more.
MAX_DAILY_HOURS = 12


def rules_for(department_id, on: datetime.date | None = None) -> dict:
    """{"expiry_days", "link_days", "reminder_days_before"} in force on `on` (today) for the département."""
    values = rule_values(RULE_KEYS, on=on or timezone.localdate(), department_id=department_id)
    return {key.partition(".")[2]: int(value) for key, value in values.items()}


def _partner_name(referral) -> str:
    return referral.service.structure.name


def _record(beneficiary, *, by, summary: str) -> None:
    """The timeline entry of a step (referrals belong to the socio-professional part of the file)."""
    record(beneficiary, actor=by, kind="referral", summary=summary, section=Section.SOCIO_PRO)


def _who(by, via: str) -> str:
    if via == Via.LINK:
        return " (par le lien envoyé au partenaire)"
    if via == Via.SYSTEM:
        return " (automatiquement)"
    return ""


# --- Sending --------------------------------------------------------------------------------------------


def shared_snapshot(beneficiary, follow_up, shared) -> dict:
    """What the partner will see, frozen now: only the items shared (the health frein never leaves the file)."""
    data = {"first_name": beneficiary.first_name, "initial": f"{beneficiary.last_name[:1].upper()}."}
    if SharedItem.CONTACT in shared:
        data.update(phone=beneficiary.phone, email=beneficiary.email)
    if SharedItem.BARRIERS in shared and follow_up is not None:
        data["barriers"] = [
            Barrier(a.barrier).label
            for a in sorted(current_barriers(follow_up), key=lambda a: list(Barrier.values).index(a.barrier))
            if a.level in OPEN_LEVELS and a.barrier != Barrier.HEALTH
        ]
    if SharedItem.GOALS in shared and follow_up is not None:
        contract = current_contract(follow_up)
        data["goals"] = [goal.title for goal in contract.goals.all()] if contract else []
    return data


def _check_share(shared) -> list[str]:
    if set(shared) - set(OPTIONAL_SHARES):
        raise ValidationError("Information à partager inconnue.")
    return [SharedItem.IDENTITY, *(item for item in OPTIONAL_SHARES if item in shared)]


@transaction.atomic
def send_referral(*, beneficiary, service, by, consent: bool, shared=(), message: str = "") -> Referral:
    """A counselor of the person's care team sends her to a published service, with her consent.

    `shared`: the optional items (SharedItem.CONTACT, BARRIERS, GOALS); the first name and the initial of the
    last name are always shared, and the message when there is one.
    """
    if not consent:
        raise ValidationError(
            "L'accord de la personne est obligatoire : confirmez qu'elle accepte cette orientation et le partage "
            "des informations cochées."
        )
    access = file_access(viewer_for(by), beneficiary)
    if not access.can_edit_socio_pro:  # referrals belong to the socio-professional part of the file
        raise ValidationError("Seule l'équipe qui accompagne la personne peut l'orienter vers un service.")
    if service.status != ServiceStatus.PUBLISHED:
        raise ValidationError("Ce service n'est pas publié dans le catalogue : il ne reçoit pas d'orientation.")
    message = (message or "").strip()
    if len(message) > MESSAGE_MAX_LENGTH:
        raise ValidationError(f"Le message est trop long ({MESSAGE_MAX_LENGTH} caractères au plus).")
    items = _check_share(shared)
    if message:
        items.append(SharedItem.MESSAGE)
    if Referral.objects.filter(beneficiary=beneficiary, service=service, status__in=AWAITING_PARTNER).exists():
        raise ValidationError("Une orientation de la personne vers ce service est déjà en cours.")
    follow_up = access.follow_up
    now = timezone.now()
    rules = rules_for(beneficiary.department_id)
    try:  # two sends at the same moment: the database constraint decides, the second gets the same message
        with transaction.atomic():
            referral = Referral.objects.create(
                department_id=beneficiary.department_id,
                beneficiary=beneficiary,
                follow_up=follow_up,
                service=service,
                sent_by=by,
                shared=items,
                shared_data=shared_snapshot(beneficiary, follow_up, items),
                message=message,
                consent_at=now,
                consent_by=by,
                sent_at=now,
                expires_at=now + datetime.timedelta(days=rules["expiry_days"]),
                link_expires_at=now + datetime.timedelta(days=rules["link_days"]),
                last_event_at=now,
                referent_seen_at=now if follow_up is not None and follow_up.referent_id == by.pk else None,
            )
    except IntegrityError:
        raise ValidationError("Une orientation de la personne vers ce service est déjà en cours.") from None
    _event(referral, EventKind.SENT, by=by, via=Via.ACCOUNT, at=now)
    _record(
        beneficiary,
        by=by,
        summary=f"Orientation vers « {service.name} » ({_partner_name(referral)}), avec l'accord de la personne",
    )
    return referral


def _event(referral, kind, *, by, via, detail: str = "", at=None) -> ReferralEvent:
    """The history entry, and its e-mail enqueued in the same transaction."""
    event = ReferralEvent.objects.create(
        referral=referral, kind=kind, actor=by, via=via, detail=detail[:DETAIL_MAX_LENGTH], at=at or timezone.now()
    )
    notify.enqueue([event.pk])
    return event


# --- Transitions ----------------------------------------------------------------------------------------

_INVALID = {
    ReferralStatus.ACCEPTED: "Seule une orientation en attente de réponse peut être acceptée.",
    ReferralStatus.REFUSED: "Seule une orientation en attente de réponse peut être refusée.",
    ReferralStatus.EXPIRED: "Seule une orientation en attente de réponse peut expirer.",
    ReferralStatus.STARTED: "L'action ne peut démarrer qu'après l'acceptation de l'orientation.",
    ReferralStatus.COMPLETED: "Seule une action démarrée peut être terminée.",
    ReferralStatus.ABANDONED: "Seule une orientation acceptée ou une action en cours peut être abandonnée.",
}


def _locked(referral) -> Referral:
    return (
        Referral.objects.select_for_update(of=("self",))
        .select_related("service__structure", "beneficiary", "follow_up")
        .get(pk=referral.pk)
    )


def _move(referral, to, *, by, via, summary: str, detail: str = "", **fields) -> Referral:
    """Check and apply one transition on the locked row; history, timeline, news for the referent, e-mail."""
    current = _locked(referral)
    if to not in TRANSITIONS[current.status]:
        raise ValidationError(_INVALID[to] + f" (statut actuel : {current.get_status_display().lower()})")
    now = timezone.now()
    for name, value in fields.items():
        setattr(current, name, value)
    current.status = to
    current.last_event_at = now
    changed = ["status", "last_event_at", *fields]
    if via in (Via.LINK, Via.ACCOUNT) and to != ReferralStatus.EXPIRED:
        # A partner who acts keeps their link for the next steps (start, end, attendance) a while longer.
        changed += _keep_link_open(current, now)
    current.save(update_fields=changed)
    _event(current, STATUS_EVENT[to], by=by, via=via, detail=detail, at=now)
    _record(current.beneficiary, by=by, summary=summary + _who(by, via))
    referral.__dict__.update({name: getattr(current, name) for name in changed})
    return current


def _keep_link_open(referral, now) -> list[str]:
    days = rules_for(referral.department_id)["link_days"]
    renewed = now + datetime.timedelta(days=days)
    if renewed <= referral.link_expires_at:
        return []
    referral.link_expires_at = renewed
    referral.link_reminded_at = None
    return ["link_expires_at", "link_reminded_at"]


def _label(referral) -> str:
    return f"« {referral.service.name} » ({_partner_name(referral)})"


@transaction.atomic
def accept(referral, *, by=None, via: str = Via.ACCOUNT) -> Referral:
    now = timezone.now()
    return _move(
        referral,
        ReferralStatus.ACCEPTED,
        by=by,
        via=via,
        summary=f"Orientation vers {_label(referral)} acceptée par la structure",
        answered_at=now,
        answered_by=by,
    )


@transaction.atomic
def refuse(referral, *, reason: str, detail: str = "", by=None, via: str = Via.ACCOUNT) -> Referral:
    detail = (detail or "").strip()
    if reason not in RefusalReason.values:
        raise ValidationError("Indiquez le motif du refus.")
    if reason == RefusalReason.OTHER and not detail:
        raise ValidationError("Précisez le motif du refus.")
    _check_detail(detail)
    now = timezone.now()
    text = RefusalReason(reason).label if reason != RefusalReason.OTHER else detail
    return _move(
        referral,
        ReferralStatus.REFUSED,
        by=by,
        via=via,
        summary=f"Orientation vers {_label(referral)} refusée : {text}",
        detail=detail,
        answered_at=now,
        answered_by=by,
        refusal_reason=reason,
        refusal_detail=detail,
        closed_at=now,
    )


def _check_detail(detail: str) -> None:
    if len(detail) > DETAIL_MAX_LENGTH:
        raise ValidationError(f"La précision est trop longue ({DETAIL_MAX_LENGTH} caractères au plus).")


def _check_day(on, *, not_before: datetime.date, what: str, before_label: str) -> None:
    if not isinstance(on, datetime.date):
        raise ValidationError(f"Indiquez la date {what}.")
    if on > timezone.localdate():
        raise ValidationError(f"La date {what} ne peut pas être dans le futur.")
    if on < not_before:
        raise ValidationError(f"La date {what} ne peut pas précéder {before_label} ({not_before:%d/%m/%Y}).")


@transaction.atomic
def start(referral, *, on: datetime.date, by=None, via: str = Via.ACCOUNT) -> Referral:
    _check_day(
        on,
        not_before=timezone.localdate(referral.sent_at),
        what="de démarrage",
        before_label="l'envoi de l'orientation",
    )
    return _move(
        referral,
        ReferralStatus.STARTED,
        by=by,
        via=via,
        summary=f"Action {_label(referral)} démarrée le {on:%d/%m/%Y}",
        started_on=on,
    )


@transaction.atomic
def complete(referral, *, on: datetime.date, by=None, via: str = Via.ACCOUNT) -> Referral:
    if referral.started_on is not None:
        _check_day(on, not_before=referral.started_on, what="de fin", before_label="le démarrage")
    now = timezone.now()
    return _move(
        referral,
        ReferralStatus.COMPLETED,
        by=by,
        via=via,
        summary=f"Action {_label(referral)} terminée le {on:%d/%m/%Y}",
        completed_on=on,
        ended_on=on,
        closed_at=now,
    )


@transaction.atomic
def abandon(referral, *, reason: str, detail: str = "", on: datetime.date | None = None, by=None, via=Via.ACCOUNT):
    detail = (detail or "").strip()
    if reason not in AbandonReason.values:
        raise ValidationError("Indiquez le motif de l'abandon.")
    if reason == AbandonReason.OTHER and not detail:
        raise ValidationError("Précisez le motif de l'abandon.")
    _check_detail(detail)
    on = on or timezone.localdate()
    floor = referral.started_on or timezone.localdate(referral.sent_at)
    _check_day(on, not_before=floor, what="de l'abandon", before_label="le démarrage ou l'envoi")
    now = timezone.now()
    text = AbandonReason(reason).label if reason != AbandonReason.OTHER else detail
    return _move(
        referral,
        ReferralStatus.ABANDONED,
        by=by,
        via=via,
        summary=f"Orientation vers {_label(referral)} abandonnée le {on:%d/%m/%Y} : {text}",
        detail=detail,
        abandon_reason=reason,
        abandon_detail=detail,
        ended_on=on,
        closed_at=now,
    )


@transaction.atomic
def record_attendance(
    referral, *, on: datetime.date, present: bool, hours: float | None = None, by=None, via=Via.ACCOUNT
) -> Attendance:
    """The person came (or not) on `on`; a second mark for the same day corrects the first one.

    The referent is e-mailed about absences only (a presence is on the timeline and in « Mes orientations »).
    """
    current = _locked(referral)
    if current.status not in ATTENDANCE_STATUSES or current.started_on is None:
        raise ValidationError("La présence s'enregistre une fois l'action démarrée.")
    last = current.ended_on or timezone.localdate()
    if not isinstance(on, datetime.date) or not current.started_on <= on <= min(last, timezone.localdate()):
        raise ValidationError(
            f"Le jour de présence doit être compris entre le démarrage ({current.started_on:%d/%m/%Y}) et "
            f"{'la fin' if current.ended_on else 'aujourd’hui'} ({min(last, timezone.localdate()):%d/%m/%Y})."
        )
    if hours is not None and not 0 <= hours <= MAX_DAILY_HOURS:
        raise ValidationError(f"Le nombre d'heures doit être compris entre 0 et {MAX_DAILY_HOURS}.")
    now = timezone.now()
    mark, _created = Attendance.objects.update_or_create(
        referral=current,
        on=on,
        defaults={"present": bool(present), "hours": hours, "recorded_at": now, "recorded_by": by, "via": via},
    )
    current.last_event_at = now
    fields = ["last_event_at"]
    if via in (Via.LINK, Via.ACCOUNT):
        fields += _keep_link_open(current, now)
    current.save(update_fields=fields)
    word = "présente" if present else "absente"
    detail = f"{on:%d/%m/%Y} : {word}" + (f", {hours:g} h" if hours else "")
    event = ReferralEvent.objects.create(
        referral=current, kind=EventKind.ATTENDANCE, actor=by, via=via, detail=detail, at=now
    )
    if not present:
        notify.enqueue([event.pk])
    _record(
        current.beneficiary,
        by=by,
        summary=f"Présence à l'action {_label(current)} : {detail}{_who(by, via)}",
    )
    return mark


# --- The referent ---------------------------------------------------------------------------------------


@transaction.atomic
def send_new_link(referral, *, by) -> Referral:
    """A new link for the partner (the previous one stops working), valid `referrals.link_days` from now."""
    current = _locked(referral)
    if current.status in FINAL:
        raise ValidationError("Cette orientation est close : le partenaire n'a plus rien à y indiquer.")
    if not notify.partner_email(current):
        raise ValidationError("Le service n'a pas d'adresse e-mail de contact : le lien ne peut pas être envoyé.")
    now = timezone.now()
    current.link_version += 1
    current.link_expires_at = now + datetime.timedelta(days=rules_for(current.department_id)["link_days"])
    current.link_reminded_at = None
    current.save(update_fields=["link_version", "link_expires_at", "link_reminded_at"])
    _event(current, EventKind.LINK_SENT, by=by, via=Via.ACCOUNT, at=now)
    _record(
        current.beneficiary,
        by=by,
        summary=f"Nouveau lien envoyé à la structure pour l'orientation vers {_label(current)}",
    )
    return current


def mark_seen(referral, *, by) -> None:
    """The referent looked at the referral: it is no longer "news" in their list."""
    if referral.follow_up is None or referral.follow_up.referent_id != by.pk or not referral.has_news:
        return
    now = timezone.now()
    Referral.objects.filter(pk=referral.pk).update(referent_seen_at=now)
    referral.referent_seen_at = now
