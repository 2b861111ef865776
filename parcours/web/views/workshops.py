"""Collective workshops: series, sessions, registrations with their waitlist, attendance and certificates."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from parcours.web.access import WORKSHOPS, allow
from parcours.web.views.workshops_forms import ConfirmForm, RegisterForm, SeriesForm, SessionForm
from parcours.workshops import queries, services
from parcours.workshops.certificate import certificate, filename
from parcours.workshops.enums import RegistrationStatus


def _errors(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- Series -------------------------------------------------------------------------------------------------


def _list_page(request, form=None, *, status=200):
    organizations = list(queries.organised_organizations(request.viewer).values())
    if form is None and organizations:
        form = SeriesForm(organizations=organizations)
    context = {"rows": queries.series_list(request.viewer, now=timezone.now()), "form": form}
    return render(request, "workshops/list.html", context, status=status)


@allow(WORKSHOPS)
@require_GET
@transaction.non_atomic_requests
def workshop_list(request):
    return _list_page(request)


@allow(WORKSHOPS)
@require_POST
def workshop_series_create(request):
    organizations = list(queries.organised_organizations(request.viewer).values())
    if not organizations:
        raise PermissionDenied
    form = SeriesForm(request.POST, organizations=organizations)
    if not form.is_valid():
        return _list_page(request, form, status=400)
    data = form.cleaned_data
    try:
        series = services.create_series(
            organization=data["organization"],
            by=request.user,
            title=data["title"],
            kind=data["kind"],
            description=data["description"],
            service=data["service"],
        )
    except ValidationError as error:
        form.add_error(None, _errors(error))
        return _list_page(request, form, status=400)
    messages.success(request, f"Atelier « {series.title} » créé : ajoutez maintenant ses séances.")
    return redirect("web:workshop-series", series.public_id)


def _series(request, workshop_id):
    return get_object_or_404(
        queries.visible_series(request.viewer).select_related("organization", "service"), public_id=workshop_id
    )


def _series_page(request, series, form=None, *, status=200):
    organiser = queries.can_organise(request.viewer, series)
    if form is None and organiser:
        form = SessionForm(series=series)
    context = {
        "series": series,
        "sessions": queries.sessions_of(series),
        "organiser": organiser,
        "form": form,
        "attendees": queries.attendees(request.viewer, series, organiser=organiser),
        "now": timezone.now(),
    }
    return render(request, "workshops/series.html", context, status=status)


@allow(WORKSHOPS)
@require_GET
@transaction.non_atomic_requests
def workshop_series(request, workshop_id):
    return _series_page(request, _series(request, workshop_id))


@allow(WORKSHOPS)
@require_POST
def workshop_session_create(request, workshop_id):
    series = _series(request, workshop_id)
    if not queries.can_organise(request.viewer, series):
        raise PermissionDenied
    form = SessionForm(request.POST, series=series)
    if not form.is_valid():
        return _series_page(request, series, form, status=400)
    data = form.cleaned_data
    try:
        session = services.add_session(
            series,
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            capacity=data["capacity"],
            place=data["place"],
            place_label=data["place_label"],
            facilitator=data["facilitator"],
            facilitator_name=data["facilitator_name"],
        )
    except ValidationError as error:
        form.add_error(None, _errors(error))
        return _series_page(request, series, form, status=400)
    messages.success(request, f"Séance du {timezone.localtime(session.starts_at):%d/%m/%Y à %H:%M} ajoutée.")
    return redirect("web:workshop-session", session.public_id)


# --- Sessions -----------------------------------------------------------------------------------------------


def _session(request, public_id):
    session = queries.session_for(request.viewer, public_id)
    if session is None:
        raise Http404("Séance introuvable.")
    return session


def _session_page(request, session, *, status=200, error=""):
    organiser = queries.can_organise(request.viewer, session.series)
    registered, waitlisted = queries.session_lists(request.viewer, session, organiser=organiser)
    query = request.GET.get("q", "").strip()[:100]
    now = timezone.now()
    context = {
        "session": session,
        "series": session.series,
        "organiser": organiser,
        "registered": registered,
        "waitlisted": waitlisted,
        "query": query,
        "candidates": queries.candidates(request.viewer, session, query),
        "is_over": session.ends_at <= now,
        "has_started": session.starts_at <= now,
        "seats_left": max(session.capacity - session.taken, 0),
        "error": error,
    }
    if request.htmx and request.method == "GET":
        return render(request, "workshops/session.html#candidates", context)
    return render(request, "workshops/session.html", context, status=status)


@allow(WORKSHOPS)
@require_GET
@transaction.non_atomic_requests
def workshop_session(request, workshop_session_id):
    return _session_page(request, _session(request, workshop_session_id))


@allow(WORKSHOPS)
@require_POST
def workshop_register(request, workshop_session_id):
    session = _session(request, workshop_session_id)
    form = RegisterForm(request.POST)
    if not form.is_valid():
        return _session_page(request, session, status=400, error="Choisissez la personne à inscrire.")
    person = queries.registrable(request.viewer, session, form.cleaned_data["person"])
    if person is None:
        raise Http404("Personne introuvable.")
    try:
        registration = services.register(session, person, by=request.user)
    except ValidationError as error:
        return _session_page(request, session, status=400, error=_errors(error))
    if registration.status == RegistrationStatus.WAITLISTED:
        messages.warning(
            request,
            f"Séance complète : {person.full_name} est en liste d'attente (rang {registration.waitlist_rank}).",
        )
    else:
        messages.success(request, f"{person.full_name} est inscrit·e à la séance.")
    return redirect("web:workshop-session", session.public_id)


@allow(WORKSHOPS)
@require_POST
def workshop_cancel(request, workshop_registration_id):
    registration = queries.registration_for(request.viewer, workshop_registration_id)
    if registration is None:
        raise Http404("Inscription introuvable.")
    session = _session(request, registration.session.public_id)
    if not ConfirmForm(request.POST).is_valid():
        return _session_page(request, session, status=400, error="Confirmez l'annulation.")
    try:
        promoted = services.cancel(registration, by=request.user)
    except ValidationError as error:
        return _session_page(request, session, status=400, error=_errors(error))
    text = f"Inscription annulée : {registration.beneficiary.full_name}."
    if promoted is not None:
        text += f" La place revient à {promoted.beneficiary.full_name}, qui était en tête de la liste d'attente."
    messages.success(request, text)
    return redirect("web:workshop-session", session.public_id)


@allow(WORKSHOPS)
@require_POST
def workshop_attendance(request, workshop_session_id):
    session = _session(request, workshop_session_id)
    if not queries.can_organise(request.viewer, session.series):
        raise PermissionDenied
    if not ConfirmForm(request.POST).is_valid():
        return _session_page(request, session, status=400, error="Formulaire des présences incomplet.")
    try:
        present = [int(value) for value in request.POST.getlist("present")]
        changed = services.record_attendance(session, by=request.user, present_ids=present)
    except ValueError:
        return _session_page(request, session, status=400, error="Formulaire des présences incomplet.")
    except ValidationError as error:
        return _session_page(request, session, status=400, error=_errors(error))
    messages.success(
        request,
        f"Présences enregistrées ({changed} changement{'s' if changed > 1 else ''})."
        if changed
        else "Présences enregistrées (aucun changement).",
    )
    return redirect("web:workshop-session", session.public_id)


# --- Certificate --------------------------------------------------------------------------------------------


@allow(WORKSHOPS)
@require_GET
@transaction.non_atomic_requests
def workshop_certificate(request, workshop_id, attendee_id):
    series = _series(request, workshop_id)
    organiser = queries.can_organise(request.viewer, series)
    person = queries.certificate_person(request.viewer, series, attendee_id, organiser=organiser)
    if person is None:
        raise Http404("Aucune présence de cette personne à cet atelier.")
    response = HttpResponse(certificate(person, series), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename(person, series)}"'
    return response
