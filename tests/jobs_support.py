"""Task functions used by tests/test_jobs.py; they run in real worker processes (importable as tests.jobs_support)."""

import os
import time
import uuid
from pathlib import Path

from django.db import transaction

from parcours.jobs.api import first_time, job
from parcours.jobs.models import JobOnce


def slow_effect(token: str, marker_dir: str) -> None:
    """First delivery: says it started, then waits to be killed. Later deliveries: commit the effect once."""
    marker = Path(marker_dir)
    with open(marker / "runs", "a") as runs:
        runs.write(f"{os.getpid()}\n")
    if not (marker / "killed").exists():
        (marker / "started").write_text(str(os.getpid()))
        time.sleep(60)
    with transaction.atomic():
        if first_time(f"kill-test:{token}"):
            # Not unique: were the guard missing, every delivery would add one more row.
            JobOnce.objects.create(key=f"effect:{token}:{uuid.uuid4()}")


def effect_without_guard(token: str) -> None:
    JobOnce.objects.create(key=f"effect:{token}:{uuid.uuid4()}")


@job(max_attempts=3)
def flaky(token: str) -> None:
    JobOnce.objects.create(key=f"attempt:{token}:{uuid.uuid4()}")
    raise RuntimeError("panne simulée")
