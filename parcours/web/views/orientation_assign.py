"""« Attribution des référent·es »: the agency head confirms the suggested referent of each person oriented to their
organisations (or chooses another), one by one or all at once."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from parcours.caseload.team import managed_organizations
from parcours.intake.models import ImportBatch
from parcours.orientation.models import FollowUp, Orientation
from parcours.orientation.referents import OverCapacity, bulk_assign, bulk_suggest, counselor_board
from parcours.web.access import AGENCY_HEAD, allow

MAX_ROWS = 100


def _unassigned(viewer, batch_id=None):
    follow_ups = FollowUp.objects.open().filter(
        referent__isnull=True, organization__in=managed_organizations(viewer).values("pk")
    )
    if batch_id:
        follow_ups = follow_ups.filter(
            pk__in=Orientation.objects.filter(request__batch_id=batch_id).values("follow_up_id")
        )
    return follow_ups


def _batch_id(request) -> int | None:
    value = request.GET.get("import") or request.POST.get("import") or ""
    return int(value) if value.isdigit() else None


def _page(request, *, status=200, error="", over=False, chosen=None):
    viewer = request.viewer
    batch_id = _batch_id(request)
    follow_ups = _unassigned(viewer, batch_id)
    total = follow_ups.count()
    oldest = follow_ups.order_by("start_date", "pk").values("pk")[:MAX_ROWS]
    plan = bulk_suggest(FollowUp.objects.filter(pk__in=oldest))
    for item in plan.items:  # a choice sent back with an error stays selected
        if chosen and item.follow_up_id in chosen:
            item.user_id = chosen[item.follow_up_id]
    organizations = list(managed_organizations(viewer))
    batches = ImportBatch.objects.filter(
        pk__in=Orientation.objects.filter(follow_up__in=_unassigned(viewer)).values("request__batch_id")
    ).order_by("-created_at")[:50]
    context = {
        "plan": plan,
        "total": total,
        "shown": len(plan.items),
        "board": counselor_board(organizations),
        "organizations": organizations,
        "batches": list(batches),
        "batch_id": batch_id,
        "error": error,
        "over": over,
    }
    return render(request, "orientation/assign.html", context, status=status)


def _pairs(request) -> dict[int, int]:
    """The (follow-up, referent) pairs the form sends: every row for « all », the row clicked for « one »."""
    rows = [int(v) for v in request.POST.getlist("suivi") if v.isdigit()]
    if request.POST.get("un", "").isdigit():
        rows = [int(request.POST["un"])]
    pairs = {}
    for pk in rows:
        value = request.POST.get(f"referent-{pk}", "")
        if value.isdigit():
            pairs[pk] = int(value)
    return pairs


@allow(AGENCY_HEAD)
@require_http_methods(["GET", "POST"])
def referent_assignment(request):
    if request.method == "GET":
        return _page(request)
    if request.POST.get("propositions"):
        return _apply_whole_plan(request)
    wanted = _pairs(request)
    scope = set(_unassigned(request.viewer).filter(pk__in=list(wanted)).values_list("pk", flat=True))
    pairs = [(pk, user_id) for pk, user_id in wanted.items() if pk in scope]
    if not pairs:
        return _page(request, status=400, error="Choisissez un·e référent·e pour au moins une personne.")
    try:
        result = bulk_assign(pairs, request.user, allow_over_capacity=bool(request.POST.get("depasser")))
    except OverCapacity as exc:
        return _page(request, status=400, error=" ".join(exc.messages), over=True, chosen=wanted)
    except ValidationError as exc:
        return _page(request, status=400, error=" ".join(exc.messages), chosen=wanted)
    if result.assigned:
        plural = "s" if result.assigned > 1 else ""
        messages.success(request, f"Référent·e désigné·e pour {result.assigned} personne{plural}.")
    skipped = len(wanted) - len(pairs) + result.skipped
    if skipped:
        messages.info(request, f"Sans changement pour {skipped} personne(s) : déjà attribuée(s) entre-temps.")
    for warning in result.warnings:
        messages.warning(request, warning)
    target = redirect("web:referent-assignment")
    batch_id = _batch_id(request)
    if batch_id:
        target["Location"] += f"?import={batch_id}"
    return target


def _apply_whole_plan(request):
    """Every person of the filter (e.g. a whole import), each to their suggested referent: nobody beyond capacity."""
    plan = bulk_suggest(_unassigned(request.viewer, _batch_id(request)))
    result = bulk_assign(plan, request.user)
    left = sum(1 for item in plan.items if item.user_id is None)
    plural = "s" if result.assigned > 1 else ""
    messages.success(request, f"Référent·e désigné·e pour {result.assigned} personne{plural}, selon les propositions.")
    if left:
        messages.warning(
            request, f"{left} personne(s) restent sans référent·e : personne n'a de place sous la cible pour elles."
        )
    target = redirect("web:referent-assignment")
    if _batch_id(request):
        target["Location"] += f"?import={_batch_id(request)}"
    return target
