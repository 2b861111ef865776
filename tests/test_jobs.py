"""The task queue: enqueued with the change that asks for it, retried with backoff, run once across a crash."""

import os
import signal
import time
import uuid

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_q.models import OrmQ, Schedule

from parcours.jobs.api import backoff, enqueue, enqueue_many
from parcours.jobs.models import JobOnce
from parcours.jobs.periodic import PERIODIC
from parcours.jobs.queues import BULK, INTERACTIVE
from parcours.jobs.runner import run_pending
from tests import processes


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


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_task_runs_it_again_and_the_effect_happens_once(tmp_path):
    token = uuid.uuid4().hex
    enqueue("tests.jobs_support.slow_effect", token, str(tmp_path), queue=INTERACTIVE)
    env = processes.worker_env(JOB_RETRY_SECONDS="4", JOB_WORKERS="1")
    cluster = processes.start_cluster(env, tmp_path / "cluster.log")
    try:
        assert processes.wait_for(lambda: (tmp_path / "started").exists(), 60, step=0.2), (
            "le worker n'a pas pris la tâche"
        )
        (tmp_path / "killed").touch()
        os.kill(int((tmp_path / "started").read_text()), signal.SIGKILL)  # the worker process, for real
        assert processes.wait_for(lambda: effects(token) > 0, 60, step=0.2), "la tâche n'a pas été relancée"
        time.sleep(1)
    finally:
        processes.stop(cluster)
    runs = (tmp_path / "runs").read_text().split()
    assert len(runs) == 2 and runs[0] != runs[1]  # delivered again, to another worker process
    assert effects(token) == 1
    assert OrmQ.objects.count() == 0
    assert settings.Q_CLUSTER["ack_failures"]


@pytest.mark.django_db
def test_many_tasks_go_in_with_one_insert_and_run_like_the_others():
    tokens = [uuid.uuid4().hex for _ in range(120)]
    with CaptureQueriesContext(connection) as queries:
        assert enqueue_many("tests.jobs_support.effect_without_guard", [(t,) for t in tokens], queue=BULK) == 120
    assert len([q for q in queries if q["sql"].lstrip().upper().startswith("INSERT")]) == 1
    assert OrmQ.objects.filter(key=BULK).count() == 120
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue_many("tests.jobs_support.effect_without_guard", [("annulé",)], queue=BULK)
        raise RuntimeError("la modification échoue")
    assert run_pending() == 120
    assert all(effects(t) == 1 for t in tokens[:5]) and effects("annulé") == 0
