"""The counselor's two-week planning: propose (CP-SAT on their caseload), review, confirm and invite.

The rules live in parcours.scheduling.services; a counselor only ever sees and confirms their own proposals
(another person's run answers 404).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from parcours.people.models import Beneficiary
from parcours.scheduling.enums import ReplanReason, RunStatus
from parcours.scheduling.models import PlanningItem, PlanningRun, WorkingHours
from parcours.scheduling.services import confirm_plan, propose_plan
from parcours.web.access import ACCOMPANYING, allow


def _runs(user):
    return PlanningRun.objects.filter(counselor=user).annotate(
        booked=Count("items", filter=Q(items__appointment__isnull=False))
    )


@allow(ACCOMPANYING)
@require_GET
def planning(request):
    runs = list(_runs(request.user).order_by("-created_at")[:6])
    # The proposal waiting for the counselor comes first, even if a person's own booking came after it.
    current = next((r for r in runs if r.status == RunStatus.PROPOSED), runs[0] if runs else None)
    history = [r for r in runs if r is not current]
    items = []
    if current:
        items = list(
            PlanningItem.objects.filter(run=current)
            .select_related("beneficiary", "room", "appointment")
            .order_by("starts_at", "pk")
        )
    days = {}
    for item in items:
        days.setdefault(item.starts_at.astimezone().date(), []).append(item)
    for run in runs:
        run.reason_label = ReplanReason(run.reason).label if run.reason in ReplanReason.values else run.reason
    context = {
        "run": current,
        "unplaced": _unplaced(current),
        "history": history,
        "days": sorted(days.items()),
        "item_count": len(items),
        "pending": current is not None and current.status == RunStatus.PROPOSED,
        "has_hours": WorkingHours.objects.filter(user=request.user).exists(),
        "gain": _gain(current),
    }
    return render(request, "planning/planning.html", context)


def _unplaced(run):
    """(person, reason) of the people the proposal could not place, in one query."""
    if not run or not run.unplaced:
        return []
    reasons = {u["beneficiary_id"]: u.get("reason", "") for u in run.unplaced}
    people = Beneficiary.objects.filter(pk__in=reasons).only("public_id", "first_name", "last_name")
    return [(person, reasons[person.pk]) for person in people]


def _gain(run):
    """How much better than the greedy baseline, in words (None when not comparable)."""
    if not run or not run.greedy_cost:
        return None
    return round(100 * (1 - run.cost / run.greedy_cost))


@allow(ACCOMPANYING)
@require_POST
def planning_propose(request):
    run = propose_plan(request.user, by=request.user)
    if run.people_due == 0:
        messages.info(request, "Personne n'est à voir dans les deux semaines qui viennent : rien à planifier.")
    else:
        placed = run.people_due - run.unplaced_count
        messages.success(
            request,
            f"Proposition calculée : {placed} rendez-vous pour {run.people_due} personne(s) à voir. "
            "Vérifiez-la puis confirmez.",
        )
    return redirect("web:planning")


@allow(ACCOMPANYING)
@require_POST
def planning_confirm(request, run_id):
    run = get_object_or_404(PlanningRun, pk=run_id, counselor=request.user)
    chosen = [value for value in request.POST.getlist("items") if value.isdigit()]
    if not chosen:
        messages.error(request, "Cochez au moins un rendez-vous à confirmer.")
        return redirect("web:planning")
    try:
        created = confirm_plan(run, by=request.user, item_ids=[int(v) for v in chosen])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("web:planning")
    refused = run.items.exclude(refusal="").count()
    if created:
        messages.success(
            request,
            f"{len(created)} rendez-vous confirmé(s) ; les convocations partent par SMS, e-mail ou courrier "
            "selon le choix de chaque personne.",
        )
    if refused:
        messages.warning(request, f"{refused} créneau(x) n'ont pas pu être retenus : le motif est indiqué.")
    return redirect("web:planning")
