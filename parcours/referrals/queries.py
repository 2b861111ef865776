"""Read side of the referrals: who sees which, the lists of the referent, the agency and the partner, and the
per-partner statistics. Every function issues a fixed number of queries, whatever the number of rows.
"""

import datetime
import statistics
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone

from parcours.accounts.enums import Profession
from parcours.orientation.perms import visible_beneficiaries
from parcours.referrals.enums import AWAITING_PARTNER, FINAL, ReferralStatus
from parcours.referrals.models import Referral
from parcours.referrals.services import rules_for

# Closed referrals stay in the lists this long after their end.
RECENT_DAYS = 90
LIST_LIMIT = 200
STATS_DAYS = 365


def _related(qs):
    return qs.select_related("beneficiary", "service__structure", "follow_up__referent", "sent_by")


def visible_referrals(viewer):
    """Referrals of the people whose file the viewer may open (the accompanying side)."""
    return Referral.objects.filter(beneficiary__in=visible_beneficiaries(viewer))


def partner_organization_ids(viewer) -> list[int]:
    return [m.organization_id for m in viewer.memberships_as(Profession.PARTNER)]


def received_referrals(viewer):
    """Referrals to the services of the structures that the viewer's partner organisations maintain."""
    ids = partner_organization_ids(viewer)
    if not ids:
        return Referral.objects.none()
    return Referral.objects.filter(service__structure__organization_id__in=ids)


def mine(viewer):
    """The referrals of the people the viewer is referent of, and those they sent themself."""
    return Referral.objects.filter(Q(follow_up__referent=viewer.user) | Q(sent_by=viewer.user))


def agency(viewer):
    """The referrals of the follow-ups of the agency head's organisations (their territory, when they have one)."""
    scope = Q(pk__in=[])
    for m in viewer.memberships_as(Profession.AGENCY_HEAD):
        if m.organization.territory_id:
            scope |= Q(follow_up__organization__territory_id=m.organization.territory_id)
        else:
            scope |= Q(follow_up__organization_id=m.organization_id)
    return Referral.objects.filter(scope)


def _late_q(department_ids, now) -> Q:
    """Sent and still unanswered after the life of the partner's first link (`referrals.link_days`)."""
    late = Q(pk__in=[])
    for department_id in department_ids:
        days = rules_for(department_id)["link_days"]
        late |= Q(department_id=department_id, sent_at__lte=now - datetime.timedelta(days=days))
    return Q(status=ReferralStatus.SENT) & late


@dataclass
class Group:
    key: str
    label: str
    help: str
    rows: list = field(default_factory=list)
    count: int = 0

    @property
    def more(self) -> int:
        return max(self.count - len(self.rows), 0)


def groups(qs, *, department_ids, now=None, limit: int = LIST_LIMIT) -> list[Group]:
    """The lists of « Mes orientations » and of the agency: late, waiting, in progress, completed, closed.

    One COUNT query and one query per group (each at most `limit` rows, the oldest first where it matters).
    """
    now = now or timezone.now()
    late = _late_q(department_ids, now)
    recent = Q(closed_at__gte=now - datetime.timedelta(days=RECENT_DAYS))
    spec = [
        ("late", "En retard", "Sans réponse depuis plus longtemps que la durée du lien envoyé au partenaire.", late,
         ("sent_at", "pk")),
        ("waiting", "En attente de réponse", "Envoyées récemment, le partenaire n'a pas encore répondu.",
         Q(status=ReferralStatus.SENT) & ~late, ("sent_at", "pk")),
        ("in_progress", "En cours", "Acceptées ou démarrées : la personne est attendue ou suit l'action.",
         Q(status__in=[ReferralStatus.ACCEPTED, ReferralStatus.STARTED]), ("-last_event_at", "-pk")),
        ("completed", "Terminées", f"Actions terminées depuis moins de {RECENT_DAYS} jours.",
         Q(status=ReferralStatus.COMPLETED) & recent, ("-closed_at", "-pk")),
        ("closed", "Refusées, expirées ou abandonnées", f"Closes depuis moins de {RECENT_DAYS} jours.",
         Q(status__in=[ReferralStatus.REFUSED, ReferralStatus.EXPIRED, ReferralStatus.ABANDONED]) & recent,
         ("-closed_at", "-pk")),
    ]  # fmt: skip
    counts = qs.aggregate(**{key: Count("pk", filter=condition) for key, _l, _h, condition, _o in spec})
    result = []
    for key, label, help_text, condition, order in spec:
        group = Group(key, label, help_text, count=counts[key])
        if group.count:
            group.rows = list(_related(qs.filter(condition)).order_by(*order)[:limit])
        result.append(group)
    return result


def for_person(beneficiary, limit: int = 50) -> list:
    return list(
        Referral.objects.filter(beneficiary=beneficiary)
        .select_related("service__structure")
        .order_by("-sent_at")[:limit]
    )


def received(viewer, *, limit: int = LIST_LIMIT) -> dict:
    """The partner's lists: to answer, in progress, recently closed (one query each)."""
    qs = received_referrals(viewer).select_related("service__structure")
    now = timezone.now()
    return {
        "to_answer": list(qs.filter(status=ReferralStatus.SENT).order_by("sent_at", "pk")[:limit]),
        "in_progress": list(
            qs.filter(status__in=[ReferralStatus.ACCEPTED, ReferralStatus.STARTED]).order_by("sent_at", "pk")[:limit]
        ),
        "closed": list(
            qs.filter(status__in=FINAL, closed_at__gte=now - datetime.timedelta(days=RECENT_DAYS)).order_by(
                "-closed_at", "-pk"
            )[:limit]
        ),
    }


def detail(qs, referral_id):
    """One referral with its history and attendance (3 queries), or None."""
    return (
        qs.select_related(
            "beneficiary", "service__structure", "follow_up__referent", "follow_up__organization", "sent_by"
        )
        .prefetch_related("events__actor", "attendance")
        .filter(public_id=referral_id)
        .first()
    )


def waiting_on_partner(referral) -> bool:
    return referral.status in AWAITING_PARTNER


# --- Statistics per partner -----------------------------------------------------------------------------


@dataclass
class PartnerStats:
    structure_id: int
    name: str
    sent: int
    waiting: int
    answered: int
    expired: int
    accepted: int
    started: int
    completed: int
    abandoned_after_start: int
    median_answer_days: float | None = None

    @staticmethod
    def _rate(part: int, whole: int) -> float | None:
        return part / whole if whole else None

    @property
    def answer_rate(self) -> float | None:
        """Answered among the referrals that got an answer or expired (those still waiting are not counted)."""
        return self._rate(self.answered, self.answered + self.expired)

    @property
    def start_rate(self) -> float | None:
        """Started among the accepted ones."""
        return self._rate(self.started, self.accepted)

    @property
    def completion_rate(self) -> float | None:
        """Completed among the started actions that ended (completed or abandoned)."""
        return self._rate(self.completed, self.completed + self.abandoned_after_start)


def partner_stats(qs, *, since: datetime.datetime | None = None) -> list[PartnerStats]:
    """Per structure, over the referrals sent since `since` (a year by default): two queries."""
    since = since or timezone.now() - datetime.timedelta(days=STATS_DAYS)
    period = qs.filter(sent_at__gte=since)
    answered = Q(answered_at__isnull=False)
    rows = (
        period.values("service__structure_id", "service__structure__name")
        .annotate(
            sent=Count("pk"),
            waiting=Count("pk", filter=Q(status=ReferralStatus.SENT)),
            answered=Count("pk", filter=answered),
            expired=Count("pk", filter=Q(status=ReferralStatus.EXPIRED)),
            accepted=Count("pk", filter=answered & ~Q(status=ReferralStatus.REFUSED)),
            started=Count("pk", filter=Q(started_on__isnull=False)),
            completed=Count("pk", filter=Q(status=ReferralStatus.COMPLETED)),
            abandoned_after_start=Count("pk", filter=Q(status=ReferralStatus.ABANDONED, started_on__isnull=False)),
        )
        .order_by("-sent", "service__structure__name")
    )
    stats = {
        r["service__structure_id"]: PartnerStats(
            structure_id=r["service__structure_id"],
            name=r["service__structure__name"],
            **{k: r[k] for k in ("sent", "waiting", "answered", "expired", "accepted", "started", "completed")},
            abandoned_after_start=r["abandoned_after_start"],
        )
        for r in rows
    }
    delays: dict = {}
    for structure_id, sent_at, answered_at in period.filter(answered).values_list(
        "service__structure_id", "sent_at", "answered_at"
    ):
        delays.setdefault(structure_id, []).append((answered_at - sent_at).total_seconds() / 86400)
    for structure_id, values in delays.items():
        stats[structure_id].median_answer_days = statistics.median(values)
    return list(stats.values())


def file_section(beneficiary, access) -> list | None:
    """The person's file « Orientations vers des services »: None when the viewer does not read that part."""
    from parcours.journal.models import Section

    if not access.can_read(Section.SOCIO_PRO):
        return None
    return for_person(beneficiary)
