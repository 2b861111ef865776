"""The work queue (alerts, no-show procedures, review panel cases), the relance letter and the panel's decision."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET, require_POST

from parcours.alerts import queries
from parcours.alerts.services import decide_case, examine_case, handle_alert
from parcours.core.concurrency import EditConflict
from parcours.web.access import AGENCY_HEAD, WORK_QUEUE, allow
from parcours.web.views.alerts_forms import AlertFilterForm, ReviewDecisionForm


@allow(WORK_QUEUE)
@require_GET
@transaction.non_atomic_requests
def work_queue(request):
    viewer = request.viewer
    form = AlertFilterForm(request.GET or None)
    kind = form.cleaned_data["type"] if form.is_valid() else ""
    groups = queries.open_alerts(viewer, kind=kind)
    context = {
        "form": form,
        "groups": groups,
        "alert_total": sum(g.count for g in groups),
        "procedures": queries.procedures_in_progress(viewer),
        "cases": queries.review_cases(viewer),
        "is_head": queries.is_head(viewer),
    }
    return render(request, "alerts/work_queue.html", context)


@allow(WORK_QUEUE)
@require_POST
def alert_handle(request, alert_id):
    alert = get_object_or_404(
        queries.visible_alerts(request.viewer).select_related("beneficiary", "follow_up__referent"), pk=alert_id
    )
    if handle_alert(alert, by=request.user):
        messages.success(request, f"Alerte « {alert.get_kind_display()} » marquée comme traitée.")
    else:
        messages.info(request, "Cette alerte était déjà traitée ou sa cause a disparu.")
    if request.htmx:
        context = {"a": alert, "is_head": queries.is_head(request.viewer)}
        response = render(request, "alerts/work_queue.html#alert-row", context)
        response.write(render_to_string("components/messages_oob.html", request=request))
        return response
    return redirect("web:work-queue")


@allow(WORK_QUEUE)
@require_GET
@transaction.non_atomic_requests
def no_show_letter(request, procedure_id):
    """The relance letter of a procedure that reached that step, ready to print (print.css)."""
    procedure = get_object_or_404(
        queries.visible_procedures(request.viewer)
        .filter(letter_at__isnull=False)
        .select_related("beneficiary__commune", "follow_up__organization", "follow_up__referent"),
        pk=procedure_id,
    )
    context = {
        "procedure": procedure,
        "b": procedure.beneficiary,
        "follow_up": procedure.follow_up,
        **queries.letter_facts(procedure),
    }
    return render(request, "alerts/letter.html", context)


def _case(request, case_id):
    return get_object_or_404(
        queries.visible_cases(request.viewer).select_related(
            "beneficiary", "follow_up__referent", "follow_up__organization", "examined_by", "decided_by"
        ),
        pk=case_id,
    )


def _case_page(request, case, form=None, *, status=200, error=""):
    context = {
        "case": case,
        "snapshot": case.snapshot,
        "form": form or ReviewDecisionForm(initial={"version": case.version}),
        "error": error,
    }
    return render(request, "alerts/review_case.html", context, status=status)


@allow(AGENCY_HEAD)
@require_GET
@transaction.non_atomic_requests
def review_case(request, case_id):
    return _case_page(request, _case(request, case_id))


@allow(AGENCY_HEAD)
@require_POST
def review_case_decide(request, case_id):
    case = _case(request, case_id)
    form = ReviewDecisionForm(request.POST)
    if not form.is_valid():
        return _case_page(request, case, form, status=400, error="Le formulaire contient des erreurs.")
    data = form.cleaned_data
    try:
        if data["action"] == "examine":
            examine_case(case, by=request.user, expected_version=data["version"])
            messages.success(request, "Examen du dossier enregistré.")
        else:
            decide_case(
                case,
                by=request.user,
                decision_kind=data["decision_kind"],
                decision=data["decision"],
                expected_version=data["version"],
            )
            messages.success(request, "Décision enregistrée ; la relance de la personne est close.")
    except EditConflict as exc:
        return _case_page(request, _case(request, case_id), status=409, error=str(exc))
    except ValidationError as exc:
        return _case_page(request, case, form, status=400, error=" ".join(exc.messages))
    return redirect("web:review-case", case_id=case.pk)
