"""« Imports »: upload a spreadsheet or the CAF/MSA flux, check the mapping and the preview, follow the background
run, download the rejected rows. A batch out of the viewer's scope answers 404; stored files are never served."""

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, resolve, reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from parcours.intake import engine, uploads
from parcours.intake.enums import BatchKind, BatchStatus, RowOutcome
from parcours.intake.headers import FIELD_LABELS
from parcours.intake.mappings import save_mapping, set_batch_mapping, suggest_mapping
from parcours.intake.records import Unreadable
from parcours.web.access import IMPORTS, allow
from parcours.web.views.imports_forms import MappingForm, StartForm, UploadForm

FINISHED = (BatchStatus.DONE, BatchStatus.FAILED)
EXAMPLES_SHOWN = 5
# Polling answers 286 once the run is over: htmx then stops polling (and swaps the summary in).
STOP_POLLING = 286


def _batch(request, batch_id):
    return get_object_or_404(
        uploads.visible_batches(request.viewer).select_related("organization", "department", "created_by"),
        public_id=batch_id,
    )


@allow(IMPORTS)
@require_GET
@transaction.non_atomic_requests
def imports(request):
    return render(request, "intake/imports.html", {"batches": uploads.recent_batches(request.viewer)})


@allow(IMPORTS)
@require_http_methods(["GET", "POST"])
def import_new(request):
    if request.method == "POST":
        if int(request.META.get("CONTENT_LENGTH") or 0) > uploads.FLUX_MAX_BYTES + 1024 * 1024:  # body left unread
            error = f"Le fichier dépasse la taille maximale ({uploads.FLUX_MAX_BYTES // 1024 // 1024} Mo)."
            context = {"form": UploadForm(viewer=request.viewer), "error": error}
            return render(request, "intake/import_new.html", context, status=413)
        form = UploadForm(request.POST, request.FILES, viewer=request.viewer)
        if form.is_valid():
            try:
                batch = uploads.receive(
                    form.cleaned_data["file"], viewer=request.viewer, organization=form.cleaned_data["organization"]
                )
            except Unreadable as exc:
                form.add_error("file", f"Fichier illisible : {exc}")
            else:
                uploads.refresh_preview(batch)
                return redirect("web:import-batch", batch_id=batch.public_id)
        return render(request, "intake/import_new.html", {"form": form}, status=400)
    return render(request, "intake/import_new.html", {"form": UploadForm(viewer=request.viewer)})


@allow(IMPORTS)
@require_GET
def import_batch(request, batch_id):
    """The preview (mapping and counts) before the run, the progress during it, the summary after it."""
    batch = _batch(request, batch_id)
    if batch.status == BatchStatus.PREVIEWED:
        if not batch.preview and not batch.error:
            uploads.refresh_preview(batch)
        return _preview_page(request, batch)
    return render(request, "intake/batch_run.html", _run_context(request, batch))


def _preview_page(request, batch, form=None, *, status=200):
    headers, samples = uploads.sheet_columns(batch)
    if form is None and headers:
        form = MappingForm(headers=headers, mapping=batch.mapping, samples=samples)
    saved = suggest_mapping(headers, batch.organization)[1] if headers and batch.organization else None
    preview = batch.preview or {}
    labels = dict(RowOutcome.choices)
    counts = [(outcome, labels[outcome], (preview.get("counts") or {}).get(outcome, 0)) for outcome in labels]
    examples = [
        (labels[outcome], shown[:EXAMPLES_SHOWN])
        for outcome, shown in (preview.get("examples") or {}).items()
        if shown and outcome in labels
    ]
    context = {
        "batch": batch,
        "form": form,
        "saved": saved,
        "ignored": [h for h in headers if not batch.mapping.get(h)],
        "mapped": [(h, FIELD_LABELS[batch.mapping[h]]) for h in headers if batch.mapping.get(h) in FIELD_LABELS],
        "problems": uploads.problems_of(batch),
        "counts": counts,
        "examples": examples,
        "computing": not batch.preview and not batch.error and not uploads.problems_of(batch),
        "can_start": uploads.can_start(batch),
    }
    return render(request, "intake/batch_preview.html", context, status=status)


@allow(IMPORTS)
@require_POST
def import_mapping(request, batch_id):
    batch = _batch(request, batch_id)
    headers, samples = uploads.sheet_columns(batch)
    if batch.kind != BatchKind.SHEET or batch.status != BatchStatus.PREVIEWED or not headers:
        messages.error(request, "La correspondance des colonnes ne peut plus être modifiée pour cet import.")
        return redirect("web:import-batch", batch_id=batch.public_id)
    form = MappingForm(request.POST, headers=headers, mapping=batch.mapping, samples=samples)
    if not form.is_valid():
        return _preview_page(request, batch, form, status=400)
    mapping = form.mapping()
    if not set_batch_mapping(batch, mapping):
        messages.error(request, "L'import a déjà commencé : la correspondance ne peut plus changer.")
        return redirect("web:import-batch", batch_id=batch.public_id)
    name = form.cleaned_data["save_as"]
    if name and batch.organization is not None:
        save_mapping(batch.organization, name, mapping, by=request.user)
        messages.success(request, f"Correspondance enregistrée sous le nom « {name} » pour {batch.organization.name}.")
    else:
        messages.success(request, "Correspondance des colonnes mise à jour.")
    uploads.refresh_preview(batch)
    return redirect("web:import-batch", batch_id=batch.public_id)


@allow(IMPORTS)
@require_POST
def import_start(request, batch_id):
    batch = _batch(request, batch_id)
    if not StartForm(request.POST).is_valid():
        return HttpResponse("Confirmation manquante.", status=400, content_type="text/plain; charset=utf-8")
    if uploads.start(batch):
        messages.success(request, "Import lancé : il se poursuit en arrière-plan, vous pouvez quitter cette page.")
    else:
        messages.error(request, "Cet import ne peut pas être lancé (déjà lancé, ou aperçu incomplet).")
    return redirect("web:import-batch", batch_id=batch.public_id)


@allow(IMPORTS)
@require_GET
@transaction.non_atomic_requests
def import_progress(request, batch_id):
    """The polled fragment: progress while the run goes on; the summary, with 286 (stop polling), once it is over.
    Before the run, it waits for a preview computed in the background, then asks for a full refresh."""
    batch = _batch(request, batch_id)
    if batch.status == BatchStatus.PREVIEWED:
        response = HttpResponse(status=204)
        if batch.preview or batch.error:
            response = HttpResponse(status=STOP_POLLING)
            response["HX-Refresh"] = "true"
        return response
    status = STOP_POLLING if batch.status in FINISHED else 200
    context = {**_run_context(request, batch), "oob": True}
    return render(request, "intake/_run_status.html", context, status=status)


def _allowed_link(request, name: str) -> str:
    """The URL of another area's page when it exists and the viewer may open it, else ""."""
    try:
        url = reverse(name)
    except NoReverseMatch:
        return ""
    rule = getattr(resolve(url).func, "access_rule", None)
    return url if rule is not None and rule.allows(request) else ""


def _run_context(request, batch) -> dict:
    finished = batch.status in FINISHED
    return {
        "batch": batch,
        "finished": finished,
        "has_issues": bool(batch.rejected or batch.to_review),
        "duplicates_url": _allowed_link(request, "web:duplicates") if finished and batch.to_review else "",
        "orientation_url": _allowed_link(request, "web:orientation-queue") if finished else "",
        "announce": 10 * (batch.percent // 10),
    }


@allow(IMPORTS)
@require_GET
@transaction.non_atomic_requests
def import_issues(request, batch_id):
    """The rejected and to-review rows with their reason, as CSV or XLSX (never the stored file itself)."""
    batch = _batch(request, batch_id)
    fmt = request.GET.get("format", "csv")
    if fmt not in ("csv", "xlsx"):
        raise Http404
    content, content_type, filename = engine.issues_file(batch, fmt)
    response = HttpResponse(content, content_type=content_type)
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in filename) or f"rejets.{fmt}"
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=safe)
    response["Cache-Control"] = "no-store"
    return response
