"""Run queued tasks in this process with django-q2's own worker and monitor (tests, `manage.py run_jobs`).

Production runs `manage.py qcluster` per queue; this is for a test that wants the effect of what a request
enqueued, and for a one-shot drain from the command line.
"""

import queue
from multiprocessing import Value
from unittest import mock

import django_q.monitor
import django_q.worker
from django_q.brokers import get_broker
from django_q.monitor import monitor
from django_q.signing import SignedPackage
from django_q.worker import worker

from parcours.jobs.queues import ALL


def run_pending(queues=ALL, *, limit: int = 10_000) -> int:
    """Run the tasks ready in `queues` (and those they enqueue), up to `limit`; returns how many ran."""
    # django-q2 closes "old" connections before each task, as a long-lived worker should; here that would close
    # the caller's connection (and, in tests, its transaction).
    with (
        mock.patch.object(django_q.worker, "close_old_django_connections", lambda: None),
        mock.patch.object(django_q.monitor, "close_old_django_connections", lambda: None, create=True),
    ):
        return _run(queues, limit)


def _run(queues, limit):
    ran = 0
    while ran < limit:
        batch = 0
        for name in queues:
            broker = get_broker(name)
            if not broker.queue_size():
                continue
            for ack_id, payload in broker.dequeue() or []:
                task = SignedPackage.loads(payload)
                task["ack_id"] = ack_id
                tasks, results = queue.Queue(), queue.Queue()
                tasks.put(task)
                tasks.put("STOP")
                worker(tasks, results, Value("f", -1), timeout=None)
                results.put("STOP")
                monitor(results, broker)
                batch += 1
        if not batch:
            break
        ran += batch
    return ran
