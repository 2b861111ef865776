"""The care team of a follow-up: members, referent, and the end of the accompaniment."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from parcours.orientation.models import CareTeamMember
from parcours.orientation.services import (
    add_team_member,
    assign_referent,
    close_follow_up,
    referent_candidates,
    remove_team_member,
    team_candidates,
)
from parcours.web import forms
from parcours.web.access import ACCOMPANYING, FILE_READERS, allow
from parcours.web.views.person import get_file
from parcours.web.views.person_edit import _respond


def _team_file(request, public_id, *, managers_allowed=False):
    beneficiary, access = get_file(request, public_id)
    if access.follow_up is None:
        raise PermissionDenied
    if not (access.can_manage_team or (managers_allowed and access.can_manage_follow_up(request.viewer))):
        raise PermissionDenied
    return beneficiary, access


@allow(ACCOMPANYING)
@require_POST
def team_add(request, public_id):
    beneficiary, access = _team_file(request, public_id)
    candidates = team_candidates(access.follow_up)
    form = forms.TeamMemberForm(request.POST, candidates=candidates)
    if form.is_valid():
        membership = candidates.get(pk=form.cleaned_data["membership"])
        add_team_member(
            access.follow_up,
            by=request.user,
            user=membership.user,
            profession=membership.profession,
            role=form.cleaned_data["role"],
        )
        messages.success(request, f"{membership.user.get_full_name()} rejoint l'équipe.")
        return _respond(request, beneficiary, access, "team")
    return _respond(request, beneficiary, access, "team", status=400, team_form=form)


@allow(ACCOMPANYING)
@require_POST
def team_remove(request, public_id, member_id):
    beneficiary, access = _team_file(request, public_id)
    member = get_object_or_404(CareTeamMember, follow_up=access.follow_up, pk=member_id, until__isnull=True)
    remove_team_member(member, by=request.user)
    messages.success(request, f"{member.user.get_full_name()} ne fait plus partie de l'équipe.")
    if member.user_id == request.user.pk:
        return redirect("web:home")
    return _respond(request, beneficiary, access, "team")


@allow(FILE_READERS)
@require_POST
def referent_assign(request, public_id):
    beneficiary, access = _team_file(request, public_id, managers_allowed=True)
    candidates = referent_candidates(access.follow_up)
    form = forms.ReferentForm(request.POST, candidates=candidates)
    if form.is_valid():
        try:
            referent = candidates.get(user_id=form.cleaned_data["referent"]).user
            assign_referent(access.follow_up, by=request.user, referent=referent)
            messages.success(request, f"{referent.get_full_name()} est désormais référent·e.")
            return _respond(request, beneficiary, access, "team")
        except ValidationError as exc:
            form.add_error(None, exc.messages[0])
    return _respond(request, beneficiary, access, "team", status=400, referent_form=form)


@allow(ACCOMPANYING)
@require_POST
def follow_up_close(request, public_id):
    beneficiary, access = _team_file(request, public_id)
    form = forms.CloseFollowUpForm(request.POST)
    if form.is_valid():
        try:
            close_follow_up(
                access.follow_up,
                by=request.user,
                exit_reason=form.cleaned_data["exit_reason"],
                end_date=form.cleaned_data["end_date"],
            )
            messages.success(request, f"L'accompagnement de {beneficiary.full_name} est clos.")
            return redirect("web:home")
        except ValidationError as exc:
            form.add_error(None, exc.messages[0])
    return _respond(request, beneficiary, access, "team", status=400, close_form=form)
