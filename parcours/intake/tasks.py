"""Background runs of imports (bulk queue). A worker killed mid-way leaves the task to be delivered again: the run
resumes after the last committed chunk (engine.run is idempotent)."""

from parcours.intake import engine
from parcours.intake.models import ImportBatch
from parcours.jobs.api import job
from parcours.jobs.queues import BULK


@job(max_attempts=5, queue=BULK)
def run_batch(batch_id: int) -> dict:
    batch = ImportBatch.objects.select_related("department").filter(pk=batch_id).first()
    if batch is None:
        return {}
    batch = engine.run(batch)
    return {name: getattr(batch, name) for name in ("created", "updated", "unchanged", "rejected", "to_review")}


@job(max_attempts=2, queue=BULK)
def preview_batch(batch_id: int) -> dict:
    batch = ImportBatch.objects.select_related("department").filter(pk=batch_id).first()
    return engine.preview(batch) if batch is not None else {}
