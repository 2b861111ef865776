"""The person's file: one page of sections, each a template partial that htmx can refresh."""

from django.db import transaction
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from parcours.agenda.cadence import cadence_days, cadence_state
from parcours.agenda.enums import AppointmentStatus
from parcours.agenda.services import suggested_next
from parcours.diagnostics.enums import BarrierLevel
from parcours.diagnostics.services import barrier_board
from parcours.intake.review import history, survivor_shown_to
from parcours.journal.models import SENSITIVE_SECTIONS, Section
from parcours.journal.services import log_reads
from parcours.orientation.perms import file_access, visible_beneficiaries
from parcours.orientation.services import readable_notes, referent_candidates, team_candidates
from parcours.people.validators import mask_nir
from parcours.plans.enums import ActionStatus
from parcours.plans.services import current_contract
from parcours.referrals.queries import file_section as referral_file_section
from parcours.web import forms
from parcours.web.access import FILE_READERS, allow
from parcours.web.prefs_form import PreferencesForm, initial_for
from parcours.web.views import catalogue as catalogue_views
from parcours.web.views.duplicates import merged_file_page
from parcours.workshops.queries import file_section as workshop_file_section


def get_file(request, public_id, *, log_reads_of_page=False, shown_sections=SENSITIVE_SECTIONS):
    """The person's file if the viewer may open it (else 404), with what they may read and do."""
    beneficiary = (
        visible_beneficiaries(request.viewer)
        .select_related("commune", "household", "department", "contact_preference", "planning_constraints")
        .filter(public_id=public_id)
        .first()
    )
    if beneficiary is None:
        raise Http404("Dossier introuvable.")
    access = file_access(request.viewer, beneficiary)
    if log_reads_of_page:
        sensitive = access.sections & shown_sections
        if sensitive:
            log_reads(
                beneficiary,
                actor=request.user,
                profession=access.acting_profession or request.viewer.main_profession(),
                sections=sensitive,
                path=request.path,
            )
    return beneficiary, access


def file_context(request, beneficiary, access, **extra):
    follow_up = access.follow_up
    ctx = {
        "b": beneficiary,
        "access": access,
        "follow_up": follow_up,
        "Section": Section,
        "now": timezone.now(),
        "level_choices": BarrierLevel.choices,
        "action_status_choices": ActionStatus.choices,
        "appointment_status_choices": AppointmentStatus.choices,
    }
    if access.can_read(Section.NIR):
        ctx["nir_masked"] = mask_nir(beneficiary.nir)
    if follow_up is not None:
        appointments = list(beneficiary.appointments.select_related("counselor").order_by("-starts_at")[:30])
        upcoming = sorted((a for a in appointments if a.starts_at >= ctx["now"]), key=lambda a: a.starts_at)
        past = [a for a in appointments if a.starts_at < ctx["now"]]
        last = next((a for a in past if a.status == AppointmentStatus.SEEN), None)
        planned = [a for a in upcoming if a.status == AppointmentStatus.PLANNED]
        base = planned[-1] if planned else last
        today = timezone.localdate()
        days = cadence_days(on=today, department_id=follow_up.department_id)[follow_up.parcours]
        ctx.update(
            cadence=cadence_state(
                last_contact=timezone.localtime(last.starts_at).date() if last else None,
                since=follow_up.start_date,
                days=days,
                today=today,
            ),
            cadence_days=days,
            upcoming=upcoming,
            past=past,
            team=list(follow_up.team.filter(until__isnull=True).select_related("user")),
            suggested_next=suggested_next(follow_up=follow_up, after=base.starts_at if base else None),
        )
        if access.can_read(Section.SOCIO_PRO):
            board = [row for row in barrier_board(follow_up) if row["barrier"] in access.readable_barriers]
            contract = current_contract(follow_up)
            ctx.update(
                board=board,
                diagnostic=follow_up.diagnostics.select_related("author").first(),
                contract=contract,
                goals=list(contract.goals.all()) if contract else [],
            )
            ctx["suggested_services"] = catalogue_views.suggested_services(beneficiary, access)  # catalogue
    notes = list(readable_notes(access)[:50])
    ctx["notes"] = notes
    ctx["timeline"] = list(
        history(beneficiary).filter(section__in=access.sections).select_related("actor")[:50]
    )  # with the history of the files merged into this one
    ctx["merged_into"] = survivor_shown_to(request.viewer, beneficiary)
    ctx["person_workshops"] = workshop_file_section(beneficiary, access)  # issue 5 §4–5
    ctx["person_referrals"] = referral_file_section(beneficiary, access)  # issue 5 §3
    ctx.update(extra)
    return ctx


def section_forms(request, access, ctx):
    """Blank forms for each section the viewer may edit."""
    result = {}
    follow_up = access.follow_up
    if follow_up is not None and access.can_manage_follow_up(request.viewer):
        result["referent_form"] = forms.ReferentForm(
            candidates=referent_candidates(follow_up), initial={"referent": follow_up.referent_id}
        )
    if follow_up is not None and access.can_manage_team:
        result["team_form"] = forms.TeamMemberForm(candidates=team_candidates(follow_up))
        result["close_form"] = forms.CloseFollowUpForm(initial={"end_date": timezone.localdate()})
    if not access.can_edit:
        return result
    suggested = timezone.localtime(ctx["suggested_next"]) if ctx.get("suggested_next") else None
    result["appointment_form"] = forms.AppointmentForm(
        initial={"date": suggested.date(), "time": suggested.strftime("%H:%M")} if suggested else None
    )
    result["note_form"] = forms.NoteForm()
    result["prefs_form"] = PreferencesForm(initial=initial_for(ctx["b"]))
    beneficiary = ctx["b"]
    result["identity_form"] = forms.IdentityForm(instance=beneficiary, initial={"version": beneficiary.version})
    if access.can_read(Section.NIR):
        result["nir_form"] = forms.NirForm()
    if access.can_edit_socio_pro:
        contract = ctx.get("contract")
        result["goal_form"] = forms.GoalForm()
        result["diagnostic_form"] = forms.DiagnosticForm(barriers=access.readable_barriers)
        result["action_form"] = forms.ActionForm(goals=ctx.get("goals", []))
        result["contract_form"] = forms.ContractForm(
            creating=contract is None,
            initial={f: getattr(contract, f) for f in forms.ContractForm.base_fields if hasattr(contract, f)}
            if contract
            else {"weekly_hours": 15, "hours_exemption": "none"},
        )
    return result


def render_file(request, beneficiary, access, *, template="web/person/file.html", status=200, **extra):
    ctx = file_context(request, beneficiary, access, **extra)
    for name, form in section_forms(request, access, ctx).items():
        ctx.setdefault(name, form)
    return render(request, template, ctx, status=status)


@allow(FILE_READERS)
@require_GET
@transaction.non_atomic_requests
def person_file(request, public_id):
    try:
        beneficiary, access = get_file(request, public_id, log_reads_of_page=True)
    except Http404:
        return merged_file_page(request, public_id)  # a merged file's address leads to its survivor
    return render_file(request, beneficiary, access)


@allow(FILE_READERS)
@require_GET
@transaction.non_atomic_requests
def person_summary(request, public_id):
    # The summary shows the health frein, and no other sensitive section.
    try:
        beneficiary, access = get_file(request, public_id, log_reads_of_page=True, shown_sections={Section.HEALTH})
    except Http404:
        return merged_file_page(request, public_id)
    return render_file(request, beneficiary, access, template="web/person/summary.html")
