"""Imports from start to end: keep the file, preview, run in resumable chunks, give the rejected rows back.

A batch's rows come from its file in a fixed order (the parsers are deterministic); chunk k is rows
[k × size, (k + 1) × size). Each chunk commits in one transaction together with its ledger line (ImportChunk) and
the batch counters: a run stopped anywhere (crash, kill -9, deploy) resumes after the last committed chunk, and
the result is exactly the one of an uninterrupted run.
"""

import csv
import hashlib
import io
import itertools
import json
import logging
import shutil
import uuid
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from parcours.intake.enums import BatchKind, BatchStatus, RowOutcome
from parcours.intake.models import COUNTERS, ImportBatch, ImportChunk
from parcours.intake.records import Unreadable
from parcours.intake.upsert import ChunkImport, Communes

logger = logging.getLogger(__name__)

UNFINISHED = (BatchStatus.PREVIEWED, BatchStatus.QUEUED, BatchStatus.RUNNING, BatchStatus.FAILED)


class _DryRun(Exception):
    pass


def sha256_of(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def detect_kind(filename: str) -> str:
    return BatchKind.CAF_FLUX if filename.lower().endswith(".xml") else BatchKind.SHEET


def open_source(kind, path, filename):
    """The parser of a file: (reader with count() and iteration, header or None). Raises Unreadable."""
    if kind == BatchKind.CAF_FLUX:
        from parcours.intake.flux import read_flux

        reader = read_flux(path)
        return reader, reader.header
    from parcours.intake.sheets import open_sheet

    return open_sheet(path, filename), None


def create_batch(
    *, department=None, kind=None, source_path, filename, organization=None, created_by=None, mapping=None
) -> ImportBatch:
    """Keep a copy of the file and describe it; the unfinished batch of the same file is returned instead (resume).

    For a flux, the département is the one the flux names (IDEPARTE) unless one is given. Raises Unreadable.
    """
    from parcours.organizations.models import Department

    kind = kind or detect_kind(filename)
    source_path = Path(source_path)
    reader, header = open_source(kind, source_path, filename)
    total = reader.count()
    if department is None:
        code = (header.department_code if header else "") or ""
        department = Department.objects.filter(code=code).first()
        if department is None:
            raise Unreadable(f"Le flux concerne le département « {code} », qui n'est pas géré dans Parcours.")
    digest = sha256_of(source_path)
    same = ImportBatch.objects.filter(
        department=department, kind=kind, organization=organization, sha256=digest, status__in=UNFINISHED
    )
    batch = same.order_by("-created_at").first()
    if batch is not None and batch.chunks.exists():
        return batch  # already started: resume it as it was (same mapping)
    batch = batch or ImportBatch(department=department, kind=kind, organization=organization, sha256=digest)
    batch.filename = Path(filename).name[:255]
    batch.size = source_path.stat().st_size
    batch.created_by = created_by
    batch.rows_total = total
    batch.mapping = mapping if mapping is not None else (batch.mapping or {})
    if header is not None:
        batch.flux_type, batch.flux_nature, batch.reference_date = (
            header.flux_type,
            header.nature,
            header.reference_date,
        )
    if not batch.stored_path:
        settings.IMPORTS_DIR.mkdir(parents=True, exist_ok=True)
        stored = settings.IMPORTS_DIR / f"{uuid.uuid4().hex}{source_path.suffix.lower()[:6]}"
        shutil.copyfile(source_path, stored)
        batch.stored_path = str(stored)
    batch.save()
    return batch


def records_for(batch):
    reader, _header = open_source(batch.kind, batch.stored_path, batch.filename)
    if batch.kind == BatchKind.CAF_FLUX:
        return iter(reader)
    from parcours.intake.sheets import records

    return records(reader, batch.mapping, department=batch.department)


def _chunks(batch):
    size = settings.IMPORT_CHUNK_ROWS
    items = records_for(batch)
    for index in itertools.count():
        chunk = list(itertools.islice(items, size))
        if not chunk:
            return
        yield index, chunk


def run(batch: ImportBatch) -> ImportBatch:
    """Import the remaining chunks of `batch` now (commands, the background job). Idempotent and resumable."""
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=BatchStatus.RUNNING, started_at=batch.started_at or timezone.now(), error=""
    )
    done = set(batch.chunks.values_list("index", flat=True))
    communes = Communes.load()
    affected = set()
    try:
        for index, items in _chunks(batch):
            if index in done:
                continue
            with transaction.atomic():
                result = ChunkImport(batch, communes).apply(items)
                ImportChunk.objects.create(
                    batch=batch, index=index, first_row=items[0].row, last_row=items[-1].row, **_counts(result)
                )
                ImportBatch.objects.filter(pk=batch.pk).update(
                    rows_done=F("rows_done") + len(items), **{n: F(n) + v for n, v in _counts(result).items()}
                )
            affected |= result.affected
    except Unreadable as exc:
        _fail(batch, str(exc))
        raise
    except Exception:
        logger.exception("Import %s interrompu", batch.pk)
        _fail(batch, "Erreur inattendue pendant l'import : il reprendra là où il s'est arrêté.")
        raise
    _raise_alerts(batch, affected)
    ImportBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.DONE, finished_at=timezone.now())
    batch.refresh_from_db()
    _forget_file(batch)
    return batch


def preview(batch: ImportBatch) -> dict:
    """What the import would do, computed by running it and rolling everything back. Nothing is written."""
    communes = Communes.load()
    counts = dict.fromkeys(RowOutcome.values, 0)
    examples: dict = {}
    try:
        with transaction.atomic():
            for _index, items in _chunks(batch):
                result = ChunkImport(batch, communes).apply(items)
                for outcome, n in result.counts.items():
                    counts[outcome] += n
                for outcome, shown in result.examples.items():
                    examples.setdefault(outcome, []).extend(shown[: 20 - len(examples.get(outcome, []))])
            raise _DryRun
    except _DryRun:
        pass
    batch.preview = {"counts": counts, "examples": examples}
    ImportBatch.objects.filter(pk=batch.pk).update(preview=batch.preview)
    return batch.preview


def start(batch: ImportBatch) -> None:
    """Run the import in the background (bulk queue), once the current transaction commits."""
    from parcours.jobs.api import enqueue
    from parcours.jobs.queues import BULK

    ImportBatch.objects.filter(pk=batch.pk, status__in=UNFINISHED).update(status=BatchStatus.QUEUED)
    transaction.on_commit(lambda: enqueue("parcours.intake.tasks.run_batch", batch.pk, queue=BULK))


def issues_file(batch: ImportBatch, fmt: str = "csv"):
    """The rejected and to-review rows, as read, with the reason: (bytes, content type, file name)."""
    issues = [
        (row, place, outcome, reason, json.loads(data) if data else {})
        for row, place, outcome, reason, data in batch.issues.order_by("row", "pk").values_list(
            "row", "place", "outcome", "reason", "data"
        )
    ]
    columns = []
    for *_rest, data in issues:
        columns.extend(k for k in data if k not in columns)
    header = ["Ligne", "Emplacement", "Résultat", "Motif", *columns]
    labels = dict(RowOutcome.choices)
    rows = [
        [row, place, labels[outcome], reason, *(_safe(data.get(c, "")) for c in columns)]
        for row, place, outcome, reason, data in issues
    ]
    stem = Path(batch.filename).stem[:60] or "import"
    if fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet("Lignes rejetées")
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        out = io.BytesIO()
        book.save(out)
        ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return out.getvalue(), ctype, f"{stem}-rejets.xlsx"
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8"), "text/csv; charset=utf-8", f"{stem}-rejets.csv"


def _safe(value) -> str:
    """A cell given back never runs as a formula in a spreadsheet (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _counts(result) -> dict:
    return {name: result.counts[name] for name in COUNTERS}


def _fail(batch, message):
    ImportBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.FAILED, error=message)


def _raise_alerts(batch, beneficiary_ids):
    """Suspensions, closures and moves out: the alerts of the people followed (work queue of their referent)."""
    if not beneficiary_ids:
        return
    from parcours.alerts.rules import alert_rules
    from parcours.alerts.scan import sync_alerts
    from parcours.orientation.models import FollowUp

    follow_ups = list(FollowUp.objects.open().filter(beneficiary_id__in=beneficiary_ids).values_list("pk", flat=True))
    if follow_ups:
        now = timezone.now()
        rules = alert_rules(on=timezone.localdate(now), department_id=batch.department_id)
        with transaction.atomic():
            sync_alerts(batch.department_id, now=now, rules=rules, follow_up_ids=follow_ups)


def _forget_file(batch):
    """A finished import does not keep the people's data in a file (the database has it, with provenance)."""
    if batch.stored_path:
        Path(batch.stored_path).unlink(missing_ok=True)
