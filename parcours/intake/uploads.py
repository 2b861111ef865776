"""Imports from the web pages: who imports for what, receiving an uploaded file, keeping its preview current.

Orientation officers import for their département (the CAF/MSA flux, and spreadsheets for any organisation of
it); administrators and managers of an organisation import spreadsheets for that organisation. A batch is visible
to the same people: the département's orientation officers, the organisation's administrators and managers.
"""

import tempfile
from pathlib import Path

from django.db.models import Q

from parcours.accounts.enums import MembershipRole, Profession
from parcours.intake import engine
from parcours.intake.enums import BatchKind, BatchStatus
from parcours.intake.headers import mapping_problems
from parcours.intake.models import ImportBatch
from parcours.intake.records import Unreadable
from parcours.intake.sheets import EXTENSIONS, MAX_BYTES, auto_mapping, open_sheet
from parcours.jobs.api import enqueue, job
from parcours.jobs.queues import BULK
from parcours.organizations.models import Department, Organization

FLUX_EXTENSIONS = (".xml",)
FLUX_MAX_BYTES = 500 * 1024 * 1024
PREVIEW_INLINE_ROWS = 20_000  # above, the preview is computed in the background (bulk queue)


# --- Who imports what -------------------------------------------------------------------------------------


def flux_departments(viewer) -> frozenset:
    """Départements whose CAF/MSA flux (and every organisation's sheets) the viewer imports."""
    return frozenset(m.organization.department_id for m in viewer.memberships_as(Profession.ORIENTATION_OFFICER))


def managed_organization_ids(viewer) -> frozenset:
    """Organisations whose sheets the viewer imports as their administrator or manager."""
    return frozenset(
        m.organization_id
        for m in viewer.memberships
        if m.profession == Profession.ADMINISTRATOR or m.role == MembershipRole.MANAGER
    )


def can_import(viewer) -> bool:
    return bool(flux_departments(viewer) or managed_organization_ids(viewer))


def importable_organizations(viewer):
    return Organization.objects.filter(
        Q(department_id__in=flux_departments(viewer)) | Q(pk__in=managed_organization_ids(viewer))
    ).order_by("department__code", "name")


def visible_batches(viewer):
    return ImportBatch.objects.filter(
        Q(department_id__in=flux_departments(viewer)) | Q(organization_id__in=managed_organization_ids(viewer))
    )


def recent_batches(viewer, limit: int = 50):
    return list(visible_batches(viewer).select_related("organization", "created_by", "department")[:limit])


# --- Receiving a file ---------------------------------------------------------------------------------------


def kind_of(filename: str) -> str:
    """The kind of import from the file's extension, or "" when the extension is not accepted."""
    extension = Path(filename).suffix.lower()
    if extension in FLUX_EXTENSIONS:
        return BatchKind.CAF_FLUX
    return BatchKind.SHEET if extension in EXTENSIONS else ""


def size_limit(filename: str) -> int:
    return FLUX_MAX_BYTES if kind_of(filename) == BatchKind.CAF_FLUX else MAX_BYTES


def receive(uploaded, *, viewer, organization=None) -> ImportBatch:
    """Keep an uploaded file as a new batch (or the unfinished batch of the same file), with its mapping.

    Raises Unreadable (French message) for a file refused: format, size, content, or a flux of a département the
    viewer does not import for."""
    filename = Path(uploaded.name or "").name
    kind = kind_of(filename)
    if not kind:
        allowed = ", ".join(e.lstrip(".").upper() for e in (*EXTENSIONS, *FLUX_EXTENSIONS))
        raise Unreadable(f"Format de fichier non pris en charge : importez un fichier {allowed}.")
    if uploaded.size > size_limit(filename):
        raise Unreadable(f"Le fichier dépasse la taille maximale ({size_limit(filename) // 1024 // 1024} Mo).")
    with tempfile.TemporaryDirectory(prefix="parcours-upload-") as folder:
        path = Path(folder) / f"fichier{Path(filename).suffix.lower()[:6]}"
        with open(path, "wb") as out:
            for chunk in uploaded.chunks():
                out.write(chunk)
        if kind == BatchKind.CAF_FLUX:
            department = _flux_department(path, filename, viewer)
            return engine.create_batch(
                department=department, kind=kind, source_path=path, filename=filename, created_by=viewer.user
            )
        if organization is None or organization.pk not in {o.pk for o in importable_organizations(viewer)}:
            raise Unreadable("Choisissez l'organisation pour laquelle vous importez ce tableur.")
        sheet = open_sheet(path, filename)
        return engine.create_batch(
            department=organization.department,
            kind=kind,
            source_path=path,
            filename=filename,
            organization=organization,
            created_by=viewer.user,
            mapping=auto_mapping(sheet.headers, organization),
        )


def _flux_department(path, filename, viewer):
    _reader, header = engine.open_source(BatchKind.CAF_FLUX, path, filename)
    code = header.department_code if header else ""
    department = Department.objects.filter(code=code, pk__in=flux_departments(viewer)).first()
    if department is None:
        raise Unreadable(f"Ce flux concerne le département « {code} », pour lequel vous n'importez pas.")
    return department


# --- Preview ----------------------------------------------------------------------------------------------------


def sheet_columns(batch, rows: int = 5) -> tuple[list, dict]:
    """(headers as read, {header: first value found in the first data rows}) of a sheet batch's file, to show and
    correct its mapping; ([], {}) when the file is gone (import finished) or unreadable."""
    if batch.kind != BatchKind.SHEET or not batch.stored_path or not Path(batch.stored_path).exists():
        return [], {}
    try:
        sheet = open_sheet(batch.stored_path, batch.filename)
        samples = {}
        for n, (_line, cells) in enumerate(sheet.rows()):
            for header, cell in zip(sheet.headers, cells, strict=False):
                if cell and header not in samples:
                    samples[header] = cell
            if n + 1 >= rows:
                break
    except Unreadable:
        return [], {}
    return sheet.headers, samples


def problems_of(batch) -> list[str]:
    """What prevents starting the import (French)."""
    if batch.kind == BatchKind.SHEET:
        return mapping_problems(batch.mapping)
    return []


def refresh_preview(batch) -> None:
    """Compute the preview now for a small file, or ask the bulk queue for it (PREVIEW_INLINE_ROWS); a file found
    unreadable half-way is recorded on the batch (its error), and the import cannot start."""
    if batch.status != BatchStatus.PREVIEWED or problems_of(batch):
        return
    if (batch.rows_total or 0) > PREVIEW_INLINE_ROWS:
        enqueue(preview_in_background.job_path, batch.pk, batch.mapping, queue=BULK)
        return
    _preview(batch)


def _preview(batch) -> None:
    try:
        engine.preview(batch)
    except Unreadable as exc:
        batch.error = str(exc)
        ImportBatch.objects.filter(pk=batch.pk).update(error=batch.error)


@job(max_attempts=2, queue=BULK)
def preview_in_background(batch_id: int, mapping: dict) -> None:
    """The preview of a large file (bulk queue); skipped when the batch started or its mapping changed since."""
    batch = ImportBatch.objects.select_related("department").filter(pk=batch_id).first()
    if batch is not None and batch.status == BatchStatus.PREVIEWED and batch.mapping == mapping:
        _preview(batch)


def can_start(batch) -> bool:
    return (
        batch.status in (BatchStatus.PREVIEWED, BatchStatus.FAILED)
        and not problems_of(batch)
        and bool(batch.preview or batch.status == BatchStatus.FAILED)
        and not (batch.error and batch.status == BatchStatus.PREVIEWED)
        and bool(batch.stored_path)
    )


def start(batch) -> bool:
    """Launch the background run (again, after a failure: it resumes). False when the batch cannot start."""
    if not can_start(batch):
        return False
    claimed = ImportBatch.objects.filter(pk=batch.pk, status__in=(BatchStatus.PREVIEWED, BatchStatus.FAILED)).update(
        status=BatchStatus.QUEUED
    )
    if not claimed:  # started meanwhile (a second click, another tab)
        return False
    engine.start(batch)
    batch.status = BatchStatus.QUEUED
    return True
