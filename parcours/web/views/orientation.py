"""The orientation queue, the decision (and réorientation) form and the person's orientation history."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from parcours.orientation import decisions, queue
from parcours.orientation.enums import RequestStatus
from parcours.orientation.perms import visible_beneficiaries
from parcours.web.access import FILE_READERS, ORIENTATION_DECIDE, ORIENTATION_QUEUE, allow
from parcours.web.views.orientation_forms import DecisionForm, QueueFilterForm


def _page_number(request) -> int:
    try:
        return max(1, int(request.GET.get("page", 1)))
    except ValueError:
        return 1


@allow(ORIENTATION_QUEUE)
@require_GET
@transaction.non_atomic_requests
def orientation_queue(request):
    viewer = request.viewer
    form = QueueFilterForm(request.GET or None, **queue.filter_choices(viewer))
    result = queue.queue_page(viewer, form.filters(), page=_page_number(request))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "result": result,
        "can_decide": queue.can_decide(viewer),
        "query": query.urlencode(),
    }
    return render(request, "orientation/queue.html", context)


def _decision_page(request, *, person, form, status=200, **extra):
    context = {"b": person, "form": form, **extra}
    return render(request, "orientation/decide.html", context, status=status)


def _apply(request, form, decide):
    """Run `decide(**data)` for a valid form; the domain's refusal becomes the form's errors."""
    if not form.is_valid():
        return None
    data = form.cleaned_data
    try:
        return decide(
            by=request.user,
            parcours=data["parcours"],
            organization=data["organization"],
            reason=data["reason"],
            decided_on=data["decided_on"],
        )
    except ValidationError as exc:
        for message in exc.messages:
            form.add_error(None, message)
        return None


@allow(ORIENTATION_DECIDE)
@require_http_methods(["GET", "POST"])
def orientation_decide(request, request_id):
    viewer = request.viewer
    departments = queue.queue_departments(viewer)
    entry = get_object_or_404(
        queue.visible_requests(viewer)
        .filter(department_id__in=departments)
        .select_related("beneficiary__commune", "beneficiary__household", "batch"),
        pk=request_id,
    )
    person = entry.beneficiary
    if entry.status != RequestStatus.WAITING:
        messages.info(request, f"{person.full_name} n'est plus dans la file d'orientation.")
        return redirect("web:orientation-history", person_id=person.public_id)
    schedule = queue.delay_schedules([entry.department_id])[entry.department_id]
    due = schedule.due_on(entry.received_on)
    days_left = (due - timezone.localdate()).days if due else None
    extra = {
        "entry": entry,
        "due_on": due,
        "days_left": days_left,
        "overdue_by": -days_left if days_left is not None and days_left < 0 else 0,
        "title": "Orienter",
    }
    organizations = decisions.organisation_choices([person.department_id])
    if request.method == "GET":
        return _decision_page(request, person=person, form=DecisionForm(organizations=organizations), **extra)
    form = DecisionForm(request.POST, organizations=organizations)
    orientation = _apply(request, form, lambda **data: decisions.orient(entry, **data))
    if orientation is None:
        return _decision_page(request, person=person, form=form, status=400, **extra)
    messages.success(
        request,
        f"{person.full_name} est orienté·e en parcours {orientation.get_parcours_display().lower()} vers "
        f"{orientation.organization} : le ou la chef·fe d'agence désignera son ou sa référent·e.",
    )
    return redirect("web:orientation-queue")


def _person(request, person_id, *, deciding=False):
    people = visible_beneficiaries(request.viewer)
    if deciding:
        people = people.filter(department_id__in=queue.queue_departments(request.viewer))
    return get_object_or_404(people.select_related("commune"), public_id=person_id)


@allow(FILE_READERS)
@require_GET
@transaction.non_atomic_requests
def orientation_history(request, person_id):
    person = _person(request, person_id)
    viewer = request.viewer
    context = {
        "b": person,
        "decisions": decisions.history(person),
        "requests": list(
            queue.visible_requests(viewer).filter(beneficiary=person).select_related("batch").order_by("-received_on")
        )
        if queue.can_decide(viewer)
        else [],
        "can_decide": person.department_id in queue.queue_departments(viewer),
    }
    context["waiting"] = next((r for r in context["requests"] if r.status == RequestStatus.WAITING), None)
    return render(request, "orientation/history.html", context)


@allow(ORIENTATION_DECIDE)
@require_http_methods(["GET", "POST"])
def orientation_reorient(request, person_id):
    person = _person(request, person_id, deciding=True)
    current = decisions.current_orientation(person)
    if current is None:
        raise Http404("Aucune décision d'orientation à remplacer.")
    organizations = decisions.organisation_choices([person.department_id])
    extra = {"current": current, "title": "Réorienter"}
    if request.method == "GET":
        initial = {"parcours": current.parcours, "organization": current.organization_id}
        form = DecisionForm(organizations=organizations, initial=initial)
        return _decision_page(request, person=person, form=form, **extra)
    form = DecisionForm(request.POST, organizations=organizations)
    orientation = _apply(request, form, lambda **data: decisions.reorient(current, **data))
    if orientation is None:
        return _decision_page(request, person=person, form=form, status=400, **extra)
    messages.success(
        request,
        f"Réorientation enregistrée : parcours {orientation.get_parcours_display().lower()}, "
        f"{orientation.organization}. L'accompagnement précédent est clos.",
    )
    return redirect("web:orientation-history", person_id=person.public_id)
