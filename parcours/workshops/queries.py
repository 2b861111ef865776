"""Who sees which workshops, and the read-only lists behind the pages (a constant number of queries each).

- Organisers: the members of the series' organisation (accompanying professions, agency head, administrator,
  partner). They add sessions, see every registration, record attendance.
- Counselors and agency heads see every series of their départements, to register their own people; on a
  session they see the number of seats taken and, by name, only the people whose file they may open.
"""

from django.db.models import Count, Exists, F, Min, OuterRef, Q

from parcours.accounts.enums import ACCOMPANYING, Profession
from parcours.journal.models import Section
from parcours.orientation.perms import visible_beneficiaries
from parcours.people.models import Beneficiary
from parcours.workshops.enums import ACTIVE_STATUSES, RegistrationStatus
from parcours.workshops.models import Registration, Session, WorkshopSeries

ORGANISER_PROFESSIONS = ACCOMPANYING | {Profession.AGENCY_HEAD, Profession.ADMINISTRATOR, Profession.PARTNER}
WIDE_PROFESSIONS = ACCOMPANYING | {Profession.AGENCY_HEAD}
REGISTERED, WAITLISTED = RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED
MAX_CANDIDATES = 10


def may_use(viewer) -> bool:
    """The access rule of the workshop pages."""
    return bool(viewer.professions & ORGANISER_PROFESSIONS)


def organised_organizations(viewer) -> dict:
    """{organisation id: organisation} where the viewer organises workshops."""
    return {m.organization_id: m.organization for m in viewer.memberships if m.profession in ORGANISER_PROFESSIONS}


def can_organise(viewer, series) -> bool:
    return series.organization_id in organised_organizations(viewer)


def visible_series(viewer):
    departments = {m.organization.department_id for m in viewer.memberships if m.profession in WIDE_PROFESSIONS}
    return WorkshopSeries.objects.filter(
        Q(department_id__in=departments) | Q(organization_id__in=list(organised_organizations(viewer)))
    )


def series_list(viewer, *, now):
    """Visible series with their next session and number of sessions to come, soonest first. One query."""
    return list(
        visible_series(viewer)
        .select_related("organization")
        .annotate(
            next_at=Min("sessions__starts_at", filter=Q(sessions__ends_at__gt=now)),
            upcoming=Count("sessions", filter=Q(sessions__ends_at__gt=now)),
        )
        .order_by(F("next_at").asc(nulls_last=True), "title", "pk")
    )


def sessions_of(series):
    """The sessions of a series with their seats taken and waitlist length. One query."""
    return list(
        Session.objects.filter(series=series)
        .select_related("place", "facilitator")
        .annotate(
            taken=Count("registrations", filter=Q(registrations__status=REGISTERED)),
            waiting=Count("registrations", filter=Q(registrations__status=WAITLISTED)),
        )
        .order_by("starts_at", "pk")
    )


def session_for(viewer, public_id):
    """The session if its series is visible to the viewer, with its counts; None otherwise."""
    return (
        Session.objects.filter(series__in=visible_series(viewer), public_id=public_id)
        .select_related("series__organization", "series__service", "place", "facilitator")
        .annotate(
            taken=Count("registrations", filter=Q(registrations__status=REGISTERED)),
            waiting=Count("registrations", filter=Q(registrations__status=WAITLISTED)),
        )
        .first()
    )


def _named_for(viewer, registrations, *, organiser: bool):
    """Registrations the viewer may see by name: all for an organiser, else the people whose file they open."""
    if organiser:
        return registrations
    return registrations.filter(beneficiary__in=visible_beneficiaries(viewer).values("pk"))


def session_lists(viewer, session, *, organiser: bool) -> tuple[list, list]:
    """(registered, waitlisted) registrations of the session the viewer may see by name. One query."""
    rows = _named_for(
        viewer,
        Registration.objects.filter(session=session, status__in=list(ACTIVE_STATUSES)),
        organiser=organiser,
    ).select_related("beneficiary", "referral")
    registered, waitlisted = [], []
    for r in rows.order_by("waitlist_rank", "beneficiary__last_name", "beneficiary__first_name", "pk"):
        (registered if r.status == REGISTERED else waitlisted).append(r)
    return registered, waitlisted


def candidates(viewer, session, text: str) -> list:
    """People the viewer may register on the session: their own people (files they open) of the series'
    département, matching `text`, not already on the session. One query."""
    text = (text or "").strip()[:100]
    if len(text) < 2:
        return []
    on_session = Registration.objects.filter(
        session=session, beneficiary=OuterRef("pk"), status__in=list(ACTIVE_STATUSES)
    )
    return list(
        visible_beneficiaries(viewer)
        .filter(department_id=session.series.department_id)
        .search(text)
        .exclude(Exists(on_session))
        .order_by("last_name", "first_name", "pk")[:MAX_CANDIDATES]
    )


def registrable(viewer, session, public_id):
    """The person (by public id) if the viewer may register her on the session, else None."""
    return (
        visible_beneficiaries(viewer)
        .filter(department_id=session.series.department_id, public_id=public_id)
        .select_related("department")
        .first()
    )


def registration_for(viewer, public_id):
    """A registration the viewer may act on (organiser of the series, or the person's file is open to them)."""
    scope = Q(session__series__organization_id__in=list(organised_organizations(viewer))) | Q(
        beneficiary__in=visible_beneficiaries(viewer).values("pk")
    )
    return (
        Registration.objects.filter(scope, session__series__in=visible_series(viewer), public_id=public_id)
        .select_related("session__series", "beneficiary")
        .first()
    )


def attendees(viewer, series, *, organiser: bool) -> list:
    """People who attended at least one session of the series (for the certificates), with how many. One query."""
    rows = (
        _named_for(
            viewer,
            Registration.objects.filter(session__series=series, status=REGISTERED, attended=True),
            organiser=organiser,
        )
        .order_by()
        .values("beneficiary__public_id", "beneficiary__first_name", "beneficiary__last_name")
        .annotate(sessions=Count("pk"))
        .order_by("beneficiary__last_name", "beneficiary__first_name")
    )
    return list(rows)


def certificate_person(viewer, series, public_id, *, organiser: bool):
    """The person (by public id) whose certificate of `series` the viewer may download, else None."""
    people = Beneficiary.objects.all() if organiser else visible_beneficiaries(viewer)
    return (
        people.filter(
            public_id=public_id,
            workshop_registrations__session__series=series,
            workshop_registrations__attended=True,
        )
        .distinct()
        .first()
    )


def person_registrations(beneficiary, limit: int = 20) -> list:
    """The person's workshop registrations (not cancelled), latest first, for her file. One query."""
    return list(
        Registration.objects.filter(beneficiary=beneficiary, status__in=list(ACTIVE_STATUSES))
        .select_related("session__series")
        .order_by("-session__starts_at", "pk")[:limit]
    )


def file_section(beneficiary, access):
    """The person's registrations for the section of her file, or None when the viewer may not read the
    socio-professional section (the include then shows nothing)."""
    if not access.can_read(Section.SOCIO_PRO):
        return None
    return person_registrations(beneficiary)
