"""Changes to a person's file. Each view: scoped fetch, permission, form, domain service, answer.

With htmx the answer is the refreshed section; without JavaScript, a redirect to the file (or the page
with the errors).
"""

import copy

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_POST

from parcours.agenda.models import Appointment
from parcours.agenda.services import plan_appointment, record_outcome
from parcours.core.concurrency import EditConflict
from parcours.diagnostics.services import grade_barrier, make_diagnostic
from parcours.journal.models import Section
from parcours.orientation.enums import NoteVisibility
from parcours.orientation.services import add_note
from parcours.people.services import update_beneficiary
from parcours.plans.models import Action, Goal
from parcours.plans.services import (
    add_action,
    add_goal,
    create_contract,
    current_contract,
    set_action_status,
    update_contract,
)
from parcours.web import forms
from parcours.web.access import ACCOMPANYING, allow
from parcours.web.views.person import get_file, render_file


def _respond(request, beneficiary, access, section, *, status=200, **extra):
    if request.htmx:
        response = render_file(
            request, beneficiary, access, template=f"web/person/file.html#{section}", status=status, **extra
        )
        response.write(render_to_string("components/messages_oob.html", request=request))
        return response
    if status >= 400:
        return render_file(request, beneficiary, access, status=status, **extra)
    return redirect(reverse("web:person", args=[beneficiary.public_id]) + f"#{section}")


def _editable(request, public_id, *, socio_pro=False):
    beneficiary, access = get_file(request, public_id)
    allowed = access.can_edit_socio_pro if socio_pro else access.can_edit
    if not allowed:
        raise PermissionDenied
    return beneficiary, access


def _fail(form, exc):
    for message in getattr(exc, "messages", [str(exc)]):
        form.add_error(None, message)


@allow(ACCOMPANYING)
@require_POST
def appointment_outcome(request, public_id, appointment_id):
    beneficiary, access = _editable(request, public_id)
    appointment = get_object_or_404(Appointment, beneficiary=beneficiary, public_id=appointment_id)
    form = forms.AppointmentOutcomeForm(request.POST)
    if form.is_valid():
        try:
            record_outcome(
                appointment,
                by=request.user,
                status=form.cleaned_data["status"],
                report=form.cleaned_data["report"],
                expected_version=form.cleaned_data["version"],
            )
            messages.success(request, "Rendez-vous mis à jour.")
            return _respond(request, beneficiary, access, "appointments")
        except EditConflict as exc:
            return _respond(
                request, beneficiary, access, "appointments", status=409, outcome_error=(appointment.pk, str(exc))
            )
        except ValidationError as exc:
            _fail(form, exc)
    errors = " ".join(e for errs in form.errors.values() for e in errs)
    return _respond(request, beneficiary, access, "appointments", status=400, outcome_error=(appointment.pk, errors))


@allow(ACCOMPANYING)
@require_POST
def appointment_create(request, public_id):
    beneficiary, access = _editable(request, public_id)
    form = forms.AppointmentForm(request.POST)
    if form.is_valid():
        try:
            data = form.cleaned_data
            plan_appointment(
                beneficiary,
                follow_up=access.follow_up,
                counselor=request.user,
                by=request.user,
                starts_at=data["starts_at"],
                duration_minutes=data["duration_minutes"],
                kind=data["kind"],
                mode=data["mode"],
                place=data["place"],
            )
            messages.success(request, "Rendez-vous planifié.")
            return _respond(request, beneficiary, access, "appointments")
        except ValidationError as exc:
            _fail(form, exc)
    return _respond(request, beneficiary, access, "appointments", status=400, appointment_form=form)


@allow(ACCOMPANYING)
@require_POST
def barrier_update(request, public_id):
    beneficiary, access = _editable(request, public_id, socio_pro=True)
    form = forms.BarrierForm(request.POST)
    if form.is_valid() and form.cleaned_data["barrier"] in access.readable_barriers:
        grade_barrier(
            access.follow_up,
            barrier=form.cleaned_data["barrier"],
            level=form.cleaned_data["level"],
            comment=form.cleaned_data["comment"],
            by=request.user,
        )
        return _respond(request, beneficiary, access, "diagnostic")
    return _respond(request, beneficiary, access, "diagnostic", status=400, barrier_error="Choisissez un état valide.")


@allow(ACCOMPANYING)
@require_POST
def diagnostic_create(request, public_id):
    beneficiary, access = _editable(request, public_id, socio_pro=True)
    form = forms.DiagnosticForm(request.POST, barriers=access.readable_barriers)
    if form.is_valid():
        data = form.cleaned_data
        make_diagnostic(
            access.follow_up,
            by=request.user,
            situation=data["situation"],
            strengths=data["strengths"],
            project=data["project"],
            rome_code=data["rome_code"],
            levels=form.levels(),
        )
        messages.success(request, "Diagnostic enregistré.")
        return _respond(request, beneficiary, access, "diagnostic")
    return _respond(request, beneficiary, access, "diagnostic", status=400, diagnostic_form=form)


@allow(ACCOMPANYING)
@require_POST
def contract_save(request, public_id):
    beneficiary, access = _editable(request, public_id, socio_pro=True)
    contract = current_contract(access.follow_up)
    form = forms.ContractForm(request.POST, creating=contract is None)
    if form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            if contract is None:
                create_contract(access.follow_up, by=request.user, **data)
            else:
                update_contract(contract, by=request.user, expected_version=version, **data)
            messages.success(request, "Contrat enregistré.")
            return _respond(request, beneficiary, access, "contract")
        except EditConflict as exc:
            form.add_error(None, str(exc))
            return _respond(request, beneficiary, access, "contract", status=409, contract_form=form)
        except ValidationError as exc:
            _fail(form, exc)
    return _respond(request, beneficiary, access, "contract", status=400, contract_form=form)


@allow(ACCOMPANYING)
@require_POST
def goal_create(request, public_id):
    beneficiary, access = _editable(request, public_id, socio_pro=True)
    contract = current_contract(access.follow_up)
    form = forms.GoalForm(request.POST)
    if contract is not None and form.is_valid():
        add_goal(contract, by=request.user, **form.cleaned_data)
        return _respond(request, beneficiary, access, "contract")
    if contract is None:
        form.add_error(None, "Créez d'abord le contrat.")
    return _respond(request, beneficiary, access, "contract", status=400, goal_form=form)


@allow(ACCOMPANYING)
@require_POST
def action_create(request, public_id):
    beneficiary, access = _editable(request, public_id, socio_pro=True)
    goals = Goal.objects.filter(contract__follow_up=access.follow_up)
    form = forms.ActionForm(request.POST, goals=goals)
    if form.is_valid():
        data = form.cleaned_data
        goal = goals.get(pk=data["goal"])
        add_action(goal, by=request.user, title=data["title"], owner=data["owner"], due_date=data["due_date"])
        messages.success(request, "Action ajoutée.")
        return _respond(request, beneficiary, access, "contract")
    return _respond(request, beneficiary, access, "contract", status=400, action_form=form)


@allow(ACCOMPANYING)
@require_POST
def action_status(request, public_id, action_id):
    beneficiary, access = _editable(request, public_id, socio_pro=True)
    action = get_object_or_404(Action, follow_up=access.follow_up, pk=action_id)
    form = forms.ActionStatusForm(request.POST)
    if form.is_valid():
        set_action_status(action, by=request.user, status=form.cleaned_data["status"])
        return _respond(request, beneficiary, access, "contract")
    return _respond(request, beneficiary, access, "contract", status=400)


@allow(ACCOMPANYING)
@require_POST
def note_create(request, public_id):
    beneficiary, access = _editable(request, public_id)
    form = forms.NoteForm(request.POST)
    if form.is_valid():
        add_note(
            beneficiary,
            by=request.user,
            profession=access.acting_profession,
            body=form.cleaned_data["body"],
            visibility=form.cleaned_data["visibility"] or NoteVisibility.TEAM,
        )
        messages.success(request, "Note ajoutée.")
        return _respond(request, beneficiary, access, "notes")
    return _respond(request, beneficiary, access, "notes", status=400, note_form=form)


@allow(ACCOMPANYING)
@require_POST
def identity_save(request, public_id):
    beneficiary, access = _editable(request, public_id)
    # The form validates a copy: the file shown with the errors keeps the stored values.
    form = forms.IdentityForm(request.POST, instance=copy.copy(beneficiary))
    if form.is_valid():
        changes = {f: form.cleaned_data[f] for f in form.changed_data if f != "version"}
        try:
            if changes:
                update_beneficiary(
                    beneficiary,
                    by=request.user,
                    expected_version=form.cleaned_data["version"],
                    changes=changes,
                    section=Section.IDENTITY,
                )
            messages.success(request, "Identité et coordonnées enregistrées.")
            return _respond(request, beneficiary, access, "identity")
        except EditConflict as exc:
            beneficiary.refresh_from_db()
            form.add_error(None, str(exc))
            return _respond(request, beneficiary, access, "identity", status=409, identity_form=form)
    return _respond(request, beneficiary, access, "identity", status=400, identity_form=form, identity_open=True)


@allow(ACCOMPANYING)
@require_POST
def nir_save(request, public_id):
    beneficiary, access = _editable(request, public_id)
    if not access.can_read(Section.NIR):
        raise PermissionDenied
    form = forms.NirForm(request.POST)
    if form.is_valid():
        try:
            update_beneficiary(
                beneficiary,
                by=request.user,
                expected_version=form.cleaned_data["version"],
                changes={"nir": form.cleaned_data["nir"]},
                section=Section.NIR,
            )
            messages.success(request, "NIR enregistré.")
            return _respond(request, beneficiary, access, "identity")
        except EditConflict as exc:
            form.add_error(None, str(exc))
            return _respond(request, beneficiary, access, "identity", status=409, nir_form=form)
        except ValidationError as exc:
            _fail(form, exc)
    return _respond(request, beneficiary, access, "identity", status=400, nir_form=form)
