"""« Doublons à examiner »: probable duplicates side by side, merge, different people, undo; merged files."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from parcours.intake import review
from parcours.intake.merge import mark_distinct, merge, undo
from parcours.web.access import DUPLICATE_REVIEW, allow


class QueueForm(forms.Form):
    tri = forms.ChoiceField(
        label="Ordre", required=False, choices=[(k, label) for k, (label, _o) in review.ORDERS.items()]
    )
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class MergeForm(forms.Form):
    keep = forms.ChoiceField(choices=[("existing", "Fiche de gauche"), ("incoming", "Fiche de droite")])


@allow(DUPLICATE_REVIEW)
@require_GET
@transaction.non_atomic_requests
def duplicates(request):
    return _queue_page(request, QueueForm(request.GET or None))


def _queue_page(request, form, *, status=200):
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    result = review.queue(request.viewer, order=data.get("tri") or "score", page=data.get("page") or 1)
    return render(request, "duplicates/queue.html", {"form": form, "queue": result}, status=status)


def _back(request):
    order = request.POST.get("tri")
    url = redirect("web:duplicates").url
    return redirect(f"{url}?tri={order}") if order in review.ORDERS else redirect(url)


@allow(DUPLICATE_REVIEW)
@require_POST
def duplicate_merge(request, suspect_id):
    suspect = get_object_or_404(
        review.visible_suspects(request.viewer).select_related("existing", "incoming"), pk=suspect_id
    )
    form = MergeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choisissez la fiche à garder.")
        return _queue_page(request, QueueForm(), status=400)
    survivor = suspect.existing if form.cleaned_data["keep"] == "existing" else suspect.incoming
    try:
        merge(suspect, by=request.user, survivor=survivor)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Fiches fusionnées : le dossier de {survivor.full_name} réunit désormais les deux.")
    return _back(request)


@allow(DUPLICATE_REVIEW)
@require_POST
def duplicate_distinct(request, suspect_id):
    suspect = get_object_or_404(review.visible_suspects(request.viewer), pk=suspect_id)
    try:
        mark_distinct(suspect, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Rapprochement écarté : ce sont deux personnes différentes.")
    return _back(request)


@allow(DUPLICATE_REVIEW)
@require_POST
def merge_undo(request, record_id):
    merge_record = get_object_or_404(
        review.visible_merges(request.viewer).select_related("survivor", "absorbed"), pk=record_id
    )
    try:
        undo(merge_record, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            f"Fusion annulée : {merge_record.absorbed.full_name} et {merge_record.survivor.full_name} "
            "ont de nouveau chacun leur dossier.",
        )
    return _back(request)


def merged_file_page(request, public_id):
    """The address of a merged file, for someone who may open the survivor: a page pointing to it (else 404)."""
    survivor = review.merged_file_survivor(request.viewer, public_id)
    if survivor is None:
        raise Http404("Dossier introuvable.")
    return render(request, "duplicates/merged.html", {"merged_into": survivor})
