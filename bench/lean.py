"""Limit probes of W2, served by bench/urls.py next to the project's URLs, behind the same middleware.

- `lean_caseload`: the same caseload rows as "Ma file active" (referent or active care-team member, open
  follow-ups of the viewer's départements; next planned and last seen appointment, open and overdue actions,
  cadence, open freins), read with one annotated `values_list` query plus the freins and the cadence rules,
  then rendered with f-strings and `str.join`: no Django template, no model instance per row, no form.
  It is written here on purpose (not imported from parcours.caseload) so that it stays a fixed reference
  while the application page changes.
- `hello`: no database, no template: the request-handling floor of the middleware stack.
"""

import datetime
import uuid
from html import escape

from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from parcours.agenda.cadence import cadence_days
from parcours.agenda.enums import AppointmentStatus
from parcours.agenda.models import Appointment
from parcours.diagnostics.enums import OPEN_LEVELS, Barrier
from parcours.diagnostics.models import BarrierAssessment
from parcours.orientation.enums import Parcours
from parcours.orientation.models import CareTeamMember, FollowUp
from parcours.plans.enums import OPEN_ACTION_STATUSES
from parcours.plans.models import Action
from parcours.web.access import ACCOMPANYING, PUBLIC, allow

DAYS = ("lun", "mar", "mer", "jeu", "ven", "sam", "dim")
HEAD = (
    '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Ma file active — Parcours</title></head>'
    "<body><main><h1>Ma file active</h1><p><strong>{n}</strong> personne(s) suivie(s) — {late} en retard de "
    'cadence</p><table class="table caseload"><thead><tr><th scope="col">Personne</th><th scope="col">Parcours'
    '</th><th scope="col">Prochain rendez-vous</th><th scope="col">Dernier contact</th><th scope="col">Cadence'
    '</th><th scope="col">Actions ouvertes</th><th scope="col">Freins ouverts</th></tr></thead><tbody>'
)
TAIL = "</tbody></table></main></body></html>"
NONE = '<span class="muted">aucun</span>'


def _count(qs):
    counted = qs.order_by().values("follow_up_id").annotate(c=Count("pk")).values("c")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def lean_rows(viewer):
    """The caseload rows as tuples (one query), then freins and cadence rules (one query each)."""
    user = viewer.user
    now = timezone.now()
    # Referent OR team member, written as a UNION of two index lookups: an OR over the two would scan every
    # follow-up of the département (100,000 at tier M).
    mine = (
        FollowUp.objects.filter(referent=user)
        .order_by()
        .values("pk")
        .union(CareTeamMember.objects.filter(user=user, until__isnull=True).order_by().values("follow_up_id"))
    )
    person = OuterRef("beneficiary_id")
    next_at = Appointment.objects.filter(
        beneficiary_id=person, status=AppointmentStatus.PLANNED, starts_at__gte=now
    ).order_by("starts_at")
    last_at = Appointment.objects.filter(beneficiary_id=person, status=AppointmentStatus.SEEN).order_by("-starts_at")
    actions = Action.objects.filter(follow_up_id=OuterRef("pk"), status__in=OPEN_ACTION_STATUSES)
    rows = list(
        FollowUp.objects.filter(pk__in=mine, end_date__isnull=True, department_id__in=viewer.department_ids)
        .order_by()
        .annotate(
            next_at=Subquery(next_at.values("starts_at")[:1]),
            last_at=Subquery(last_at.values("starts_at")[:1]),
            open_actions=_count(actions),
            overdue_actions=_count(actions.filter(due_date__lt=now.date())),
        )
        .values_list(
            "pk",
            "beneficiary__public_id",
            "beneficiary__first_name",
            "beneficiary__last_name",
            "parcours",
            "referent_id",
            "start_date",
            "next_at",
            "last_at",
            "open_actions",
            "overdue_actions",
            "department_id",
        )
    )
    barriers: dict = {}
    if rows:
        labels = dict(Barrier.choices)
        for follow_up_id, barrier in BarrierAssessment.objects.filter(
            follow_up_id__in=[r[0] for r in rows], is_current=True, level__in=OPEN_LEVELS
        ).values_list("follow_up_id", "barrier"):
            barriers.setdefault(follow_up_id, []).append(labels[barrier])
    return rows, barriers


@allow(ACCOMPANYING)
@require_GET
def lean_caseload(request):
    viewer = request.viewer
    rows, barriers = lean_rows(viewer)
    today = timezone.localdate()
    days = cadence_days(on=today, department_id=rows[0][11]) if rows else {}
    parcours_labels = dict(Parcours.choices)
    person_prefix = reverse("web:person", args=[uuid.UUID(int=0)])[: -len(str(uuid.UUID(int=0))) - 1]
    user_id = viewer.user.pk
    local = timezone.localtime
    out = []
    late_count = 0
    for pk, pid, first, last, parc, referent_id, start, next_at, last_at, n_open, n_overdue, _dept in rows:
        last_day = local(last_at).date() if last_at else None
        due = (last_day or start) + datetime.timedelta(days=days[parc])
        late = (today - due).days
        if late > 0:
            late_count += 1
            cadence = f'<span class="badge badge-late">en retard de {late} j</span>'
        else:
            cadence = f'<span class="badge badge-ok">à jour</span> <span class="muted">avant le {due:%d/%m}</span>'
        if next_at:
            n = local(next_at)
            next_s = f"{DAYS[n.weekday()]} {n:%d/%m %H:%M}"
        else:
            next_s = NONE
        if last_day:
            last_s = f'{last_day:%d/%m/%Y} <span class="muted">({(today - last_day).days} j)</span>'
        else:
            last_s = '<span class="muted">jamais</span>'
        actions = str(n_open)
        if n_overdue:
            actions += f' <span class="badge badge-warn">{n_overdue} échue{"s" if n_overdue > 1 else ""}</span>'
        tags = barriers.get(pk)
        freins = " ".join(f'<span class="tag">{escape(t)}</span>' for t in tags) if tags else NONE
        team = "" if referent_id == user_id else ' <span class="tag">équipe</span>'
        html = (
            f'<tr><th scope="row"><a href="{person_prefix}{pid}/">{escape(last.upper())} {escape(first)}</a>{team}'
            f"</th><td>{parcours_labels[parc]}</td><td>{next_s}</td><td>{last_s}</td><td>{cadence}</td>"
            f"<td>{actions}</td><td>{freins}</td></tr>"
        )
        out.append((-max(late, 0), last.lower(), html))
    out.sort(key=lambda item: item[:2])
    body = "\n".join(item[2] for item in out)
    return HttpResponse(HEAD.format(n=len(out), late=late_count) + body + TAIL)


@allow(PUBLIC)
@require_GET
def hello(request):
    return HttpResponse("Bonjour")
