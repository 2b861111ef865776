"""The task queue: enqueued with the change that asks for it, retried with backoff, run once across a crash."""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django_q.models import OrmQ, Schedule

from parcours.jobs.api import backoff, enqueue
from parcours.jobs.models import JobOnce
from parcours.jobs.periodic import PERIODIC
from parcours.jobs.queues import BULK, INTERACTIVE
from parcours.jobs.runner import run_pending

ROOT = Path(__file__).resolve().parent.parent


def effects(token):
    return JobOnce.objects.filter(key__startswith=f"effect:{token}:").count()


@pytest.mark.django_db
def test_a_rolled_back_change_takes_its_task_with_it():
    token = uuid.uuid4().hex
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue("tests.jobs_support.effect_without_guard", token)
        raise RuntimeError("la modification échoue")
    assert OrmQ.objects.count() == 0
    enqueue("tests.jobs_support.effect_without_guard", token, queue=BULK)
    assert OrmQ.objects.filter(key=BULK).count() == 1
    assert run_pending() == 1
    assert effects(token) == 1
    assert OrmQ.objects.count() == 0


@pytest.mark.django_db
def test_a_failing_job_is_retried_later_with_growing_delays():
    token = uuid.uuid4().hex
    enqueue("tests.jobs_support.flaky", token)
    run_pending()
    assert JobOnce.objects.filter(key__startswith=f"attempt:{token}").count() == 1
    retry = Schedule.objects.get(func="tests.jobs_support.flaky")
    assert "'_attempt': 2" in retry.kwargs
    wait = (retry.next_run - timezone.now()).total_seconds()
    assert backoff(1).total_seconds() - 5 < wait <= backoff(1).total_seconds()
    assert backoff(2) == 4 * backoff(1)


@pytest.mark.django_db
def test_periodic_tasks_are_scheduled_after_migrations():
    names = set(Schedule.objects.filter(schedule_type=Schedule.MINUTES).values_list("name", flat=True))
    assert {p.name for p in PERIODIC} <= names


def _worker_env():
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        url = f"sqlite:///{db['NAME']}"
    else:
        url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    return {**os.environ, "DATABASE_URL": url, "PARCOURS_ENV": "test", "JOB_RETRY_SECONDS": "4", "JOB_WORKERS": "1"}


def _wait(predicate, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_task_runs_it_again_and_the_effect_happens_once(tmp_path):
    token = uuid.uuid4().hex
    enqueue("tests.jobs_support.slow_effect", token, str(tmp_path), queue=INTERACTIVE)
    cluster = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=ROOT,
        env=_worker_env(),
        stdout=subprocess.DEVNULL,
        stderr=open(tmp_path / "cluster.log", "w"),  # noqa: SIM115 (closed with the process)
        start_new_session=True,
    )
    try:
        assert _wait(lambda: (tmp_path / "started").exists(), 60), "le worker n'a pas pris la tâche"
        (tmp_path / "killed").touch()
        os.kill(int((tmp_path / "started").read_text()), signal.SIGKILL)  # the worker process, for real
        assert _wait(lambda: effects(token) > 0, 60), "la tâche n'a pas été relancée"
        time.sleep(1)
    finally:
        os.killpg(cluster.pid, signal.SIGTERM)
        try:
            cluster.wait(5)
        except subprocess.TimeoutExpired:
            os.killpg(cluster.pid, signal.SIGKILL)
            cluster.wait(5)
    runs = (tmp_path / "runs").read_text().split()
    assert len(runs) == 2 and runs[0] != runs[1]  # delivered again, to another worker process
    assert effects(token) == 1
    assert OrmQ.objects.count() == 0
    assert settings.Q_CLUSTER["ack_failures"]
